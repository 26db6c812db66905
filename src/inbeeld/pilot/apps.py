from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PilotConfig(AppConfig):
    name = "inbeeld.pilot"
    label = "pilot"
    verbose_name = "Proeftuin"

    def ready(self) -> None:
        from inbeeld.pilot.sync import sync_after_migrate

        post_migrate.connect(sync_after_migrate, sender=self)
