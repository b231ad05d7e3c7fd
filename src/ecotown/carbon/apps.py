from django.apps import AppConfig


class CarbonConfig(AppConfig):
    name = "ecotown.carbon"
    label = "carbon"
    verbose_name = "Carbon"

    def ready(self):
        from ecotown import access
        from ecotown.core import recompute

        from . import policies, services, workflows

        access.register(policies.POLICIES)
        recompute.register("activities", services.on_records_changed)
        workflows.register()
