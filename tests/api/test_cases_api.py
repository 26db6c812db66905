"""Cases and chain events through the API: the same selectors and services as the pages
(issue 16 items 1 and 3): registering, reading, the timeline, recording, correcting and
withdrawing, with idempotency, the case's version and audit rows naming client and user."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from inbeeld.accounts.models import Role
from inbeeld.api.models import IdempotentRequest
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.models import Case, ChainEvent, EventWithdrawal
from tests.api.conftest import Api, assert_problem, make_api_client
from tests.factories import CaseFactory, make_user, unit

pytestmark = pytest.mark.django_db

REGISTER = {
    "eenheid": "amsterdam",
    "uitbuitingsvormen": ["sexual", "labour"],
    "minderjarigBijInstroom": True,
    "leeftijdscategorie": "16-17",
    "gender": "female",
    "nationaliteit": "eu",
    "datumInstroom": "2024-03-01",
}


@pytest.fixture
def officer():
    return make_user(Role.POLICE_OFFICER, unit_code="amsterdam")


@pytest.fixture
def api(officer, api_for):
    return api_for(officer)


def test_register_a_case_answers_201_with_the_case_and_its_location(api, officer):
    response = api.post("casussen", REGISTER, key="registratie-1")
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(code=body["code"])
    assert response["Location"] == f"/api/v1/casussen/{case.code}"
    assert response["API-Version"] == "1.0.0"
    assert body["eenheid"] == "amsterdam" and body["uitbuitingsvormen"] == ["labour", "sexual"]
    assert body["minderjarigBijInstroom"] is True and body["versie"] == 1
    assert case.created_by == officer and case.nationality_group == "eu"
    created = AuditEvent.objects.get(action=AuditAction.CASE_CREATED, case_code=case.code)
    assert created.actor == officer
    assert created.extra["api_client"]["id"] == api_client_id(officer)


def api_client_id(user) -> int:
    return user.api_clients.get().pk


def test_the_same_idempotency_key_twice_creates_one_case_and_answers_the_same(api):
    first = api.post("casussen", REGISTER, key="abc-123")
    second = api.post("casussen", REGISTER, key="abc-123")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert second["Location"] == first["Location"]
    assert Case.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.CASE_CREATED).count() == 1


def test_the_same_key_with_another_body_is_422_and_creates_nothing(api):
    api.post("casussen", REGISTER, key="abc-123")
    other = {**REGISTER, "gender": "male"}
    body = assert_problem(api.post("casussen", other, key="abc-123"), 422, param="Idempotency-Key")
    assert "ander verzoek" in body["title"]
    assert Case.objects.count() == 1


def test_keys_are_per_client(officer):
    _c1, key1 = make_api_client(officer, name="Een")
    _c2, key2 = make_api_client(officer, name="Twee")
    assert Api(key1).post("casussen", REGISTER, key="k").status_code == 201
    assert Api(key2).post("casussen", REGISTER, key="k").status_code == 201
    assert Case.objects.count() == 2


def test_a_post_without_idempotency_key_is_400_and_creates_nothing(api):
    assert_problem(api.post("casussen", REGISTER, key=None), 400, param="Idempotency-Key")
    assert not Case.objects.exists()


def test_a_failed_write_stores_no_answer_so_a_corrected_retry_succeeds(api):
    future = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    body = assert_problem(
        api.post("casussen", {**REGISTER, "datumInstroom": future}, key="k1"),
        400,
        param="datumInstroom",
    )
    assert "toekomst" in body["invalidParams"][0]["reason"]
    assert not IdempotentRequest.objects.exists()
    assert api.post("casussen", {**REGISTER, "datumInstroom": future}, key="k1").status_code == 400


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"eenheid": "atlantis"}, "eenheid"),
        ({"uitbuitingsvormen": []}, "uitbuitingsvormen"),
        ({"uitbuitingsvormen": ["nope"]}, "uitbuitingsvormen"),
        ({"leeftijdscategorie": "oud"}, "leeftijdscategorie"),
        ({"datumInstroom": "gisteren"}, "datumInstroom"),
        ({"minderjarigBijInstroom": "misschien"}, "minderjarigBijInstroom"),
        ({"onbekendVeld": 1}, "onbekendVeld"),
    ],
)
def test_invalid_registrations_are_400_with_the_parameter_named_in_dutch(api, change, param):
    body = assert_problem(api.post("casussen", {**REGISTER, **change}), 400, param=param)
    assert all(p["reason"] for p in body["invalidParams"])
    assert not Case.objects.exists()


def test_registering_in_a_unit_outside_ones_own_is_refused(api):
    assert_problem(api.post("casussen", {**REGISTER, "eenheid": "limburg"}), 403)
    assert not Case.objects.exists()


def test_read_a_case_in_scope_writes_one_read_row_with_client_and_user(api, officer):
    case = CaseFactory(police_unit=unit("amsterdam"))
    response = api.get(f"casussen/{case.code}")
    assert response.status_code == 200
    assert response.json()["code"] == case.code
    assert response["ETag"] == f'"{case.version}"'
    read = AuditEvent.objects.get(action=AuditAction.CASE_READ, case_code=case.code)
    assert read.actor == officer
    client = officer.api_clients.get()
    assert read.extra["api_client"] == {"id": client.pk, "name": client.name}


def test_a_case_outside_scope_is_404_and_the_refusal_is_logged_with_the_client(api, officer):
    case = CaseFactory(police_unit=unit("limburg"))
    assert_problem(api.get(f"casussen/{case.code}"), 404)
    assert_problem(api.get("casussen/IB-0000-0000"), 404)
    refused = AuditEvent.objects.get(action=AuditAction.CASE_ACCESS_DENIED)
    assert refused.case_code == case.code and refused.actor == officer
    assert refused.extra["api_client"]["id"] == api_client_id(officer)


def test_the_list_shows_only_cases_in_scope_filters_and_is_audited(api, officer):
    mine = CaseFactory(police_unit=unit("amsterdam"), minor=True)
    CaseFactory(police_unit=unit("amsterdam"), intake_date=dt.date(2023, 1, 1))
    CaseFactory(police_unit=unit("limburg"))
    all_codes = [c["code"] for c in api.get("casussen").json()["resultaten"]]
    assert len(all_codes) == 2 and all_codes[0] == mine.code  # newest intake first
    minors = api.get("casussen", {"minderjarig": "true"}).json()["resultaten"]
    assert [c["code"] for c in minors] == [mine.code]
    row = AuditEvent.objects.filter(action=AuditAction.CASE_LIST_READ).last()
    assert row.extra["shown"] == [mine.code] and row.extra["filters"] == {"minderjarig": "true"}
    assert row.extra["api_client"]["id"] == api_client_id(officer)
    assert_problem(api.get("casussen", {"instroomVanaf": "morgen"}), 400, param="instroomVanaf")


def test_cursor_pagination_walks_every_case_once(api):
    codes = {
        CaseFactory(intake_date=dt.date(2024, 1, 1) + dt.timedelta(days=i)).code for i in range(7)
    }
    seen, page = [], api.get("casussen", {"aantal": 3}).json()
    while True:
        seen += [c["code"] for c in page["resultaten"]]
        if not page["volgende"]:
            break
        assert "cursor=" in page["volgende"]
        page = api.get(page["volgende"]).json()
    assert len(seen) == 7 and set(seen) == codes
    assert_problem(api.get("casussen", {"cursor": "kapot"}), 404)


def _record(api, case, body, **kw):
    return api.post(f"casussen/{case.code}/gebeurtenissen", body, **kw)


def test_record_correct_and_withdraw_events_with_the_cases_version(api, officer):
    case = CaseFactory(police_unit=unit("amsterdam"))
    first = _record(
        api, case, {"soort": "first_police_contact", "datum": "2024-03-02", "versie": 1}
    )
    assert first.status_code == 201, first.content
    assert first.json()["casusVersie"] == 2 and first.json()["casusStatus"] == "police_contact"
    event_id = first.json()["id"]
    # A stale version: 409 problem, nothing written.
    stale = _record(api, case, {"soort": "complaint_filed", "datum": "2024-03-03", "versie": 1})
    assert_problem(stale, 409)
    assert ChainEvent.objects.filter(case=case).count() == 1
    # The version in If-Match works as well.
    second = _record(
        api, case, {"soort": "complaint_filed", "datum": "2024-03-03"}, headers={"If-Match": '"2"'}
    )
    assert second.status_code == 201, second.content
    # Correcting needs the version.
    path = f"casussen/{case.code}/gebeurtenissen/{event_id}/correctie"
    assert_problem(api.post(path, {"soort": "first_police_contact", "datum": "2024-03-01"}), 428)
    corrected = api.post(
        path, {"soort": "first_police_contact", "datum": "2024-03-01", "versie": 3}
    )
    assert corrected.status_code == 201, corrected.content
    assert ChainEvent.objects.get(pk=corrected.json()["id"]).supersedes_id == event_id
    # Withdrawing the complaint.
    complaint = second.json()["id"]
    withdraw = f"casussen/{case.code}/gebeurtenissen/{complaint}/intrekking"
    assert_problem(api.post(withdraw, {"reden": "mistake", "versie": 1}), 409)
    done = api.post(withdraw, {"reden": "mistake", "versie": 4})
    assert done.status_code == 201, done.content
    assert EventWithdrawal.objects.filter(event_id=complaint).exists()
    timeline = api.get(f"casussen/{case.code}/gebeurtenissen").json()["resultaten"]
    by_id = {e["id"]: e for e in timeline}
    assert by_id[event_id]["gecorrigeerd"] is True and by_id[event_id]["geldig"] is False
    assert by_id[complaint]["ingetrokken"] is True
    rows = AuditEvent.objects.filter(
        action__in=[
            AuditAction.EVENT_RECORDED,
            AuditAction.EVENT_CORRECTED,
            AuditAction.EVENT_WITHDRAWN,
        ]
    )
    assert rows.count() == 4
    assert all(r.actor == officer and r.extra["api_client"]["id"] for r in rows)


def test_a_retried_event_is_recorded_once(api):
    case = CaseFactory(police_unit=unit("amsterdam"))
    body = {"soort": "first_police_contact", "datum": "2024-03-02"}
    one = _record(api, case, body, key="event-1")
    two = _record(api, case, body, key="event-1")
    assert one.status_code == two.status_code == 201 and one.json() == two.json()
    assert ChainEvent.objects.filter(case=case).count() == 1


def test_a_workflow_refusal_is_422_and_an_unknown_outcome_400(api):
    case = CaseFactory(police_unit=unit("amsterdam"))
    body = assert_problem(
        _record(api, case, {"soort": "verdict", "datum": "2024-03-02", "uitkomst": "conviction"}),
        422,
    )
    assert body["detail"]
    assert_problem(
        _record(api, case, {"soort": "complaint_declined", "datum": "2024-03-02", "uitkomst": "x"}),
        400,
        param="uitkomst",
    )
    assert not ChainEvent.objects.filter(case=case).exists()


def test_an_event_of_another_case_is_404(api):
    case = CaseFactory(police_unit=unit("amsterdam"), with_complaint=True)
    other = CaseFactory(police_unit=unit("amsterdam"), with_complaint=True)
    foreign = ChainEvent.objects.filter(case=other).first()
    path = f"casussen/{case.code}/gebeurtenissen/{foreign.pk}/intrekking"
    assert_problem(api.post(path, {"reden": "mistake", "versie": case.version}), 404)


def test_notes_are_shown_only_to_their_family(api_for, officer):
    case = CaseFactory(police_unit=unit("amsterdam"))
    api = api_for(officer)
    _record(
        api, case, {"soort": "first_police_contact", "datum": "2024-03-02", "notitie": "geheim"}
    )
    own = api.get(f"casussen/{case.code}/gebeurtenissen").json()["resultaten"][0]
    assert own["notitie"] == "geheim" and own["heeftNotitie"] is True
    researcher = make_user(Role.RESEARCHER)
    other = api_for(researcher)
    seen = other.get(f"casussen/{case.code}/gebeurtenissen").json()["resultaten"][0]
    assert seen["notitie"] is None and seen["heeftNotitie"] is True


def test_reference_data_lists(api):
    units = api.get("eenheden").json()["resultaten"]
    assert {"code": "amsterdam", "naam": "Eenheid Amsterdam"} in units
    forms = [f["code"] for f in api.get("uitbuitingsvormen").json()["resultaten"]]
    assert "sexual" in forms
    types = {t["code"]: t for t in api.get("gebeurtenissoorten").json()["resultaten"]}
    assert types["complaint_declined"]["uitkomstVerplicht"] is True
    assert types["complaint_declined"]["uitkomsten"]
