"""Account recovery without an administrator who knows a password (issue 11, item 1).

The attack: as `beheerder`, set another user's password in the admin, delete their TOTP device and
log in with the new password, which enrolled a new second factor with the password alone (a
brand-new account enrolled the same way). Now an administrator can only send one-time links to the
user's own e-mail address: a password-reset link and a second-factor enrolment link.
"""

from __future__ import annotations

import datetime as dt
import re
import socket

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from inbeeld.accounts import links
from inbeeld.accounts.models import AccountLink, AuthenticatorDevice, Role, User
from inbeeld.audit.models import AuditAction, AuditEvent
from tests.factories import PASSWORD, current_totp, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/account/inloggen/"
NEW_PASSWORD = "zeven paarden op de dijk"
LINK = re.compile(r"https?://\S+")


@pytest.fixture
def administrator(db):
    return make_user(Role.ADMINISTRATOR, username="beheerder", is_staff=True)


@pytest.fixture
def officer(db):
    return make_user(Role.POLICE_OFFICER, username="sam", email="sam@politie.example")


class _Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 (aiosmtpd) and Django's SMTP backend pointed at it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    try:
        yield inbox
    finally:
        controller.stop()


def _action(client, name, *users):
    return client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": name, "_selected_action": [u.pk for u in users], "index": 0},
    )


def _send(purpose, administrator, user) -> str:
    """Send a link through the service; return the URL from the e-mail (locmem outbox)."""
    send = {
        "reset": links.password_reset_link_send,
        "enrol": links.enrolment_link_send,
    }[purpose]
    send(actor=administrator, user=user, request=RequestFactory().get("/"))
    return LINK.search(mail.outbox[-1].body).group(0)


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def _all_stored_text() -> str:
    """Every text column of the link table and the audit log, read with raw SQL."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_accountlink")
        rows = cursor.fetchall()
        cursor.execute("SELECT subject_ref, extra FROM audit_auditevent")
        rows += cursor.fetchall()
    return " ".join(str(value) for row in rows for value in row)


# --- the administrator never sets a password --------------------------------------------------


def test_the_admin_can_no_longer_set_another_users_password(login, administrator, officer):
    client = login(administrator)
    url = f"/beheer/accounts/user/{officer.pk}/password/"
    attack = client.post(url, {"password1": "Overgenomen-2026!", "password2": "Overgenomen-2026!"})
    assert attack.status_code in (302, 404)
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)
    assert not officer.check_password("Overgenomen-2026!")
    with pytest.raises(Exception):  # noqa: B017,PT011 (NoReverseMatch: the URL is gone)
        reverse("admin:auth_user_password_change", args=[officer.pk])
    change = client.get(reverse("admin:accounts_user_change", args=[officer.pk]))
    html = change.content.decode()
    assert change.status_code == 200
    assert "password/" not in html and 'name="password' not in html
    assert "Herstellink sturen" in html and "Inschrijflink sturen" in html


def test_a_new_account_gets_an_unusable_password(login, administrator):
    response = login(administrator).post(
        reverse("admin:accounts_user_add"),
        {
            "username": "nieuw.account",
            "first_name": "Nieuw",
            "last_name": "Account",
            "email": "nieuw@politie.example",
            # Sent anyway by a crafted form: ignored.
            "password1": "Beheerder-kent-dit-1",
            "password2": "Beheerder-kent-dit-1",
            "usable_password": "true",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="nieuw.account")
    assert not user.has_usable_password()
    assert not user.check_password("Beheerder-kent-dit-1")


def test_the_own_admin_password_page_is_the_account_page(login, administrator):
    response = login(administrator).get(reverse("admin:password_change"))
    assert response.status_code == 302 and response.url == reverse("accounts:password_change")


# --- the password-reset link --------------------------------------------------------------------


def test_a_reset_link_goes_by_real_smtp_to_the_user_works_once_and_leaves_no_token(
    login, administrator, officer, smtp_server
):
    admin_client = login(administrator)
    response = _action(admin_client, "send_password_reset_link", officer)
    assert response.status_code == 302
    assert len(smtp_server.envelopes) == 1
    envelope = smtp_server.envelopes[0]
    assert envelope.rcpt_tos == ["sam@politie.example"]
    body = envelope.content.decode("utf-8", errors="replace")
    url = LINK.search(body.replace("=\r\n", "")).group(0)
    token = _path(url).rstrip("/").rsplit("/", 1)[-1]
    assert len(token) >= 40

    row = AuditEvent.objects.get(action=AuditAction.PASSWORD_RESET_LINK_CREATED)
    assert (row.actor, row.subject_ref) == (administrator, "sam")
    assert token not in _all_stored_text()  # neither the link table nor the audit log

    # The user (not logged in) opens the link and picks a new password; NIST rules apply.
    user_client = Client()
    page = user_client.get(_path(url))
    assert page.status_code == 200 and "Nieuw wachtwoord instellen" in page.content.decode()
    for bad, message in [
        ("kort-genoeg", "te kort"),
        ("password1234", "te algemeen"),
        ("sam.politie.example", "lijkt te veel"),
    ]:
        refused = user_client.post(_path(url), {"new_password1": bad, "new_password2": bad})
        html = refused.content.decode()
        assert refused.status_code == 200 and message in html, html
        assert 'class="error-summary" role="alert"' in html
    done = user_client.post(
        _path(url), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302 and done.url == LOGIN
    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)
    reset = AuditEvent.objects.get(action=AuditAction.PASSWORD_RESET)
    assert (reset.actor, reset.subject_ref) == (officer, "sam")
    assert token not in _all_stored_text()

    # Single use: the link is dead now.
    again = Client().get(_path(url))
    assert again.status_code == 404 and "werkt niet" in again.content.decode()
    # The administrator never learnt the password; the user logs in with it (then the 2FA step).
    login_response = Client().post(LOGIN, {"username": "sam", "password": NEW_PASSWORD})
    assert login_response.status_code == 302


def test_a_reset_link_dies_when_the_password_changes_by_any_path(administrator, officer):
    url = _send("reset", administrator, officer)
    officer.set_password("een ander nieuw wachtwoord")
    officer.save()
    assert Client().get(_path(url)).status_code == 404


def test_a_reset_link_expires_after_the_configured_hours(settings, administrator, officer):
    assert settings.INBEELD_ACCOUNT_LINK_HOURS == 24
    url = _send("reset", administrator, officer)
    link = AccountLink.objects.get()
    assert abs(link.expires_at - link.created_at - dt.timedelta(hours=24)) < dt.timedelta(seconds=5)
    assert Client().get(_path(url)).status_code == 200
    AccountLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert Client().get(_path(url)).status_code == 404


def test_a_newer_link_voids_the_older_one(administrator, officer):
    first = _send("reset", administrator, officer)
    second = _send("reset", administrator, officer)
    assert Client().get(_path(first)).status_code == 404
    assert Client().get(_path(second)).status_code == 200


def test_only_an_administrator_sends_links_and_only_to_an_address(officer, administrator):
    request = RequestFactory().get("/")
    with pytest.raises(PermissionDenied):
        links.password_reset_link_send(actor=officer, user=administrator, request=request)
    no_address = make_user(Role.RESEARCHER, email="")
    with pytest.raises(links.LinkNotSent, match="geen e-mailadres"):
        links.password_reset_link_send(actor=administrator, user=no_address, request=request)
    assert not AccountLink.objects.exists() and not mail.outbox


def test_an_admin_action_without_an_address_says_so_in_dutch(login, administrator):
    no_address = make_user(Role.RESEARCHER, email="")
    response = _action(login(administrator), "send_password_reset_link", no_address)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("geen e-mailadres" in m for m in messages)
    assert not AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET_LINK_CREATED).exists()


# --- the second factor: never enrolled with the password alone ----------------------------------


def test_the_password_alone_no_longer_enrols_a_second_factor(client, officer):
    """The takeover replayed: a user without a device logs in with the password and tries to
    enrol. The page shows no secret and no QR code, only what to do, and a way out."""
    client.post(LOGIN, {"username": "sam", "password": PASSWORD})
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:second_factor_setup"))
    page = client.get(reverse("accounts:second_factor_setup"))
    html = page.content.decode()
    assert page.status_code == 200
    assert (
        "Uw tweede factor is nog niet ingesteld; vraag de beheerder om een inschrijflink." in html
    )
    assert reverse("accounts:logout") in html  # no dead end
    assert "totp-secret" not in html and "qr.svg" not in html
    assert client.get(reverse("accounts:second_factor_qr")).status_code == 404
    client.post(reverse("accounts:second_factor_setup"), {"token": "123456"})
    assert not AuthenticatorDevice.objects.filter(user=officer).exists()
    assert client.get(reverse("cases:list")).status_code == 302


def test_removing_a_device_in_the_admin_is_audited_and_the_user_needs_a_link(
    login, administrator, officer
):
    device = AuthenticatorDevice.create_for(user=officer, name="telefoon", confirmed=True)
    admin_client = login(administrator)
    response = admin_client.post(
        reverse("admin:accounts_authenticatordevice_delete", args=[device.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not AuthenticatorDevice.objects.filter(pk=device.pk).exists()
    row = AuditEvent.objects.get(action=AuditAction.SECOND_FACTOR_REMOVED)
    assert (row.actor, row.subject_ref) == (administrator, "sam")
    assert row.extra["old"]["name"] == "telefoon" and row.extra["old"]["confirmed"] is True
    assert row.extra["new"] == {}
    # The attacker who knows the password now meets the "ask for a link" page, not an enrolment.
    attacker = Client()
    attacker.post(LOGIN, {"username": "sam", "password": PASSWORD})
    page = attacker.get(reverse("accounts:second_factor_setup"))
    assert "vraag de beheerder om een inschrijflink" in page.content.decode()
    assert attacker.get(reverse("accounts:second_factor_qr")).status_code == 404


def test_bulk_delete_selected_of_devices_is_audited_per_device(login, administrator):
    users = [make_user(Role.RESEARCHER) for _ in range(2)]
    devices = [AuthenticatorDevice.create_for(user=u, name="app", confirmed=True) for u in users]
    response = login(administrator).post(
        reverse("admin:accounts_authenticatordevice_changelist"),
        {"action": "delete_selected", "_selected_action": [d.pk for d in devices], "post": "yes"},
    )
    assert response.status_code == 302
    assert not AuthenticatorDevice.objects.filter(pk__in=[d.pk for d in devices]).exists()
    rows = AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR_REMOVED)
    assert sorted(r.subject_ref for r in rows) == sorted(u.username for u in users)


def test_an_administrator_can_neither_add_nor_move_a_device(login, administrator, officer):
    device = AuthenticatorDevice.create_for(user=officer, name="telefoon", confirmed=True)
    client = login(administrator)
    assert client.get(reverse("admin:accounts_authenticatordevice_add")).status_code == 403
    client.post(
        reverse("admin:accounts_authenticatordevice_change", args=[device.pk]),
        {"user": administrator.pk, "name": "van mij", "confirmed": "on"},
    )
    device.refresh_from_db()
    assert device.user == officer and device.name == "telefoon"


def test_an_enrolment_link_enrols_once_and_only_its_own_user(administrator, officer):
    url = _path(_send("enrol", administrator, officer))
    row = AuditEvent.objects.get(action=AuditAction.ENROLMENT_LINK_CREATED)
    assert (row.actor, row.subject_ref) == (administrator, "sam")
    # Anonymous: first the password.
    assert Client().get(url).url.startswith(LOGIN)
    # Another user (password passed, no device) cannot use sam's link.
    other = make_user(Role.POLICE_OFFICER, username="noor")
    intruder = Client()
    intruder.post(LOGIN, {"username": "noor", "password": PASSWORD})
    assert intruder.get(url).status_code == 404
    assert not AuthenticatorDevice.objects.filter(user=other).exists()

    client = Client()
    client.post(LOGIN, {"username": "sam", "password": PASSWORD})
    assert client.get(url).status_code == 200
    device = AuthenticatorDevice.objects.get(user=officer, confirmed=False)
    assert client.post(url, {"token": current_totp(device)}).status_code == 302
    assert client.get(reverse("cases:list")).status_code == 200
    assert AccountLink.objects.get().used_at is not None
    # Used: a second session with the password alone gets nothing from the link.
    again = Client()
    again.post(LOGIN, {"username": "sam", "password": PASSWORD})
    assert again.get(url).status_code == 302  # a device exists: to the code step, no new secret
    AuthenticatorDevice.objects.filter(user=officer).delete()
    assert again.get(url).status_code == 404


def test_no_enrolment_link_for_an_account_that_still_has_a_device(administrator, officer):
    AuthenticatorDevice.create_for(user=officer, name="telefoon", confirmed=True)
    with pytest.raises(links.LinkNotSent, match="al een tweede factor"):
        _send("enrol", administrator, officer)


def test_a_brand_new_account_is_set_up_through_both_links(login, administrator):
    admin_client = login(administrator)
    admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "eva.nieuw",
            "email": "eva@om.example",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    user = User.objects.get(username="eva.nieuw")
    mail.outbox.clear()
    _action(admin_client, "send_password_reset_link", user)
    _action(admin_client, "send_enrolment_link", user)
    reset_url, enrol_url = (_path(LINK.search(m.body).group(0)) for m in mail.outbox)
    assert [m.to for m in mail.outbox] == [["eva@om.example"], ["eva@om.example"]]

    client = Client()
    client.post(reset_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert (
        client.post(LOGIN, {"username": "eva.nieuw", "password": NEW_PASSWORD}).status_code == 302
    )
    client.get(enrol_url)
    device = AuthenticatorDevice.objects.get(user=user, confirmed=False)
    assert client.post(enrol_url, {"token": current_totp(device)}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
