from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "ecotown.registry"
    label = "registry"
    verbose_name = "Registry"
