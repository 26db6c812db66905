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


def _psychologist_delivery(api, case, **extra):
    body = {"interventie": "psychologist", "datum": "2024-03-05", "uitgevoerd": True, **extra}
    response = api.post(f"casussen/{case.code}/uitvoeringen", body)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_deliveries_read_back_as_the_case_page_shows_them(api_for, officer):
    case = CaseFactory(police_unit=unit("amsterdam"))
    api = api_for(officer)
    _psychologist_delivery(
        api, case, uitgevoerd=False, redenNietUitgevoerd="Slachtoffer wilde nog niet."
    )
    rows = api.get(f"casussen/{case.code}/uitvoeringen").json()["resultaten"]
    assert len(rows) == 1
    assert rows[0]["interventie"] == "psychologist" and rows[0]["uitgevoerd"] is False
    assert rows[0]["redenNietUitgevoerd"] == "Slachtoffer wilde nog niet."
    assert rows[0]["magWijzigen"] is True and rows[0]["ingetrokken"] is False
    # A safety coordinator of the unit sees the case, not the police family's reason.
    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="amsterdam")
    theirs = api_for(coordinator).get(f"casussen/{case.code}/uitvoeringen").json()["resultaten"]
    assert theirs[0]["heeftReden"] is True and theirs[0]["redenNietUitgevoerd"] is None
    assert theirs[0]["magWijzigen"] is False
    # A researcher sees the deliveries without the people who recorded them.
    researcher = make_user(Role.RESEARCHER)
    research = api_for(researcher).get(f"casussen/{case.code}/uitvoeringen").json()["resultaten"]
    assert research[0]["organisatie"] is None and research[0]["redenNietUitgevoerd"] is None


def test_a_delivery_is_corrected_then_withdrawn_once_with_audit_rows(api_for, officer):
    case = CaseFactory(police_unit=unit("amsterdam"))
    api = api_for(officer)
    first = _psychologist_delivery(api, case)
    base = f"casussen/{case.code}/uitvoeringen"
    correction = {"interventie": "psychologist", "datum": "2024-03-06", "uitgevoerd": True}
    corrected = api.post(f"{base}/{first}/correctie", correction, key="c-1")
    assert corrected.status_code == 201, corrected.content
    second = corrected.json()["id"]
    assert api.post(f"{base}/{first}/correctie", correction, key="c-1").json()["id"] == second
    assert Delivery.objects.count() == 2
    assert Delivery.objects.get(pk=second).supersedes_id == first
    # The original is no longer effective: correcting or withdrawing it again is refused.
    assert_problem(api.post(f"{base}/{first}/correctie", correction), 400)
    assert_problem(api.post(f"{base}/{first}/intrekking", {"reden": "mistake"}), 400)
    assert_problem(api.post(f"{base}/{second}/intrekking", {"reden": "omdat"}), 400, param="reden")
    withdrawn = api.post(f"{base}/{second}/intrekking", {"reden": "duplicate"})
    assert withdrawn.status_code == 201, withdrawn.content
    rows = {r["id"]: r for r in api.get(base).json()["resultaten"]}
    assert rows[first]["gecorrigeerd"] is True
    assert rows[second]["ingetrokken"] is True and rows[second]["redenIntrekking"] == "duplicate"
    for action in (AuditAction.DELIVERY_CORRECTED, AuditAction.DELIVERY_WITHDRAWN):
        row = AuditEvent.objects.get(action=action)
        assert row.actor == officer and row.extra["api_client"]["id"]


def test_a_delivery_of_another_role_or_case_is_refused(api_for, officer):
    case = CaseFactory(police_unit=unit("amsterdam"))
    first = _psychologist_delivery(api_for(officer), case)
    prosecutor = make_user(Role.PROSECUTOR)
    other = CaseFactory(police_unit=unit("amsterdam"))
    api = api_for(officer)
    # The delivery exists, but not on this case: not found.
    assert_problem(api.post(f"casussen/{other.code}/uitvoeringen/{first}/intrekking", {}), 404)
    assert_problem(api.post(f"casussen/{case.code}/uitvoeringen/{2**63}/intrekking", {}), 404)
    # A prosecutor records deliveries, not the psychologist's: 403 as on the page.
    refused = api_for(prosecutor).post(
        f"casussen/{case.code}/uitvoeringen/{first}/intrekking", {"reden": "mistake"}
    )
    assert_problem(refused, 403)
    assert not AuditEvent.objects.filter(action=AuditAction.DELIVERY_WITHDRAWN).exists()
