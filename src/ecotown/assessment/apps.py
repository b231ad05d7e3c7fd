from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "ecotown.assessment"
    label = "assessment"
    verbose_name = "Assessment"

    def ready(self):
        from ecotown import access

        from . import policies, workflows

        access.register(policies.POLICIES)
        workflows.register()
