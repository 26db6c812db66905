"""Authentication: TOTP for every role, lockout, idle timeout, log out everywhere, passwords,
and the production checks that refuse to run without them."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse

from inbeeld.accounts import links
from inbeeld.accounts.models import AuthenticatorDevice, Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.conf.checks import check_production_configuration
from tests.conftest import verified_login
from tests.factories import PASSWORD, current_totp, make_user, pass_second_factor

pytestmark = pytest.mark.django_db

LOGIN = "/account/inloggen/"


def _password_login(client, username, password=PASSWORD, ip="127.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_a_password_alone_reaches_no_page_with_case_data(client):
    make_user(Role.POLICE_OFFICER, username="sam")
    _password_login(client, "sam")
    for url in [reverse("home"), reverse("cases:list"), reverse("cases:create")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:second_factor_setup"))


def _enrolment_url(client, user) -> str:
    """The link in the enrolment e-mail an administrator sends ``user``."""
    from django.core import mail
    from django.test import RequestFactory

    administrator = make_user(Role.ADMINISTRATOR, is_staff=True)
    links.enrolment_link_send(actor=administrator, user=user, request=RequestFactory().get("/"))
    body = mail.outbox[-1].body
    return next(word for word in body.split() if "/tweede-factor/instellen/" in word)


def test_enrolment_shows_a_server_rendered_qr_code_and_confirms_with_a_first_code(client):
    user = make_user(Role.POLICE_OFFICER, username="sam", email="sam@politie.example")
    _password_login(client, "sam")
    enrol = _enrolment_url(client, user)
    page = client.get(enrol)
    html = page.content.decode()
    assert page.status_code == 200 and reverse("accounts:second_factor_qr") in html
    device = AuthenticatorDevice.objects.get(user=user, confirmed=False)
    qr = client.get(reverse("accounts:second_factor_qr"))
    assert (
        qr["Content-Type"] == "image/svg+xml"
        and qr.content.startswith(b"<svg")
        and b"<path" in qr.content
    )
    assert qr["Cache-Control"] == "no-store"

    wrong = client.post(
        enrol, {"token": "000000" if current_totp(device) != "000000" else "111111"}
    )
    assert "Deze code klopt niet" in wrong.content.decode()
    assert client.get(reverse("cases:list")).status_code == 302
    # Right after a wrong code, even the right one is refused for a moment (throttling) ...
    refused = client.post(enrol, {"token": current_totp(device)})
    assert refused.status_code == 200
    # ... which passes after the delay; reset it instead of sleeping in a test.
    AuthenticatorDevice.objects.get(pk=device.pk).throttle_reset()

    ok = client.post(enrol, {"token": current_totp(device), "next": reverse("cases:list")})
    assert ok.status_code == 302 and ok.url == reverse("cases:list")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("cases:list")).status_code == 200
    assert (
        AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR_ENROLLED, actor=user).count()
        == 1
    )
    # After enrolment the QR code (the secret) is never shown again.
    assert client.get(reverse("accounts:second_factor_qr")).status_code == 404


def test_a_wrong_code_is_refused_with_a_dutch_message_and_audited(client):
    user = make_user(Role.RESEARCHER, username="tom")
    device = AuthenticatorDevice.create_for(user=user, name="app", confirmed=True)
    _password_login(client, "tom")
    wrong = "123456" if current_totp(device) != "123456" else "654321"
    response = client.post(reverse("accounts:second_factor"), {"token": wrong})
    assert response.status_code == 200
    assert "Deze code klopt niet of is verlopen" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR_FAILED, actor=user).exists()
    assert client.get(reverse("cases:list")).status_code == 302
    letters = client.post(reverse("accounts:second_factor"), {"token": "abcdef"})
    assert "alleen uit cijfers" in letters.content.decode()


def test_a_code_cannot_be_used_twice(client):
    user = make_user(Role.RESEARCHER, username="tom")
    device = AuthenticatorDevice.create_for(user=user, name="app", confirmed=True)
    code = current_totp(device)
    _password_login(client, "tom")
    assert client.post(reverse("accounts:second_factor"), {"token": code}).status_code == 302
    other = Client()
    _password_login(other, "tom")
    replay = other.post(reverse("accounts:second_factor"), {"token": code})
    assert replay.status_code == 200  # refused: django-otp remembers the last used step


def test_five_failed_logins_lock_the_account_with_a_dutch_message(client):
    make_user(Role.POLICE_OFFICER, username="sam")
    other = make_user(Role.POLICE_OFFICER, username="noor")
    for _ in range(5):
        _password_login(client, "sam", "Verkeerd-wachtwoord-1")
    response = _password_login(client, "sam")  # even the right password
    html = response.content.decode()
    assert response.status_code == 200 and "Te veel mislukte inlogpogingen" in html
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_BLOCKED, subject_ref="sam").exists()
    # Another account is not affected ...
    assert _password_login(Client(), "noor").status_code == 302
    assert other.is_active
    # ... and once the window has passed, the right password works again.
    with override_settings(INBEELD_LOGIN_LOCKOUT_MINUTES=0):
        assert _password_login(Client(), "sam").status_code == 302


def test_many_failures_from_one_address_throttle_that_address(client):
    make_user(Role.POLICE_OFFICER, username="sam")
    for i in range(20):
        _password_login(client, f"geraden{i}", "x", ip="127.0.0.50")
    blocked = _password_login(Client(), "sam", ip="127.0.0.50")
    assert "Te veel mislukte inlogpogingen" in blocked.content.decode()
    assert _password_login(Client(), "sam", ip="127.0.0.51").status_code == 302


def test_sessions_end_after_fifteen_idle_minutes(client, settings):
    from inbeeld.conf.settings import base

    assert base.SESSION_COOKIE_AGE == 15 * 60 and base.SESSION_SAVE_EVERY_REQUEST
    user = make_user(Role.POLICE_OFFICER, username="sam")
    verified_login(client, user)
    assert client.get(reverse("cases:list")).status_code == 200
    session = client.session
    session.set_expiry(-1)  # as if the last request was more than the idle timeout ago
    session.save()
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_the_session_key_changes_when_the_second_factor_is_passed(client):
    """Session fixation: a key known before the login (planted, or seen after the password step)
    is worthless once the second factor is passed."""
    user = make_user(Role.POLICE_OFFICER, username="sam")
    _password_login(client, "sam")
    before = client.cookies["sessionid"].value
    pass_second_factor(client, user)
    after = client.cookies["sessionid"].value
    assert after != before
    assert client.get(reverse("cases:list")).status_code == 200
    planted = Client()
    planted.cookies["sessionid"] = before
    assert planted.get(reverse("cases:list")).url.startswith(LOGIN)


def test_a_session_ends_after_its_absolute_lifetime_however_active(client, settings):
    from inbeeld.accounts.services import SESSION_LOGIN_AT
    from inbeeld.conf.settings import base

    assert base.INBEELD_SESSION_MAX_HOURS == 12
    user = make_user(Role.POLICE_OFFICER, username="sam")
    verified_login(client, user)
    now = int(time.time())
    session = client.session
    session[SESSION_LOGIN_AT] = now - 11 * 3600  # busy all day: still within the lifetime
    session.save()
    assert client.get(reverse("cases:list")).status_code == 200
    session = client.session
    session[SESSION_LOGIN_AT] = now - 12 * 3600 - 60
    session.save()
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302 and response.url.startswith(LOGIN + "?verlopen=1")
    row = AuditEvent.objects.get(action=AuditAction.SESSION_EXPIRED)
    assert (row.actor, row.subject_ref, row.extra["max_hours"]) == (user, "sam", 12)
    assert not AuditEvent.objects.filter(action=AuditAction.LOGOUT).exists()
    assert client.get(reverse("cases:list")).url.startswith(LOGIN)  # the session is gone
    assert "Uw sessie is verlopen" in client.get(response.url).content.decode()
    # The lifetime is a setting.
    settings.INBEELD_SESSION_MAX_HOURS = 1
    verified_login(client, user)
    session = client.session
    session[SESSION_LOGIN_AT] = now - 3600 - 60
    session.save()
    assert client.get(reverse("cases:list")).url.startswith(LOGIN)


def test_log_out_everywhere_ends_every_session_of_the_user():
    user = make_user(Role.POLICE_OFFICER, username="sam")
    laptop, phone = verified_login(Client(), user), verified_login(Client(), user)
    bystander = verified_login(Client(), make_user(Role.POLICE_OFFICER, username="noor"))
    assert phone.get(reverse("cases:list")).status_code == 200
    response = laptop.post(reverse("accounts:logout_everywhere"))
    assert response.status_code == 302 and response.url == LOGIN
    for client in (laptop, phone):
        assert client.get(reverse("cases:list")).status_code == 302
    assert bystander.get(reverse("cases:list")).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT_EVERYWHERE, actor=user).exists()
    # A fresh login works as before.
    fresh = Client()
    _password_login(fresh, "sam")
    pass_second_factor(fresh, user)
    assert fresh.get(reverse("cases:list")).status_code == 200


@pytest.mark.parametrize(
    "password,ok",
    [
        ("kort-genoeg", False),  # 11 characters
        ("password1234", False),  # common
        ("zeven paarden op de dijk", True),  # a passphrase, no composition rules (NIST 800-63B)
    ],
)
def test_passwords_follow_nist_800_63b(password, ok):
    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)


def test_production_refuses_to_run_without_the_second_factor(settings):
    settings.INBEELD_ENVIRONMENT = "production"
    settings.DEBUG = False
    settings.SECRET_KEY = "k" * 20 + "abcdefghijklmnopqrstuvwxyz0123456789"
    settings.INBEELD_LINKAGE_KEY = "l" * 40
    settings.ALLOWED_HOSTS = ["inbeeld.example.nl"]
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.INBEELD_SITE_URL = "https://inbeeld.example.nl"
    settings.INBEELD_DARK_NUMBER_REPLICATES = 100
    assert [e.id for e in check_production_configuration()] == []
    settings.MIDDLEWARE = [
        m
        for m in settings.MIDDLEWARE
        if m != "inbeeld.accounts.middleware.RequireSecondFactorMiddleware"
    ]
    assert [e.id for e in check_production_configuration()] == ["inbeeld.E007"]


def test_check_deploy_is_clean_under_the_production_settings(tmp_path):
    from cryptography.fernet import Fernet

    env = {
        **os.environ,
        "INBEELD_SECRET_KEY": "pr0d-" + "9f8e7d6c5b4a3" * 5,
        "INBEELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "INBEELD_LINKAGE_KEY": "linkage-" + "a1b2c3d4" * 5,
        "INBEELD_API_KEY_SECRET": "api-keys-" + "e5f6a7b8" * 5,
        "INBEELD_ALLOWED_HOSTS": "inbeeld.example.nl",
        "INBEELD_SITE_URL": "https://inbeeld.example.nl",
        "INBEELD_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "inbeeld.conf.settings.production",
    }
    env.pop("INBEELD_ENVIRONMENT", None)
    result = subprocess.run(
        [sys.executable, "-m", "inbeeld", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_session_row_is_written_at_most_once_a_minute_when_nothing_changed(client, settings):
    """The idle timeout slides with every request, but an unchanged session is written again
    only when its row is a minute old (conf.middleware.SessionMiddleware): a page view costs no
    write of its own, and the session can only end sooner (between 14 and 15 idle minutes)."""
    from django.contrib.sessions.models import Session

    from inbeeld.conf.middleware import SESSION_SAVED_KEY

    user = make_user(Role.POLICE_OFFICER, username="sam")
    verified_login(client, user)
    assert client.get(reverse("cases:list")).status_code == 200
    key = client.cookies["sessionid"].value
    first = Session.objects.get(session_key=key).expire_date
    for _ in range(3):
        assert client.get(reverse("cases:list")).status_code == 200
    assert Session.objects.get(session_key=key).expire_date == first  # not written again
    # a minute later (the stamp set back): the request writes the row and the timeout slides
    session = client.session
    session[SESSION_SAVED_KEY] = (
        session[SESSION_SAVED_KEY] - settings.INBEELD_SESSION_REFRESH_SECONDS
    )
    session.save()
    written = Session.objects.get(session_key=key).expire_date
    assert client.get(reverse("cases:list")).status_code == 200
    later = Session.objects.get(session_key=key).expire_date
    assert later >= written and client.session[SESSION_SAVED_KEY] > session[SESSION_SAVED_KEY]
    # a changed session is written at once, however recently it was written
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse
    from django.test import RequestFactory

    from inbeeld.conf.middleware import SessionMiddleware

    request = RequestFactory().get(reverse("cases:list"))
    request.session = SessionStore(session_key=key)
    request.session["inbeeld_test"] = 1
    SessionMiddleware(lambda r: HttpResponse()).process_response(request, HttpResponse())
    assert SessionStore(session_key=key).get("inbeeld_test") == 1


def test_an_anonymous_visitor_gets_no_session_from_the_refresh_stamp(client):
    from django.contrib.sessions.models import Session

    before = Session.objects.count()
    assert client.get(reverse("accounts:login")).status_code == 200
    assert client.get(reverse("cases:list")).status_code == 302  # to the login
    assert Session.objects.count() == before
