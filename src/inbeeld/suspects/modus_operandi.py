"""Writes of a case's modus operandi (issue 17 item 4, ADR 0023): the policy asked, one
transaction, the audit row in it; values from the versioned reference list."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.cases.models import Case
from inbeeld.suspects.models import STORY_TOLD, ModusOperandiRecord, SafetyFact, SafetyFactKind
from inbeeld.suspects.services import _organisation, _require


def _mo_value(dimension: str, code: str | None):
    from inbeeld.reference.models import ModusOperandiValue

    if not code:
        return None
    return ModusOperandiValue.objects.filter(dimension=dimension, code=code).first() or False


def modus_operandi_record(
    *,
    actor,
    case: Case,
    location: str,
    criminal_subform: str = "",
    recruitment_channel: str = "",
    advertisement_found: bool | None = None,
    platform_category: str = "",
    platform_notified: bool | None = None,
    taken_down: bool | None = None,
) -> ModusOperandiRecord:
    """Record the case's modus operandi (a new row; the newest is current). Who links suspects
    records it (police, prosecutor). Platforms by category only: there is no field for a name."""
    codes = {
        "criminal_subform": criminal_subform,
        "location": location,
        "recruitment_channel": recruitment_channel,
        "platform_category": platform_category,
    }
    values = {name: _mo_value(name, code) for name, code in codes.items()}
    errors = {name: _("Kies een waarde uit de lijst.") for name, v in values.items() if v is False}
    if values["location"] is None:
        errors["location"] = _("Kies waar de uitbuiting plaatsvond.")
    if (platform_notified or taken_down) and not values["platform_category"]:
        errors["platform_category"] = _("Kies het soort platform dat is ingelicht.")
    if taken_down and not platform_notified:
        errors["taken_down"] = _(
            "Een advertentie kan alleen offline zijn gehaald als het platform is ingelicht."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        memberships = _require(
            actor,
            policy.Action.SUSPECT_LINK,
            case,
            _("U mag bij deze casus geen modus operandi vastleggen."),
        )
        record = ModusOperandiRecord.objects.create(
            case=case,
            advertisement_found=advertisement_found,
            platform_notified=platform_notified,
            taken_down=taken_down,
            recorded_by=actor,
            organisation=_organisation(memberships),
            recorded_at=timezone.now(),
            **values,
        )
        audit_record(
            actor=actor,
            action=AuditAction.MODUS_OPERANDI_RECORDED,
            subject_type="modus_operandi",
            subject_ref=str(record.pk),
            case_code=case.code,
            extra={
                "new": {
                    **{k: v for k, v in codes.items() if v},
                    "advertisement_found": advertisement_found,
                    "platform_notified": platform_notified,
                    "taken_down": taken_down,
                }
            },
        )
    return record


def safety_fact_record(*, actor, case: Case, kind: str, date) -> SafetyFact:
    """Record a safety fact of the case (issue 17 item 5): police or prosecutor of the case."""
    from inbeeld.cases.services import check_date

    if kind not in SafetyFactKind.values:
        raise ValidationError({"kind": _("Kies wat er is gebeurd.")})
    check_date(date, "date")
    with transaction.atomic():
        memberships = _require(
            actor,
            policy.Action.SUSPECT_LINK,
            case,
            _("U mag bij deze casus geen veiligheidsgegevens vastleggen."),
        )
        fact = SafetyFact.objects.create(
            case=case,
            kind=kind,
            date=date,
            recorded_by=actor,
            organisation=_organisation(memberships),
            recorded_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.SAFETY_FACT_RECORDED,
            subject_type="safety_fact",
            subject_ref=str(fact.pk),
            case_code=case.code,
            extra={"new": {"kind": kind, "date": date.isoformat()}},
        )
    return fact


def times_story_told(case: Case) -> int:
    """How many times the victim had to tell the story (an outcome per intervention)."""
    return SafetyFact.objects.filter(case=case, kind__in=STORY_TOLD).count()
