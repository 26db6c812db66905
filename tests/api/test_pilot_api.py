"""The pilot on a case through the API: deliveries and measures through the same services as the
case page's pilot forms, with policy, audit rows naming the client, and idempotency."""

from __future__ import annotations

import pytest

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.pilot.models import Delivery, Measure
from tests.api.conftest import assert_problem
from tests.factories import CaseFactory, make_user, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return make_user(Role.POLICE_OFFICER, unit_code="amsterdam")


def test_a_delivery_with_its_checklist_is_recorded_once(api_for, officer):
    case = CaseFactory(police_unit=unit("amsterdam"))
    api = api_for(officer)
    body = {
        "interventie": "psychologist",
        "datum": "2024-03-05",
        "uitgevoerd": True,
        "controlepunten": {"interview_advice_before_complaint": True},
    }
    first = api.post(f"casussen/{case.code}/uitvoeringen", body, key="u-1")
    assert first.status_code == 201, first.content
    again = api.post(f"casussen/{case.code}/uitvoeringen", body, key="u-1")
    assert again.json() == first.json()
    delivery = Delivery.objects.get()
    assert delivery.recorded_by == officer
    assert delivery.fidelity["interview_advice_before_complaint"] is True
    row = AuditEvent.objects.get(action=AuditAction.DELIVERY_RECORDED)
    assert row.extra["api_client"]["id"] == officer.api_clients.get().pk


def test_a_delivery_the_role_does_not_deliver_is_403_and_bad_input_400(api_for, officer):
    case = CaseFactory(police_unit=unit("amsterdam"))
    api = api_for(officer)
    path = f"casussen/{case.code}/uitvoeringen"
    base = {"datum": "2024-03-05", "uitgevoerd": True}
    assert_problem(api.post(path, {**base, "interventie": "examining_judge"}), 403)
    assert_problem(
        api.post(path, {**base, "interventie": "psychologist", "controlepunten": {"x": True}}),
        400,
        param="controlepunten",
    )
    assert_problem(
        api.post(path, {**base, "interventie": "psychologist", "uitgevoerd": False}),
        400,
        param="redenNietUitgevoerd",
    )
    assert not Delivery.objects.exists()


def test_a_measure_is_recorded_with_unanswered_items_empty(api_for, officer):
    case = CaseFactory(police_unit=unit("amsterdam"))
    api = api_for(officer)
    body = {
        "vragenlijst": "slachtofferervaring",
        "moment": "intake",
        "datum": "2024-03-05",
        "antwoorden": {"feels_safe": 3, "trust_police": None},
    }
    response = api.post(f"casussen/{case.code}/metingen", body)
    assert response.status_code == 201, response.content
    measure = Measure.objects.get()
    assert measure.case_id == case.pk
    assert_problem(
        api.post(f"casussen/{case.code}/metingen", {**body, "vragenlijst": "onbekend"}),
        400,
        param="vragenlijst",
    )
    assert_problem(
        api.post(f"casussen/{case.code}/metingen", {**body, "antwoorden": {"bestaat_niet": 1}}),
        400,
        param="antwoorden",
    )
    assert Measure.objects.count() == 1


def test_the_evaluation_overview_is_the_pages_for_researchers_only(api_for):
    researcher = make_user(Role.RESEARCHER)
    CaseFactory(police_unit=unit("amsterdam"), with_complaint=True)
    response = api_for(researcher).get("evaluatie", {"horizon": 365})
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert body["horizon"] == 365 and body["samenvatting"]
    assert "psychologist" in [row["code"] for row in body["interventies"]]
    assert_problem(api_for(researcher).get("evaluatie", {"horizon": 5}), 400, param="horizon")
    officer = make_user(Role.POLICE_OFFICER)
    assert_problem(api_for(officer).get("evaluatie"), 403)
