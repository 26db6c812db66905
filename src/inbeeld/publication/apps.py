from django.apps import AppConfig


class PublicationConfig(AppConfig):
    name = "inbeeld.publication"
    label = "publication"
    verbose_name = "Publicatie"
