from django.apps import AppConfig
from django.db.models.signals import class_prepared

from inbeeld.conf import choices

# Before any model class is made: Django imports every app configuration first (conf/choices.py).
class_prepared.connect(choices.install, dispatch_uid="inbeeld.conf.choices")


class ConfConfig(AppConfig):
    name = "inbeeld.conf"
    label = "conf"

    def ready(self) -> None:
        from inbeeld.conf import checks  # noqa: F401  (registers the system checks)
