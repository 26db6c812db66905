"""Key rotation: re-encrypt every encrypted column under the newest key."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import transaction

from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.crypto import decrypt_text, rotate_token


@dataclass(frozen=True)
class RotationResult:
    rows: int
    fields: dict[str, int]


def encrypted_columns() -> list[tuple[type, str]]:
    """Every (model, field) that holds ciphertext, declared by ENCRYPTED_FIELDS on the model."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in getattr(model, "ENCRYPTED_FIELDS", ())
    ]


def keys_rotate(*, batch_size: int = 2000) -> RotationResult:
    """Re-encrypt all ciphertext under the first configured key (settings.INBEELD_ENCRYPTION_KEYS
    must list the new key first and the old keys after it). Each row is checked to decrypt to the
    same plaintext before and after. All or nothing: one transaction."""
    counts: dict[str, int] = {}
    with transaction.atomic():
        for model, field in encrypted_columns():
            label = f"{model._meta.label}.{field}"
            counts[label] = 0
            rows = model.objects.exclude(**{field: ""}).order_by("pk").values_list("pk", field)
            for pk, token in rows.iterator(chunk_size=batch_size):
                rotated = rotate_token(token)
                if decrypt_text(rotated) != decrypt_text(token):  # pragma: no cover (defensive)
                    raise RuntimeError(f"rotation changed the plaintext of {label} {pk}")
                rewrite = getattr(model.objects.filter(pk=pk), "rewrite_ciphertext", None)
                if rewrite is not None:
                    rewrite(**{field: rotated})
                else:
                    model.objects.filter(pk=pk).update(**{field: rotated})
                counts[label] += 1
        audit_record(
            actor=None,
            action=AuditAction.KEYS_ROTATED,
            subject_type="crypto",
            extra={"rows": counts},
        )
    return RotationResult(rows=sum(counts.values()), fields=counts)


def newest_ciphertexts(*, window: int = 100) -> list[tuple[str, str]]:
    """(column label, ciphertext) of the newest non-empty value in each encrypted column, looked
    for among the column's newest ``window`` rows only, so the readiness probe stays cheap on a
    large table (a column with no value there is left out)."""
    found = []
    for model, field in encrypted_columns():
        newest_rows = model.objects.order_by("-pk").values("pk")[:window]
        token = (
            model.objects.filter(pk__in=newest_rows)
            .exclude(**{field: ""})
            .order_by("-pk")
            .values_list(field, flat=True)
            .first()
        )
        if token:
            found.append((f"{model._meta.label}.{field}", token))
    return found
