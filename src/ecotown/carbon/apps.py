from django.apps import AppConfig


class CarbonConfig(AppConfig):
    name = "ecotown.carbon"
    label = "carbon"
    verbose_name = "Carbon"
