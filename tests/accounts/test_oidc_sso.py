"""Single sign-on per organisation (issue 15 item 6) against a REAL OpenID provider on 127.0.0.1
(tests/oidc_provider.py: real sockets, RS256 ID tokens, PKCE), through the Django test client.

The browser path (the button on the login page in Chromium) is in tests/e2e/test_sso_login.py.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.db import connection
from django.test import Client
from django.urls import reverse

from inbeeld.accounts.models import ExternalIdentity, IdentityProvider, Role, User
from inbeeld.accounts.services import SECOND_FACTOR_SOURCE_KEY
from inbeeld.accounts.sso_models import Failure
from inbeeld.approvals import services as approvals
from inbeeld.approvals.models import ChangeRequest
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.oversight import labels
from tests.approvals.admin_forms import form_data
from tests.factories import OrganisationFactory, add_membership, current_totp, make_user
from tests.oidc_provider import OIDCProvider
from tests.test_architecture import project_urls

pytestmark = pytest.mark.django_db

NO_ACCESS = "U bent aangemeld, maar heeft nog geen toegang; een beheerder moet u een rol geven"
REFUSED = "Inloggen via uw organisatie is niet gelukt"


@pytest.fixture
def op():
    provider = OIDCProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def idp(op):
    """The organisation's provider as registered in InBeeld, switched on."""
    organisation = OrganisationFactory(name="Zorg Noord", type="care")
    provider = IdentityProvider(
        organisation=organisation, issuer=op.issuer, client_id=op.client_id, is_active=True
    )
    provider.set_client_secret(op.client_secret)
    provider.full_clean()
    provider.save()
    return provider


def sso_login(client: Client, idp: IdentityProvider, next_url: str = ""):
    """Press the button, let the provider answer in a real HTTP round trip, come back: returns
    the answer of InBeeld's callback."""
    start = reverse("accounts:sso_start", args=[idp.pk])
    response = client.get(start + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302, response.status_code
    authorize = response["Location"]
    assert authorize.startswith(idp.issuer + "/authorize?")
    answer = requests.get(authorize, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert back.path == reverse("accounts:sso_callback")
    return client.get(back.path + "?" + back.query)


def last_audit(action: str) -> AuditEvent | None:
    return AuditEvent.objects.filter(action=action).order_by("-pk").first()


def page_text(client: Client, url: str) -> str:
    return client.get(url, follow=True).content.decode()


# --- the login page -------------------------------------------------------------------------------


def test_the_login_page_offers_a_button_per_active_provider(client, idp, op):
    switched_off = IdentityProvider.objects.create(
        organisation=OrganisationFactory(name="Politie Oost"),
        issuer="https://sso.oost.example",
        client_id="inbeeld",
    )
    html = client.get(reverse("accounts:login")).content.decode()
    assert "Inloggen via Zorg Noord" in html
    assert reverse("accounts:sso_start", args=[idp.pk]) in html
    assert "Politie Oost" not in html
    assert reverse("accounts:sso_start", args=[switched_off.pk]) not in html


def test_the_authorization_request_uses_pkce_state_and_nonce(client, idp):
    response = client.get(reverse("accounts:sso_start", args=[idp.pk]))
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43  # base64url of a SHA-256, no padding
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert query["client_id"] == ["inbeeld"] and "openid" in query["scope"][0].split()
    stored = client.session["oidc_states"][query["state"][0]]
    assert stored["provider"] == idp.pk and stored["nonce"] == query["nonce"][0]
    assert len(stored["code_verifier"]) == 64


# --- a first login: an account without rights ---------------------------------------------------


def test_a_first_login_creates_an_account_without_any_membership(client, idp, op):
    op.user.amr = ["pwd", "mfa"]
    response = sso_login(client, idp)
    assert response.status_code == 302 and response["Location"] == "/"
    identity = ExternalIdentity.objects.get(provider=idp, subject=op.user.subject)
    user = identity.user
    assert user.email == op.user.email and not user.has_usable_password()
    assert not user.memberships.exists() and not user.is_staff
    # The PKCE verifier went to the token endpoint with the client's secret and the single code.
    assert op.token_requests[-1]["code_verifier"] and op.token_requests[-1]["client_secret"]
    home = client.get("/")
    assert home.status_code == 200
    assert NO_ACCESS in home.content.decode()
    created = last_audit(AuditAction.SSO_ACCOUNT_CREATED)
    succeeded = last_audit(AuditAction.SSO_LOGIN_SUCCEEDED)
    assert created.subject_ref == user.username and created.extra["provider"] == idp.pk
    assert succeeded.actor == user and succeeded.extra["account_created"] is True
    assert last_audit(AuditAction.LOGIN_SUCCEEDED).actor == user


def test_the_account_creation_and_its_audit_rows_are_one_transaction(client, idp, op, monkeypatch):
    """When the login's last step fails, neither the account nor its audit rows remain."""
    from inbeeld.accounts import sso

    def broken_login(*args, **kwargs):
        raise RuntimeError("sessieopslag onbereikbaar")

    monkeypatch.setattr(sso, "login", broken_login)
    client.raise_request_exception = False
    response = sso_login(client, idp)
    assert response.status_code == 500
    assert not ExternalIdentity.objects.exists()
    assert not User.objects.filter(email=op.user.email).exists()
    assert last_audit(AuditAction.SSO_ACCOUNT_CREATED) is None
    assert last_audit(AuditAction.SSO_LOGIN_SUCCEEDED) is None


def test_every_page_refuses_an_account_without_membership(client, idp, op):
    op.user.amr = ["mfa"]
    sso_login(client, idp)
    allowed = {
        "home",
        "accounts:login",
        "accounts:logout",
        "accounts:logout_everywhere",
        "accounts:account",
        "accounts:password_change",
        "accounts:second_factor",
        "accounts:second_factor_setup",
        "accounts:second_factor_enrol",
        "accounts:second_factor_qr",
        "accounts:password_reset",
        "accounts:sso_start",
        "accounts:sso_callback",
        "public_intake:create",
        "public_intake:status",
        "public_intake:link",
        "public_intake:receipt",
        # The health probes answer anyone and show no data (conf/health.py).
        "health:live",
        "health:ready",
        # The API's OpenAPI document and its documentation page hold no data (issue 16).
        "api:schema",
        "api:schema_json",
        "api:docs",
    }
    reached = []
    for url, name, _pattern in project_urls():
        if name in allowed:
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if response.status_code == 200 or (
                response.status_code == 302
                and not response["Location"].startswith(reverse("accounts:login"))
                and "/beheer/login/" not in response["Location"]
            ):
                reached.append(f"{method.upper()} {url} ({name}): {response.status_code}")
            if response.status_code == 403:
                assert NO_ACCESS in response.content.decode(), url
    assert not reached, "an account without membership reached:\n" + "\n".join(reached)
    # Still logged in (nothing above ended the session), and still without access.
    assert NO_ACCESS in client.get("/").content.decode()


def test_a_membership_given_through_the_four_eyes_flow_opens_the_application(client, idp, op):
    op.user.amr = ["mfa"]
    sso_login(client, idp)
    user = ExternalIdentity.objects.get(subject=op.user.subject).user
    add_membership(user, Role.SIGNALLER, organisation=idp.organisation)
    home = client.get("/")
    assert home.status_code == 200 and NO_ACCESS not in home.content.decode()


def test_a_second_login_finds_the_same_account_by_subject_not_by_email(client, idp, op):
    existing = make_user(Role.POLICE_OFFICER, username="a.jansen", email=op.user.email)
    op.user.amr = ["mfa"]
    sso_login(client, idp)
    first = ExternalIdentity.objects.get(subject=op.user.subject).user
    assert first != existing  # the same e-mail address never takes over a local account
    assert first.username != existing.username
    other = Client()
    sso_login(other, idp)
    assert ExternalIdentity.objects.count() == 1
    assert int(other.session["_auth_user_id"]) == first.pk
    assert last_audit(AuditAction.SSO_LOGIN_SUCCEEDED).extra["account_created"] is False


# --- the second factor ------------------------------------------------------------------------------


def test_with_the_providers_mfa_claim_no_totp_is_asked(client, idp, op):
    op.user.amr = ["pwd", "otp"]
    sso_login(client, idp)
    assert client.session[SECOND_FACTOR_SOURCE_KEY] == "identity_provider"
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 200  # not sent to the second-factor pages
    verified = last_audit(AuditAction.SECOND_FACTOR_VERIFIED)
    assert verified.extra["source"] == "identity_provider" and verified.extra["claim"] == "amr"
    assert last_audit(AuditAction.SSO_LOGIN_SUCCEEDED).extra["provider_mfa"] is True


def test_an_acr_claim_can_vouch_for_the_second_factor(client, idp, op):
    idp.mfa_claim, idp.mfa_values = "acr", "urn:nl:loa:substantial"
    idp.save()
    op.user.amr = ["pwd"]
    sso_login(client, idp)
    assert SECOND_FACTOR_SOURCE_KEY not in client.session  # no acr claim in the token
    assert client.get("/")["Location"].startswith(reverse("accounts:second_factor_setup"))


def test_without_the_mfa_claim_the_users_own_totp_is_asked(client, idp, op):
    op.user.amr = ["pwd"]
    sso_login(client, idp)
    user = ExternalIdentity.objects.get(subject=op.user.subject).user
    # No device yet: only an administrator's enrolment link enrols one (as after a password).
    response = client.get("/")
    assert response["Location"].startswith(reverse("accounts:second_factor_setup"))
    assert "vraag de beheerder om een inschrijflink" in page_text(client, "/")
    # With a device: the code step, and then the application.
    from inbeeld.accounts.models import AuthenticatorDevice

    device = AuthenticatorDevice.create_for(user=user, name="telefoon", confirmed=True)
    second = Client()
    sso_login(second, idp)
    response = second.get("/")
    assert response["Location"].startswith(reverse("accounts:second_factor"))
    answer = second.post(reverse("accounts:second_factor"), {"token": current_totp(device)})
    assert answer.status_code == 302
    assert second.session[SECOND_FACTOR_SOURCE_KEY] == "totp"
    assert NO_ACCESS in second.get("/").content.decode()


# --- refusals -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ("nonce", Failure.NONCE),
        ("issuer", Failure.ISSUER),
        ("audience", Failure.AUDIENCE),
        ("expired", Failure.EXPIRED),
        ("signature", Failure.SIGNATURE),
    ],
)
def test_a_bad_id_token_is_refused_with_a_dutch_message_and_an_audit_row(
    client, idp, op, tamper, reason
):
    op.tamper = tamper
    op.user.amr = ["mfa"]
    response = sso_login(client, idp)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert not ExternalIdentity.objects.exists()
    assert REFUSED in page_text(client, response["Location"])
    failed = last_audit(AuditAction.SSO_LOGIN_FAILED)
    assert failed.extra["sso_reason"] == reason.value
    assert failed.subject_type == "identity_provider" and failed.subject_ref == str(idp.pk)
    assert last_audit(AuditAction.SSO_LOGIN_SUCCEEDED) is None


def test_an_unknown_or_replayed_state_is_refused(client, idp, op):
    start = client.get(reverse("accounts:sso_start", args=[idp.pk]))
    answer = requests.get(start["Location"], allow_redirects=False, timeout=5)
    back = urlsplit(answer.headers["Location"])
    query = parse_qs(back.query)
    forged = client.get(back.path, {"code": query["code"][0], "state": "een-verzonnen-state"})
    assert forged["Location"] == reverse("accounts:login")
    assert last_audit(AuditAction.SSO_LOGIN_FAILED).extra["sso_reason"] == Failure.STATE
    assert client.get(back.path + "?" + back.query)["Location"] == "/"  # the real one works
    client.logout()
    replay = client.get(back.path + "?" + back.query)  # the same state (and code) again
    assert replay["Location"] == reverse("accounts:login")
    assert last_audit(AuditAction.SSO_LOGIN_FAILED).extra["sso_reason"] == Failure.STATE


def test_another_browser_cannot_finish_someone_elses_login(client, idp, op):
    """The state lives in the session that started the login (login CSRF, stolen redirects)."""
    start = client.get(reverse("accounts:sso_start", args=[idp.pk]))
    answer = requests.get(start["Location"], allow_redirects=False, timeout=5)
    back = urlsplit(answer.headers["Location"])
    attacker = Client()
    assert attacker.get(back.path + "?" + back.query)["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in attacker.session


def test_a_disabled_provider_is_refused(client, idp, op):
    start = client.get(reverse("accounts:sso_start", args=[idp.pk]))
    answer = requests.get(start["Location"], allow_redirects=False, timeout=5)
    back = urlsplit(answer.headers["Location"])
    idp.is_active = False
    idp.save()
    response = client.get(back.path + "?" + back.query)  # switched off during the login
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert "Inloggen via deze organisatie is uitgeschakeld" in page_text(
        client, "/account/inloggen/"
    )
    assert last_audit(AuditAction.SSO_LOGIN_FAILED).extra["sso_reason"] == Failure.INACTIVE
    again = client.get(reverse("accounts:sso_start", args=[idp.pk]))
    assert again["Location"] == reverse("accounts:login")  # never sent to the provider
    assert "Inloggen via Zorg Noord" not in client.get(reverse("accounts:login")).content.decode()


def test_a_switched_off_account_cannot_log_in_through_sso(client, idp, op):
    op.user.amr = ["mfa"]
    sso_login(client, idp)
    user = ExternalIdentity.objects.get().user
    User.objects.filter(pk=user.pk).update(is_active=False)
    other = Client()
    response = sso_login(other, idp)
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in other.session
    assert last_audit(AuditAction.SSO_LOGIN_FAILED).extra["sso_reason"] == "account_inactive"


def test_a_discovery_document_naming_another_issuer_is_refused(client, idp, op):
    IdentityProvider.objects.filter(pk=idp.pk).update(issuer=op.issuer + "/")
    response = client.get(reverse("accounts:sso_start", args=[idp.pk]))
    assert response["Location"] == reverse("accounts:login")
    assert last_audit(AuditAction.SSO_LOGIN_FAILED).extra["sso_reason"] == Failure.DISCOVERY


# --- the provider's registration --------------------------------------------------------------------


def test_the_client_secret_is_never_stored_in_plaintext(idp, op):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {IdentityProvider._meta.db_table}")  # noqa: S608
        rows = cursor.fetchall()
    assert rows and all(op.client_secret not in str(value) for row in rows for value in row)
    assert IdentityProvider.objects.get(pk=idp.pk).client_secret == op.client_secret


def test_an_issuer_without_https_is_refused_outside_the_loopback_address():
    from django.core.exceptions import ValidationError

    from inbeeld.accounts.sso_models import validate_issuer

    validate_issuer("https://login.zorg.example")
    validate_issuer("http://127.0.0.1:8080")
    with pytest.raises(ValidationError):
        validate_issuer("http://login.zorg.example")


def _admin_post(client, url, data):
    page = client.get(url).content.decode()
    fields = form_data(page)
    return client.post(url, {**data, "row_fingerprint": fields["row_fingerprint"][0]})


def test_an_administrator_registers_a_provider_and_a_second_person_switches_it_on(login):
    administrator = make_user(Role.ADMINISTRATOR, username="beheerder", is_staff=True)
    second = make_user(Role.ADMINISTRATOR, username="beheerder2", is_staff=True)
    organisation = OrganisationFactory(name="Zorg Zuid")
    client = login(administrator)
    fields = {
        "organisation": organisation.pk,
        "issuer": "https://login.zorgzuid.example",
        "client_id": "inbeeld",
        "client_secret": "heel-geheim-clientwachtwoord",
        "scopes": "openid email",
        "subject_claim": "sub",
        "email_claim": "email",
        "mfa_claim": "amr",
        "mfa_values": "mfa",
    }
    response = client.post(reverse("admin:accounts_identityprovider_add"), fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    provider = IdentityProvider.objects.get()
    assert not provider.is_active  # a new provider starts switched off
    assert provider.client_secret == "heel-geheim-clientwachtwoord"
    added = last_audit(AuditAction.IDENTITY_PROVIDER_CHANGED)
    assert "heel-geheim" not in str(added.extra) and added.extra["client_secret"] == "changed"
    url = reverse("admin:accounts_identityprovider_change", args=[provider.pk])
    response = _admin_post(client, url, {**fields, "client_secret": "", "is_active": "on"})
    assert response.status_code == 302
    provider.refresh_from_db()
    assert not provider.is_active  # held for a second person
    request = ChangeRequest.objects.get(target="accounts.identityprovider")
    assert request.changes == {"is_active": True}
    assert provider.client_secret == "heel-geheim-clientwachtwoord"  # empty field: kept
    approvals.change_request_approve(actor=second, request_id=request.pk, reason="Gecontroleerd.")
    provider.refresh_from_db()
    assert provider.is_active
    assert last_audit(AuditAction.IDENTITY_PROVIDER_CHANGED).extra["approval"] == request.pk


def test_the_privacy_officer_reads_the_refusal_reason_in_dutch():
    details = labels.extra_details({"sso_reason": "nonce", "source": "identity_provider"})
    assert [(d.label, d.value) for d in details] == [
        ("reden", "nonce klopt niet"),
        ("bron", "de identiteitsprovider van de organisatie"),
    ]
    assert labels.subject_label("identity_provider") == "identiteitsprovider (SSO)"


def test_test_provider_refuses_a_wrong_pkce_verifier(op):
    """The provider in these tests checks PKCE for real (so the flow above proves InBeeld sends
    the right verifier)."""
    import hashlib
    from base64 import urlsafe_b64encode

    challenge = urlsafe_b64encode(hashlib.sha256(b"x" * 50).digest()).rstrip(b"=").decode()
    answer = requests.get(
        op.issuer + "/authorize",
        params={
            "client_id": op.client_id,
            "response_type": "code",
            "scope": "openid",
            "redirect_uri": "http://testserver/terug/",
            "state": "s",
            "nonce": "n",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
        timeout=5,
    )
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    token = requests.post(
        op.issuer + "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://testserver/terug/",
            "client_id": op.client_id,
            "client_secret": op.client_secret,
            "code_verifier": "y" * 50,
        },
        timeout=5,
    )
    assert token.status_code == 400 and token.json()["error"] == "invalid_grant"
