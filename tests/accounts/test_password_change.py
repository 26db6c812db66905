"""Users change their own password (issue 11, item 1): Mijn account → Wachtwoord wijzigen.

NIST SP 800-63B: at least 12 characters, no composition rules, refused when common or breached
(a local list), close to the user's own name or built on the service's name. Other sessions end,
this one stays.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from tests.conftest import verified_login
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

URL = "/account/wachtwoord/"
NEW = "zeven paarden op de dijk"


@pytest.fixture
def sam(db):
    return make_user(Role.POLICE_OFFICER, username="sam.bakker", first_name="Sam")


def _post(client, current=PASSWORD, new=NEW, repeat=None):
    return client.post(
        URL,
        {
            "current_password": current,
            "new_password1": new,
            "new_password2": new if repeat is None else repeat,
        },
    )


def test_the_account_page_links_to_the_password_form(sam):
    client = verified_login(Client(), sam)
    assert reverse("accounts:password_change") == URL
    assert URL in client.get(reverse("accounts:account")).content.decode()
    page = client.get(URL).content.decode()
    for label in ("Huidig wachtwoord", "Nieuw wachtwoord", "Herhaal het nieuwe wachtwoord"):
        assert f">{label}</label>" in page
    assert 'autocomplete="current-password"' in page and 'autocomplete="new-password"' in page


def test_changing_the_password_ends_other_sessions_and_keeps_this_one(sam):
    here, laptop = verified_login(Client(), sam), verified_login(Client(), sam)
    bystander = verified_login(Client(), make_user(Role.POLICE_OFFICER))
    response = _post(here)
    assert response.status_code == 302 and response.url == reverse("accounts:account")
    assert "Uw wachtwoord is gewijzigd" in here.get(response.url).content.decode()
    sam.refresh_from_db()
    assert sam.check_password(NEW) and not sam.check_password(PASSWORD)
    assert here.get(reverse("cases:list")).status_code == 200  # no new login, no new code
    assert laptop.get(reverse("cases:list")).status_code == 302
    assert bystander.get(reverse("cases:list")).status_code == 200
    row = AuditEvent.objects.get(action=AuditAction.PASSWORD_CHANGED)
    assert (row.actor, row.subject_ref) == (sam, "sam.bakker")
    assert NEW not in str(row.extra) and PASSWORD not in str(row.extra)


@pytest.mark.parametrize(
    "new,repeat,message",
    [
        ("kort-genoeg", None, "te kort"),  # 11 characters
        ("password1234", None, "te algemeen"),  # on the local common-password list
        ("sam.bakker.2026", None, "lijkt te veel op de gebruikersnaam"),
        ("InBeeld-2026!", None, "gebouwd op het woord"),
        (NEW, "zeven paarden op de dijk!", "niet gelijk"),
    ],
)
def test_weak_or_mismatched_new_passwords_are_refused_in_dutch(sam, new, repeat, message):
    client = verified_login(Client(), sam)
    response = _post(client, new=new, repeat=repeat)
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    assert 'class="error-summary" role="alert" tabindex="-1" id="fouten" autofocus' in html
    assert 'aria-invalid="true"' in html
    sam.refresh_from_db()
    assert sam.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action=AuditAction.PASSWORD_CHANGED).exists()


def test_a_passphrase_without_digits_or_capitals_is_fine(sam):
    """No composition rules (NIST): only length, lists and similarity."""
    client = verified_login(Client(), sam)
    assert _post(client, new="de kat krabt de krullen van de trap").status_code == 302


def test_a_wrong_current_password_is_refused_and_counts_towards_the_lockout(sam):
    """A stolen, unattended session cannot be used to guess the password without limit."""
    client = verified_login(Client(), sam)
    for _ in range(5):
        response = _post(client, current="Geraden-wachtwoord-1")
        assert "Dit is niet uw huidige wachtwoord." in response.content.decode()
    rows = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, subject_ref="sam.bakker")
    assert rows.count() == 5 and rows.first().extra["stage"] == "password_change"
    locked = _post(client)  # even the right current password now
    assert "Te veel mislukte inlogpogingen" in locked.content.decode()
    sam.refresh_from_db()
    assert sam.check_password(PASSWORD)


def test_the_form_needs_a_login():
    response = Client().get(URL)
    assert response.status_code == 302 and response.url.startswith("/account/inloggen/")
