from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "inbeeld.accounts"
    label = "accounts"
    verbose_name = "Accounts en organisaties"

    def ready(self) -> None:
        from inbeeld.accounts import signals  # noqa: F401  (login/logout audit receivers)
