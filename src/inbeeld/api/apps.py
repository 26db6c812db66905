from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "inbeeld.api"
    label = "api"
    verbose_name = "API-koppelingen"

    def ready(self):
        from inbeeld.api import schema  # noqa: F401 (registers the API-key security scheme)
