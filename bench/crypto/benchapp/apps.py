from django.apps import AppConfig


class BenchAppConfig(AppConfig):
    name = "bench.crypto.benchapp"
    label = "benchapp"
