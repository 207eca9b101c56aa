from django.apps import AppConfig


class CryptoTestConfig(AppConfig):
    name = "mosty.core.tests.cryptotest"
    label = "cryptotest"
    default_auto_field = "django.db.models.BigAutoField"
