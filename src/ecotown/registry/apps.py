from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "ecotown.registry"
    label = "registry"
    verbose_name = "Registry"

    def ready(self):
        from ecotown import access
        from ecotown.core import cache, history

        from . import policies, search
        from .models import EstateDetail, FactoryDetail, Organisation

        access.register(policies.POLICIES)
        cache.depends(Organisation, EstateDetail, FactoryDetail)  # lists' counts, factories per estate
        history.after_write(FactoryDetail, search.details_written)  # the DIW number in the search text
