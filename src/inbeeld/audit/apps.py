from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _chain_heads(sender, using, apps=None, **kwargs) -> None:
    from inbeeld.audit.services import chain_heads_ensure

    try:
        historical = apps.get_model("audit", "AuditChainHead") if apps is not None else None
    except LookupError:
        return
    if historical is not None and "chain" not in {f.name for f in historical._meta.fields}:
        return  # migrated back to before the parallel chains (migration 0014)
    chain_heads_ensure(using)


class AuditConfig(AppConfig):
    name = "inbeeld.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        # After `migrate` (and a flush): one committed head row per configured audit chain, so
        # writers never create heads inside their own transactions (audit/services.py).
        post_migrate.connect(_chain_heads, sender=self, dispatch_uid="inbeeld.audit.chain_heads")
