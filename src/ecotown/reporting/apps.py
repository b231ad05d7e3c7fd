from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "ecotown.reporting"
    label = "reporting"
    verbose_name = "Reporting"

    def ready(self):
        from . import workflows

        workflows.register()
