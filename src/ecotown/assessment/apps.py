from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "ecotown.assessment"
    label = "assessment"
    verbose_name = "Assessment"

    def ready(self):
        from . import workflows

        workflows.register()
