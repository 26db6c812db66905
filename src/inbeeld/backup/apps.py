from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "inbeeld.backup"
    label = "backup"
    verbose_name = "Back-up en herstel"
