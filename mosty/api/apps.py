from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "mosty.api"
    label = "api"
    verbose_name = "REST API"
