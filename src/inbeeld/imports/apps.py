from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "inbeeld.imports"
    label = "imports"
    verbose_name = "Bulkimport"

    def ready(self) -> None:
        from inbeeld.imports.job_kinds import register_all

        register_all()
