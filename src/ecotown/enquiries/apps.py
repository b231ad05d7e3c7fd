from django.apps import AppConfig


class EnquiriesConfig(AppConfig):
    name = "ecotown.enquiries"
    label = "enquiries"
    verbose_name = "Enquiries"

    def ready(self):
        from ecotown import access

        from . import policies, workflows

        access.register(policies.POLICIES)
        workflows.register()
