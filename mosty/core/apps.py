from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mosty.core"
    label = "core"
    verbose_name = "Mosty core"
