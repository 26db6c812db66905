"""Logging in and out through the real login page, each attempt audited."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.accounts.services import login_subject_ref
from inbeeld.audit.models import AuditAction, AuditEvent
from tests.factories import PASSWORD, make_user, pass_second_factor

pytestmark = pytest.mark.django_db

LOGIN = "/account/inloggen/"
UNKNOWN = "Deze combinatie van gebruikersnaam en wachtwoord is onbekend. Let op hoofdletters."


def test_the_login_url_is_where_the_settings_say():
    assert reverse("accounts:login") == LOGIN


def test_a_successful_login_is_audited(client):
    user = make_user(Role.POLICE_OFFICER, username="sam.bakker")
    response = client.post(
        LOGIN,
        {"username": "sam.bakker", "password": PASSWORD},
        HTTP_USER_AGENT="pytest-browser",
        REMOTE_ADDR="127.0.0.9",
    )
    assert response.status_code == 302 and response.url == reverse("home")
    row = AuditEvent.objects.get(action=AuditAction.LOGIN_SUCCEEDED)
    assert (row.actor, row.subject_ref) == (user, "sam.bakker")
    assert row.extra == {"ip": "127.0.0.9", "user_agent": "pytest-browser"}
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).exists()
    # Password alone is not enough: the second factor comes first (enrolment, no device yet).
    assert client.get(reverse("home")).url.startswith(reverse("accounts:second_factor_setup"))
    pass_second_factor(client, user)
    home = client.get(reverse("home"))
    assert home.status_code == 200 and "Politiemedewerker (AVIM)" in home.content.decode()


def test_a_failed_login_is_audited_without_the_password(client):
    make_user(Role.POLICE_OFFICER, username="sam.bakker")
    response = client.post(
        LOGIN, {"username": "sam.bakker", "password": "Geraden-wachtwoord-1"}, HTTP_HOST="127.0.0.1"
    )
    assert response.status_code == 200
    assert UNKNOWN in response.content.decode().replace("&#x27;", "'")
    row = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert (row.actor, row.actor_label, row.subject_ref) == (None, "", "sam.bakker")
    assert "Geraden-wachtwoord-1" not in str(row.extra)
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN_SUCCEEDED).exists()
    assert "_auth_user_id" not in client.session


def test_a_login_with_an_unknown_username_is_audited_by_keyed_hash_only(client):
    """The attack: a password typed into the user-name field landed in the audit log. A name that
    is no account is stored only as HMAC(key outside the database, name)."""
    typed = "Mijn-Geheime-Wachtwoord-2026"
    client.post(LOGIN, {"username": typed, "password": "iets"})
    row = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert row.subject_ref.startswith("hmac:") and len(row.subject_ref) == 5 + 64
    assert row.subject_ref == login_subject_ref(typed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_auditevent")
        stored = " ".join(str(value) for r in cursor.fetchall() for value in r)
    assert typed not in stored and typed.lower() not in stored
    # Keyed: another key gives another value (no dictionary of plain hashes works).
    with override_settings(INBEELD_LINKAGE_KEY="een-andere-sleutel"):
        assert login_subject_ref(typed) != row.subject_ref


def test_unknown_names_are_still_locked_out_by_their_hash(client):
    typed = "Geraden-Naam-1"
    for i in range(5):
        client.post(LOGIN, {"username": typed, "password": "x"}, REMOTE_ADDR=f"127.0.1.{i}")
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).count() == 5
    blocked = client.post(
        LOGIN, {"username": typed.upper(), "password": "x"}, REMOTE_ADDR="127.0.1.9"
    )
    assert "Te veel mislukte inlogpogingen" in blocked.content.decode()
    row = AuditEvent.objects.get(action=AuditAction.LOGIN_BLOCKED)
    assert row.subject_ref == login_subject_ref(typed) and typed not in str(row.extra)


def test_an_inactive_user_cannot_log_in(client):
    make_user(Role.POLICE_OFFICER, username="oud.account", is_active=False)
    response = client.post(LOGIN, {"username": "oud.account", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(
        action=AuditAction.LOGIN_FAILED, subject_ref="oud.account"
    ).exists()


def test_logging_out_is_audited(client):
    user = make_user(Role.RESEARCHER, username="tom")
    client.post(LOGIN, {"username": "tom", "password": PASSWORD})
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response.url == LOGIN
    row = AuditEvent.objects.get(action=AuditAction.LOGOUT)
    assert (row.actor, row.subject_ref) == (user, "tom")
    assert client.get(reverse("cases:list")).status_code == 302


def test_logout_is_post_only(client):
    make_user(Role.RESEARCHER, username="tom")
    client.post(LOGIN, {"username": "tom", "password": PASSWORD})
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert not AuditEvent.objects.filter(action=AuditAction.LOGOUT).exists()


def test_the_login_is_not_an_open_redirect(client):
    make_user(Role.RESEARCHER, username="tom")
    response = client.post(
        f"{LOGIN}?next=https://evil.example/",
        {"username": "tom", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert "evil.example" not in response.url


def test_the_login_follows_a_local_next(client):
    make_user(Role.RESEARCHER, username="tom")
    response = client.post(
        LOGIN, {"username": "tom", "password": PASSWORD, "next": reverse("cases:list")}
    )
    assert response.url == reverse("cases:list")


def test_a_logged_in_user_visiting_the_login_page_goes_home(client):
    make_user(Role.RESEARCHER, username="tom")
    client.post(LOGIN, {"username": "tom", "password": PASSWORD})
    assert client.get(LOGIN).status_code == 302


def test_the_home_page_shows_what_the_user_can_do(client):
    user = make_user(Role.POLICE_OFFICER, username="sam")
    client.post(LOGIN, {"username": "sam", "password": PASSWORD})
    pass_second_factor(client, user)
    html = client.get(reverse("home")).content.decode()
    assert "Casussen bekijken" in html and "Nieuwe casus registreren" in html
    assert "Beheer</a>" not in html


def test_passwords_are_hashed_with_argon2_in_production_settings():
    from django.conf import settings

    from inbeeld.conf.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    # The test settings use a fast hasher; the stored hash is never the password itself.
    user = make_user(None)
    assert PASSWORD not in user.password and settings.PASSWORD_HASHERS
