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

        from ecotown.web import pickers

        from . import selectors

        pickers.register("assessment.start", selectors.startable_orgs)
