"""Rate limits of the anonymous intake pages: counters keyed by a hash of the address (never the
address itself) or of a receipt code's lookup key, one row per attempt, old rows removed as new
ones are counted."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from inbeeld.crypto import keyed_digest
from inbeeld.intake.models import PublicIntakeAttempt


def client_hash(address: str) -> str:
    """Keyed hash of a client address for rate limiting (the address itself is not stored)."""
    return keyed_digest("client", address)


def count_public_attempt(*, key: str, scope: str) -> tuple[int, int]:
    """Count one anonymous attempt under (key, scope); return (row id, attempts of the past hour
    including this one).

    The row is inserted and committed BEFORE the count, so of any number of concurrent attempts
    the n-th to commit counts at least n: at most the limit get through (counting first and
    inserting afterwards let 39 of 40 concurrent guesses through). Call outside a transaction.
    """
    now = timezone.now()
    window = now - dt.timedelta(hours=1)
    with transaction.atomic():
        PublicIntakeAttempt.objects.filter(created_at__lt=window - dt.timedelta(hours=1)).delete()
        row = PublicIntakeAttempt.objects.create(client_hash=key, scope=scope, created_at=now)
    used = PublicIntakeAttempt.objects.filter(
        client_hash=key, scope=scope, created_at__gte=window
    ).count()
    return row.pk, used


def public_attempt_allowed(*, address: str, scope: str) -> bool:
    """Count one anonymous request from ``address`` in ``scope`` ('submit'); False when the
    address has used up its requests of the past hour (INBEELD_PUBLIC_INTAKE_PER_HOUR)."""
    _, used = count_public_attempt(key=client_hash(address), scope=scope)
    return used <= settings.INBEELD_PUBLIC_INTAKE_PER_HOUR
