"""API keys: who gets in, who does not, and what is stored (issue 16 item 2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from inbeeld.accounts.models import Role
from inbeeld.api.keys import key_digest
from inbeeld.api.models import ApiClient, ApiKey
from inbeeld.api.services import api_client_save, api_key_revoke
from inbeeld.audit.models import AuditAction, AuditEvent
from tests.api.conftest import Api, assert_problem, make_api_client
from tests.factories import add_membership, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return make_user(Role.POLICE_OFFICER)


def test_without_a_key_the_answer_is_401_problem_with_the_bearer_challenge():
    response = Api().get("casussen")
    body = assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "API-sleutel" in body["title"]


@pytest.mark.parametrize(
    "header",
    ["Bearer ib_abcdefgh_" + "x" * 43, "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer "],
)
def test_a_wrong_key_is_refused(officer, header):
    make_api_client(officer)
    api = Api()
    response = api.http.get("/api/v1/casussen", headers={"Authorization": header})
    assert_problem(response, 401)


def test_a_key_with_the_right_prefix_but_another_secret_is_refused(officer):
    _client, key = make_api_client(officer)
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    assert_problem(Api(forged).get("casussen"), 401)
    assert Api(key).get("casussen").status_code == 200


def test_a_revoked_key_is_refused_at_once_and_the_revocation_is_audited(officer):
    client, key = make_api_client(officer)
    assert Api(key).get("casussen").status_code == 200
    api_key_revoke(actor=None, key=client.keys.get())
    assert_problem(Api(key).get("casussen"), 401)
    assert AuditEvent.objects.filter(action=AuditAction.API_KEY_REVOKED).count() == 1


def test_an_expired_key_is_refused(officer):
    client, key = make_api_client(officer)
    ApiKey.objects.filter(client=client).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert_problem(Api(key).get("casussen"), 401)


def test_a_client_of_an_inactive_organisation_is_refused(officer):
    client, key = make_api_client(officer)
    client.organisation.is_active = False
    client.organisation.save()
    assert_problem(Api(key).get("casussen"), 401)


def test_an_inactive_client_or_acting_user_is_refused(officer):
    client, key = make_api_client(officer)
    ApiClient.objects.filter(pk=client.pk).update(is_active=False)
    assert_problem(Api(key).get("casussen"), 401)
    ApiClient.objects.filter(pk=client.pk).update(is_active=True)
    officer.is_active = False
    officer.save()
    assert_problem(Api(key).get("casussen"), 401)


def test_a_user_who_became_administrator_can_no_longer_be_acted_for(officer):
    client, key = make_api_client(officer)
    add_membership(officer, Role.ADMINISTRATOR)
    assert_problem(Api(key).get("casussen"), 401)


@pytest.mark.parametrize("kind", ["superuser", "staff", "administrator"])
def test_a_client_never_acts_for_a_superuser_or_an_administrator(kind):
    user = make_user(Role.POLICE_OFFICER)
    if kind == "administrator":
        add_membership(user, Role.ADMINISTRATOR, organisation=user.memberships.get().organisation)
    else:
        setattr(user, "is_superuser" if kind == "superuser" else "is_staff", True)
        user.save()
    with pytest.raises(ValidationError) as refused:
        make_api_client(user)
    assert "beheerder" in str(refused.value) or "superuser" in str(refused.value)
    assert not ApiClient.objects.exists()


def test_a_client_acts_only_for_a_member_of_its_organisation(officer):
    other = make_user(Role.POLICE_OFFICER)
    with pytest.raises(ValidationError, match="lidmaatschap"):
        make_api_client(officer, organisation=other.memberships.get().organisation)


def test_scopes_outside_the_grantable_actions_are_refused(officer):
    organisation = officer.memberships.get().organisation
    for scopes in (["platform.administer"], ["case.break_glass"], ["bestaat.niet"], []):
        with pytest.raises(ValidationError):
            api_client_save(
                actor=None,
                client=ApiClient(
                    organisation=organisation, name="x", acting_user=officer, scopes=scopes
                ),
            )


def test_only_the_hmac_of_a_key_is_stored_and_the_client_is_audited(officer):
    client, key = make_api_client(officer)
    row = client.keys.get()
    assert key.startswith(f"ib_{row.prefix}_") and len(key) > 50
    assert row.digest == key_digest(key) and key not in row.digest
    secret = key.split("_", 2)[2]
    for event in AuditEvent.objects.all():
        assert secret not in str(event.extra)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {AuditAction.API_CLIENT_CHANGED, AuditAction.API_KEY_CREATED} <= actions


def test_last_used_is_recorded(officer):
    client, key = make_api_client(officer)
    assert client.keys.get().last_used_at is None
    Api(key).get("casussen")
    assert client.keys.get().last_used_at is not None


def test_the_command_makes_a_client_and_prints_the_key_once(officer, capsys):
    organisation = officer.memberships.get().organisation
    call_command(
        "api_key_create",
        organisatie=organisation.name,
        naam="Politiesysteem",
        gebruiker=officer.username,
        rechten="case.list,case.view",
    )
    out = capsys.readouterr()
    key = out.out.strip()
    assert key.startswith("ib_") and "bewaar" in out.err
    assert Api(key).get("casussen").status_code == 200
    client = ApiClient.objects.get(name="Politiesysteem")
    assert client.scopes == ["case.list", "case.view"]
    assert key_digest(key) == client.keys.get().digest
