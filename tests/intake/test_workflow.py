"""The triage transition table, walked whole through the real services on real rows.

Every (current, target) pair of SignalStatus: the signal is brought into ``current`` by walking
allowed moves through the services (tests/intake/conftest.PATH_TO_STATUS, never by writing the
status column), then the move to ``target`` is tried — through signal_convert for 'converted',
through signal_triage for every other status. An allowed move succeeds and leaves its history and
audit rows; any other move is a ValidationError that stores nothing.
"""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError

from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.intake.models import SignalEvent
from inbeeld.intake.services import signal_triage
from inbeeld.intake.workflow import (
    MESSAGE_REQUIRED,
    TRANSITIONS,
    NoActionReason,
    SignalStatus,
    allowed_targets,
)
from tests.intake.conftest import PATH_TO_STATUS, bring_to, move, row_counts

pytestmark = pytest.mark.django_db

S = SignalStatus
ALL_PAIRS = list(itertools.product(S.values, S.values))
ALLOWED = [(c, t) for c, t in ALL_PAIRS if t in TRANSITIONS[c]]
REFUSED = [(c, t) for c, t in ALL_PAIRS if t not in TRANSITIONS[c]]


def _kwargs_for(target: str) -> dict:
    # 'No action' gets a valid reason and the outcomes a message to the signaller, so a refusal
    # can only come from the table.
    kwargs = {"reason": NoActionReason.NO_INDICATIONS} if target == S.NO_ACTION else {}
    if target in MESSAGE_REQUIRED:
        kwargs["message"] = "Dank voor uw melding; dit is wat er nu gebeurt."
    return kwargs


def test_the_table_has_a_row_for_every_status_and_only_statuses_as_targets():
    assert set(TRANSITIONS) == set(S.values)
    assert all(set(targets) <= set(S.values) for targets in TRANSITIONS.values())
    assert set(PATH_TO_STATUS) == set(S.values)
    assert len(ALLOWED) + len(REFUSED) == len(S.values) ** 2
    # The table is not trivially empty or full.
    assert 0 < len(ALLOWED) < len(ALL_PAIRS)


def test_the_table_is_the_one_the_module_describes():
    # Spelled out once more so that an accidental edit of the table shows up here.
    assert TRANSITIONS == {
        S.RECEIVED: {S.IN_TRIAGE},
        S.IN_TRIAGE: {S.REFERRED_POLICE, S.REFERRED_CARE, S.ADVICE_GIVEN, S.NO_ACTION, S.CONVERTED},
        S.REFERRED_POLICE: {S.IN_TRIAGE, S.CONVERTED},
        S.REFERRED_CARE: {S.IN_TRIAGE, S.CONVERTED},
        S.ADVICE_GIVEN: {S.IN_TRIAGE},
        S.NO_ACTION: {S.IN_TRIAGE},
        S.CONVERTED: set(),
    }


def test_a_conversion_is_final_and_nothing_moves_back_to_received():
    assert TRANSITIONS[S.CONVERTED] == frozenset()
    assert all(S.RECEIVED not in targets for targets in TRANSITIONS.values())


def test_allowed_targets_leaves_conversion_out_unless_asked():
    assert allowed_targets(S.IN_TRIAGE) == [
        S.REFERRED_POLICE,
        S.REFERRED_CARE,
        S.ADVICE_GIVEN,
        S.NO_ACTION,
    ]
    assert allowed_targets(S.IN_TRIAGE, include_conversion=True)[-1] == S.CONVERTED
    assert allowed_targets(S.CONVERTED, include_conversion=True) == []


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_every_allowed_move_succeeds_with_its_history_and_audit_row(
    current, target, submit, coordinator
):
    signal, _ = submit()
    bring_to(coordinator, signal, current)
    before = row_counts()
    version = signal.version

    move(coordinator, signal, target, **_kwargs_for(target))

    signal.refresh_from_db()
    assert signal.status == target
    assert signal.version == version + 1
    event = SignalEvent.objects.filter(signal=signal).order_by("-id").first()
    expected_kind = SignalEvent.Kind.CONVERTED if target == S.CONVERTED else SignalEvent.Kind.STATUS
    assert (event.kind, event.from_status, event.to_status) == (expected_kind, current, target)
    assert event.actor == coordinator
    action = (
        AuditAction.SIGNAL_CONVERTED if target == S.CONVERTED else AuditAction.SIGNAL_STATUS_CHANGED
    )
    audit = AuditEvent.objects.filter(action=action, subject_ref=signal.reference).latest("id")
    assert audit.extra["status"] == {"old": current, "new": target}
    assert audit.actor == coordinator
    after = row_counts()
    assert after["signal_events"] == before["signal_events"] + 1
    assert after["cases"] == before["cases"] + (1 if target == S.CONVERTED else 0)
    assert (signal.case_id is not None) == (target == S.CONVERTED)


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_every_other_move_is_refused_and_stores_nothing(current, target, submit, coordinator):
    signal, _ = submit()
    bring_to(coordinator, signal, current)
    signal.refresh_from_db()
    stored_before = (signal.status, signal.version, signal.acknowledged_at, signal.decided_at)
    before = row_counts()

    with pytest.raises(ValidationError) as refused:
        move(coordinator, signal, target, **_kwargs_for(target))

    # A Dutch message that names both statuses (or asks to triage first before a conversion).
    message = " ".join(refused.value.messages)
    if target == S.CONVERTED and current == S.RECEIVED:
        assert "Neem het signaal eerst in triage" in message
    else:
        assert "kan niet" in message
        assert str(S(current).label) in message and str(S(target).label) in message
    signal.refresh_from_db()
    assert (signal.status, signal.version, signal.acknowledged_at, signal.decided_at) == (
        stored_before
    )
    assert row_counts() == before


@pytest.mark.parametrize("current", S.values)
def test_triage_never_converts_conversion_has_its_own_service(current, submit, coordinator):
    signal, _ = submit()
    bring_to(coordinator, signal, current)
    before = row_counts()
    with pytest.raises(ValidationError, match="Omzetten in een casus gaat via"):
        signal_triage(actor=coordinator, signal=signal, to_status=S.CONVERTED)
    signal.refresh_from_db()
    assert signal.status == current
    assert row_counts() == before


def test_an_unknown_status_is_refused(submit, coordinator):
    signal, _ = submit()
    before = row_counts()
    with pytest.raises(ValidationError, match="geldige nieuwe status"):
        signal_triage(actor=coordinator, signal=signal, to_status="archived")
    assert row_counts() == before


# --- reasons -------------------------------------------------------------------------------------


def _in_triage(submit, coordinator):
    signal, _ = submit()
    return bring_to(coordinator, signal, S.IN_TRIAGE)


@pytest.mark.parametrize("reason", ["", "not-a-reason"])
def test_no_action_needs_a_valid_reason(reason, submit, coordinator):
    signal = _in_triage(submit, coordinator)
    before = row_counts()
    with pytest.raises(ValidationError, match="Kies waarom er geen actie volgt"):
        signal_triage(actor=coordinator, signal=signal, to_status=S.NO_ACTION, reason=reason)
    signal.refresh_from_db()
    assert signal.status == S.IN_TRIAGE and signal.no_action_reason == ""
    assert row_counts() == before


@pytest.mark.parametrize("note", ["", "   "])
def test_no_action_for_another_reason_needs_a_note(note, submit, coordinator):
    signal = _in_triage(submit, coordinator)
    before = row_counts()
    with pytest.raises(ValidationError, match="Licht de andere reden toe"):
        signal_triage(
            actor=coordinator,
            signal=signal,
            to_status=S.NO_ACTION,
            reason=NoActionReason.OTHER,
            note=note,
        )
    signal.refresh_from_db()
    assert signal.status == S.IN_TRIAGE
    assert row_counts() == before


def test_no_action_for_another_reason_with_a_note_is_stored_with_its_reason(submit, coordinator):
    signal = _in_triage(submit, coordinator)
    signal_triage(
        actor=coordinator,
        signal=signal,
        to_status=S.NO_ACTION,
        reason=NoActionReason.OTHER,
        note="Zorg is al betrokken via huisarts",
        message="Er is al hulp betrokken. Dank voor uw melding.",
    )
    signal.refresh_from_db()
    assert signal.status == S.NO_ACTION and signal.no_action_reason == NoActionReason.OTHER
    event = SignalEvent.objects.filter(signal=signal).latest("id")
    assert event.reason == NoActionReason.OTHER


@pytest.mark.parametrize(
    "target", [S.REFERRED_POLICE, S.REFERRED_CARE, S.ADVICE_GIVEN, S.IN_TRIAGE]
)
def test_a_reason_on_any_other_status_is_refused(target, submit, coordinator):
    # From a status where the move itself is allowed, so only the reason can be refused.
    signal, _ = submit()
    bring_to(coordinator, signal, S.RECEIVED if target == S.IN_TRIAGE else S.IN_TRIAGE)
    status = signal.status
    before = row_counts()
    with pytest.raises(ValidationError, match="Een reden hoort alleen bij 'Geen actie'"):
        signal_triage(
            actor=coordinator,
            signal=signal,
            to_status=target,
            reason=NoActionReason.NO_INDICATIONS,
        )
    signal.refresh_from_db()
    assert signal.status == status
    assert row_counts() == before


def test_reopening_after_no_action_clears_the_reason(submit, coordinator):
    signal, _ = submit()
    bring_to(coordinator, signal, S.NO_ACTION)
    assert signal.no_action_reason == NoActionReason.NO_INDICATIONS
    signal_triage(actor=coordinator, signal=signal, to_status=S.IN_TRIAGE)
    signal.refresh_from_db()
    assert signal.status == S.IN_TRIAGE and signal.no_action_reason == ""


# --- acknowledged_at and decided_at -------------------------------------------------------------


def test_acknowledged_at_is_set_once_when_the_signal_leaves_received(submit, coordinator):
    signal, _ = submit()
    assert signal.acknowledged_at is None and signal.decided_at is None

    signal_triage(actor=coordinator, signal=signal, to_status=S.IN_TRIAGE)
    signal.refresh_from_db()
    first = signal.acknowledged_at
    assert first is not None and first >= signal.received_at

    # Deciding, reopening and deciding again never moves the acknowledgement.
    for target in (S.ADVICE_GIVEN, S.IN_TRIAGE, S.REFERRED_CARE, S.IN_TRIAGE):
        signal_triage(actor=coordinator, signal=signal, to_status=target, **_kwargs_for(target))
        signal.refresh_from_db()
        assert signal.acknowledged_at == first


def test_decided_at_is_set_on_a_decision_and_cleared_on_reopening(submit, coordinator):
    signal, _ = submit()
    signal_triage(actor=coordinator, signal=signal, to_status=S.IN_TRIAGE)
    signal.refresh_from_db()
    assert signal.decided_at is None  # taking into triage is not a decision

    signal_triage(actor=coordinator, signal=signal, to_status=S.REFERRED_POLICE)
    signal.refresh_from_db()
    first_decision = signal.decided_at
    assert first_decision is not None and first_decision >= signal.acknowledged_at

    signal_triage(actor=coordinator, signal=signal, to_status=S.IN_TRIAGE)
    signal.refresh_from_db()
    assert signal.decided_at is None

    signal_triage(
        actor=coordinator,
        signal=signal,
        to_status=S.NO_ACTION,
        reason=NoActionReason.DUPLICATE,
        message="Dit signaal was al eerder gemeld.",
    )
    signal.refresh_from_db()
    assert signal.decided_at is not None and signal.decided_at >= first_decision


def test_a_referral_that_becomes_a_case_keeps_the_time_of_the_first_decision(submit, coordinator):
    signal, _ = submit()
    bring_to(coordinator, signal, S.REFERRED_POLICE)
    decided = signal.decided_at
    assert decided is not None
    move(coordinator, signal, S.CONVERTED)
    signal.refresh_from_db()
    assert signal.status == S.CONVERTED and signal.decided_at == decided


def test_a_conversion_straight_from_triage_is_a_decision(submit, coordinator):
    signal, _ = submit()
    bring_to(coordinator, signal, S.CONVERTED)
    assert signal.decided_at is not None and signal.acknowledged_at is not None
