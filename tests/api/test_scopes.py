"""A client's scopes narrow the ONE policy: an action outside them is refused even when the
acting user's role allows it; memberships in other organisations do not count (issue 16)."""

from __future__ import annotations

import pytest

from inbeeld import policy
from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.models import ChainEvent
from tests.api.conftest import assert_problem
from tests.factories import CaseFactory, add_membership, make_user, unit

pytestmark = pytest.mark.django_db

REGISTER = {
    "eenheid": "amsterdam",
    "uitbuitingsvormen": ["sexual"],
    "minderjarigBijInstroom": False,
    "leeftijdscategorie": "18-22",
    "gender": "female",
    "nationaliteit": "nl",
    "datumInstroom": "2024-03-01",
}


def test_register_outside_the_scopes_is_403_though_the_role_may(api_for):
    officer = make_user(Role.POLICE_OFFICER)
    assert policy.can(officer, policy.Action.CASE_CREATE)
    api = api_for(officer, scopes=["case.list", "case.view"])
    body = assert_problem(api.post("casussen", REGISTER), 403)
    assert body["title"] == "U heeft geen toegang tot deze functie."
    refusal = AuditEvent.objects.get(action=AuditAction.FUNCTION_ACCESS_DENIED)
    assert refusal.actor == officer and refusal.extra["api_client"]["name"]
    # The same user at a page keeps every right: the narrowing lives on the API's user object.
    officer.refresh_from_db()
    assert policy.can(officer, policy.Action.CASE_CREATE)


def test_reading_a_case_without_the_view_scope_is_404(api_for):
    officer = make_user(Role.POLICE_OFFICER)
    case = CaseFactory(police_unit=unit("amsterdam"))
    api = api_for(officer, scopes=["case.list"])
    assert api.get("casussen").json()["resultaten"][0]["code"] == case.code
    assert_problem(api.get(f"casussen/{case.code}"), 404)


def test_recording_without_the_record_scope_is_refused(api_for):
    officer = make_user(Role.POLICE_OFFICER)
    case = CaseFactory(police_unit=unit("amsterdam"))
    api = api_for(officer, scopes=["case.list", "case.view"])
    response = api.post(
        f"casussen/{case.code}/gebeurtenissen",
        {"soort": "first_police_contact", "datum": "2024-03-02"},
    )
    assert_problem(response, 404)  # the case is not reachable for this action: as the pages
    assert not ChainEvent.objects.filter(case=case).exists()


def test_only_the_memberships_of_the_clients_organisation_count(api_for):
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    add_membership(officer, Role.POLICE_OFFICER, unit_code="limburg")
    here = CaseFactory(police_unit=unit("amsterdam"))
    there = CaseFactory(police_unit=unit("limburg"))
    api = api_for(officer)  # bound to the organisation of the Amsterdam membership
    codes = [c["code"] for c in api.get("casussen").json()["resultaten"]]
    assert codes == [here.code]
    assert_problem(api.get(f"casussen/{there.code}"), 404)
