from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mosty.accounts"
    label = "accounts"
    verbose_name = "Organisations and accounts"
