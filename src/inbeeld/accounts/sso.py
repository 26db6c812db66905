"""Single sign-on with an organisation's OpenID provider: Authorization Code flow with PKCE.

The protocol's security checks come from mozilla-django-oidc (state, nonce and PKCE verifier kept
in the session; the code exchanged at the token endpoint; the ID token's RS256 signature checked
against the provider's JWKS, the algorithm pinned). On top of it, per provider (not per site):
the endpoints from the provider's discovery document (its issuer must be the registered one), and
the ID token's issuer, audience (our client id), expiry and issue time, checked by PyJWT.

A user is found by (provider, subject), never by e-mail address. The first login creates a local
account WITHOUT any membership: it can do nothing until an administrator gives a membership
through the four-eyes flow (ADR 0008). When the ID token's MFA claim (amr/acr, per provider)
says the provider checked a second factor, the session counts as verified with the identity as
django-otp device; otherwise InBeeld's own TOTP is asked as after a password.
"""

from __future__ import annotations

import hashlib

import jwt
import requests
from django.conf import settings
from django.contrib.auth import login
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_otp import login as otp_login
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import (
    add_state_and_verifier_and_nonce_to_session,
    generate_code_challenge,
    import_from_settings,
)

from inbeeld.accounts.models import ExternalIdentity, IdentityProvider, User
from inbeeld.accounts.services import SECOND_FACTOR_SOURCE_KEY
from inbeeld.accounts.signals import client_details
from inbeeld.accounts.sso_models import Failure
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.crypto import keyed_digest

SIGN_ALGORITHM = "RS256"
# Seconds of clock difference accepted between InBeeld and the provider (exp, iat).
CLOCK_LEEWAY = 60
DISCOVERY_CACHE_SECONDS = 600
STATES_KEY = "oidc_states"  # mozilla-django-oidc's session key: state -> nonce, verifier
# The session is kept by Django's own backend (loads the user by id on each request).
SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


class SSOError(Exception):
    def __init__(self, reason: Failure, provider: IdentityProvider | None = None):
        super().__init__(reason.value)
        self.reason = reason
        self.provider = provider


# --- the provider's endpoints --------------------------------------------------------------------


def _timeout() -> int:
    return settings.INBEELD_SSO_TIMEOUT_SECONDS


def discovery(provider: IdentityProvider) -> dict:
    """The provider's discovery document (cached briefly); its issuer must be the registered one
    (OpenID Connect Discovery §4.3), else an impostor's document could name its own keys."""
    key = "inbeeld-sso-discovery:" + hashlib.sha256(provider.issuer.encode()).hexdigest()
    document = cache.get(key)
    if document is None:
        url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            response = requests.get(url, timeout=_timeout())
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise SSOError(Failure.UNREACHABLE, provider) from exc
        needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
        if not isinstance(document, dict) or any(
            not isinstance(document.get(k), str) for k in needed
        ):
            raise SSOError(Failure.DISCOVERY, provider)
        cache.set(key, document, DISCOVERY_CACHE_SECONDS)
    if document["issuer"] != provider.issuer:
        raise SSOError(Failure.DISCOVERY, provider)
    return document


class ProviderBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's token exchange and ID-token check, configured from one provider row
    instead of site-wide settings, with issuer, audience, expiry and issue time checked too."""

    _SETTINGS = {"OIDC_USE_NONCE": True, "OIDC_VERIFY_SSL": True, "OIDC_ALLOW_UNSECURED_JWT": False}

    def __init__(self, provider: IdentityProvider, endpoints: dict):  # noqa: D107
        self.provider = provider
        self.OIDC_OP_TOKEN_ENDPOINT = endpoints["token_endpoint"]
        self.OIDC_OP_USER_ENDPOINT = endpoints.get("userinfo_endpoint")
        self.OIDC_OP_JWKS_ENDPOINT = endpoints["jwks_uri"]
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.OIDC_RP_CLIENT_SECRET = provider.client_secret
        self.OIDC_RP_SIGN_ALGO = SIGN_ALGORITHM
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = User

    @classmethod
    def get_settings(cls, attr, *args):
        if attr in cls._SETTINGS:
            return cls._SETTINGS[attr]
        if attr == "OIDC_TIMEOUT":
            return _timeout()
        return import_from_settings(attr, *args)

    def retrieve_matching_jwk(self, token):
        try:
            return super().retrieve_matching_jwk(token)
        except requests.RequestException as exc:
            raise SSOError(Failure.UNREACHABLE, self.provider) from exc
        except (SuspiciousOperation, KeyError, ValueError, jwt.PyJWTError) as exc:
            raise SSOError(Failure.SIGNATURE, self.provider) from exc

    def _verify_jws(self, payload, key):
        try:
            header = jwt.get_unverified_header(payload)
        except jwt.PyJWTError as exc:
            raise SSOError(Failure.SIGNATURE, self.provider) from exc
        if header.get("alg") != SIGN_ALGORITHM:
            raise SSOError(Failure.SIGNATURE, self.provider)
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[SIGN_ALGORITHM],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=self.provider.issuer,
                leeway=CLOCK_LEEWAY,
                options={"require": ["iss", "aud", "exp", "iat"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise SSOError(Failure.EXPIRED, self.provider) from exc
        except jwt.ImmatureSignatureError as exc:
            raise SSOError(Failure.EXPIRED, self.provider) from exc
        except jwt.InvalidIssuerError as exc:
            raise SSOError(Failure.ISSUER, self.provider) from exc
        except jwt.InvalidAudienceError as exc:
            raise SSOError(Failure.AUDIENCE, self.provider) from exc
        except jwt.PyJWTError as exc:
            raise SSOError(Failure.SIGNATURE, self.provider) from exc

    def claims_for(self, *, code: str, code_verifier: str, nonce: str, redirect_uri: str) -> dict:
        """Exchange ``code`` (with the PKCE verifier) and return the verified ID token's claims."""
        try:
            tokens = self.get_token(
                {
                    "client_id": self.OIDC_RP_CLIENT_ID,
                    "client_secret": self.OIDC_RP_CLIENT_SECRET,
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "code_verifier": code_verifier,
                }
            )
        except (requests.RequestException, ValueError) as exc:
            raise SSOError(Failure.UNREACHABLE, self.provider) from exc
        id_token = tokens.get("id_token") if isinstance(tokens, dict) else None
        if not isinstance(id_token, str):
            raise SSOError(Failure.UNREACHABLE, self.provider)
        try:
            return self.verify_token(id_token, nonce=nonce)
        except SuspiciousOperation as exc:  # the only one left after _verify_jws: the nonce
            raise SSOError(Failure.NONCE, self.provider) from exc


# --- the flow ------------------------------------------------------------------------------------


def active_providers():
    return IdentityProvider.objects.filter(
        is_active=True, organisation__is_active=True
    ).select_related("organisation")


def _usable(provider: IdentityProvider) -> bool:
    return provider.is_active and provider.organisation.is_active


def callback_url(request) -> str:
    return request.build_absolute_uri(reverse("accounts:sso_callback"))


def authorization_redirect(*, request, provider: IdentityProvider, next_url: str) -> str:
    """The provider's authorization URL for a new login attempt; state, nonce and PKCE verifier
    are kept in this session (mozilla-django-oidc's store) with the provider and the next page."""
    from urllib.parse import urlencode

    if not _usable(provider):
        raise SSOError(Failure.INACTIVE, provider)
    endpoints = discovery(provider)
    state = get_random_string(32)
    verifier = get_random_string(64)
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": callback_url(request),
        "scope": provider.scopes,
        "state": state,
        "nonce": get_random_string(32),
        "code_challenge": generate_code_challenge(verifier, "S256"),
        "code_challenge_method": "S256",
    }
    add_state_and_verifier_and_nonce_to_session(request, state, params, verifier)
    request.session[STATES_KEY][state].update({"provider": provider.pk, "next": next_url})
    request.session.modified = True
    separator = "&" if "?" in endpoints["authorization_endpoint"] else "?"
    return endpoints["authorization_endpoint"] + separator + urlencode(params)


def _take_state(request, state: str) -> dict:
    """The stored attempt for ``state``, removed from the session (a state works once)."""
    states = request.session.get(STATES_KEY)
    if not state or not isinstance(states, dict) or state not in states:
        raise SSOError(Failure.STATE)
    entry = states.pop(state)
    request.session.modified = True
    if not isinstance(entry, dict) or not entry.get("provider"):
        raise SSOError(Failure.STATE)
    return entry


def callback(*, request) -> str:
    """Finish a login from the provider's redirect: returns the page to go to next. Raises
    SSOError (audited by the caller through failure_record) when anything does not check out."""
    entry = _take_state(request, request.GET.get("state", ""))
    provider = (
        IdentityProvider.objects.select_related("organisation").filter(pk=entry["provider"]).first()
    )
    if provider is None:
        raise SSOError(Failure.STATE)
    if request.GET.get("error") or not request.GET.get("code"):
        raise SSOError(Failure.PROVIDER_ERROR, provider)
    if not _usable(provider):
        raise SSOError(Failure.INACTIVE, provider)
    backend = ProviderBackend(provider, discovery(provider))
    claims = backend.claims_for(
        code=request.GET["code"],
        code_verifier=entry.get("code_verifier") or "",
        nonce=entry.get("nonce") or "",
        redirect_uri=callback_url(request),
    )
    login_with_claims(request=request, provider=provider, claims=claims)
    return entry.get("next") or "/"


# --- accounts ------------------------------------------------------------------------------------


def _new_username(provider: IdentityProvider, subject: str, email: str) -> str:
    base = email.lower() if email and len(email) <= 140 else ""
    if not base:
        digest = keyed_digest("inbeeld.sso-subject", f"{provider.pk}:{subject}")[:12]
        base = f"sso-{provider.pk}-{digest}"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def login_with_claims(*, request, provider: IdentityProvider, claims: dict) -> User:
    """Log the person of ``claims`` (a verified ID token) in; the first time, create their
    account without any membership. All writes and their audit rows in one transaction."""
    subject = claims.get(provider.subject_claim)
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise SSOError(Failure.CLAIMS, provider)
    identity = (
        ExternalIdentity.objects.select_related("user")
        .filter(provider=provider, subject=subject)
        .first()
    )
    if identity is not None and not identity.user.is_active:
        raise SSOError(Failure.ACCOUNT_INACTIVE, provider)
    email = claims.get(provider.email_claim)
    email = email if isinstance(email, str) and "@" in email and len(email) <= 254 else ""
    provider_mfa = provider.mfa_in(claims)
    with transaction.atomic():
        created = identity is None
        if created:
            user = User(username=_new_username(provider, subject, email), email=email)
            user.set_unusable_password()
            user.save()
            identity = ExternalIdentity.objects.create(
                user=user, provider=provider, subject=subject, name=f"sso-{provider.pk}"
            )
            audit_record(
                actor=None,
                action=AuditAction.SSO_ACCOUNT_CREATED,
                subject_type="user",
                subject_ref=user.get_username(),
                extra={"provider": provider.pk, "organisation": provider.organisation.name},
            )
        user = identity.user
        identity.last_login_at = timezone.now()
        identity.save(update_fields=["last_login_at"])
        audit_record(
            actor=user,
            action=AuditAction.SSO_LOGIN_SUCCEEDED,
            subject_type="user",
            subject_ref=user.get_username(),
            extra={
                "provider": provider.pk,
                "account_created": created,
                "provider_mfa": provider_mfa,
                **client_details(request),
            },
        )
        # Django's login: a new session key, the LOGIN_SUCCEEDED row, the session's start time.
        login(request, user, backend=SESSION_BACKEND)
        if provider_mfa:
            otp_login(request, identity)
            request.session[SECOND_FACTOR_SOURCE_KEY] = "identity_provider"
            audit_record(
                actor=user,
                action=AuditAction.SECOND_FACTOR_VERIFIED,
                subject_type="user",
                subject_ref=user.get_username(),
                extra={
                    "source": "identity_provider",
                    "provider": provider.pk,
                    "claim": provider.mfa_claim,
                    **client_details(request),
                },
            )
    return user


def failure_record(*, request, error: SSOError) -> None:
    provider = error.provider
    audit_record(
        actor=None,
        action=AuditAction.SSO_LOGIN_FAILED,
        subject_type="identity_provider",
        subject_ref=str(provider.pk) if provider is not None else "",
        extra={"sso_reason": error.reason.value, **client_details(request)},
    )
