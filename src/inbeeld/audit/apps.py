from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _chain_heads(sender, using, apps=None, **kwargs) -> None:
    from inbeeld.audit.services import chain_heads_ensure

    chain_heads_ensure(using)


class AuditConfig(AppConfig):
    name = "inbeeld.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        # After `migrate` (and a flush): one committed head row per configured audit chain, so
        # writers never create heads inside their own transactions (audit/services.py).
        post_migrate.connect(_chain_heads, sender=self, dispatch_uid="inbeeld.audit.chain_heads")
