from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "inbeeld.demo"
    label = "demo"
    verbose_name = "Demogegevens"
