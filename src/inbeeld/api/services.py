"""Writes on API clients and their keys (issue 16): one transaction each, the audit row in it.
Called by the admin and by `inbeeld api_key_create`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from inbeeld import policy
from inbeeld.api.keys import key_digest, new_key
from inbeeld.api.models import ApiClient, ApiKey
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record

DEFAULT_KEY_DAYS = 365
MAX_KEY_DAYS = 2 * 365


def clean_scopes(scopes: Iterable[str]) -> list[str]:
    """The scopes as sorted action codes; an unknown or not grantable one is refused (Dutch)."""
    allowed = {str(a) for a in policy.API_GRANTABLE_ACTIONS}
    chosen = sorted({str(s) for s in scopes})
    wrong = [s for s in chosen if s not in allowed]
    if wrong:
        raise ValidationError(
            {"scopes": f"Deze rechten kan een koppeling niet krijgen: {', '.join(wrong)}."}
        )
    if not chosen:
        raise ValidationError({"scopes": gettext("Kies ten minste één recht voor de koppeling.")})
    return chosen


def check_acting_user(*, organisation, acting_user) -> None:
    """Refuse (ValidationError on acting_user, Dutch) a user a client may not act for."""
    refusal = policy.api_client_may_act_for(acting_user, organisation.pk)
    if refusal:
        raise ValidationError({"acting_user": refusal})


def _require_administrator(actor) -> None:
    if actor is not None and not policy.may_administer(actor):
        raise PermissionDenied("Alleen een beheerder beheert API-koppelingen.")


def _client_state(client: ApiClient) -> dict:
    return {
        "organisation": client.organisation_id,
        "name": client.name,
        "acting_user": client.acting_user_id,
        "scopes": list(client.scopes),
        "is_active": client.is_active,
    }


def api_client_save(*, actor, client: ApiClient, old: dict | None = None) -> ApiClient:
    """Create or change ``client`` (not yet saved); ``actor`` None: a command of the operator."""
    _require_administrator(actor)
    client.scopes = clean_scopes(client.scopes)
    check_acting_user(organisation=client.organisation, acting_user=client.acting_user)
    with transaction.atomic():
        if client.pk is None and actor is not None:
            client.created_by = actor
        client.full_clean()
        client.save()
        audit_record(
            actor=actor,
            action=AuditAction.API_CLIENT_CHANGED,
            subject_type="api_client",
            subject_ref=str(client.pk),
            extra={"old": old, "new": _client_state(client)},
        )
    return client


def api_key_create(*, actor, client: ApiClient, days: int = DEFAULT_KEY_DAYS) -> tuple[ApiKey, str]:
    """A new key for ``client``: returns the row and the key itself, to be shown ONCE."""
    _require_administrator(actor)
    if not 1 <= days <= MAX_KEY_DAYS:
        raise ValidationError({"days": f"Een sleutel is 1 tot {MAX_KEY_DAYS} dagen geldig."})
    if not client.is_active:
        raise ValidationError("Deze koppeling is niet actief; maak haar eerst actief.")
    check_acting_user(organisation=client.organisation, acting_user=client.acting_user)
    key, prefix = new_key()
    with transaction.atomic():
        row = ApiKey.objects.create(
            client=client,
            prefix=prefix,
            digest=key_digest(key),
            created_by=actor,
            expires_at=timezone.now() + dt.timedelta(days=days),
        )
        audit_record(
            actor=actor,
            action=AuditAction.API_KEY_CREATED,
            subject_type="api_client",
            subject_ref=str(client.pk),
            extra={"key": prefix, "expires_at": row.expires_at.isoformat()},
        )
    return row, key


def api_key_revoke(*, actor, key: ApiKey) -> ApiKey:
    """Revoke ``key`` at once (idempotent: a revoked key stays revoked as it was)."""
    _require_administrator(actor)
    with transaction.atomic():
        row = ApiKey.objects.select_for_update().get(pk=key.pk)
        if row.revoked_at is None:
            row.revoked_at = timezone.now()
            row.save(update_fields=["revoked_at"])
            audit_record(
                actor=actor,
                action=AuditAction.API_KEY_REVOKED,
                subject_type="api_client",
                subject_ref=str(row.client_id),
                extra={"key": row.prefix},
            )
    return row
