from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "inbeeld.oversight"
    label = "oversight"
    verbose_name = "Privacytoezicht"
