from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ecotown.core"
    label = "core"
    verbose_name = "EcoTown core"

    def ready(self):
        from ecotown import access
        from ecotown.core import inputs, workflow

        from . import policies

        access.register(policies.POLICIES)
        workflow._register_core()
        inputs.autodiscover()  # each app's kpi_inputs.py registers the KPI inputs it provides
