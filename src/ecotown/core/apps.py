from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ecotown.core"
    label = "core"
    verbose_name = "EcoTown core"
