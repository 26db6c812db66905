"""The administrator's pages for API clients (issue 16): make a client, make a key that is
shown once, revoke it; a client for an administrator is refused with a Dutch message."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages

from inbeeld.accounts.models import Role
from inbeeld.api.keys import key_digest
from inbeeld.api.models import ApiClient, ApiKey
from tests.api.conftest import Api
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator():
    return make_user(Role.ADMINISTRATOR, username="beheer.api", is_staff=True)


def _add(client, officer, **extra):
    organisation = officer.memberships.get().organisation
    data = {
        "organisation": organisation.pk,
        "name": "Politiesysteem",
        "acting_user": officer.pk,
        "scopes": ["case.list", "case.view"],
        "is_active": "on",
        "keys-TOTAL_FORMS": "0",
        "keys-INITIAL_FORMS": "0",
        "keys-MIN_NUM_FORMS": "0",
        "keys-MAX_NUM_FORMS": "1000",
        **extra,
    }
    return client.post("/beheer/api/apiclient/add/", data)


def test_an_administrator_makes_a_client_and_a_key_shown_once(login, administrator):
    officer = make_user(Role.POLICE_OFFICER)
    client = login(administrator)
    response = _add(client, officer)
    assert response.status_code == 302, response.content.decode()[:2000]
    api_client = ApiClient.objects.get()
    assert api_client.created_by == administrator and api_client.scopes == [
        "case.list",
        "case.view",
    ]
    response = client.post(
        "/beheer/api/apiclient/",
        {"action": "make_key", "_selected_action": [api_client.pk]},
        follow=True,
    )
    shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
    shown += response.content.decode()
    key = re.search(r"ib_[A-Za-z0-9]+_[A-Za-z0-9_-]{40,}", shown)[0]
    assert ApiKey.objects.get().digest == key_digest(key)
    assert Api(key).get("casussen").status_code == 200
    # Shown once: the client's page shows only the prefix.
    page = client.get(f"/beheer/api/apiclient/{api_client.pk}/change/").content.decode()
    assert key not in page and ApiKey.objects.get().prefix in page
    # Revoked at once.
    client.post(
        "/beheer/api/apikey/",
        {"action": "revoke", "_selected_action": [ApiKey.objects.get().pk]},
    )
    assert Api(key).get("casussen").status_code == 401


def test_a_client_for_an_administrator_is_refused_in_dutch(login, administrator):
    client = login(administrator)
    other_admin = make_user(Role.ADMINISTRATOR)
    response = _add(client, other_admin)
    assert response.status_code == 200
    assert "namens iemand met de rol beheerder" in response.content.decode()
    assert not ApiClient.objects.exists()
