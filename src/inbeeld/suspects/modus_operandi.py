"""Writes of a case's modus operandi (issue 17 item 4) and safety facts (item 5), ADR 0023: the
policy asked, one transaction, the audit row in it; values from the versioned reference list.

Both are append-only. The modus operandi has no withdrawal: its newest record is the current one,
so a correction is simply a new record (the form starts from the current values). A safety fact
is one of many, so a wrong one is corrected by a new fact that supersedes it, or withdrawn with a
fixed reason (ADR 0015); only standing facts count."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.cases.models import Case, WithdrawalReason
from inbeeld.suspects.models import (
    STORY_TOLD,
    ModusOperandiRecord,
    SafetyFact,
    SafetyFactKind,
    SafetyFactWithdrawal,
)
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


def _check_fact(kind: str, date) -> None:
    from inbeeld.cases.services import check_date

    if kind not in SafetyFactKind.values:
        raise ValidationError({"kind": _("Kies wat er is gebeurd.")})
    check_date(date, "date")


def _new_fact(actor, memberships, case, kind, date, supersedes=None) -> SafetyFact:
    fact = SafetyFact(
        case=case,
        kind=kind,
        date=date,
        supersedes=supersedes,
        recorded_by=actor,
        organisation=_organisation(memberships),
        recorded_at=timezone.now(),
    )
    fact.full_clean()
    fact.save()
    return fact


def _fact_values(fact: SafetyFact) -> dict:
    return {"kind": fact.kind, "date": fact.date.isoformat()}


def _audit_fact(actor, action, fact: SafetyFact, *, new: dict, old: dict | None = None) -> None:
    extra = {"new": new} if old is None else {"old": old, "new": new}
    audit_record(
        actor=actor,
        action=action,
        subject_type="safety_fact",
        subject_ref=str(fact.pk),
        case_code=fact.case.code,
        extra=extra,
    )


def safety_fact_record(*, actor, case: Case, kind: str, date) -> SafetyFact:
    """Record a safety fact of the case (issue 17 item 5): police or prosecutor of the case."""
    _check_fact(kind, date)
    with transaction.atomic():
        memberships = _require(
            actor,
            policy.Action.SUSPECT_LINK,
            case,
            _("U mag bij deze casus geen veiligheidsgegevens vastleggen."),
        )
        fact = _new_fact(actor, memberships, case, kind, date)
        _audit_fact(actor, AuditAction.SAFETY_FACT_RECORDED, fact, new=_fact_values(fact))
    return fact


def _lock_standing_fact(actor, fact: SafetyFact) -> tuple[SafetyFact, list]:
    """The fact, locked, after the policy was asked again; refused when it no longer stands."""
    original = SafetyFact.objects.select_for_update().select_related("case").get(pk=fact.pk)
    memberships = _require(
        actor,
        policy.Action.SUSPECT_LINK,
        original.case,
        _("U mag de veiligheidsgegevens van deze casus niet wijzigen."),
    )
    if SafetyFact.objects.filter(supersedes=original).exists():
        raise ValidationError(
            _("Dit veiligheidsfeit is al gecorrigeerd; wijzig de nieuwste versie.")
        )
    if SafetyFactWithdrawal.objects.filter(fact=original).exists():
        raise ValidationError(_("Dit veiligheidsfeit is ingetrokken en telt niet meer mee."))
    return original, memberships


def safety_fact_correct(*, actor, fact: SafetyFact, kind: str, date) -> SafetyFact:
    """Correct what happened or its date by a new fact that supersedes ``fact`` (it stays on
    record, marked as corrected)."""
    _check_fact(kind, date)
    with transaction.atomic():
        original, memberships = _lock_standing_fact(actor, fact)
        if (original.kind, original.date) == (kind, date):
            raise ValidationError(_("Er is niets gewijzigd: kies een andere soort of datum."))
        correction = _new_fact(actor, memberships, original.case, kind, date, supersedes=original)
        _audit_fact(
            actor,
            AuditAction.SAFETY_FACT_CORRECTED,
            correction,
            old={"fact": original.pk, **_fact_values(original)},
            new=_fact_values(correction),
        )
    return correction


def safety_fact_withdraw(*, actor, fact: SafetyFact, reason: str) -> SafetyFactWithdrawal:
    """Withdraw a fact recorded by mistake: it stays visible, struck through, with who withdrew
    it, when and why (for those who see the facts) and counts nowhere, not in the tellings."""
    if reason not in WithdrawalReason.values:
        raise ValidationError({"reason": _("Kies waarom u dit veiligheidsfeit intrekt.")})
    with transaction.atomic():
        original, memberships = _lock_standing_fact(actor, fact)
        withdrawal = SafetyFactWithdrawal.append(
            actor=actor, reason=reason, memberships=memberships, fact=original
        )
        _audit_fact(
            actor,
            AuditAction.SAFETY_FACT_WITHDRAWN,
            original,
            old={"fact": original.pk, **_fact_values(original)},
            new={"withdrawn": True, "reason": reason},
        )
    return withdrawal


def standing_safety_facts(case: Case):
    """The facts of ``case`` that count: not corrected, not withdrawn."""
    from inbeeld.suspects.models import EFFECTIVE_SAFETY_FACT

    return SafetyFact.objects.filter(EFFECTIVE_SAFETY_FACT, case=case)


def times_story_told(case: Case) -> int:
    """How many times the victim had to tell the story (an outcome per intervention): standing
    tellings only, so a withdrawn or corrected one is not counted twice or at all."""
    return standing_safety_facts(case).filter(kind__in=STORY_TOLD).count()
