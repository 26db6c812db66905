"""Assignment (issue 14 item 8): a case and a signal have an owner; who may record on it may
assign it (to themselves or a colleague who can see it), audited; the lists filter on "mijn werk"
and "niet toegewezen"."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.selectors import CaseFilters, assignee_choices, case_list
from inbeeld.cases.services import case_assign
from inbeeld.intake.selectors import signal_assignee_choices
from inbeeld.intake.services import signal_assign
from tests.factories import CaseFactory, make_user, unit
from tests.intake.conftest import _submit

pytestmark = pytest.mark.django_db


def test_an_officer_takes_a_case_and_hands_it_to_a_colleague_audited():
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    colleague = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    case = CaseFactory()
    case_assign(actor=officer, case=case, assignee=officer)
    case.refresh_from_db()
    assert case.owner_id == officer.pk
    case_assign(actor=officer, case=case, assignee=colleague, expected_version=case.version)
    case.refresh_from_db()
    assert case.owner_id == colleague.pk
    rows = AuditEvent.objects.filter(action=AuditAction.CASE_ASSIGNED, case_code=case.code)
    assert [r.extra["new"]["owner"] for r in rows.order_by("pk")] == [officer.pk, colleague.pk]
    assert rows.order_by("pk").last().extra["old"]["owner"] == officer.pk


def test_the_assignee_must_see_the_case_and_the_actor_must_record_on_it():
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    elsewhere = make_user(Role.POLICE_OFFICER, unit_code="limburg")
    researcher = make_user(Role.RESEARCHER)
    case = CaseFactory()
    with pytest.raises(ValidationError):
        case_assign(actor=officer, case=case, assignee=elsewhere)
    with pytest.raises(ValidationError):
        case_assign(actor=officer, case=case, assignee=researcher)
    with pytest.raises(PermissionDenied):
        case_assign(actor=elsewhere, case=case, assignee=elsewhere)
    with pytest.raises(PermissionDenied):
        case_assign(actor=researcher, case=case, assignee=officer)
    case.refresh_from_db()
    assert case.owner_id is None
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_ASSIGNED).exists()
    choices = assignee_choices(officer, case)
    assert officer in choices and elsewhere not in choices and researcher not in choices


def test_mijn_werk_and_niet_toegewezen_filter_the_case_list():
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    colleague = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    mine, theirs, nobodys = CaseFactory(), CaseFactory(), CaseFactory()
    case_assign(actor=officer, case=mine, assignee=officer)
    case_assign(actor=officer, case=theirs, assignee=colleague)
    assert set(case_list(officer, CaseFilters(work="mine"))) == {mine}
    assert set(case_list(officer, CaseFilters(work="unassigned"))) == {nobodys}
    assert set(case_list(colleague, CaseFilters(work="mine"))) == {theirs}
    assert set(case_list(officer, CaseFilters())) == {mine, theirs, nobodys}


def test_assign_to_me_from_the_case_page(login):
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    case = CaseFactory()
    client = login(officer)
    page = client.get(reverse("cases:detail", args=[case.code]))
    assert "Niet toegewezen" in page.content.decode()
    assert "Aan mij toewijzen" in page.content.decode()
    response = client.post(
        reverse("cases:assign", args=[case.code]), {"assignee": "me", "version": case.version}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.owner_id == officer.pk
    listed = client.get(reverse("cases:list"), {"work": "mine"})
    assert case.code in listed.content.decode()


def test_a_colleague_outside_scope_cannot_be_chosen_on_the_page(login):
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    elsewhere = make_user(Role.POLICE_OFFICER, unit_code="limburg")
    case = CaseFactory()
    client = login(officer)
    client.post(reverse("cases:assign", args=[case.code]), {"assignee": str(elsewhere.pk)})
    case.refresh_from_db()
    assert case.owner_id is None


def test_a_coordinator_assigns_a_signal_audited_and_only_to_who_can_triage_it():
    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="noord-holland")
    colleague = make_user(Role.SAFETY_COORDINATOR, unit_code="noord-holland")
    elsewhere = make_user(Role.SAFETY_COORDINATOR, unit_code="amsterdam")
    signal, _code = _submit(police_unit=unit("noord-holland"))
    signal_assign(actor=coordinator, signal=signal, assignee=colleague)
    signal.refresh_from_db()
    assert signal.owner_id == colleague.pk
    row = AuditEvent.objects.get(action=AuditAction.SIGNAL_ASSIGNED)
    assert row.subject_ref == signal.reference and row.extra["new"]["owner"] == colleague.pk
    with pytest.raises(ValidationError):
        signal_assign(actor=coordinator, signal=signal, assignee=elsewhere)
    with pytest.raises(PermissionDenied):
        signal_assign(actor=elsewhere, signal=signal, assignee=elsewhere)
    signal_assign(actor=coordinator, signal=signal, assignee=None)
    signal.refresh_from_db()
    assert signal.owner_id is None


def test_the_signal_queue_filters_on_mijn_werk_and_niet_toegewezen(login):
    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="noord-holland")
    mine, _c = _submit(police_unit=unit("noord-holland"))
    nobodys, _c = _submit(police_unit=unit("noord-holland"), description="Een tweede melding")
    client = login(coordinator)
    detail = client.get(reverse("intake:detail", args=[mine.reference])).content.decode()
    assert "Aan mij toewijzen" in detail
    client.post(reverse("intake:assign", args=[mine.reference]), {"assignee": "me"})
    mine.refresh_from_db()
    assert mine.owner_id == coordinator.pk
    queue_mine = client.get(reverse("intake:queue"), {"work": "mine"}).content.decode()
    assert mine.reference in queue_mine and nobodys.reference not in queue_mine
    queue_free = client.get(reverse("intake:queue"), {"work": "unassigned"}).content.decode()
    assert nobodys.reference in queue_free and mine.reference not in queue_free


def _queries(call) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        result = call()
    return len(captured), result


def test_the_colleagues_to_hand_a_case_to_cost_no_query_per_colleague(login):
    """The case page lists the colleagues who may take the case: their memberships are read in
    one query for all, not one per colleague (a police unit has hundreds of officers; the page
    benchmark found ~150 extra queries on every case page)."""
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    case = CaseFactory()
    client = login(officer)
    url = reverse("cases:detail", args=[case.code])
    client.get(url)
    few, _ = _queries(lambda: client.get(url))
    colleagues = [make_user(Role.POLICE_OFFICER, unit_code="amsterdam") for _ in range(8)]
    elsewhere = make_user(Role.POLICE_OFFICER, unit_code="limburg")
    many, page = _queries(lambda: client.get(url))
    assert many == few, (few, many)
    # Still the policy's choice: every colleague of the unit, nobody from elsewhere.
    choices = assignee_choices(officer, case)
    assert set(colleagues) | {officer} == set(choices)
    assert elsewhere not in choices
    html = page.content.decode()
    assert all(c.get_full_name() in html for c in colleagues)


def test_the_colleagues_to_hand_a_signal_to_cost_no_query_per_colleague():
    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="noord-holland")
    signal, _code = _submit(police_unit=unit("noord-holland"))
    signal_assignee_choices(coordinator, signal)
    few, _ = _queries(lambda: signal_assignee_choices(coordinator, signal))
    colleagues = [make_user(Role.SAFETY_COORDINATOR, unit_code="noord-holland") for _ in range(8)]
    inactive = make_user(Role.SAFETY_COORDINATOR, unit_code="noord-holland", is_active=False)
    elsewhere = make_user(Role.SAFETY_COORDINATOR, unit_code="amsterdam")
    many, choices = _queries(lambda: signal_assignee_choices(coordinator, signal))
    assert many == few, (few, many)
    assert set(choices) == set(colleagues) | {coordinator}
    assert inactive not in choices and elsewhere not in choices
