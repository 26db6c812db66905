from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "inbeeld.analysis"
    label = "analysis"
    verbose_name = "Evaluatie"

    def ready(self) -> None:
        from inbeeld.analysis import evaluation, freshness, pilot_results
        from inbeeld.jobs.results import register

        register(evaluation.RESULT)
        register(pilot_results.RESULT)
        freshness.connect()
