from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ecotown.core"
    label = "core"
    verbose_name = "EcoTown core"

    def ready(self):
        from ecotown.core import workflow

        workflow._register_core()
