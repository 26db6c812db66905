"""The chain workflow: the whole transition table, walked pair by pair and through the service.

Every status × every event code of the catalogue (reference.json): an allowed pair gives the
table's target (each outcome of a per-outcome target), every other pair is refused with a Dutch
message. Then the same through `event_record` on cases brought into each status.
"""

from __future__ import annotations

from collections import deque
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.utils import timezone

from inbeeld.audit.models import AuditEvent
from inbeeld.cases.models import Case, ChainEvent
from inbeeld.cases.services import event_record
from inbeeld.cases.workflow import (
    INITIAL_STATUS,
    PERIODS,
    SAME,
    TRANSITIONS,
    ReplayStep,
    Status,
    TransitionNotAllowed,
    allowed_event_codes,
    next_status,
    replay,
)
from inbeeld.reference.sync import load_reference_document
from tests.factories import (
    PATH_TO_STATUS,
    CaseFactory,
    chain_recorder,
    event_type,
    record_events,
    unit,
)

_DOC = load_reference_document()
CATALOGUE = {row["code"]: row for row in _DOC["chain_event_types"]}
LABELS = {code: row["label"] for code, row in CATALOGUE.items()}
OUTCOMES = {code: [o["code"] for o in row["outcomes"]] for code, row in CATALOGUE.items()}
PAIRS = [(status, code) for status in Status.values for code in CATALOGUE]


def _outcomes_to_try(code: str) -> list[str]:
    """Every catalogue outcome of ``code``, plus no outcome when none is required."""
    options = list(OUTCOMES[code])
    if not CATALOGUE[code]["outcome_required"]:
        options.append("")
    return options


def _expected(status: str, code: str, outcome: str) -> str:
    target = TRANSITIONS[status][code]
    if target == SAME:
        return status
    if isinstance(target, dict):
        return str(target.get(outcome, target["*"]))
    return str(target)


# --- the table, pair by pair ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "code"), PAIRS, ids=[f"{s}-{c}" for s, c in PAIRS])
def test_every_status_and_event_pair_follows_the_table(status, code):
    if code in TRANSITIONS[status]:
        for outcome in _outcomes_to_try(code):
            assert next_status(status, code, outcome) == _expected(status, code, outcome)
    else:
        with pytest.raises(TransitionNotAllowed) as refused:
            next_status(status, code, OUTCOMES[code][0] if OUTCOMES[code] else "")
        message = str(refused.value)
        assert message == str(refused.value.message)
        assert "kan niet worden vastgelegd terwijl de casus in de fase" in message
        assert LABELS[code] in message
        assert str(Status(status).label) in message
        assert (refused.value.current, refused.value.target) == (status, code)


def test_the_table_has_a_row_for_every_status_and_only_catalogue_codes():
    assert set(TRANSITIONS) == set(Status.values)
    for status, moves in TRANSITIONS.items():
        assert set(moves) <= set(CATALOGUE), status
        assert allowed_event_codes(status) == set(moves)


def test_every_target_is_a_status_and_every_outcome_key_is_in_the_catalogue():
    for moves in TRANSITIONS.values():
        for code, target in moves.items():
            if isinstance(target, dict):
                assert "*" in target
                assert set(target) - {"*"} <= set(OUTCOMES[code])
                assert set(target.values()) <= set(Status.values)
            else:
                assert target == SAME or target in Status.values


def test_prosecution_decision_summons_prosecutes_and_every_dismissal_dismisses():
    for status in (Status.INVESTIGATION, Status.DISMISSED):
        assert next_status(status, "prosecution_decision", "summons") == Status.PROSECUTION
        for ground in ("dismissal_technical", "dismissal_policy", "dismissal_conditional"):
            assert next_status(status, "prosecution_decision", ground) == Status.DISMISSED


def test_verdicts_lead_to_the_verdict_phase_whatever_the_outcome():
    for outcome in OUTCOMES["verdict"]:
        assert next_status(Status.TRIAL, "verdict", outcome) == Status.VERDICT
    for outcome in OUTCOMES["appeal_verdict"]:
        assert next_status(Status.APPEAL, "appeal_verdict", outcome) == Status.VERDICT


def test_a_closed_case_only_takes_aftercare_events():
    assert allowed_event_codes(Status.CLOSED) == {
        "revictimisation",
        "comensha_registration",
        "safety_assessment",
    }
    for code in allowed_event_codes(Status.CLOSED):
        assert next_status(Status.CLOSED, code) == Status.CLOSED


def test_every_open_phase_can_be_closed():
    for status in set(Status.values) - {Status.CLOSED}:
        assert next_status(status, "case_closed") == Status.CLOSED


def test_the_judicial_steps_are_strict_forwards():
    # Only a summons opens the trial, only a trial gives a verdict, only a verdict an appeal.
    assert {s for s in Status.values if "trial_hearing" in TRANSITIONS[s]} == {
        Status.PROSECUTION,
        Status.TRIAL,
        Status.APPEAL,
    }
    assert {s for s in Status.values if "verdict" in TRANSITIONS[s]} == {Status.TRIAL}
    assert {s for s in Status.values if "appeal_filed" in TRANSITIONS[s]} == {Status.VERDICT}
    assert {s for s in Status.values if "appeal_verdict" in TRANSITIONS[s]} == {Status.APPEAL}


def test_every_status_is_reachable_from_intake_and_nothing_returns_to_intake():
    reached, queue = {INITIAL_STATUS}, deque([INITIAL_STATUS])
    while queue:
        status = queue.popleft()
        for code in TRANSITIONS[status]:
            for outcome in _outcomes_to_try(code):
                target = _expected(status, code, outcome)
                if status != Status.INTAKE:
                    assert target != Status.INTAKE, (status, code)
                if target not in reached:
                    reached.add(target)
                    queue.append(target)
    assert reached == set(Status.values)


# --- replay --------------------------------------------------------------------------------


def test_replay_of_nothing_is_the_initial_status():
    assert replay([]) == INITIAL_STATUS == Status.INTAKE


@pytest.mark.parametrize("status", Status.values)
def test_replay_of_each_factory_path_reaches_its_status(status):
    assert replay(ReplayStep(code, outcome) for code, outcome in PATH_TO_STATUS[status]) == status


def test_replay_of_a_full_trajectory():
    steps = [
        ReplayStep("signal_received", ""),
        ReplayStep("safety_assessment", ""),
        ReplayStep("first_police_contact", ""),
        ReplayStep("reflection_period_start", ""),
        ReplayStep("reflection_period_end", ""),
        ReplayStep("complaint_filed", ""),
        ReplayStep("suspect_arrested", ""),
        ReplayStep("rc_hearing", ""),
        ReplayStep("prosecution_decision", "dismissal_policy"),
        # art. 12 Sv: after a successful complaint the OM decides again.
        ReplayStep("prosecution_decision", "summons"),
        ReplayStep("trial_hearing", ""),
        ReplayStep("verdict", "acquittal"),
        ReplayStep("appeal_filed", ""),
        ReplayStep("appeal_verdict", "conviction"),
        ReplayStep("case_closed", ""),
        ReplayStep("revictimisation", ""),
    ]
    assert replay(steps) == Status.CLOSED
    assert replay(steps[:9]) == Status.DISMISSED
    assert replay(steps[:12]) == Status.VERDICT


@pytest.mark.django_db
def test_replay_refuses_an_impossible_sequence():
    with pytest.raises(TransitionNotAllowed):
        replay([ReplayStep("case_closed", ""), ReplayStep("complaint_filed", "")])
    with pytest.raises(TransitionNotAllowed):
        replay([ReplayStep("verdict", "conviction")])


# --- the table through the real service ----------------------------------------------------


class _Rollback(Exception):
    pass


@contextmanager
def _rolled_back():
    """Run the block in a savepoint that is always rolled back (one case serves many moves)."""
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


@pytest.fixture
def recorder(db):
    return chain_recorder(unit("amsterdam"))


@pytest.mark.django_db
@pytest.mark.parametrize("status", Status.values)
def test_a_case_is_brought_into_each_status_through_the_service(status, recorder):
    case = CaseFactory(status=status, recorder=recorder)
    assert case.status == status
    assert case.version == 1 + len(PATH_TO_STATUS[status])
    assert case.events.count() == len(PATH_TO_STATUS[status])


def _path_with_open_period(status: str, start: str) -> list[tuple[str, str]]:
    """PATH_TO_STATUS[status] with ``start`` (a period's start) recorded where the workflow
    allows it: right after the first police contact, else first (it moves intake on)."""
    path = list(PATH_TO_STATUS[status])
    at = 1 if path and path[0][0] == "first_police_contact" else 0
    return [*path[:at], (start, ""), *path[at:]]


@pytest.mark.django_db
@pytest.mark.parametrize("status", Status.values)
def test_every_allowed_move_succeeds_through_the_service(status, recorder):
    """Every move of the table; the end of a period on a case whose period is open (the same
    status, reached along a path that started the period)."""
    case = CaseFactory(status=status, recorder=recorder)
    with_period = {}
    for end, start in PERIODS.items():
        if end in TRANSITIONS[status]:
            with_period[end] = CaseFactory(recorder=recorder)
            record_events(with_period[end], _path_with_open_period(status, start), actor=recorder)
            assert with_period[end].status == status
    today = timezone.localdate()
    tried = 0
    for code in sorted(TRANSITIONS[status]):
        on = with_period.get(code, case)
        for outcome in _outcomes_to_try(code):
            with _rolled_back():
                event = event_record(
                    actor=recorder,
                    case=on,
                    event_type=event_type(code),
                    event_date=today,
                    outcome=outcome,
                )
                after = Case.objects.get(pk=on.pk)
                assert after.status == _expected(status, code, outcome), (code, outcome)
                assert after.version == on.version + 1
                assert ChainEvent.objects.filter(pk=event.pk, case=on, outcome=outcome).exists()
                tried += 1
    assert tried >= len(TRANSITIONS[status])
    # Everything was rolled back: the cases are as the factory left them.
    for made in (case, *with_period.values()):
        after = Case.objects.get(pk=made.pk)
        assert (after.status, after.version) == (status, made.version)


@pytest.mark.django_db
@pytest.mark.parametrize("status", Status.values)
def test_every_disallowed_move_is_refused_by_the_service_and_stores_nothing(status, recorder):
    case = CaseFactory(status=status, recorder=recorder)
    disallowed = sorted(set(CATALOGUE) - set(TRANSITIONS[status]))
    assert disallowed, "every status refuses something"
    events, audits = ChainEvent.objects.count(), AuditEvent.objects.count()
    for code in disallowed:
        with pytest.raises(TransitionNotAllowed, match="kan niet worden vastgelegd"):
            event_record(
                actor=recorder,
                case=case,
                event_type=event_type(code),
                event_date=timezone.localdate(),
                outcome=OUTCOMES[code][0] if OUTCOMES[code] else "",
            )
    after = Case.objects.get(pk=case.pk)
    assert (after.status, after.version) == (status, case.version)
    assert ChainEvent.objects.count() == events
    assert AuditEvent.objects.count() == audits
