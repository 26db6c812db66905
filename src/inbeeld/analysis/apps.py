from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "inbeeld.analysis"
    label = "analysis"
    verbose_name = "Evaluatie"
