"""Working a signal: the coordinator's triage along the transition table, rerouting, the
follow-up question and its answer, and the conversion into a case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.cases.models import MINOR_AGE_BANDS, NationalityGroup
from inbeeld.cases.services import case_register, event_record
from inbeeld.intake import notifications
from inbeeld.intake.models import Channel, Signal, SignalEvent
from inbeeld.intake.services.base import (
    MAX_MESSAGE,
    MAX_NOTE,
    _audit,
    _check_length,
    _event,
)
from inbeeld.intake.workflow import (
    CONVERSION_ONLY,
    MESSAGE_REQUIRED,
    OPEN_STATUSES,
    NoActionReason,
    SignalStatus,
    TransitionNotAllowed,
    check_transition,
)
from inbeeld.reference.models import (
    ChainEventType,
    ExploitationForm,
    PoliceUnit,
)
from inbeeld.stats import vocabulary as ev
from inbeeld.web import ConcurrentChange


def _lock(signal: Signal, expected_version: int | None) -> Signal:
    # Lock only the signal row: PostgreSQL refuses FOR UPDATE on the nullable side of the outer
    # join to the case.
    locked = Signal.objects.select_for_update(of=("self",)).select_related("case").get(pk=signal.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentChange(
            _(
                "Dit signaal is intussen door iemand anders gewijzigd. Laad de pagina opnieuw "
                "en bekijk de geschiedenis voordat u opnieuw opslaat."
            )
        )
    return locked


def _authorise_triage(actor, signal: Signal) -> None:
    if not policy.can_on_signal(actor, policy.Action.SIGNAL_TRIAGE, signal):
        raise PermissionDenied(_("U mag dit signaal niet behandelen."))


def apply_move(signal: Signal, target: str, now: dt.datetime) -> str:
    """Move ``signal`` (in memory, not saved) to ``target``: status, acknowledged_at, decided_at
    and version as the services store them; returns the old status. The demo replays histories
    with it, so its signals look exactly as if the services had made them."""
    old = signal.status
    signal.status = target
    if old == SignalStatus.RECEIVED and signal.acknowledged_at is None:
        signal.acknowledged_at = now
    if target in OPEN_STATUSES:
        signal.decided_at = None
    elif signal.decided_at is None or old in OPEN_STATUSES:
        signal.decided_at = now
    signal.version += 1
    return old


def _news_for_signaller(signal: Signal, now: dt.datetime) -> None:
    """The coordinator did something the signaller sees: mark it new for the signaller's home page
    and, after commit, e-mail them that there is news (intake.notifications)."""
    signal.signaller_news_at = now
    notifications.on_commit(notifications.signaller_news, signal.pk)


def _transition_message(current: str, target: str) -> str:
    return _("Van '%(current)s' naar '%(target)s' kan niet.") % {
        "current": SignalStatus(current).label,
        "target": SignalStatus(target).label,
    }


def signal_triage(
    *,
    actor,
    signal: Signal,
    to_status: str,
    reason: str = "",
    note: str = "",
    message: str = "",
    expected_version: int | None = None,
) -> Signal:
    """Move ``signal`` to ``to_status`` along the transition table (not to 'converted': that is
    signal_convert). 'No action' needs a reason (and a note for 'other'). ``note`` stays with the
    coordinators; ``message`` is what the signaller sees with the new status, required for 'advice
    given' and 'no action' (MESSAGE_REQUIRED): the signaller must hear what happens now."""
    if to_status not in SignalStatus.values:
        raise ValidationError({"to_status": _("Kies een geldige nieuwe status.")})
    if to_status in CONVERSION_ONLY:
        raise ValidationError(
            {"to_status": _("Omzetten in een casus gaat via 'Omzetten in casus'.")}
        )
    if to_status == SignalStatus.NO_ACTION:
        if reason not in NoActionReason.values:
            raise ValidationError({"reason": _("Kies waarom er geen actie volgt.")})
        if reason == NoActionReason.OTHER and not note.strip():
            raise ValidationError({"note": _("Licht de andere reden toe.")})
    elif reason:
        raise ValidationError({"reason": _("Een reden hoort alleen bij 'Geen actie'.")})
    _check_length(note, MAX_NOTE, "note", _("De toelichting"))
    _check_length(message, MAX_MESSAGE, "message", _("Het bericht"))
    with transaction.atomic():
        signal = _lock(signal, expected_version)
        _authorise_triage(actor, signal)
        try:
            check_transition(signal.status, to_status)
        except TransitionNotAllowed as exc:
            raise ValidationError(
                {"to_status": _transition_message(exc.current, exc.target)}
            ) from exc
        # After the table: a move that is not allowed at all says so, not "write a message".
        if to_status in MESSAGE_REQUIRED and not message.strip():
            raise ValidationError(
                {
                    "message": _(
                        "Schrijf een bericht aan de signaalgever: bij '%(status)s' moet de "
                        "signaalgever weten wat er nu gebeurt."
                    )
                    % {"status": SignalStatus(to_status).label}
                }
            )
        now = timezone.now()
        old = apply_move(signal, to_status, now)
        signal.no_action_reason = reason if to_status == SignalStatus.NO_ACTION else ""
        signal.answer_pending = False
        _news_for_signaller(signal, now)
        signal.save()
        _event(
            signal,
            SignalEvent.Kind.STATUS,
            actor=actor,
            from_status=old,
            to_status=to_status,
            reason=reason,
            text=note.strip(),
            message=message.strip(),
        )
        _audit(
            actor,
            AuditAction.SIGNAL_STATUS_CHANGED,
            signal,
            {
                "status": {"old": old, "new": to_status},
                "reason": reason,
                "has_note": bool(note.strip()),
                "has_message": bool(message.strip()),
            },
        )
    return signal


def signal_reroute(
    *,
    actor,
    signal: Signal,
    police_unit: PoliceUnit,
    reason: str,
    expected_version: int | None = None,
) -> Signal:
    """Route an open signal to the safety coordinators of another unit, with a reason. The time
    targets keep running from receipt: the person it is about waits all the same."""
    if not reason.strip():
        raise ValidationError(
            {"reason": _("Geef aan waarom het signaal naar een andere eenheid gaat.")}
        )
    _check_length(reason, MAX_NOTE, "reason", _("De reden"))
    with transaction.atomic():
        signal = _lock(signal, expected_version)
        _authorise_triage(actor, signal)
        if signal.status not in OPEN_STATUSES:
            raise ValidationError(
                {"police_unit": _("Alleen een signaal dat nog open staat kan worden doorgestuurd.")}
            )
        if police_unit.pk == signal.police_unit_id:
            raise ValidationError({"police_unit": _("Het signaal ligt al bij deze eenheid.")})
        old_unit = signal.police_unit
        signal.police_unit = police_unit
        signal.version += 1
        # The new unit's coordinators hear of it when it is (or gets) overdue, and of an acute one
        # at once.
        signal.overdue_notified_at = None
        signal.save()
        if signal.is_acute:
            notifications.on_commit(notifications.acute_signal, signal.pk)
        _event(
            signal,
            SignalEvent.Kind.REROUTED,
            actor=actor,
            from_unit=old_unit,
            to_unit=police_unit,
            text=reason.strip(),
        )
        _audit(
            actor,
            AuditAction.SIGNAL_REROUTED,
            signal,
            {"police_unit": {"old": old_unit.code, "new": police_unit.code}},
        )
    return signal


def signal_ask(
    *, actor, signal: Signal, question: str, expected_version: int | None = None
) -> Signal:
    """Ask the signaller a follow-up question; they see it with the status and can answer once.

    With ``expected_version`` (the version the coordinator's page showed) a question asked from a
    stale page - another coordinator closed or converted the signal meanwhile - is refused."""
    if not question.strip():
        raise ValidationError({"question": _("Schrijf uw vraag op.")})
    _check_length(question, MAX_MESSAGE, "question", _("De vraag"))
    with transaction.atomic():
        signal = _lock(signal, expected_version)
        _authorise_triage(actor, signal)
        if signal.status == SignalStatus.CONVERTED:
            raise ValidationError(
                {"question": _("Dit signaal is omgezet in een casus; vragen gaan nu via de casus.")}
            )
        signal.question_open = True
        signal.answer_pending = False
        signal.version += 1
        _news_for_signaller(signal, timezone.now())
        signal.save()
        _event(signal, SignalEvent.Kind.QUESTION, actor=actor, message=question.strip())
        _audit(actor, AuditAction.SIGNAL_QUESTION, signal, {})
    return signal


def signal_answer(*, actor, signal: Signal, answer: str) -> Signal:
    """The signaller's answer to the open question. ``actor`` is the signaller who submitted it
    (checked), or None for an anonymous submitter who proved the receipt code (checked by the
    caller through selectors.signal_by_receipt). A question asked before the signal became a case
    can still be answered after. The coordinators' queue shows "antwoord ontvangen" until one of
    them acts on the signal or marks the answer read (signal_answer_seen)."""
    if not answer.strip():
        raise ValidationError({"answer": _("Schrijf uw antwoord op.")})
    _check_length(answer, MAX_MESSAGE, "answer", _("Het antwoord"))
    with transaction.atomic():
        signal = _lock(signal, None)
        if actor is not None and getattr(actor, "is_authenticated", False):
            if not policy.can_on_signal(actor, policy.Action.SIGNAL_OWN_READ, signal):
                raise PermissionDenied(
                    _("U kunt alleen vragen over uw eigen signalen beantwoorden.")
                )
        elif signal.channel == Channel.ACCOUNT:
            raise PermissionDenied(_("Log in om deze vraag te beantwoorden."))
        if not signal.question_open:
            raise ValidationError({"answer": _("Er staat geen vraag open bij dit signaal.")})
        signal.question_open = False
        signal.answer_pending = True
        signal.version += 1
        signal.save()
        _event(signal, SignalEvent.Kind.ANSWER, actor=actor, message=answer.strip())
        _audit(actor, AuditAction.SIGNAL_ANSWERED, signal, {})
    return signal


def signal_convert(
    *,
    actor,
    signal: Signal,
    exploitation_forms: Iterable[ExploitationForm],
    nationality_group: str,
    message: str = "",
    expected_version: int | None = None,
):
    """Turn a triaged signal into a case in the signal's unit, keeping the link signal → case.

    Only what the chain needs is copied: unit, age band (and so minor or adult), gender, the
    exploitation forms the coordinator confirms and the date the signal came in (the case's intake
    date and its first timeline event, 'signal received'). The name, the free text and the
    signaller's contact details stay with the signal. An open question to the signaller stays
    open: the signaller can still answer it (on the signal, never on the case).
    """
    forms = list(exploitation_forms)
    if nationality_group not in NationalityGroup.values:
        raise ValidationError({"nationality_group": _("Kies een nationaliteit (of 'onbekend').")})
    _check_length(message, MAX_MESSAGE, "message", _("Het bericht"))
    with transaction.atomic():
        signal = _lock(signal, expected_version)
        _authorise_triage(actor, signal)
        try:
            check_transition(signal.status, SignalStatus.CONVERTED)
        except TransitionNotAllowed as exc:
            raise ValidationError(
                {
                    "__all__": _(
                        "Neem het signaal eerst in triage voordat u het omzet in een casus."
                    )
                    if exc.current == SignalStatus.RECEIVED
                    else _transition_message(exc.current, exc.target)
                }
            ) from exc
        received = timezone.localtime(signal.received_at).date()
        case = case_register(
            actor=actor,
            police_unit=signal.police_unit,
            exploitation_forms=forms,
            minor_at_intake=signal.age_band in MINOR_AGE_BANDS,
            age_band=signal.age_band,
            gender=signal.gender,
            nationality_group=nationality_group,
            intake_date=received,
        )
        event_record(
            actor=actor,
            case=case,
            event_type=ChainEventType.objects.get(code=ev.SIGNAL_RECEIVED),
            event_date=received,
        )
        now = timezone.now()
        old = apply_move(signal, SignalStatus.CONVERTED, now)
        signal.case = case
        signal.answer_pending = False
        _news_for_signaller(signal, now)
        signal.save()
        _event(
            signal,
            SignalEvent.Kind.CONVERTED,
            actor=actor,
            from_status=old,
            to_status=SignalStatus.CONVERTED,
            message=message.strip(),
        )
        _audit(
            actor,
            AuditAction.SIGNAL_CONVERTED,
            signal,
            {"status": {"old": old, "new": SignalStatus.CONVERTED}, "case": case.code},
        )
    return case
