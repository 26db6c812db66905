"""The four-eyes page (/goedkeuringen/): the privacy officer sees every grant and decides pending
requests with a reason; Dutch throughout, an error summary that takes focus, no dead end."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.approvals.models import ChangeRequest
from tests.conftest import session_for
from tests.factories import OrganisationFactory, make_user, unit

pytestmark = pytest.mark.django_db

URL = "/goedkeuringen/"


def _request_grant(beheerder, username: str, email: str) -> ChangeRequest:
    """Through the real admin, as the attack did."""
    grantee = make_user(None, username=username, email=email)
    org = OrganisationFactory(name=f"Politie ({username})", police_unit=unit("amsterdam"))
    response = session_for(beheerder).post(
        reverse("admin:accounts_membership_add"),
        {
            "user": grantee.pk,
            "organisation": org.pk,
            "role": Role.POLICE_OFFICER,
            "police_unit": unit("amsterdam").pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("wacht op goedkeuring" in m and "/goedkeuringen/" in m for m in messages)
    return ChangeRequest.objects.get(subject_user=grantee)


def test_the_url_and_the_menu_entry_for_those_who_decide(fg, beheerder):
    assert reverse("approvals:list") == URL
    for user in (fg, beheerder):
        html = session_for(user).get(reverse("home")).content.decode()
        assert f'href="{URL}"' in html and "Goedkeuringen" in html
    officer = make_user(Role.POLICE_OFFICER)
    client = session_for(officer)
    assert f'href="{URL}"' not in client.get(reverse("home")).content.decode()
    response = client.get(URL)
    assert response.status_code == 403 and "Geen toegang" in response.content.decode()


def test_the_privacy_officer_sees_every_grant_and_who_asked_and_approved(fg, beheerder):
    demo_officer = make_user(Role.POLICE_OFFICER, username="demo.agent")  # made outside the admin
    request = _request_grant(beheerder, "nieuwe.agent", "nieuwe.agent@politie.example")
    client = session_for(fg)
    html = client.get(URL).content.decode()
    pending = html[html.index("Wacht op goedkeuring") : html.index("Actieve rollen")]
    assert f"Verzoek {request.pk}" in pending
    assert "Aangevraagd door" in pending and "beheerder" not in request.summary
    assert "nieuwe.agent@politie.example" in pending  # where reset links would go
    assert "Was" in pending and "Wordt" in pending and "Politiemedewerker (AVIM)" in pending
    grants = html[html.index('data-testid="grants"') : html.index("Eerder beslist")]
    assert demo_officer.username in grants and "buiten het beheer vastgelegd" in grants
    assert "nieuwe.agent" not in grants  # not active before approval

    response = client.post(
        URL, {"request": request.pk, "decision": "approve", "reason": "Nieuwe collega AVIM"}
    )
    assert response.status_code == 302 and response.url == URL
    html = client.get(URL).content.decode()
    assert f"Verzoek {request.pk} is goedgekeurd" in html
    grants = html[html.index('data-testid="grants"') : html.index("Eerder beslist")]
    row = next(r for r in grants.split("<tr>") if "nieuwe.agent" in r)
    assert str(beheerder) in row and str(fg) in row
    decided = html[html.index('data-testid="decided"') :]
    assert "Goedgekeurd" in decided and "Nieuwe collega AVIM" in decided


def test_the_requester_sees_the_request_but_cannot_decide_it(beheerder):
    request = _request_grant(beheerder, "agent2", "agent2@politie.example")
    client = session_for(beheerder)
    html = client.get(URL).content.decode()
    assert f"Verzoek {request.pk}" in html
    assert "U kunt dit verzoek niet zelf beoordelen" in html
    assert 'name="decision"' not in html
    response = client.post(URL, {"request": request.pk, "decision": "approve", "reason": "Ja"})
    assert response.status_code == 200
    assert "U mag dit verzoek niet beoordelen" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "pending"
    assert 'href="/beheer/"' in html  # the way back to the admin: no dead end


def test_an_incomplete_decision_gets_a_dutch_error_summary_that_takes_focus(fg, beheerder):
    request = _request_grant(beheerder, "agent3", "agent3@politie.example")
    response = session_for(fg).post(URL, {"request": request.pk, "decision": "reject"})
    assert response.status_code == 200
    html = response.content.decode()
    summary = re.search(r'<div class="error-summary"[^>]*>', html).group(0)
    assert "autofocus" in summary and 'tabindex="-1"' in summary and 'role="alert"' in summary
    assert f'href="#verzoek{request.pk}_reason"' in html
    assert f'id="verzoek{request.pk}_reason"' in html
    assert "Geef een toelichting bij uw beslissing." in html
    assert "This field" not in html
    request.refresh_from_db()
    assert request.status == "pending"


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"request": "9" * 30, "decision": "approve", "reason": "x"},
        {"request": "-1", "decision": "approve", "reason": "x"},
        {"request": "abc", "decision": "misschien", "reason": "x" * 600},
    ],
)
def test_hostile_posts_get_the_page_with_errors_not_a_500(fg, data):
    client = session_for(fg)
    client.raise_request_exception = True
    response = client.post(URL, data)
    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()


def test_a_missing_request_is_not_found(fg):
    response = session_for(fg).post(URL, {"request": 999999, "decision": "approve", "reason": "x"})
    assert response.status_code == 404 and "Niet gevonden" in response.content.decode()


def test_the_page_reads_at_phone_width(fg, beheerder):
    _request_grant(beheerder, "agent4", "agent4@politie.example")
    html = session_for(fg).get(URL).content.decode()
    assert 'name="viewport" content="width=device-width' in html
    # Every table scrolls inside its own box instead of widening the page.
    wrapped = re.findall(r'<div class="table-wrap"[^>]*><table', html)
    assert html.count("<table") == len(wrapped) > 0


def test_the_page_makes_a_bounded_number_of_queries(fg, beheerder):
    for n in range(3):
        _request_grant(beheerder, f"agent.q{n}", f"q{n}@politie.example")
    client = session_for(fg)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n in range(3, 9):
        _request_grant(beheerder, f"agent.q{n}", f"q{n}@politie.example")
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    # Each new request adds at most the look-ups of its own grantee and organisation (shown by
    # name); units, roles and everything else shared are read once per page.
    assert len(many) - len(few) <= 2 * 6, (len(few), len(many))
