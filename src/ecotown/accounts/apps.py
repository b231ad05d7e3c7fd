from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ecotown.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from ecotown import access

        from . import policies, workflows

        access.register(policies.POLICIES)
        workflows.register()
