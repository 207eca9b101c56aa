from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "mosty.cases"
    label = "cases"
    verbose_name = "Support cases"
