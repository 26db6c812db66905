"""Issue 14, item 1: a wrong chain event can be undone.

- Withdrawing (*intrekken*) an event entered by mistake: append-only (the event stays, marked
  withdrawn with who, when and why), it leaves the replay, the case's phase is recomputed,
  audited; who may withdraw is who may correct that event.
- A correction or withdrawal is validated against the timeline as it would be after it, and the
  refusal names the event the user chose first (before: a message about another event).
- The transition table refuses an end without its start: the end of a reflection period without
  an open start; a verdict without a trial hearing; an appeal verdict without an appeal.
- Lead times, the index date, the evaluation and the data cut-off ignore withdrawn events.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from inbeeld.accounts.models import Role
from inbeeld.analysis import builders
from inbeeld.analysis.tables import tables_for_cases
from inbeeld.audit.models import AppendOnlyError, AuditAction, AuditEvent
from inbeeld.cases import selectors
from inbeeld.cases.models import (
    EFFECTIVE_EVENT,
    Case,
    ChainEvent,
    EventWithdrawal,
    WithdrawalReason,
)
from inbeeld.cases.services import event_correct, event_record, event_withdraw
from inbeeld.cases.workflow import (
    PERIODS,
    TRANSITIONS,
    ChainState,
    ReplayStep,
    Status,
    TransitionNotAllowed,
    next_state,
    replay,
)
from inbeeld.pilot.eligibility import case_index_date
from inbeeld.reference.sync import load_reference_document
from inbeeld.stats.outcomes import case_outcomes
from inbeeld.web import ConcurrentChange
from tests.factories import CaseFactory, assign, event_type, make_user, record_events, unit

pytestmark = pytest.mark.django_db

_DOC = load_reference_document()
LABELS = {row["code"]: row["label"] for row in _DOC["chain_event_types"]}
OUTCOMES = {row["code"]: [o["code"] for o in row["outcomes"]] for row in _DOC["chain_event_types"]}
START = "reflection_period_start"
END = "reflection_period_end"

# Every start/end pair of the chain: the end is only possible after its start.
START_END_PAIRS = [
    (START, END),  # bedenktijd: checked by PERIODS
    ("trial_hearing", "verdict"),  # by the status: a verdict only in the trial phase
    ("appeal_filed", "appeal_verdict"),  # an appeal verdict only in the appeal phase
]


def _events(case, code):
    return ChainEvent.objects.filter(case=case, event_type__code=code)


def _audit_rows(action, case_code=None):
    rows = AuditEvent.objects.filter(action=action)
    return rows.filter(case_code=case_code) if case_code else rows


def _legacy_event(case, code, day, author):
    """An event as the old workflow let it in (written without the service): the timeline of
    the issue, whose corrections were all refused."""
    return ChainEvent.objects.create(
        case=case,
        event_type=event_type(code),
        event_date=day,
        author=author,
        recorded_at=timezone.now(),
    )


# --- the table: an end needs its start --------------------------------------------------------


def _outcomes(code):
    return OUTCOMES[code] or [""]


@pytest.mark.parametrize(("start", "end"), START_END_PAIRS, ids=[e for _, e in START_END_PAIRS])
def test_no_reachable_state_without_the_start_allows_its_end(start, end):
    """Walk every state (status, open periods) the workflow reaches from intake without ever
    recording ``start``: in none of them is ``end`` allowed."""
    seen, queue = {ChainState()}, deque([ChainState()])
    while queue:
        state = queue.popleft()
        with pytest.raises(TransitionNotAllowed):
            next_state(state, end, _outcomes(end)[0])
        for code in TRANSITIONS[state.status]:
            if code == start:
                continue
            for outcome in _outcomes(code):
                try:
                    following = next_state(state, code, outcome)
                except TransitionNotAllowed:
                    continue
                if following not in seen:
                    seen.add(following)
                    queue.append(following)
    assert len(seen) > 5


def test_the_end_of_a_reflection_period_is_not_in_the_intake_row():
    """At intake no period can be open (its start moves the case on): the table refuses it."""
    assert END not in TRANSITIONS[Status.INTAKE]
    with pytest.raises(TransitionNotAllowed, match="terwijl de casus in de fase 'Instroom'"):
        next_state(ChainState(), END)


@pytest.mark.parametrize("status", [s for s in Status.values if END in TRANSITIONS[s]])
def test_an_end_without_its_open_start_is_refused_in_every_phase_that_has_it(status):
    with pytest.raises(TransitionNotAllowed) as refused:
        next_state(ChainState(status), END)
    assert str(refused.value) == (
        f"'{LABELS[END]}' kan niet worden vastgelegd zonder een eerdere '{LABELS[START]}'."
    )
    assert (refused.value.current, refused.value.target) == (status, END)
    opened = ChainState(status, frozenset({START}))
    assert next_state(opened, END) == ChainState(status, frozenset())


def test_a_second_start_while_the_period_runs_is_refused_and_after_its_end_allowed():
    state = next_state(ChainState(), START)
    assert state == ChainState(Status.POLICE_CONTACT, frozenset({START}))
    with pytest.raises(TransitionNotAllowed, match="er loopt al een bedenktijd"):
        next_state(state, START)
    assert next_state(next_state(state, END), START).open_periods == {START}


def test_every_period_pairs_catalogue_codes():
    assert set(PERIODS.items()) == {(END, START)}
    assert set(PERIODS) | set(PERIODS.values()) <= set(LABELS)


def test_the_issue_timeline_is_refused_by_the_service(police_officer):
    """The workflow accepted 'Einde bedenktijd' at intake without a start; now it refuses it."""
    case = CaseFactory(recorder=police_officer)
    with pytest.raises(TransitionNotAllowed, match=re.escape(LABELS[END])):
        event_record(
            actor=police_officer, case=case, event_type=event_type(END), event_date=case.intake_date
        )
    record_events(case, [("first_police_contact", "")], actor=police_officer)
    with pytest.raises(TransitionNotAllowed, match="zonder een eerdere"):
        event_record(
            actor=police_officer, case=case, event_type=event_type(END), event_date=case.intake_date
        )
    assert not _events(case, END).exists()
    record_events(case, [(START, ""), (END, "")], actor=police_officer)
    assert _events(case, END).count() == 1


def test_replay_refuses_an_end_without_its_start():
    with pytest.raises(TransitionNotAllowed):
        replay([ReplayStep("first_police_contact", ""), ReplayStep(END, "")])
    steps = [ReplayStep("first_police_contact", ""), ReplayStep(START, ""), ReplayStep(END, "")]
    assert replay(steps) == Status.POLICE_CONTACT


# --- withdrawing through the service ----------------------------------------------------------


@pytest.fixture
def investigated(police_officer):
    """First police contact, then a complaint: the investigation phase."""
    return CaseFactory(recorder=police_officer, with_complaint=True)


def test_a_withdrawn_event_stays_leaves_the_replay_and_the_phase_is_recomputed(
    police_officer, investigated
):
    complaint = _events(investigated, "complaint_filed").get()
    events = ChainEvent.objects.count()
    withdrawal = event_withdraw(
        actor=police_officer, event=complaint, reason=WithdrawalReason.MISTAKE
    )
    stored = Case.objects.get(pk=investigated.pk)
    assert stored.status == Status.POLICE_CONTACT
    assert stored.version == investigated.version + 1
    assert ChainEvent.objects.count() == events  # the event stays on record
    assert withdrawal.event == complaint and withdrawal.withdrawn_by == police_officer
    assert withdrawal.organisation is not None
    # Append-only: the withdrawal itself is never changed or removed.
    with pytest.raises(AppendOnlyError):
        withdrawal.delete()
    with pytest.raises(AppendOnlyError):
        EventWithdrawal.objects.filter(pk=withdrawal.pk).update(reason="duplicate")
    # With the complaint gone, recording one again is a move from police contact.
    record_events(stored, [("complaint_filed", "")], actor=police_officer)
    assert Case.objects.get(pk=investigated.pk).status == Status.INVESTIGATION


def test_a_withdrawal_is_audited_with_the_event_the_reason_and_the_phases(
    police_officer, investigated
):
    complaint = _events(investigated, "complaint_filed").get()
    event_withdraw(actor=police_officer, event=complaint, reason=WithdrawalReason.DUPLICATE)
    row = _audit_rows(AuditAction.EVENT_WITHDRAWN, investigated.code).get()
    assert row.actor == police_officer and row.subject_type == "chain_event"
    assert row.subject_ref == str(complaint.pk)
    assert row.extra == {
        "old": {
            "event": complaint.pk,
            "event_type": "complaint_filed",
            "outcome": "",
            "event_date": complaint.event_date.isoformat(),
        },
        "new": {"withdrawn": True, "reason": "duplicate"},
        "status": {"old": "investigation", "new": "police_contact"},
    }
    assert row.action_label == "Ketengebeurtenis ingetrokken"


def test_a_withdrawal_needs_a_reason_from_the_list(police_officer, investigated):
    complaint = _events(investigated, "complaint_filed").get()
    for reason in ("", "omdat het kan"):
        with pytest.raises(ValidationError, match="Kies waarom u deze gebeurtenis intrekt"):
            event_withdraw(actor=police_officer, event=complaint, reason=reason)
    assert not EventWithdrawal.objects.exists()
    assert not _audit_rows(AuditAction.EVENT_WITHDRAWN).exists()


def test_a_withdrawn_or_corrected_event_cannot_be_withdrawn_or_corrected_again(
    police_officer, investigated
):
    contact = _events(investigated, "first_police_contact").get()
    correction = event_correct(
        actor=police_officer,
        event=contact,
        event_type=event_type("first_police_contact"),
        event_date=contact.event_date + dt.timedelta(days=1),
    )
    with pytest.raises(ValidationError, match="al gecorrigeerd"):
        event_withdraw(actor=police_officer, event=contact, reason="mistake")
    complaint = _events(investigated, "complaint_filed").get()
    event_withdraw(actor=police_officer, event=complaint, reason="mistake")
    with pytest.raises(ValidationError, match="is ingetrokken"):
        event_withdraw(actor=police_officer, event=complaint, reason="mistake")
    with pytest.raises(ValidationError, match="is ingetrokken"):
        event_correct(
            actor=police_officer,
            event=complaint,
            event_type=event_type("complaint_filed"),
            event_date=complaint.event_date,
        )
    # The newest version of a corrected event can be withdrawn: the whole event is gone.
    event_withdraw(actor=police_officer, event=correction, reason="did_not_happen")
    assert Case.objects.get(pk=investigated.pk).status == Status.INTAKE
    assert not ChainEvent.objects.filter(EFFECTIVE_EVENT, case=investigated).exists()


def test_a_withdrawal_after_which_a_later_event_does_not_fit_is_refused_naming_both(
    police_officer,
):
    case = CaseFactory(
        recorder=police_officer, events=[("first_police_contact", ""), (START, ""), (END, "")]
    )
    start = _events(case, START).get()
    with pytest.raises(TransitionNotAllowed) as refused:
        event_withdraw(actor=police_officer, event=start, reason="mistake")
    message = str(refused.value)
    date = f"{start.event_date.day} "
    assert message.startswith(f"'{LABELS[START]}' van {date}")
    assert "kan niet worden ingetrokken" in message
    assert f"past '{LABELS[END]}' van" in message
    assert not EventWithdrawal.objects.exists()
    assert Case.objects.get(pk=case.pk).version == case.version
    # Withdrawing the end first, then the start, works.
    event_withdraw(actor=police_officer, event=_events(case, END).get(), reason="mistake")
    event_withdraw(actor=police_officer, event=start, reason="mistake")
    assert Case.objects.get(pk=case.pk).status == Status.POLICE_CONTACT


def test_a_stale_version_is_a_conflict_and_stores_nothing(police_officer, investigated):
    complaint = _events(investigated, "complaint_filed").get()
    with pytest.raises(ConcurrentChange):
        event_withdraw(
            actor=police_officer,
            event=complaint,
            reason="mistake",
            expected_version=investigated.version - 1,
        )
    assert not EventWithdrawal.objects.exists()


# --- who may withdraw: who may correct that event ------------------------------------------------


def test_a_role_that_may_not_correct_may_not_withdraw(investigated):
    psychologist = make_user(Role.PSYCHOLOGIST)
    assign(investigated, psychologist, Role.PSYCHOLOGIST)
    complaint = _events(investigated, "complaint_filed").get()  # a psychologist may record it
    with pytest.raises(PermissionDenied, match="niet intrekken"):
        event_withdraw(actor=psychologist, event=complaint, reason="mistake")


def test_a_role_that_may_not_record_the_event_may_not_withdraw_it(investigated):
    prosecutor = make_user(Role.PROSECUTOR, district_code="amsterdam")
    contact = _events(investigated, "first_police_contact").get()  # police only
    with pytest.raises(PermissionDenied, match="niet intrekken"):
        event_withdraw(actor=prosecutor, event=contact, reason="mistake")
    assert not EventWithdrawal.objects.exists()


def test_an_officer_of_another_unit_may_not_withdraw(investigated):
    outsider = make_user(Role.POLICE_OFFICER, unit_code="limburg")
    complaint = _events(investigated, "complaint_filed").get()
    with pytest.raises(PermissionDenied):
        event_withdraw(actor=outsider, event=complaint, reason="mistake")


# --- a correction is checked against the timeline after it ---------------------------------------


def test_the_issue_timeline_can_be_repaired_and_errors_name_the_chosen_event(police_officer):
    """The issue: 'Einde bedenktijd' at intake without a start (let in by the old workflow),
    then the first police contact and a complaint. Correcting the end into a start was refused
    with a message about 'Eerste politiecontact'; now the message names the chosen event first,
    and withdrawing the wrong event repairs the timeline."""
    case = CaseFactory(recorder=police_officer)
    wrong = _legacy_event(case, END, case.intake_date, police_officer)
    # Recording goes on (the stored phase and the open periods, leniently).
    record_events(
        case, [("first_police_contact", ""), ("complaint_filed", "")], actor=police_officer
    )
    assert case.status == Status.INVESTIGATION
    with pytest.raises(TransitionNotAllowed) as refused:
        event_correct(
            actor=police_officer,
            event=wrong,
            event_type=event_type(START),
            event_date=case.intake_date,
        )
    message = str(refused.value)
    assert message.startswith(f"De correctie naar '{LABELS[START]}' kan niet worden vastgelegd")
    assert f"past '{LABELS['first_police_contact']}' van" in message
    assert message.index(LABELS[START]) < message.index(LABELS["first_police_contact"])
    event_withdraw(actor=police_officer, event=wrong, reason=WithdrawalReason.MISTAKE)
    stored = Case.objects.get(pk=case.pk)
    assert stored.status == Status.INVESTIGATION
    assert wrong.pk in set(ChainEvent.objects.filter(case=case).values_list("pk", flat=True))


def test_a_correction_of_the_event_itself_names_the_chosen_event(police_officer, investigated):
    complaint = _events(investigated, "complaint_filed").get()
    with pytest.raises(TransitionNotAllowed) as refused:
        event_correct(
            actor=police_officer,
            event=complaint,
            event_type=event_type("verdict"),
            event_date=complaint.event_date,
            outcome="conviction",
        )
    assert str(refused.value).startswith(f"'{LABELS['verdict']}' kan niet worden vastgelegd")


def test_a_correction_the_current_phase_refuses_but_the_timeline_after_allows_is_accepted(
    police_officer,
):
    case = CaseFactory(recorder=police_officer, status=Status.PROSECUTION)
    contact = _events(case, "first_police_contact").get()
    # 'Signaal ontvangen' is not allowed in the prosecution phase, but in the place of the first
    # contact (at intake) it is, and the rest of the timeline still fits after it.
    assert "signal_received" not in TRANSITIONS[Status.PROSECUTION]
    event_correct(
        actor=police_officer,
        event=contact,
        event_type=event_type("signal_received"),
        event_date=contact.event_date,
    )
    assert Case.objects.get(pk=case.pk).status == Status.PROSECUTION


def test_a_correction_after_which_a_later_event_does_not_fit_names_both(police_officer):
    case = CaseFactory(recorder=police_officer, status=Status.PROSECUTION)
    complaint = _events(case, "complaint_filed").get()
    with pytest.raises(TransitionNotAllowed) as refused:
        event_correct(
            actor=police_officer,
            event=complaint,
            event_type=event_type("complaint_declined"),
            event_date=complaint.event_date,
            outcome="low_trust",
        )
    message = str(refused.value)
    assert message.startswith(f"De correctie naar '{LABELS['complaint_declined']}'")
    assert f"'{LABELS['prosecution_decision']}' van" in message


# --- the timeline shows it, struck through, with who, when and why -------------------------------


def test_the_timeline_marks_a_withdrawn_event_with_who_when_and_why(
    police_officer, investigated, researcher
):
    complaint = _events(investigated, "complaint_filed").get()
    withdrawal = event_withdraw(actor=police_officer, event=complaint, reason="mistake")
    entries = selectors.case_timeline(police_officer, investigated)
    entry = next(e for e in entries if e.event.pk == complaint.pk)
    assert entry.withdrawal == withdrawal and not entry.effective
    assert entry.withdrawn_by.startswith(str(police_officer))
    others = [e for e in entries if e.event.pk != complaint.pk]
    assert all(e.effective and e.withdrawal is None for e in others)
    # A researcher sees that and why, not who.
    pseudonymised = selectors.case_timeline(researcher, investigated)
    entry = next(e for e in pseudonymised if e.event.pk == complaint.pk)
    assert entry.withdrawal is not None and entry.withdrawn_by is None


def test_the_case_page_strikes_a_withdrawn_event_through_and_offers_no_more_actions(
    login, police_officer, investigated
):
    complaint = _events(investigated, "complaint_filed").get()
    client = login(police_officer)
    page = client.get(reverse("cases:detail", args=[investigated.code])).content.decode()
    withdraw_url = reverse("cases:event_withdraw", args=[investigated.code, complaint.pk])
    assert withdraw_url in page
    event_withdraw(actor=police_officer, event=complaint, reason="wrong_case")
    page = client.get(reverse("cases:detail", args=[investigated.code])).content.decode()
    assert '<s data-testid="withdrawn-event">' in page
    assert "reden: Bij de verkeerde casus vastgelegd. Telt niet meer mee." in page
    assert "Ingetrokken door Pieter Politie" in page
    assert withdraw_url not in page
    assert reverse("cases:event_correct", args=[investigated.code, complaint.pk]) not in page


def test_withdraw_page_needs_a_reason_then_withdraws(login, police_officer, investigated):
    complaint = _events(investigated, "complaint_filed").get()
    client = login(police_officer)
    url = reverse("cases:event_withdraw", args=[investigated.code, complaint.pk])
    page = client.get(url).content.decode()
    assert "Gebeurtenis intrekken" in page and LABELS["complaint_filed"] in page
    assert "checked" not in page  # no reason is chosen for the user
    response = client.post(url, {"version": investigated.version})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary" role="alert" tabindex="-1" id="fouten" autofocus' in html
    assert "Kies waarom u dit intrekt." in html
    assert not EventWithdrawal.objects.exists()
    response = client.post(url, {"version": investigated.version, "reason": "duplicate"})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[investigated.code])
    assert EventWithdrawal.objects.get().reason == "duplicate"


def test_withdraw_page_shows_the_refusal_naming_the_chosen_event(login, police_officer):
    case = CaseFactory(
        recorder=police_officer, events=[("first_police_contact", ""), (START, ""), (END, "")]
    )
    start = _events(case, START).get()
    url = reverse("cases:event_withdraw", args=[case.code, start.pk])
    response = login(police_officer).post(url, {"version": case.version, "reason": "mistake"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "kan niet worden ingetrokken" in html and LABELS[START] in html
    assert not EventWithdrawal.objects.exists()


def test_withdraw_page_is_not_found_outside_scope_and_refused_without_the_right(
    login, investigated
):
    complaint = _events(investigated, "complaint_filed").get()
    url = reverse("cases:event_withdraw", args=[investigated.code, complaint.pk])
    outsider = make_user(Role.POLICE_OFFICER, unit_code="limburg")
    assert login(outsider).get(url).status_code == 404
    psychologist = make_user(Role.PSYCHOLOGIST)
    assign(investigated, psychologist, Role.PSYCHOLOGIST)
    assert login(psychologist).get(url).status_code in (403, 404)
    assert login(psychologist).post(url, {"reason": "mistake"}).status_code in (403, 404)
    assert not EventWithdrawal.objects.exists()


# --- figures ignore withdrawn events -------------------------------------------------------------


def _one(case):
    return Case.objects.filter(pk=case.pk)


def test_lead_times_index_date_and_cutoff_ignore_a_withdrawn_event(police_officer):
    """A first police contact, a complaint a week later, then a wrongly recorded withdrawal from
    the process: withdrawn, it no longer ends the case's follow-up (competing event), and a
    withdrawn first contact no longer sets the index date."""
    intake = dt.date(2024, 3, 1)
    case = CaseFactory(recorder=police_officer, intake_date=intake)
    contact = event_record(
        actor=police_officer,
        case=case,
        event_type=event_type("first_police_contact"),
        event_date=dt.date(2024, 3, 4),
    )
    event_record(
        actor=police_officer,
        case=case,
        event_type=event_type("complaint_filed"),
        event_date=dt.date(2024, 3, 11),
    )
    dropout = event_record(
        actor=police_officer,
        case=case,
        event_type=event_type("withdrawal_from_process"),
        event_date=dt.date(2024, 3, 6),
    )
    late = event_record(
        actor=police_officer,
        case=case,
        event_type=event_type("revictimisation"),
        event_date=dt.date(2024, 6, 1),
    )

    def outcome_row():
        tables = tables_for_cases(_one(case))
        return case_outcomes(tables).row(0, named=True), tables

    row, tables = outcome_row()
    assert tables.cutoff == dt.date(2024, 6, 1)
    assert row["index_date"] == dt.date(2024, 3, 4)
    # The withdrawal from the process (6 March) came before the complaint: not observed.
    assert row["complaint_observed"] is False
    assert row["complaint_event"] == 2  # competing event first

    event_withdraw(actor=police_officer, event=dropout, reason="mistake")
    event_withdraw(actor=police_officer, event=late, reason="duplicate")
    row, tables = outcome_row()
    assert tables.cutoff == dt.date(2024, 3, 11)
    assert row["complaint_observed"] is True
    assert row["complaint_days"] == 7
    assert row["complaint_event"] == 1
    assert row["contact_complaint_days"] == 7 and row["contact_complaint_observed"] is True

    event_withdraw(actor=police_officer, event=contact, reason="did_not_happen")
    row, _ = outcome_row()
    assert row["index_date"] == intake  # no effective police contact: the intake date
    assert row["contact_complaint_days"] is None
    assert case_index_date(case) == intake
    codes = set(builders.effective_events(_one(case)).values_list("event_type__code", flat=True))
    assert codes == {"complaint_filed"}
    assert builders.event_rows(_one(case), ["withdrawal_from_process"]).height == 0


def test_the_evaluation_fingerprint_changes_with_a_withdrawal(police_officer, investigated):
    before = builders.data_fingerprint(Case.objects.all())
    complaint = _events(investigated, "complaint_filed").get()
    event_withdraw(actor=police_officer, event=complaint, reason="mistake")
    assert builders.data_fingerprint(Case.objects.all()) != before


def test_recording_after_a_withdrawn_start_needs_a_new_start(police_officer):
    case = CaseFactory(recorder=police_officer, events=[("first_police_contact", ""), (START, "")])
    event_withdraw(actor=police_officer, event=_events(case, START).get(), reason="mistake")
    with pytest.raises(TransitionNotAllowed, match="zonder een eerdere"):
        record_events(case, [(END, "")], actor=police_officer)


def test_the_unit_of_the_withdrawer_is_kept(police_officer, investigated):
    complaint = _events(investigated, "complaint_filed").get()
    withdrawal = event_withdraw(actor=police_officer, event=complaint, reason="mistake")
    assert withdrawal.organisation == police_officer.memberships.get().organisation
    assert investigated.police_unit == unit("amsterdam")


def test_retention_takes_no_notes_of_a_case_whose_closure_was_withdrawn(police_officer):
    """A withdrawn closure never closed the case: its notes are not past their period."""
    from inbeeld.oversight.retention import retention_plan

    case = CaseFactory(
        recorder=police_officer,
        intake_date=dt.date(2005, 1, 1),
        events=[("first_police_contact", "", "Notitie van de politie."), ("case_closed", "")],
    )

    def planned_codes():
        notes = next(o for o in retention_plan() if o.category == "notes")
        return set(notes.case_codes)

    assert case.code in planned_codes()
    event_withdraw(actor=police_officer, event=_events(case, "case_closed").get(), reason="mistake")
    assert case.code not in planned_codes()
    assert Case.objects.get(pk=case.pk).status == Status.POLICE_CONTACT
