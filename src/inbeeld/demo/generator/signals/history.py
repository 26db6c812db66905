"""The history of one signal: the coordinators' steps drawn for its outcome, then replayed
through the intake workflow so every field is what the services would have stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace

from inbeeld.demo.generator.signals.plan import (
    PlannedEvent,
    _hours,
    _office_hours,
    _one,
    _pick,
    _regional_units,
)
from inbeeld.demo.generator.signals.shares import (
    MESSAGE_SHARE,
    NO_ACTION_REASONS,
    NOTE_SHARE,
    REOPEN_SHARE,
    REROUTE_SHARE,
    VIA_REFERRAL_SHARE,
    Pattern,
)
from inbeeld.demo.generator.signals.texts import (
    MESSAGES,
    NOTES,
    OTHER_REASON_NOTES,
    QUESTIONS,
    REOPEN_NOTE,
    REROUTE_REASONS,
)
from inbeeld.intake.workflow import MESSAGE_REQUIRED


@dataclass
class _Draft:
    """A signal being drawn: its attributes and the outcome its history must reach."""

    kind: str
    unit: str
    age_band: str
    gender: str
    form: str
    day: int
    outcome: str  # a SignalStatus value
    channel: str = "public"
    own: bool = False
    case_code: str = ""
    question: str = ""  # "", "answered", "open"
    pattern: Pattern | None = None


def _history(rng, draft: _Draft, received_at: dt.datetime, acute: bool) -> list[PlannedEvent]:
    """The steps from 'received' to the draft's outcome, with times, texts and actors."""
    submitter = "submitter" if draft.own else ""
    events = [PlannedEvent("received", received_at, to_status="received", actor=submitter)]
    now = received_at

    def at_work(moment: dt.datetime) -> dt.datetime:
        # Acute danger is handled day and night; the rest during office hours.
        return moment if acute else _office_hours(rng, moment)

    unit = draft.unit
    if draft.channel == "public" and not draft.own and rng.random() < REROUTE_SHARE:
        first_unit = _one(rng, [u for u in _regional_units() if u != unit])
        now = at_work(now + _hours(rng, 2.0, 0.7, 12.0))
        events.append(
            PlannedEvent(
                "rerouted",
                now,
                from_unit=first_unit,
                to_unit=unit,
                text=_one(rng, REROUTE_REASONS),
                actor=f"coordinator:{first_unit}",
            )
        )
    coordinator = f"coordinator:{unit}"
    if draft.outcome == "received":
        return events

    now = at_work(now + (_hours(rng, 1.5, 0.8, 12.0) if acute else _hours(rng, 5.0, 1.0, 96.0)))
    message = _one(rng, MESSAGES["in_triage"]) if rng.random() < 0.5 else ""
    events.append(
        PlannedEvent(
            "status",
            now,
            from_status="received",
            to_status="in_triage",
            message=message,
            actor=coordinator,
        )
    )
    if draft.question:
        question, answer = _one(rng, QUESTIONS)
        now = at_work(now + _hours(rng, 4.0, 0.8, 24.0))
        events.append(PlannedEvent("question", now, message=question, actor=coordinator))
        if draft.question == "answered":
            now += _hours(rng, 20.0, 0.8, 72.0)
            events.append(PlannedEvent("answer", now, message=answer, actor=submitter))
    if draft.outcome == "in_triage":
        return events

    def decide(status: str, at: dt.datetime) -> PlannedEvent:
        reason = _pick(rng, NO_ACTION_REASONS) if status == "no_action" else ""
        if reason == "other":
            note = _one(rng, OTHER_REASON_NOTES)
        else:
            note = _one(rng, NOTES[status]) if rng.random() < NOTE_SHARE else ""
        # 'Advice given' and 'no action' always tell the signaller (MESSAGE_REQUIRED).
        required = status in MESSAGE_REQUIRED
        message = _one(rng, MESSAGES[status]) if required or rng.random() < MESSAGE_SHARE else ""
        return PlannedEvent(
            "status",
            at,
            from_status="in_triage",
            to_status=status,
            reason=reason,
            text=note,
            message=message,
            actor=coordinator,
        )

    def decision_delay() -> dt.timedelta:
        return _hours(rng, 6.0, 0.8, 48.0) if acute else _hours(rng, 40.0, 0.9, 360.0)

    if draft.outcome == "converted":
        if rng.random() < VIA_REFERRAL_SHARE:
            now = at_work(now + decision_delay())
            referral = decide(_one(rng, ("referred_police", "referred_care")), now)
            events.append(referral)
            previous = referral.to_status
            now = at_work(now + _hours(rng, 120.0, 0.7, 480.0))
        else:
            previous = "in_triage"
            now = at_work(now + decision_delay())
        # signal_convert takes a message for the signaller, no internal note.
        message = _one(rng, MESSAGES["converted"]) if rng.random() < MESSAGE_SHARE else ""
        events.append(
            PlannedEvent(
                "converted",
                now,
                from_status=previous,
                to_status="converted",
                message=message,
                actor=coordinator,
            )
        )
        return events

    if rng.random() < REOPEN_SHARE:
        first = _one(
            rng, [s for s in ("advice_given", "no_action", "referred_care") if s != draft.outcome]
        )
        now = at_work(now + decision_delay())
        events.append(decide(first, now))
        now = at_work(now + dt.timedelta(days=int(rng.integers(5, 41))))
        events.append(
            PlannedEvent(
                "status",
                now,
                from_status=first,
                to_status="in_triage",
                text=REOPEN_NOTE,
                actor=coordinator,
            )
        )
    now = at_work(now + decision_delay())
    events.append(decide(draft.outcome, now))
    return events


def _replay(events: list[PlannedEvent]) -> SimpleNamespace:
    """The signal's state after its history, computed with the services' own ``apply_move`` and
    checked against the transition table at every step (a bad walk raises)."""
    from inbeeld.intake.services.triage import apply_move
    from inbeeld.intake.workflow import CONVERSION_ONLY, OPEN_STATUSES, check_transition

    state = SimpleNamespace(
        status="received",
        acknowledged_at=None,
        decided_at=None,
        version=1,
        question_open=False,
        answer_pending=False,
        no_action_reason="",
    )
    for event in events[1:]:
        # Every coordinator step clears "antwoord ontvangen"; an answer sets it (as the services).
        if event.kind in ("status", "converted", "question"):
            state.answer_pending = False
        elif event.kind == "answer":
            state.answer_pending = True
        if event.kind in ("status", "converted"):
            if event.from_status != state.status:
                raise AssertionError(f"history out of step: {event.from_status} != {state.status}")
            if (event.kind == "converted") != (event.to_status in CONVERSION_ONLY):
                raise AssertionError("conversion only through its own step")
            check_transition(state.status, event.to_status)
            apply_move(state, event.to_status, event.at)
            # A conversion leaves an open question open (the signaller can still answer).
            if event.kind != "converted":
                state.no_action_reason = event.reason if event.to_status == "no_action" else ""
        elif event.kind == "rerouted":
            if state.status not in OPEN_STATUSES:
                raise AssertionError("only an open signal can be rerouted")
            state.version += 1
        elif event.kind == "question":
            if state.status == "converted":
                raise AssertionError("no questions on a converted signal")
            state.question_open = True
            state.version += 1
        elif event.kind == "answer":
            if not state.question_open:
                raise AssertionError("an answer needs an open question")
            state.question_open = False
            state.version += 1
        else:
            raise AssertionError(f"unknown step {event.kind}")
    return state
