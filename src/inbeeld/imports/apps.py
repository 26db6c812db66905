from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "inbeeld.imports"
    label = "imports"
    verbose_name = "Bulkimport"
