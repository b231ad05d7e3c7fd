from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "ecotown.registry"
    label = "registry"
    verbose_name = "Registry"

    def ready(self):
        from ecotown import access

        from . import policies

        access.register(policies.POLICIES)
