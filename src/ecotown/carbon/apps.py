from django.apps import AppConfig


class CarbonConfig(AppConfig):
    name = "ecotown.carbon"
    label = "carbon"
    verbose_name = "Carbon"

    def ready(self):
        from ecotown import access
        from ecotown.core import cache, recompute
        from ecotown.web import pickers

        from . import policies, selectors, services, workflows

        access.register(policies.POLICIES)
        recompute.register("activities", services.on_records_changed)
        workflows.register()
        pickers.register("carbon.factor_set", selectors.supplier_set_orgs)
        from .models import Inventory

        cache.depends(Inventory)  # the inventories list's count
