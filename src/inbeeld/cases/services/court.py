"""The court of a case: derived from the OM district, or set by the prosecutor."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.cases.models import (
    Case,
)
from inbeeld.cases.services.base import _lock_case
from inbeeld.reference.models import Court

# --- the court of a case (issue 14 item 2) ------------------------------------------------------
# A case reaches the examining judge through its court (policy Scope.COURT). The court follows
# from the OM district when the case is brought before a court (policy.COURT_DERIVING_EVENTS);
# the prosecutor sets or changes it. Both are audited as a change of the case.


def court_choices(case: Case):
    """The courts ``case`` may go to: those of its police unit's OM district (all courts for a
    national parket or a unit without a district)."""
    district = case.police_unit.om_district
    return district.court_choices() if district is not None else Court.objects.all()


def _audit_court(actor, case: Case, old: Court | None, new: Court, how: dict) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.CASE_UPDATED,
        subject_type="case",
        subject_ref=case.code,
        case_code=case.code,
        extra={
            "old": {"court": old.code if old else None},
            "new": {"court": new.code},
            **how,
        },
    )


def case_derive_court(*, actor, case: Case, event_code: str, outcome: str = "") -> Court | None:
    """Inside the transaction that records ``event_code`` on the locked ``case``: give a case
    without a court the court of its OM district when the event brings it before a court and the
    district has exactly one. Returns the court set, or None (nothing to derive)."""
    if case.court_id is not None or not policy.event_brings_case_to_court(event_code, outcome):
        return None
    district = case.police_unit.om_district
    court = district.derived_court() if district is not None else None
    if court is None:
        return None
    Case.objects.filter(pk=case.pk).update(court=court)
    case.court = court
    _audit_court(
        actor,
        case,
        None,
        court,
        {"derived_from": {"om_district": district.code, "event_type": event_code}},
    )
    return court


def case_set_court(*, actor, case: Case, court: Court, expected_version: int | None = None) -> Case:
    """The prosecutor sets or changes the court of ``case`` (one of its district's courts); the
    examining judges of that court see the case from then on, those of the old one no longer."""
    if not policy.can(actor, policy.Action.CASE_SET_COURT, case):
        raise PermissionDenied(_("U mag de rechtbank van deze casus niet instellen."))
    with transaction.atomic():
        locked = _lock_case(case, expected_version)
        if not court_choices(locked).filter(pk=court.pk).exists():
            raise ValidationError(
                {"court": _("Deze rechtbank hoort niet bij het arrondissement van deze casus.")}
            )
        old = locked.court
        if old is not None and old.pk == court.pk:
            raise ValidationError(
                {"court": _("Deze casus staat al bij %(court)s.") % {"court": court.name}}
            )
        Case.objects.filter(pk=locked.pk).update(court=court, version=locked.version + 1)
        _audit_court(actor, locked, old, court, {"how": "set"})
    case.court, case.court_id, case.version = court, court.pk, locked.version + 1
    return case
