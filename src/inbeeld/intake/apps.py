from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "inbeeld.intake"
    label = "intake"
    verbose_name = "Signalen (vroegsignalering)"
