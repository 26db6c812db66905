from django.apps import AppConfig


class SuspectsConfig(AppConfig):
    name = "inbeeld.suspects"
    label = "suspects"
    verbose_name = "Verdachten"
