"""Registering a case and recording, correcting and withdrawing its chain events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.cases.models import (
    Case,
    ChainEvent,
    EventWithdrawal,
    WithdrawalReason,
)
from inbeeld.cases.services.base import MAX_NOTE_LENGTH, _lock_case, check_date
from inbeeld.cases.services.court import case_derive_court
from inbeeld.cases.timeline import (
    effective_in_recording_order,
    state_for_recording,
    status_after_correction,
    status_after_withdrawal,
)
from inbeeld.cases.workflow import ReplayStep, next_state
from inbeeld.crypto import encrypt_text
from inbeeld.reference.models import ChainEventType, Court, ExploitationForm, PoliceUnit


def case_register(
    *,
    actor,
    police_unit: PoliceUnit,
    exploitation_forms: Iterable[ExploitationForm],
    minor_at_intake: bool,
    age_band: str,
    gender: str,
    nationality_group: str,
    intake_date: dt.date,
    court: Court | None = None,
) -> Case:
    """Register a new case in ``police_unit``; the actor must be allowed to create cases there."""
    forms = list(exploitation_forms)
    if not forms:
        raise ValidationError({"exploitation_forms": _("Kies ten minste één uitbuitingsvorm.")})
    check_date(intake_date, "intake_date")
    probe = Case(police_unit=police_unit)
    if not policy.can(actor, policy.Action.CASE_CREATE, probe):
        raise PermissionDenied(_("U mag in deze eenheid geen casus registreren."))
    with transaction.atomic():
        case = Case(
            police_unit=police_unit,
            court=court,
            minor_at_intake=minor_at_intake,
            age_band=age_band,
            gender=gender,
            nationality_group=nationality_group,
            intake_date=intake_date,
            created_by=actor,
        )
        # Retry on the (astronomically rare) clash of a random code.
        while Case.objects.filter(code=case.code).exists():
            case.code = Case._meta.get_field("code").default()
        case.full_clean()
        case.save()
        case.exploitation_forms.set(forms)
        audit_record(
            actor=actor,
            action=AuditAction.CASE_CREATED,
            subject_type="case",
            subject_ref=case.code,
            case_code=case.code,
            extra={
                "new": {
                    "police_unit": police_unit.code,
                    "exploitation_forms": sorted(f.code for f in forms),
                    "minor_at_intake": minor_at_intake,
                    "age_band": age_band,
                    "gender": gender,
                    "nationality_group": nationality_group,
                    "intake_date": intake_date.isoformat(),
                }
            },
        )
    return case


def _validate_event(
    *,
    event_type: ChainEventType,
    outcome: str,
    event_date: dt.date,
    note: str,
    codes: set[str] | None = None,
    today: dt.date | None = None,
) -> None:
    """The field rules of an event (``codes``: the event type's outcome codes, ``today``: the
    local date, when the caller already read them)."""
    check_date(event_date, "event_date", today)
    if codes is None:
        codes = set(event_type.outcomes.values_list("code", flat=True))
    if outcome and outcome not in codes:
        raise ValidationError({"outcome": _("Deze uitkomst hoort niet bij deze gebeurtenis.")})
    if event_type.outcome_required and not outcome:
        raise ValidationError({"outcome": _("Kies een uitkomst of reden bij deze gebeurtenis.")})
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationError(
            {
                "note": _("De notitie is te lang (maximaal %(max)d tekens).")
                % {"max": MAX_NOTE_LENGTH}
            }
        )


def _authorise_event(actor, case: Case, event_type: ChainEventType, note: str) -> str:
    if event_type.code not in policy.recordable_event_codes(actor, case):
        raise PermissionDenied(_("U mag deze gebeurtenis niet vastleggen bij deze casus."))
    family = policy.note_family_for_writer(actor, case, event_type.code)
    if note and not family:
        raise PermissionDenied(_("U mag bij deze casus geen notities vastleggen."))
    return family or ""


def event_record(
    *,
    actor,
    case: Case,
    event_type: ChainEventType,
    event_date: dt.date,
    outcome: str = "",
    date_precision: str = "day",
    note: str = "",
    expected_version: int | None = None,
) -> ChainEvent:
    """Append an event to the case's timeline if the workflow allows it in the current status
    (and, for the end of a period, only while that period is open)."""
    _validate_event(event_type=event_type, outcome=outcome, event_date=event_date, note=note)
    with transaction.atomic():
        case = _lock_case(case, expected_version)
        family = _authorise_event(actor, case, event_type, note)
        new_status = next_state(state_for_recording(case), event_type.code, outcome).status
        event = _append_event(
            actor=actor,
            case=case,
            event_type=event_type,
            outcome=outcome,
            event_date=event_date,
            date_precision=date_precision,
            note=note,
            family=family,
        )
        _status_change_audit(
            actor=actor,
            action=AuditAction.EVENT_RECORDED,
            ref=event.pk,
            case=case,
            new_status=new_status,
            new=_new_values(event_type, outcome, event_date, note),
        )
        case_derive_court(actor=actor, case=case, event_code=event_type.code, outcome=outcome)
    return event


def event_correct(
    *,
    actor,
    event: ChainEvent,
    event_type: ChainEventType,
    event_date: dt.date,
    outcome: str = "",
    date_precision: str = "day",
    note: str = "",
    expected_version: int | None = None,
) -> ChainEvent:
    """Correct ``event`` by a new event that supersedes it; the original stays on record.

    The case's status is recomputed by replaying the effective timeline with the correction in the
    place of the original; a correction that would make the timeline impossible is refused.
    """
    _validate_event(event_type=event_type, outcome=outcome, event_date=event_date, note=note)
    with transaction.atomic():
        case = _lock_case(event.case, expected_version)
        original = _original_to_change(
            actor, case, event, _("U mag gebeurtenissen bij deze casus niet corrigeren.")
        )
        # Correcting replaces the original: it needs the right to record both kinds of event.
        family = _authorise_event(actor, case, event_type, note)
        new_status = status_after_correction(
            effective_in_recording_order(case),
            original,
            ReplayStep(event_type.code, outcome),
            event_type.label,
        )
        correction = _append_event(
            actor=actor,
            case=case,
            event_type=event_type,
            outcome=outcome,
            event_date=event_date,
            date_precision=date_precision,
            note=note,
            family=family,
            supersedes=original,
        )
        _status_change_audit(
            actor=actor,
            action=AuditAction.EVENT_CORRECTED,
            ref=correction.pk,
            case=case,
            new_status=new_status,
            old=_old_values(original),
            new=_new_values(event_type, outcome, event_date, note),
        )
    return correction


def _original_to_change(actor, case: Case, event: ChainEvent, refused: str, type_refused=None):
    """The effective event that a correction or withdrawal changes, after the checks both share:
    EVENT_CORRECT on the case and the right to record the event's type."""
    if not policy.can(actor, policy.Action.EVENT_CORRECT, case):
        raise PermissionDenied(refused)
    original = ChainEvent.objects.select_related("event_type").get(pk=event.pk)
    if type_refused is None:
        _authorise_event(actor, case, original.event_type, "")
    elif original.event_type.code not in policy.recordable_event_codes(actor, case):
        raise PermissionDenied(type_refused)
    _refuse_if_not_effective(original)
    return original


def _old_values(event: ChainEvent) -> dict:
    return {
        "event": event.pk,
        "event_type": event.event_type.code,
        "outcome": event.outcome,
        "event_date": event.event_date.isoformat(),
    }


def _new_values(event_type, outcome: str, event_date: dt.date, note: str) -> dict:
    return {
        "event_type": event_type.code,
        "outcome": outcome,
        "event_date": event_date.isoformat(),
        "has_note": bool(note),
    }


def _status_change_audit(
    *, actor, action, ref, case: Case, new_status: str, new: dict, old: dict | None = None
) -> None:
    """Move the case to ``new_status`` (version + 1) and write the change's audit row, in the
    caller's transaction."""
    old_status = case.status
    _bump_case(case, new_status)
    extra = {"new": new, "status": {"old": old_status, "new": new_status}}
    if old is not None:
        extra = {"old": old, **extra}
    audit_record(
        actor=actor,
        action=action,
        subject_type="chain_event",
        subject_ref=str(ref),
        case_code=case.code,
        extra=extra,
    )


def _append_event(
    *, actor, case, event_type, outcome, event_date, date_precision, note, family, supersedes=None
) -> ChainEvent:
    organisation = None
    memberships = policy.case_memberships(actor, policy.Action.EVENT_RECORD, case)
    if memberships:
        organisation = memberships[0].organisation
    event = ChainEvent(
        case=case,
        event_type=event_type,
        outcome=outcome,
        event_date=event_date,
        date_precision=date_precision,
        organisation=organisation,
        author=actor,
        note_ciphertext=encrypt_text(note) if note else "",
        note_family=family if note else "",
        supersedes=supersedes,
        recorded_at=timezone.now(),
    )
    event.full_clean(exclude=["note_ciphertext"])
    event.save()
    return event


def _bump_case(case: Case, new_status: str) -> None:
    Case.objects.filter(pk=case.pk).update(status=new_status, version=case.version + 1)
    case.status = new_status
    case.version += 1


# The old private name, still imported by the demo generator's tests.
_effective_in_recording_order = effective_in_recording_order


def _refuse_if_not_effective(event: ChainEvent) -> None:
    if ChainEvent.objects.filter(supersedes=event).exists():
        raise ValidationError(
            _("Deze gebeurtenis is al gecorrigeerd; corrigeer de nieuwste versie.")
        )
    if EventWithdrawal.objects.filter(event=event).exists():
        raise ValidationError(_("Deze gebeurtenis is ingetrokken en telt niet meer mee."))


def event_withdraw(
    *,
    actor,
    event: ChainEvent,
    reason: str,
    expected_version: int | None = None,
) -> EventWithdrawal:
    """Withdraw ``event`` (entered by mistake) for ``reason`` (a WithdrawalReason): append-only,
    the event stays on the timeline, struck through, and leaves the replay and every figure.

    Who may withdraw is who may correct that event (EVENT_CORRECT and the right to record its
    type). The case's status is recomputed from the timeline without the event; a withdrawal
    after which a later event no longer fits is refused, naming both events."""
    if reason not in WithdrawalReason.values:
        raise ValidationError({"reason": _("Kies waarom u deze gebeurtenis intrekt.")})
    with transaction.atomic():
        case = _lock_case(event.case, expected_version)
        original = _original_to_change(
            actor,
            case,
            event,
            _("U mag gebeurtenissen bij deze casus niet intrekken."),
            _("U mag deze gebeurtenis niet intrekken bij deze casus."),
        )
        new_status = status_after_withdrawal(effective_in_recording_order(case), original)
        memberships = policy.case_memberships(actor, policy.Action.EVENT_CORRECT, case)
        withdrawal = EventWithdrawal.append(
            actor=actor, reason=reason, memberships=memberships, event=original
        )
        _status_change_audit(
            actor=actor,
            action=AuditAction.EVENT_WITHDRAWN,
            ref=original.pk,
            case=case,
            new_status=new_status,
            old=_old_values(original),
            new={"withdrawn": True, "reason": reason},
        )
    return withdrawal
