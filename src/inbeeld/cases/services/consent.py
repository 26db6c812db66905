"""Linkage keys and research consent on a case."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.cases.models import (
    Case,
    ConsentRecord,
    LinkageKey,
)
from inbeeld.cases.services.base import _lock_case, check_date
from inbeeld.crypto import linkage_key

# --- linkage keys and research consent -----------------------------------------------------------


def linkage_key_add(
    *, actor, case: Case, source: str, identifier_type: str, identifier: str
) -> LinkageKey:
    """Store the keyed pseudonym of a partner identifier; the identifier itself is dropped here."""
    if not policy.can(actor, policy.Action.LINKAGE_ADD, case):
        raise PermissionDenied(_("U mag bij deze casus geen koppelsleutel vastleggen."))
    normalised = "".join(identifier.split())
    if len(normalised) < 4:
        raise ValidationError({"identifier": _("Een kenmerk heeft ten minste 4 tekens.")})
    key = linkage_key(f"{identifier_type}:{normalised}")
    with transaction.atomic():
        if LinkageKey.objects.filter(case=case, source=source, key=key).exists():
            raise ValidationError({"identifier": _("Dit kenmerk is al gekoppeld aan deze casus.")})
        linkage = LinkageKey(
            case=case, source=source, identifier_type=identifier_type, key=key, created_by=actor
        )
        linkage.full_clean()
        linkage.save()
        audit_record(
            actor=actor,
            action=AuditAction.LINKAGE_KEY_ADDED,
            subject_type="case",
            subject_ref=case.code,
            case_code=case.code,
            extra={"new": {"source": source, "identifier_type": identifier_type}},
        )
    return linkage


def consent_record(
    *,
    actor,
    case: Case,
    kind: str,
    date: dt.date,
    scope: str = "",
    expected_version: int | None = None,
) -> ConsentRecord:
    """Record research consent given (with scope) or withdrawn; a withdrawal takes the case out
    of every research view at once (Case.research_consent, same transaction); whether the new
    record covers the monitor is kept beside it (Case.monitor_consent)."""
    if not policy.can(actor, policy.Action.CONSENT_RECORD, case):
        raise PermissionDenied(_("U mag bij deze casus geen toestemming vastleggen."))
    check_date(date, "date")
    if kind == ConsentRecord.Kind.GIVEN and not scope:
        raise ValidationError({"scope": _("Kies waarvoor toestemming is gegeven.")})
    with transaction.atomic():
        locked = _lock_case(case, expected_version)
        currently = locked.research_consent
        if kind == ConsentRecord.Kind.WITHDRAWN and not currently:
            raise ValidationError({"kind": _("Er is geen toestemming om in te trekken.")})
        record = ConsentRecord(
            case=locked,
            kind=kind,
            scope=scope if kind == "given" else "",
            date=date,
            recorded_by=actor,
        )
        record.full_clean()
        record.save()
        given = kind == ConsentRecord.Kind.GIVEN
        monitor = given and scope == policy.MONITOR_CONSENT_SCOPE
        Case.objects.filter(pk=locked.pk).update(
            research_consent=given, monitor_consent=monitor, version=locked.version + 1
        )
        case.research_consent, case.monitor_consent = given, monitor
        case.version = locked.version + 1
        audit_record(
            actor=actor,
            action=AuditAction.CONSENT_RECORDED,
            subject_type="case",
            subject_ref=case.code,
            case_code=case.code,
            extra={
                "old": {"research_consent": currently},
                "new": {
                    "research_consent": given,
                    "kind": kind,
                    "scope": scope,
                    "date": date.isoformat(),
                },
            },
        )
    return record
