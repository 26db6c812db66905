"""The start page per role (issue 14 item 9): counts of what needs doing, checked against
hand-built data, each linking to the list that shows exactly those signals or cases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from inbeeld.accounts.models import Role
from inbeeld.cases.models import WithdrawalReason
from inbeeld.cases.services import case_assign, event_withdraw
from inbeeld.intake.home_counts import tiles_for
from inbeeld.intake.models import Signal
from tests.factories import CaseFactory, chain_recorder, first_outcome, make_user, unit
from tests.intake.conftest import _submit

pytestmark = pytest.mark.django_db


def _values(user) -> dict[str, str]:
    return {tile.testid: tile.value for tile in tiles_for(user)}


def _urls(user) -> dict[str, str]:
    return {tile.testid: tile.url for tile in tiles_for(user)}


def test_coordinator_counts_new_acute_overdue_answered():
    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="noord-holland")
    nh = unit("noord-holland")
    _submit(police_unit=nh)  # new, normal
    acute, _c = _submit(police_unit=nh, urgency="acute", description="Acuut 1")
    late, _c = _submit(police_unit=nh, description="Te laat")
    answered, _c = _submit(police_unit=nh, description="Beantwoord")
    _submit(police_unit=unit("amsterdam"), urgency="acute", description="Elders")  # out of scope
    past = timezone.now() - dt.timedelta(days=30)
    Signal.objects.filter(pk=late.pk).update(acknowledge_due_at=past, decision_due_at=past)
    Signal.objects.filter(pk=answered.pk).update(answer_pending=True)
    values = _values(coordinator)
    assert values["count-new"] == "4"
    assert values["count-acute"] == "1"
    assert values["count-overdue"] == "1"
    assert values["count-answered"] == "1"
    assert values["count-my-signals"] == "0"


def test_each_count_links_to_a_list_with_exactly_those_items(login):
    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="noord-holland")
    acute, _c = _submit(police_unit=unit("noord-holland"), urgency="acute")
    normal, _c = _submit(police_unit=unit("noord-holland"), description="Gewoon")
    client = login(coordinator)
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="count-acute"' in home
    page = client.get(_urls(coordinator)["count-acute"]).content.decode()
    assert acute.reference in page and normal.reference not in page


def test_police_counts_complaint_decisions_and_open_reflection_periods(login):
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    recorder = chain_recorder(unit("amsterdam"))
    undecided = CaseFactory(recorder=recorder, events=[("first_police_contact", "")])
    CaseFactory(recorder=recorder, with_complaint=True)  # complaint filed: decided
    CaseFactory(
        recorder=recorder, events=[("complaint_declined", first_outcome("complaint_declined"))]
    )  # decided
    reflecting = CaseFactory(recorder=recorder, events=[("reflection_period_start", "")])
    CaseFactory(  # period ended
        recorder=recorder,
        events=[("reflection_period_start", ""), ("reflection_period_end", "")],
    )
    withdrawn = CaseFactory(recorder=recorder, events=[("reflection_period_start", "")])
    start = withdrawn.events.get(event_type__code="reflection_period_start")
    event_withdraw(actor=recorder, event=start, reason=WithdrawalReason.MISTAKE)
    CaseFactory(police_unit=unit("limburg"))  # out of scope
    values = _values(officer)
    # Without a decision: undecided, reflecting, the ended period, the withdrawn one.
    assert values["count-no-complaint-decision"] == "4"
    assert values["count-open-reflection"] == "1"
    page = login(officer).get(_urls(officer)["count-open-reflection"]).content.decode()
    assert reflecting.code in page and undecided.code not in page
    case_assign(actor=officer, case=undecided, assignee=officer)
    assert _values(officer)["count-my-cases"] == "1"


def test_prosecutor_counts_cases_awaiting_a_decision():
    prosecutor = make_user(Role.PROSECUTOR, district_code="amsterdam")
    recorder = chain_recorder(unit("amsterdam"))
    CaseFactory(recorder=recorder, with_complaint=True)
    CaseFactory(recorder=recorder, with_complaint=True)
    CaseFactory(recorder=recorder, status="prosecution")  # decided
    CaseFactory(recorder=recorder)  # intake
    assert _values(prosecutor)["count-awaiting-decision"] == "2"


def test_researcher_sees_data_cut_off_and_consent_coverage():
    researcher = make_user(Role.RESEARCHER)
    recorder = chain_recorder(unit("amsterdam"))
    day = dt.date(2025, 3, 1)
    CaseFactory(recorder=recorder, intake_date=day, events=[("first_police_contact", "")])
    CaseFactory(research_consent=True)
    CaseFactory(without_consent=True)
    CaseFactory(without_consent=True)
    values = _values(researcher)
    given = 2
    assert values["consent-coverage"] == f"50% ({given} van 4)"
    assert values["research-cut-off"] == "01-03-2025"


def test_a_signaller_sees_no_counts():
    assert tiles_for(make_user(Role.SIGNALLER)) == []
