from django.apps import AppConfig


class EnquiriesConfig(AppConfig):
    name = "ecotown.enquiries"
    label = "enquiries"
    verbose_name = "Enquiries"

    def ready(self):
        from . import workflows

        workflows.register()
