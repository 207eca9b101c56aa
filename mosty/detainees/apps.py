from django.apps import AppConfig


class DetaineesConfig(AppConfig):
    name = "mosty.detainees"
    label = "detainees"
    verbose_name = "Detainee and political-prisoner registry"
