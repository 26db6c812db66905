from django.apps import AppConfig


class PublicationConfig(AppConfig):
    name = "inbeeld.publication"
    label = "publication"
    verbose_name = "Publicatie"

    def ready(self) -> None:
        # The microdata threshold's admin lives in its own module (admin.py holds the ledger).
        from inbeeld.publication import anonymity_admin  # noqa: F401
        from inbeeld.publication.job_kinds import register_all

        register_all()
        from inbeeld.publication import stored_results

        stored_results.register_all()
