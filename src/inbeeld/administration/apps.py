from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    name = "inbeeld.administration"
    label = "administration"
    verbose_name = "Beheer"
