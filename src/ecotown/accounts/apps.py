from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ecotown.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from . import workflows

        workflows.register()
