from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "mosty.registry"
    label = "registry"
    verbose_name = "Registry: who does what where"
