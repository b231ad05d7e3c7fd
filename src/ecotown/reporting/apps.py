from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "ecotown.reporting"
    label = "reporting"
    verbose_name = "Reporting"

    def ready(self):
        from ecotown import access

        from . import kinds  # noqa: F401 — declares (registers) the built-in kinds of reported records

        from . import policies, workflows

        access.register(policies.POLICIES)
        workflows.register()

        from ecotown.core import history

        from . import month_states
        from .models import ActivityRecord

        history.after_write(ActivityRecord, month_states.written)

        from ecotown.core import downloads

        from . import matrix_export

        downloads.register("reporting.matrix", matrix_export.build)
