"""The first administrator of an empty installation (`inbeeld first_administrator`, issue 15 item 1):
the documented way in on a fresh production database — only while no administrator exists, audited,
with two one-time links printed once; then the normal password and second-factor steps."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from inbeeld.accounts.models import AccountLink, AuthenticatorDevice, Membership, Role, User
from inbeeld.audit.models import AuditAction, AuditEvent
from tests.factories import current_totp, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/account/inloggen/"
NEW_PASSWORD = "zeven paarden op de dijk"


def _run(**options) -> str:
    out = io.StringIO()
    call_command(
        "first_administrator",
        username=options.get("username", "eerste.beheerder"),
        email=options.get("email", "beheer@organisatie.example"),
        organisation=options.get("organisation", "Stichting Voorbeeld"),
        stdout=out,
    )
    return out.getvalue()


def _paths(output: str) -> list[str]:
    return [re.sub(r"^https?://[^/]+", "", url) for url in re.findall(r"https?://\S+", output)]


def test_an_empty_installation_gets_its_first_administrator_end_to_end():
    User.objects.filter(memberships__role=Role.ADMINISTRATOR).delete()  # nothing in a fresh DB
    output = _run()
    user = User.objects.get(username="eerste.beheerder")
    assert not user.has_usable_password() and user.is_staff
    assert Membership.objects.get(user=user).role == Role.ADMINISTRATOR
    password_path, enrolment_path = _paths(output)
    # Only hashes are stored: the tokens on the console are nowhere in the database.
    for path in (password_path, enrolment_path):
        token = path.rstrip("/").rsplit("/", 1)[1]
        assert not AccountLink.objects.filter(token_hash__contains=token).exists()
    row = AuditEvent.objects.get(action=AuditAction.FIRST_ADMINISTRATOR_CREATED)
    assert (row.actor, row.subject_ref) == (None, "eerste.beheerder")
    assert row.extra["organisation"] == "Stichting Voorbeeld"

    client = Client()
    assert client.get(password_path).status_code == 200
    client.post(password_path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    client = Client()
    client.post(LOGIN, {"username": "eerste.beheerder", "password": NEW_PASSWORD})
    assert client.get(enrolment_path).status_code == 200
    device = AuthenticatorDevice.objects.get(user=user, confirmed=False)
    assert client.post(enrolment_path, {"token": current_totp(device)}).status_code == 302
    # In: the administrator reaches the admin, where the next accounts are made (four eyes).
    assert client.get("/beheer/").status_code == 200


def test_a_second_first_administrator_is_refused():
    make_user(Role.ADMINISTRATOR, username="al.beheerder")
    before = User.objects.count()
    with pytest.raises(CommandError, match="Er is al een actieve beheerder"):
        _run(username="nog.een")
    assert User.objects.count() == before
    assert not AuditEvent.objects.filter(action=AuditAction.FIRST_ADMINISTRATOR_CREATED).exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"email": "geen-adres"}, "Geef een geldig e-mailadres."),
        ({"username": " "}, "Geef een gebruikersnaam en de naam van de organisatie."),
        ({"organisation": ""}, "Geef een gebruikersnaam en de naam van de organisatie."),
    ],
)
def test_bad_input_is_refused_in_dutch_and_stores_nothing(options, message):
    User.objects.filter(memberships__role=Role.ADMINISTRATOR).delete()
    before = (User.objects.count(), AccountLink.objects.count(), AuditEvent.objects.count())
    with pytest.raises(CommandError, match=message):
        _run(**options)
    assert (User.objects.count(), AccountLink.objects.count(), AuditEvent.objects.count()) == before
