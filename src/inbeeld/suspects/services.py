"""Writes on suspects, their prosecution and non-punishment (issue 17, ADR 0023).

Each service: keyword-only arguments, the policy asked (on the case: the suspect's scope is the
case's), one transaction, the audit row in it. Append-only: corrections supersede, mistakes are
withdrawn (ADR 0015). Free text (a link's note) is encrypted and never copied into the audit log.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.cases.models import AgeBand, Case, Gender, WithdrawalReason
from inbeeld.cases.services import MAX_NOTE_LENGTH, check_date
from inbeeld.crypto import encrypt_text, linkage_key
from inbeeld.suspects.models import (
    Assessment,
    Decision,
    DismissalGround,
    LinkWithdrawal,
    Measure,
    NonPunishmentEntry,
    NonPunishmentOutcome,
    NonPunishmentStep,
    NonPunishmentWithdrawal,
    Offence,
    ProceedingEntry,
    ProceedingKind,
    ProceedingWithdrawal,
    Relationship,
    SentenceType,
    Suspect,
    SuspectCaseLink,
    SuspectLinkageKey,
    SuspectRole,
    Verdict,
)
from inbeeld.suspects.workflow import StepNotAllowed, replay

MAX_MONTHS = Decimal("480")
MAX_HOURS = 240  # the legal maximum of a taakstraf


def _require(actor, action: policy.Action, case: Case, message: str) -> list:
    memberships = policy.case_memberships(actor, action, case)
    if not memberships:
        raise PermissionDenied(message)
    return memberships


def _organisation(memberships):
    return memberships[0].organisation if memberships else None


# --- links ---------------------------------------------------------------------------------


def _check_link(role: str, relationship: str, note: str) -> None:
    errors = {}
    if role not in SuspectRole.values:
        errors["role"] = _("Kies de rol van de verdachte.")
    if relationship not in Relationship.values:
        errors["relationship"] = _("Kies de relatie tot het slachtoffer.")
    if len(note) > MAX_NOTE_LENGTH:
        errors["note"] = _("De notitie is te lang (maximaal %(max)d tekens).") % {
            "max": MAX_NOTE_LENGTH
        }
    if errors:
        raise ValidationError(errors)


def _new_link(actor, memberships, case, suspect, role, relationship, note, supersedes=None):
    family = ""
    if note:
        family = policy.note_family_for_writer(actor, case) or ""
        if not family:
            raise PermissionDenied(_("U mag bij deze casus geen notities vastleggen."))
    link = SuspectCaseLink(
        case=case,
        suspect=suspect,
        role=role,
        relationship=relationship,
        note_ciphertext=encrypt_text(note) if note else "",
        note_family=family,
        supersedes=supersedes,
        recorded_by=actor,
        organisation=_organisation(memberships),
        recorded_at=timezone.now(),
    )
    link.full_clean(exclude=["note_ciphertext"])
    link.save()
    return link


def _link_values(link: SuspectCaseLink) -> dict:
    return {
        "suspect": link.suspect.code,
        "role": link.role,
        "relationship": link.relationship,
        "has_note": bool(link.note_ciphertext),
    }


def _linked_now(case: Case, suspect: Suspect) -> bool:
    from inbeeld.suspects.models import EFFECTIVE_LINK

    return SuspectCaseLink.objects.filter(EFFECTIVE_LINK, case=case, suspect=suspect).exists()


def suspect_register(
    *,
    actor,
    case: Case,
    role: str,
    relationship: str,
    age_band: str = AgeBand.UNKNOWN,
    gender: str = Gender.UNKNOWN,
    identifier_type: str = "",
    identifier: str = "",
    note: str = "",
) -> SuspectCaseLink:
    """Register a new suspect (a random code, no name) and link them to ``case``. An optional
    partner identifier is kept only as its keyed pseudonym (HMAC)."""
    memberships = _require(
        actor, policy.Action.SUSPECT_LINK, case, _("U mag bij deze casus geen verdachten koppelen.")
    )
    _check_link(role, relationship, note)
    errors = {}
    if age_band not in AgeBand.values:
        errors["age_band"] = _("Kies een leeftijdscategorie.")
    if gender not in Gender.values:
        errors["gender"] = _("Kies een gender.")
    normalised = "".join(identifier.split())
    if normalised and identifier_type not in SuspectLinkageKey.IdentifierType.values:
        errors["identifier_type"] = _("Kies de soort van het kenmerk.")
    if normalised and len(normalised) < 4:
        errors["identifier"] = _("Een kenmerk heeft ten minste 4 tekens.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        suspect = Suspect(age_band=age_band, gender=gender, created_by=actor)
        while Suspect.objects.filter(code=suspect.code).exists():
            suspect.code = Suspect._meta.get_field("code").default()
        suspect.full_clean()
        suspect.save()
        if normalised:
            SuspectLinkageKey.objects.create(
                suspect=suspect,
                identifier_type=identifier_type,
                key=linkage_key(f"suspect:{identifier_type}:{normalised}"),
            )
        audit_record(
            actor=actor,
            action=AuditAction.SUSPECT_REGISTERED,
            subject_type="suspect",
            subject_ref=suspect.code,
            case_code=case.code,
            extra={
                "new": {
                    "age_band": age_band,
                    "gender": gender,
                    "identifier_type": identifier_type if normalised else "",
                }
            },
        )
        link = _new_link(actor, memberships, case, suspect, role, relationship, note)
        _audit_link(actor, AuditAction.SUSPECT_LINKED, link, new=_link_values(link))
    return link


def _audit_link(actor, action, link, *, new: dict, old: dict | None = None) -> None:
    extra = {"new": new}
    if old is not None:
        extra = {"old": old, **extra}
    audit_record(
        actor=actor,
        action=action,
        subject_type="suspect_link",
        subject_ref=str(link.pk),
        case_code=link.case.code,
        extra=extra,
    )


def suspect_link(
    *, actor, case: Case, suspect: Suspect, role: str, relationship: str, note: str = ""
) -> SuspectCaseLink:
    """Link an existing suspect (found by the caller through selectors.suspect_for_linking) to
    ``case``; a suspect already linked to it is refused (correct that link instead)."""
    memberships = _require(
        actor, policy.Action.SUSPECT_LINK, case, _("U mag bij deze casus geen verdachten koppelen.")
    )
    _check_link(role, relationship, note)
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).first()
        if _linked_now(case, suspect):
            raise ValidationError(
                {"suspect_code": _("Deze verdachte is al aan deze casus gekoppeld.")}
            )
        link = _new_link(actor, memberships, case, suspect, role, relationship, note)
        _audit_link(actor, AuditAction.SUSPECT_LINKED, link, new=_link_values(link))
    return link


def _lock_standing_link(actor, link: SuspectCaseLink) -> tuple[SuspectCaseLink, list]:
    original = (
        SuspectCaseLink.objects.select_for_update()
        .select_related("case", "suspect")
        .get(pk=link.pk)
    )
    memberships = _require(
        actor,
        policy.Action.SUSPECT_LINK,
        original.case,
        _("U mag de verdachten van deze casus niet wijzigen."),
    )
    if SuspectCaseLink.objects.filter(supersedes=original).exists():
        raise ValidationError(_("Deze koppeling is al gecorrigeerd; corrigeer de nieuwste versie."))
    if LinkWithdrawal.objects.filter(link=original).exists():
        raise ValidationError(_("Deze koppeling is ingetrokken en telt niet meer mee."))
    return original, memberships


def suspect_link_correct(
    *, actor, link: SuspectCaseLink, role: str, relationship: str, note: str = ""
) -> SuspectCaseLink:
    """Correct the role or relationship of a link by a new link that supersedes it."""
    _check_link(role, relationship, note)
    with transaction.atomic():
        original, memberships = _lock_standing_link(actor, link)
        correction = _new_link(
            actor,
            memberships,
            original.case,
            original.suspect,
            role,
            relationship,
            note,
            supersedes=original,
        )
        _audit_link(
            actor,
            AuditAction.SUSPECT_LINK_CORRECTED,
            correction,
            old={"link": original.pk, **_link_values(original)},
            new=_link_values(correction),
        )
    return correction


def suspect_link_withdraw(*, actor, link: SuspectCaseLink, reason: str) -> LinkWithdrawal:
    """Undo a link made by mistake: it stays on record, struck through, and counts nowhere."""
    if reason not in WithdrawalReason.values:
        raise ValidationError({"reason": _("Kies waarom u deze koppeling intrekt.")})
    with transaction.atomic():
        original, memberships = _lock_standing_link(actor, link)
        withdrawal = LinkWithdrawal.append(
            actor=actor, reason=reason, memberships=memberships, link=original
        )
        _audit_link(
            actor,
            AuditAction.SUSPECT_LINK_WITHDRAWN,
            original,
            old={"link": original.pk, **_link_values(original)},
            new={"withdrawn": True, "reason": reason},
        )
    return withdrawal


# --- the prosecution of one suspect -----------------------------------------------------------


def _clean_proceeding(values: dict) -> dict:
    """The validated fields of a proceeding step: only those that belong to its kind."""
    kind = values.get("kind")
    if kind not in ProceedingKind.values:
        raise ValidationError({"kind": _("Kies de stap in de vervolging.")})
    clean = {"kind": kind, "decision": "", "ground": "", "verdict": "", "sentence_type": ""}
    clean.update(unconditional_months=None, conditional_months=None)
    clean.update(community_service_hours=None, measures=[])
    errors = {}
    if kind == ProceedingKind.DECISION:
        decision = values.get("decision") or ""
        if decision not in Decision.values:
            errors["decision"] = _("Kies de beslissing van het openbaar ministerie.")
        ground = values.get("ground") or ""
        dismissal = decision in (Decision.DISMISSAL, Decision.CONDITIONAL_DISMISSAL)
        if dismissal and ground not in DismissalGround.values:
            errors["ground"] = _("Kies de grond van het sepot.")
        if not dismissal and ground:
            errors["ground"] = _("Een sepotgrond hoort alleen bij een sepot.")
        clean.update(decision=decision, ground=ground)
    elif kind == ProceedingKind.VERDICT:
        verdict = values.get("verdict") or ""
        if verdict not in Verdict.values:
            errors["verdict"] = _("Kies de uitspraak.")
        clean["verdict"] = verdict
        if verdict == Verdict.CONVICTION:
            errors.update(_clean_sentence(values, clean))
        elif any(
            values.get(f)
            for f in ("sentence_type", "unconditional_months", "conditional_months")
            + ("community_service_hours", "measures")
        ):
            errors["sentence_type"] = _("Een straf hoort alleen bij een veroordeling.")
    if errors:
        raise ValidationError(errors)
    return clean


def _clean_sentence(values: dict, clean: dict) -> dict:
    errors = {}
    sentence = values.get("sentence_type") or ""
    if sentence not in SentenceType.values:
        errors["sentence_type"] = _("Kies de soort straf bij een veroordeling.")
    clean["sentence_type"] = sentence
    for field in ("unconditional_months", "conditional_months"):
        months = values.get(field)
        if months is not None and not (Decimal(0) <= Decimal(months) <= MAX_MONTHS):
            errors[field] = _("Vul een aantal maanden van 0 tot en met 480 in.")
        clean[field] = months
    hours = values.get("community_service_hours")
    if hours is not None and not (0 <= hours <= MAX_HOURS):
        errors["community_service_hours"] = _("Een taakstraf is ten hoogste 240 uur.")
    clean["community_service_hours"] = hours
    measures = list(values.get("measures") or [])
    if set(measures) - set(Measure.values):
        errors["measures"] = _("Kies maatregelen uit de lijst.")
    clean["measures"] = sorted(set(measures))
    if sentence in (SentenceType.PRISON, SentenceType.YOUTH_DETENTION) and not (
        clean["unconditional_months"] or clean["conditional_months"]
    ):
        errors["unconditional_months"] = _(
            "Vul de duur van de vrijheidsstraf in (onvoorwaardelijk of voorwaardelijk)."
        )
    if sentence == SentenceType.COMMUNITY_SERVICE and not hours:
        errors["community_service_hours"] = _("Vul het aantal uren taakstraf in.")
    if sentence == SentenceType.MEASURE_ONLY and not measures:
        errors["measures"] = _("Kies ten minste één maatregel.")
    return errors


def _proceeding_values(entry: ProceedingEntry) -> dict:
    values = {"suspect": entry.suspect.code, "kind": entry.kind, "date": entry.date.isoformat()}
    for field in ("decision", "ground", "verdict", "sentence_type"):
        if getattr(entry, field):
            values[field] = getattr(entry, field)
    for field in ("unconditional_months", "conditional_months"):
        if getattr(entry, field) is not None:
            values[field] = str(getattr(entry, field))
    if entry.community_service_hours is not None:
        values["community_service_hours"] = entry.community_service_hours
    if entry.measures:
        values["measures"] = entry.measures
    return values


def _standing_steps(case, suspect, *, without=None, added=None) -> list[tuple[str, str]]:
    from inbeeld.suspects.models import EFFECTIVE_PROCEEDING

    rows = list(
        ProceedingEntry.objects.filter(EFFECTIVE_PROCEEDING, case=case, suspect=suspect)
        .exclude(pk=getattr(without, "pk", None))
        .values_list("date", "id", "kind", "decision")
    )
    if added is not None:
        rows.append((added["date"], float("inf"), added["kind"], added["decision"]))
    rows.sort(key=lambda row: (row[0], row[1]))
    return [(kind, decision) for _d, _i, kind, decision in rows]


def _check_replay(case, suspect, **kwargs) -> None:
    try:
        replay(_standing_steps(case, suspect, **kwargs))
    except StepNotAllowed as exc:
        raise ValidationError(str(exc)) from exc


def _write_proceeding(actor, case, suspect, date, values, supersedes=None) -> ProceedingEntry:
    memberships = _require(
        actor,
        policy.Action.PROCEEDING_RECORD,
        case,
        _("U mag de vervolging van verdachten bij deze casus niet vastleggen."),
    )
    check_date(date, "date")
    clean = _clean_proceeding(values)
    if not _linked_now(case, suspect):
        raise ValidationError(_("Deze verdachte is niet (meer) aan deze casus gekoppeld."))
    _check_replay(case, suspect, without=supersedes, added={"date": date, **clean})
    entry = ProceedingEntry(
        case=case,
        suspect=suspect,
        date=date,
        supersedes=supersedes,
        recorded_by=actor,
        organisation=_organisation(memberships),
        recorded_at=timezone.now(),
        **clean,
    )
    entry.full_clean()
    entry.save()
    return entry


def proceeding_record(*, actor, case: Case, suspect: Suspect, date: dt.date, **values):
    """Record a step in the prosecution of ``suspect`` in ``case`` (decision, trial hearing,
    verdict with sentence) if it follows from the suspect's status (suspects.workflow)."""
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).first()
        entry = _write_proceeding(actor, case, suspect, date, values)
        audit_record(
            actor=actor,
            action=AuditAction.PROCEEDING_RECORDED,
            subject_type="suspect_proceeding",
            subject_ref=str(entry.pk),
            case_code=case.code,
            extra={"new": _proceeding_values(entry)},
        )
    return entry


def _lock_standing_entry(entry: ProceedingEntry) -> ProceedingEntry:
    original = (
        ProceedingEntry.objects.select_for_update()
        .select_related("case", "suspect")
        .get(pk=entry.pk)
    )
    if ProceedingEntry.objects.filter(supersedes=original).exists():
        raise ValidationError(_("Deze stap is al gecorrigeerd; corrigeer de nieuwste versie."))
    if ProceedingWithdrawal.objects.filter(entry=original).exists():
        raise ValidationError(_("Deze stap is ingetrokken en telt niet meer mee."))
    return original


def proceeding_correct(*, actor, entry: ProceedingEntry, date: dt.date, **values):
    """Correct a step by a new one that supersedes it; the suspect's timeline must still fit."""
    with transaction.atomic():
        original = _lock_standing_entry(entry)
        correction = _write_proceeding(
            actor, original.case, original.suspect, date, values, supersedes=original
        )
        audit_record(
            actor=actor,
            action=AuditAction.PROCEEDING_CORRECTED,
            subject_type="suspect_proceeding",
            subject_ref=str(correction.pk),
            case_code=original.case.code,
            extra={
                "old": {"entry": original.pk, **_proceeding_values(original)},
                "new": _proceeding_values(correction),
            },
        )
    return correction


def proceeding_withdraw(*, actor, entry: ProceedingEntry, reason: str) -> ProceedingWithdrawal:
    """Withdraw a step entered by mistake; refused when a later step then no longer fits."""
    if reason not in WithdrawalReason.values:
        raise ValidationError({"reason": _("Kies waarom u deze stap intrekt.")})
    with transaction.atomic():
        original = _lock_standing_entry(entry)
        memberships = _require(
            actor,
            policy.Action.PROCEEDING_RECORD,
            original.case,
            _("U mag de vervolging van verdachten bij deze casus niet wijzigen."),
        )
        _check_replay(original.case, original.suspect, without=original)
        withdrawal = ProceedingWithdrawal.append(
            actor=actor, reason=reason, memberships=memberships, entry=original
        )
        audit_record(
            actor=actor,
            action=AuditAction.PROCEEDING_WITHDRAWN,
            subject_type="suspect_proceeding",
            subject_ref=str(original.pk),
            case_code=original.case.code,
            extra={
                "old": {"entry": original.pk, **_proceeding_values(original)},
                "new": {"withdrawn": True, "reason": reason},
            },
        )
    return withdrawal


# --- non-punishment -----------------------------------------------------------------------------


def non_punishment_record(
    *,
    actor,
    case: Case,
    step: str,
    date: dt.date,
    offence: str,
    assessment: str = "",
    outcome: str = "",
) -> NonPunishmentEntry:
    """Record on ``case`` that its victim was registered as a suspect or prosecuted for an
    offence committed under exploitation, the non-punishment assessment, or its outcome."""
    memberships = _require(
        actor,
        policy.Action.NON_PUNISHMENT_RECORD,
        case,
        _("U mag bij deze casus geen non-punishment vastleggen."),
    )
    check_date(date, "date")
    errors = {}
    if step not in NonPunishmentStep.values:
        errors["step"] = _("Kies wat u vastlegt.")
    if offence not in Offence.values:
        errors["offence"] = _("Kies het strafbare feit.")
    if step == NonPunishmentStep.ASSESSED and assessment not in Assessment.values:
        errors["assessment"] = _("Kies de uitkomst van de toets.")
    if step != NonPunishmentStep.ASSESSED and assessment:
        errors["assessment"] = _("Een toets hoort alleen bij de stap ‘toets’.")
    if step == NonPunishmentStep.OUTCOME and outcome not in NonPunishmentOutcome.values:
        errors["outcome"] = _("Kies de afloop.")
    if step != NonPunishmentStep.OUTCOME and outcome:
        errors["outcome"] = _("Een afloop hoort alleen bij de stap ‘afloop’.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry = NonPunishmentEntry(
            case=case,
            step=step,
            date=date,
            offence=offence,
            assessment=assessment,
            outcome=outcome,
            recorded_by=actor,
            organisation=_organisation(memberships),
            recorded_at=timezone.now(),
        )
        entry.full_clean()
        entry.save()
        audit_record(
            actor=actor,
            action=AuditAction.NON_PUNISHMENT_RECORDED,
            subject_type="non_punishment",
            subject_ref=str(entry.pk),
            case_code=case.code,
            extra={"new": _non_punishment_values(entry)},
        )
    return entry


def _non_punishment_values(entry: NonPunishmentEntry) -> dict:
    return {
        "step": entry.step,
        "date": entry.date.isoformat(),
        "offence": entry.offence,
        "assessment": entry.assessment,
        "outcome": entry.outcome,
    }


def non_punishment_withdraw(
    *, actor, entry: NonPunishmentEntry, reason: str
) -> NonPunishmentWithdrawal:
    if reason not in WithdrawalReason.values:
        raise ValidationError({"reason": _("Kies waarom u dit intrekt.")})
    with transaction.atomic():
        original = (
            NonPunishmentEntry.objects.select_for_update().select_related("case").get(pk=entry.pk)
        )
        memberships = _require(
            actor,
            policy.Action.NON_PUNISHMENT_RECORD,
            original.case,
            _("U mag bij deze casus geen non-punishment wijzigen."),
        )
        if NonPunishmentWithdrawal.objects.filter(entry=original).exists():
            raise ValidationError(_("Dit is al ingetrokken."))
        withdrawal = NonPunishmentWithdrawal.append(
            actor=actor, reason=reason, memberships=memberships, entry=original
        )
        audit_record(
            actor=actor,
            action=AuditAction.NON_PUNISHMENT_WITHDRAWN,
            subject_type="non_punishment",
            subject_ref=str(original.pk),
            case_code=original.case.code,
            extra={
                "old": {"entry": original.pk, **_non_punishment_values(original)},
                "new": {"withdrawn": True, "reason": reason},
            },
        )
    return withdrawal
