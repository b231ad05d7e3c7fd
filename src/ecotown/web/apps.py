from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ecotown.web"
    label = "web"
    verbose_name = "Web"
