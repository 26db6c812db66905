"""Reads: the timeline with need-to-know notes, the filtered case list, one event of a case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from inbeeld.accounts.models import Role
from inbeeld.cases.selectors import CaseFilters, case_list, case_timeline, event_get_for
from inbeeld.cases.services import event_correct
from inbeeld.cases.workflow import Status
from tests.factories import (
    CaseFactory,
    add_membership,
    assign,
    court,
    event_type,
    make_user,
    record_events,
    unit,
)

pytestmark = pytest.mark.django_db

POLICE_NOTE = "Politienotitie: verklaring over de pooier in Den Helder."
CARE_NOTE = "Zorgnotitie: cliënt slaapt slecht, opvang geregeld."
JUSTICE_NOTE = "OM-notitie: zaak gevoegd met parketnummer 13/123456-24."


@pytest.fixture
def noted_case(db):
    """A case with one police, one care and one justice note, and one event without a note."""
    case = CaseFactory(court=court("amsterdam"))
    officer = make_user(Role.POLICE_OFFICER)
    coordinator = make_user(Role.SAFETY_COORDINATOR)
    prosecutor = make_user(Role.PROSECUTOR)
    record_events(case, [("signal_received", "", CARE_NOTE)], actor=coordinator)
    record_events(
        case,
        [("first_police_contact", "", POLICE_NOTE), ("complaint_filed", "")],
        actor=officer,
        start=dt.date(2024, 3, 2),
    )
    record_events(
        case,
        [("prosecution_decision", "summons", JUSTICE_NOTE)],
        actor=prosecutor,
        start=dt.date(2024, 3, 10),
    )
    return case


def _notes(user, case):
    return {e.event.event_type.code: (e.note, e.has_note) for e in case_timeline(user, case)}


def test_a_police_officer_reads_police_notes_not_care_or_justice_notes(noted_case):
    notes = _notes(make_user(Role.POLICE_OFFICER), noted_case)
    assert notes["first_police_contact"] == (POLICE_NOTE, True)
    assert notes["signal_received"] == (None, True)
    assert notes["prosecution_decision"] == (None, True)
    assert notes["complaint_filed"] == (None, False)


def test_a_safety_coordinator_reads_care_notes_only(noted_case):
    notes = _notes(make_user(Role.SAFETY_COORDINATOR), noted_case)
    assert notes["signal_received"] == (CARE_NOTE, True)
    assert notes["first_police_contact"] == (None, True)
    assert notes["prosecution_decision"] == (None, True)


def test_a_prosecutor_reads_justice_notes_only(noted_case):
    notes = _notes(make_user(Role.PROSECUTOR), noted_case)
    assert notes["prosecution_decision"] == (JUSTICE_NOTE, True)
    assert notes["first_police_contact"] == (None, True)
    assert notes["signal_received"] == (None, True)


def test_an_assigned_psychologist_reads_police_notes(noted_case):
    psychologist = make_user(Role.PSYCHOLOGIST)
    assign(noted_case, psychologist, Role.PSYCHOLOGIST)
    notes = _notes(psychologist, noted_case)
    assert notes["first_police_contact"] == (POLICE_NOTE, True)
    assert notes["signal_received"] == (None, True)


def test_an_assigned_peer_expert_reads_care_notes(noted_case):
    peer = make_user(Role.PEER_EXPERT)
    assign(noted_case, peer, Role.PEER_EXPERT)
    notes = _notes(peer, noted_case)
    assert notes["signal_received"] == (CARE_NOTE, True)
    assert notes["first_police_contact"] == (None, True)


def test_a_researcher_reads_no_note_but_sees_that_there_is_one(noted_case):
    entries = case_timeline(make_user(Role.RESEARCHER), noted_case)
    assert len(entries) == 4
    for entry in entries:
        assert entry.note is None
    assert [e.has_note for e in entries] == [True, True, False, True]


def test_a_user_in_two_families_reads_both(noted_case):
    user = make_user(Role.POLICE_OFFICER)
    add_membership(user, Role.SAFETY_COORDINATOR)
    notes = _notes(user, noted_case)
    assert notes["first_police_contact"][0] == POLICE_NOTE
    assert notes["signal_received"][0] == CARE_NOTE
    assert notes["prosecution_decision"][0] is None


def test_the_timeline_is_oldest_first_and_marks_corrections(noted_case):
    officer = make_user(Role.POLICE_OFFICER)
    complaint = noted_case.events.get(event_type__code="complaint_filed")
    correction = event_correct(
        actor=officer,
        event=complaint,
        event_type=event_type("complaint_filed"),
        event_date=dt.date(2024, 3, 4),
    )
    entries = case_timeline(officer, noted_case)
    dates = [e.event.event_date for e in entries]
    assert dates == sorted(dates)
    by_pk = {e.event.pk: e for e in entries}
    assert by_pk[complaint.pk].superseded and by_pk[complaint.pk].corrects is None
    assert not by_pk[correction.pk].superseded and by_pk[correction.pk].corrects == complaint
    assert sum(e.superseded for e in entries) == 1


def test_event_get_for_refuses_an_event_of_another_case(noted_case):
    other = CaseFactory(with_complaint=True)
    officer = make_user(Role.POLICE_OFFICER)
    foreign = other.events.first()
    with pytest.raises(Http404):
        event_get_for(officer, noted_case, foreign.pk)
    own = noted_case.events.first()
    assert event_get_for(officer, noted_case, own.pk) == own


# --- case_list -----------------------------------------------------------------------------


@pytest.fixture
def listed(db):
    return {
        "old_sexual_minor": CaseFactory(intake_date=dt.date(2023, 1, 10), minor=True),
        "labour": CaseFactory(
            intake_date=dt.date(2024, 2, 1), forms=["labour"], with_complaint=True
        ),
        "both": CaseFactory(
            intake_date=dt.date(2024, 6, 1), forms=["labour", "criminal"], status=Status.CLOSED
        ),
        "limburg": CaseFactory(police_unit=unit("limburg"), intake_date=dt.date(2024, 2, 1)),
    }


def _codes(user, **filters):
    return [c.code for c in case_list(user, CaseFilters(**filters))]


def test_case_list_is_scoped_and_newest_first(listed):
    officer = make_user(Role.POLICE_OFFICER)
    assert _codes(officer) == [listed[k].code for k in ("both", "labour", "old_sexual_minor")]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": Status.INVESTIGATION}, ["labour"]),
        ({"status": Status.CLOSED}, ["both"]),
        ({"exploitation_form": "labour"}, ["both", "labour"]),
        ({"exploitation_form": "criminal"}, ["both"]),
        ({"exploitation_form": "organ_removal"}, []),
        ({"minor": True}, ["old_sexual_minor"]),
        ({"minor": False}, ["both", "labour"]),
        ({"intake_from": dt.date(2024, 1, 1)}, ["both", "labour"]),
        ({"intake_to": dt.date(2024, 2, 1)}, ["labour", "old_sexual_minor"]),
        ({"intake_from": dt.date(2024, 2, 1), "intake_to": dt.date(2024, 2, 1)}, ["labour"]),
        ({"police_unit": "limburg"}, []),
        ({"sort": "intake_date"}, ["old_sexual_minor", "labour", "both"]),
    ],
)
def test_case_list_filters(listed, filters, expected):
    officer = make_user(Role.POLICE_OFFICER)
    assert _codes(officer, **filters) == [listed[k].code for k in expected]


def test_case_list_sorts_by_code_and_by_status(listed):
    researcher = make_user(Role.RESEARCHER)
    codes = _codes(researcher, sort="code")
    assert codes == sorted(codes) and len(codes) == 4
    statuses = [c.status for c in case_list(researcher, CaseFilters(sort="status"))]
    assert statuses == sorted(statuses)


def test_an_unknown_sort_falls_back_to_newest_first(listed):
    officer = make_user(Role.POLICE_OFFICER)
    assert _codes(officer, sort="-id; DROP TABLE") == _codes(officer)


def test_the_researcher_can_filter_on_unit(listed):
    assert _codes(make_user(Role.RESEARCHER), police_unit="limburg") == [listed["limburg"].code]


def test_a_two_form_case_appears_once(listed):
    codes = _codes(make_user(Role.RESEARCHER))
    assert len(codes) == len(set(codes)) == 4
