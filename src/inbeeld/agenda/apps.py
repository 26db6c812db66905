from django.apps import AppConfig


class AgendaConfig(AppConfig):
    name = "inbeeld.agenda"
    label = "agenda"
    verbose_name = "Agenda: aanbevelingen en hun opvolging"
