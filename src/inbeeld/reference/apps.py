from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReferenceConfig(AppConfig):
    name = "inbeeld.reference"
    label = "reference"
    verbose_name = "Referentiegegevens"

    def ready(self) -> None:
        from inbeeld.reference.sync import sync_after_migrate

        post_migrate.connect(sync_after_migrate, sender=self)
