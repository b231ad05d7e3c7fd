from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ecotown.core"
    label = "core"
    verbose_name = "EcoTown core"

    def ready(self):
        from ecotown.core import inputs, workflow

        workflow._register_core()
        inputs.autodiscover()  # each app's kpi_inputs.py registers the KPI inputs it provides
