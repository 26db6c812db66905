from django.apps import AppConfig


class ConfConfig(AppConfig):
    name = "inbeeld.conf"
    label = "conf"

    def ready(self) -> None:
        from inbeeld.conf import checks  # noqa: F401  (registers the system checks)
