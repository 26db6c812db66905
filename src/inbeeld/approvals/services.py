"""Four-eyes writes: request a change, approve it (which applies it) or reject it.

Each runs in one transaction with its audit row. Approving applies the stored change only while
the object still holds the values the request replaced; the domain audit row (MEMBERSHIP_CHANGED,
USER_CHANGED, ORGANISATION_CHANGED or REFERENCE_CHANGED) and APPROVAL_APPROVED land with it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.accounts.models import Membership, Role
from inbeeld.approvals.models import ChangeRequest
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.crypto import encrypt_text

MEMBERSHIP = "accounts.membership"
USER = "accounts.user"

# How a change of each kind of object is audited: (action, subject type); reference data by label.
AUDIT_FOR_TARGET: dict[str, tuple[str, str]] = {
    MEMBERSHIP: (AuditAction.MEMBERSHIP_CHANGED, "membership"),
    USER: (AuditAction.USER_CHANGED, "user"),
    "accounts.organisation": (AuditAction.ORGANISATION_CHANGED, "organisation"),
    "accounts.identityprovider": (AuditAction.IDENTITY_PROVIDER_CHANGED, "identity_provider"),
}

GUARDED_ROLES = tuple(role for role in Role.values if policy.role_grant_needs_approval(role))

REASON_MAX_LENGTH = 500


def audit_target(label: str) -> tuple[str, str]:
    return AUDIT_FOR_TARGET.get(label, (AuditAction.REFERENCE_CHANGED, label))


def subject_ref(obj) -> str:
    return obj.get_username() if obj._meta.label_lower == USER else str(obj.pk)


# --- values -----------------------------------------------------------------------------------------


def field_value(obj, name: str):
    """The JSON-safe value of field ``name`` on ``obj``: a primary key for a foreign key, sorted
    primary keys for a many-to-many field."""
    field = obj._meta.get_field(name)
    if field.many_to_many:
        if obj.pk is None:
            return []
        return sorted(getattr(obj, name).values_list("pk", flat=True))
    if field.is_relation:
        return getattr(obj, field.attname)
    value = getattr(obj, name)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def values_of(obj, names) -> dict:
    return {name: field_value(obj, name) for name in names}


def display_value(model, name: str, value) -> str:
    """``value`` of ``model.name`` as a person reads it (Dutch)."""
    field = model._meta.get_field(name)
    if value in (None, "", []):
        return "—"
    if field.many_to_many:
        rows = field.related_model.objects.filter(pk__in=value)
        return ", ".join(str(row) for row in rows) or "—"
    if field.is_relation:
        row = field.related_model.objects.filter(pk=value).first()
        return str(row) if row is not None else _("(verwijderd)")
    if isinstance(value, bool):
        return _("ja") if value else _("nee")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def field_label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def describe(model, obj, changes: dict) -> str:
    """A short Dutch summary of a request, for the list of requests."""
    if model is Membership:
        draft = Membership()
        for name, value in changes.items():
            setattr(draft, model._meta.get_field(name).attname, value)
        if obj is not None:
            for name in ("user", "organisation", "role"):
                if name not in changes:
                    setattr(draft, model._meta.get_field(name).attname, field_value(obj, name))
        return _("Lidmaatschap: %(membership)s") % {"membership": str(draft)[:300]}
    parts = [
        f"{field_label(model, name)}: {display_value(model, name, value)}"
        for name, value in changes.items()
    ]
    return f"{str(model._meta.verbose_name).capitalize()} ‘{obj}’ – {'; '.join(parts)}"[:400]


def user_is_guarded(user) -> bool:
    """Whether ``user`` holds, or awaits, a membership whose grant needs a second person."""
    if user is None or user.pk is None:
        return False
    return (
        Membership.objects.filter(user=user, is_active=True, role__in=GUARDED_ROLES).exists()
        or ChangeRequest.objects.filter(
            target=MEMBERSHIP, subject_user=user, status=ChangeRequest.Status.PENDING
        ).exists()
    )


# --- requests -----------------------------------------------------------------------------------------


def change_request_create(
    *,
    actor,
    model,
    obj,
    before: dict,
    changes: dict,
    subject_user=None,
) -> ChangeRequest:
    """Store ``changes`` to ``obj`` (None: a new ``model`` row) as a pending request; nothing
    changes until a second person approves it."""
    is_grant = model is Membership
    if is_grant and subject_user is not None and subject_user.pk == actor.pk:
        raise ValidationError(
            _("U kunt uzelf geen rol of gegevens toekennen die toegang geven; vraag een collega.")
        )
    with transaction.atomic():
        request = ChangeRequest(
            target=model._meta.label_lower,
            object_id=obj.pk if obj is not None else None,
            before=before,
            changes=changes,
            summary=describe(model, obj, changes),
            subject_user=subject_user,
            requested_by=actor,
            requested_at=timezone.now(),
        )
        request.full_clean()
        request.save()
        audit_record(
            actor=actor,
            action=AuditAction.APPROVAL_REQUESTED,
            subject_type="change_request",
            subject_ref=str(request.pk),
            extra={
                "target": request.target,
                "object": request.object_id,
                "subject_user": subject_user.get_username() if subject_user else None,
                "old": before,
                "new": changes,
            },
        )
    return request


def _checked_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Geef een toelichting bij uw beslissing."))
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("De toelichting is te lang (ten hoogste %(n)s tekens).") % {"n": REASON_MAX_LENGTH}
        )
    return reason


def _locked_pending(actor, request_id: int) -> ChangeRequest:
    request = ChangeRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None:
        raise ValidationError(_("Dit verzoek bestaat niet."))
    if request.status != ChangeRequest.Status.PENDING:
        raise ValidationError(_("Over dit verzoek is al beslist."))
    if not policy.may_decide_change(
        actor, requested_by_id=request.requested_by_id, subject_user_id=request.subject_user_id
    ):
        raise ValidationError(
            _(
                "U mag dit verzoek niet beoordelen: een tweede persoon beslist, niet de aanvrager "
                "en niet degene die de rol krijgt."
            )
        )
    return request


def _apply(request: ChangeRequest):
    """Apply the stored change; returns (object, old values, new values)."""
    model = apps.get_model(request.target)
    if request.object_id is None:
        obj = model()
    else:
        obj = model.objects.select_for_update().filter(pk=request.object_id).first()
        if obj is None:
            raise ValidationError(_("Het gegeven bestaat niet meer; wijs het verzoek af."))
        current = values_of(obj, request.changes)
        if current != {name: request.before.get(name) for name in request.changes}:
            raise ValidationError(
                _(
                    "Het gegeven is na het verzoek gewijzigd; wijs het verzoek af en vraag de "
                    "wijziging zo nodig opnieuw aan."
                )
            )
    old = values_of(obj, request.changes) if request.object_id is not None else {}
    many = {}
    for name, value in request.changes.items():
        field = model._meta.get_field(name)
        if field.many_to_many:
            many[name] = value
        elif field.is_relation:
            setattr(obj, field.attname, value)
        else:
            setattr(obj, name, field.to_python(value))
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ValidationError([_("De wijziging is niet (meer) geldig:"), *exc.messages]) from exc
    obj.save()
    for name, pks in many.items():
        getattr(obj, name).set(pks)
    return obj, old, values_of(obj, request.changes)


def change_request_approve(*, actor, request_id: int, reason: str) -> ChangeRequest:
    """Approve and apply a pending request, by a second person (policy.may_decide_change)."""
    reason = _checked_reason(reason)
    with transaction.atomic():
        request = _locked_pending(actor, request_id)
        obj, old, new = _apply(request)
        request.object_id = obj.pk
        request.status = ChangeRequest.Status.APPROVED
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.reason_ciphertext = encrypt_text(reason)
        request.save()
        action, subject_type = audit_target(request.target)
        audit_record(
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_ref=subject_ref(obj),
            extra={"old": old, "new": new, "approval": request.pk},
        )
        audit_record(
            actor=actor,
            action=AuditAction.APPROVAL_APPROVED,
            subject_type="change_request",
            subject_ref=str(request.pk),
            extra={
                "target": request.target,
                "object": obj.pk,
                "requested_by": request.requested_by.get_username(),
            },
        )
    return request


def change_request_reject(*, actor, request_id: int, reason: str) -> ChangeRequest:
    """Reject a pending request: nothing changes."""
    reason = _checked_reason(reason)
    with transaction.atomic():
        request = _locked_pending(actor, request_id)
        request.status = ChangeRequest.Status.REJECTED
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.reason_ciphertext = encrypt_text(reason)
        request.save()
        audit_record(
            actor=actor,
            action=AuditAction.APPROVAL_REJECTED,
            subject_type="change_request",
            subject_ref=str(request.pk),
            extra={"target": request.target, "object": request.object_id},
        )
    return request
