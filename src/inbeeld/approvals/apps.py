from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "inbeeld.approvals"
    label = "approvals"
    verbose_name = "Goedkeuringen (vier ogen)"
