"""The printable case summary (issue 14 item 14): the case page's policy and selector, its own
audit row, the effective timeline with withdrawn events struck through, the deliveries and the
case's lead times; only what the role may see on the case page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.models import WithdrawalReason
from inbeeld.cases.selectors import case_timeline
from inbeeld.cases.services import event_withdraw
from inbeeld.cases.summary import case_lead_times
from inbeeld.roles import Role
from tests.factories import CaseFactory, chain_recorder, make_user, record_events, unit

pytestmark = pytest.mark.django_db

NOTE = "Slachtoffer verblijft tijdelijk bij een tante"


def _url(case) -> str:
    return reverse("cases:summary", args=[case.code])


def _case_with_history():
    """First contact on 1 March, a complaint recorded by mistake on 2 March and withdrawn, a
    complaint on 20 March (with a note), a prosecution decision on 1 May."""
    case = CaseFactory(intake_date=dt.date(2024, 3, 1))
    recorder = chain_recorder(case.police_unit)
    contact, mistaken = record_events(
        case, [("first_police_contact", ""), ("complaint_filed", "")], actor=recorder
    )
    event_withdraw(actor=recorder, event=mistaken, reason=WithdrawalReason.MISTAKE)
    record_events(case, [("complaint_filed", "", NOTE)], actor=recorder, start=dt.date(2024, 3, 20))
    record_events(
        case, [("prosecution_decision", "summons")], actor=recorder, start=dt.date(2024, 5, 1)
    )
    case.refresh_from_db()
    return case


def test_the_summary_shows_the_case_for_a_meeting(login, police_officer):
    case = _case_with_history()
    response = login(police_officer).get(_url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Samenvatting casus {case.code}" in html
    assert case.get_status_display() in html and "Amsterdam" in html
    # The withdrawn complaint stays visible, struck through, and says it no longer counts.
    assert html.count('data-testid="withdrawn-event"') == 1
    assert "Telt niet meer mee" in html
    # Lead times from the effective events: 1 → 20 March (not the withdrawn 2 March complaint).
    assert 'data-testid="summary-lead-times"' in html
    assert ">19</td>" in html
    # No notes on paper, even for a role that reads them on the case page.
    assert NOTE not in html
    # The print button is script (no inline script: the CSP), a link leads back to the case.
    assert "data-print hidden" in html and "<script>" not in html
    assert f'href="{reverse("cases:detail", args=[case.code])}"' in html
    # No assignment forms or change links on the summary.
    assert "<form" not in html.split('id="inhoud"', 1)[1]


def test_the_case_page_links_to_its_summary(login, police_officer):
    case = CaseFactory()
    html = login(police_officer).get(reverse("cases:detail", args=[case.code])).content.decode()
    assert f'href="{_url(case)}"' in html


def test_opening_the_summary_is_logged_as_its_own_action(login, police_officer):
    case = CaseFactory()
    assert login(police_officer).get(_url(case)).status_code == 200
    rows = list(AuditEvent.objects.filter(case_code=case.code).values_list("action", "extra"))
    assert rows == [(AuditAction.CASE_SUMMARY_READ, {"action": "case.view"})]
    assert AuditAction.CASE_SUMMARY_READ.label == "Samenvatting casus ingezien (afdrukbaar)"


def test_out_of_scope_is_not_found_and_logged_like_the_case_page(login, police_officer):
    far = CaseFactory(police_unit=unit("limburg"))
    response = login(police_officer).get(_url(far))
    assert response.status_code == 404
    assert "Niet gevonden" in response.content.decode()
    refused = AuditEvent.objects.get(case_code=far.code)
    assert refused.action == AuditAction.CASE_ACCESS_DENIED
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_SUMMARY_READ).exists()


def test_a_researcher_sees_the_summary_pseudonymised(login):
    case = _case_with_history()
    researcher = make_user(Role.RESEARCHER)
    html = login(researcher).get(_url(case)).content.decode()
    assert "gepseudonimiseerd" in html
    # No names of people: neither who recorded the events nor who owns the case.
    assert "Vastgelegd door" not in html
    assert NOTE not in html


def test_lead_times_count_effective_events_and_a_running_stage_until_today():
    case = _case_with_history()
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    leads = case_lead_times(case_timeline(officer, case), today=dt.date(2024, 6, 1))
    assert [(lead.days, lead.running) for lead in leads] == [
        (19, False),  # first contact 1 March → complaint 20 March (the withdrawn one left out)
        (42, False),  # complaint 20 March → prosecution decision 1 May
        (31, True),  # prosecution decision → trial: not reached, counted until 1 June
    ]
    assert leads[-1].end  # the next step is named even though it has not happened


def test_a_case_that_left_the_process_has_no_running_stage():
    case = CaseFactory(intake_date=dt.date(2024, 3, 1))
    record_events(case, [("first_police_contact", ""), ("withdrawal_from_process", "")])
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    assert case_lead_times(case_timeline(officer, case), today=dt.date(2024, 6, 1)) == []
