"""Single sign-on per organisation (OpenID Connect; ADR 0017).

IdentityProvider is an organisation's OpenID provider as an administrator registers it; its
client secret is stored encrypted (crypto.encrypt_text), never in clear. ExternalIdentity binds
one subject of one provider to one local account (never an e-mail address: an address can be
reused or typed by anyone at a provider). It is also a django-otp Device: when the provider's ID
token says it checked a second factor, the login is marked verified with this device, so
RequireSecondFactorMiddleware lets the session through without InBeeld's own TOTP. It never
accepts a code itself.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}


def validate_issuer(value: str) -> None:
    """An issuer is an https URL (plain http only on the loopback address, for a local test
    provider): discovery, keys and tokens must not travel unprotected."""
    parts = urlsplit(value)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
        if parts.query or parts.fragment:
            raise ValidationError(_("Het adres van de provider mag geen ? of # bevatten."))
        return
    raise ValidationError(_("Het adres van de provider moet met https:// beginnen."))


class Failure(models.TextChoices):
    """Why an SSO login was refused: the code goes into the audit row, the label is what the
    privacy officer reads (oversight/labels.py)."""

    STATE = "state", _("onbekende of al gebruikte aanmeldpoging (state)")
    PROVIDER_ERROR = "provider_error", _("de provider weigerde de aanmelding")
    INACTIVE = "inactive", _("provider staat uit")
    UNREACHABLE = "unreachable", _("provider niet bereikbaar of code geweigerd")
    DISCOVERY = "discovery", _("instellingen van de provider kloppen niet")
    SIGNATURE = "signature", _("ondertekening van het token klopt niet")
    NONCE = "nonce", _("nonce klopt niet")
    ISSUER = "issuer", _("uitgever (issuer) klopt niet")
    AUDIENCE = "audience", _("token is voor een andere toepassing (audience)")
    EXPIRED = "expired", _("token is verlopen of nog niet geldig")
    CLAIMS = "claims", _("vaste identiteit ontbreekt in het token")
    ACCOUNT_INACTIVE = "account_inactive", _("account staat uit")


class IdentityProvider(models.Model):
    """An organisation's OpenID Connect provider (Authorization Code flow with PKCE)."""

    ENCRYPTED_FIELDS = ("client_secret_ciphertext",)

    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="identity_providers",
        verbose_name=_("organisatie"),
    )
    issuer = models.URLField(
        _("adres van de provider (issuer)"),
        max_length=300,
        validators=[validate_issuer],
        help_text=_(
            "Het issuer-adres; InBeeld leest de instellingen van "
            "<issuer>/.well-known/openid-configuration."
        ),
    )
    client_id = models.CharField(_("client-ID"), max_length=200)
    client_secret_ciphertext = models.TextField(
        _("clientgeheim (versleuteld)"), blank=True, editable=False
    )
    scopes = models.CharField(
        _("scopes"),
        max_length=200,
        default="openid email profile",
        help_text=_("Gescheiden door spaties; 'openid' is altijd nodig."),
    )
    subject_claim = models.CharField(
        _("claim met de vaste identiteit"),
        max_length=60,
        default="sub",
        help_text=_("De claim die de gebruiker bij deze provider blijvend aanduidt."),
    )
    email_claim = models.CharField(_("claim met het e-mailadres"), max_length=60, default="email")
    mfa_claim = models.CharField(
        _("claim die tweestapsverificatie aangeeft"),
        max_length=60,
        blank=True,
        default="amr",
        help_text=_(
            "Bijvoorbeeld 'amr' of 'acr'. Leeg: InBeeld vraagt altijd zijn eigen tweede factor."
        ),
    )
    mfa_values = models.CharField(
        _("waarden die tweestapsverificatie aangeven"),
        max_length=200,
        blank=True,
        default="mfa otp",
        help_text=_("Gescheiden door spaties; één ervan in de claim is genoeg."),
    )
    is_active = models.BooleanField(
        _("actief"),
        default=False,
        help_text=_("Aanzetten wacht op goedkeuring door een tweede persoon."),
    )
    created_at = models.DateTimeField(_("aangemaakt"), auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "pk"]
        verbose_name = _("identiteitsprovider (SSO)")
        verbose_name_plural = _("identiteitsproviders (SSO)")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "client_id"], name="sso_issuer_client_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.issuer}"

    def clean(self) -> None:
        if "openid" not in self.scopes.split():
            raise ValidationError({"scopes": _("De scopes moeten 'openid' bevatten.")})
        if self.mfa_claim and not self.mfa_values.split():
            raise ValidationError(
                {"mfa_values": _("Geef minstens één waarde, of laat de claim leeg.")}
            )

    @property
    def client_secret(self) -> str:
        from inbeeld.crypto import decrypt_text

        return decrypt_text(self.client_secret_ciphertext)

    def set_client_secret(self, secret: str) -> None:
        from inbeeld.crypto import encrypt_text

        self.client_secret_ciphertext = encrypt_text(secret)

    def mfa_in(self, claims: dict) -> bool:
        """Whether ``claims`` (a verified ID token) say the provider checked a second factor."""
        if not self.mfa_claim:
            return False
        value = claims.get(self.mfa_claim)
        given = set(value) if isinstance(value, list) else set(str(value or "").split())
        return bool(given & set(self.mfa_values.split()))


class ExternalIdentity(Device):
    """One subject at one provider = one local account. As a django-otp Device it stands for
    "the provider checked the second factor" in a session; it accepts no code of its own."""

    provider = models.ForeignKey(
        IdentityProvider,
        on_delete=models.PROTECT,
        related_name="identities",
        verbose_name=_("identiteitsprovider"),
    )
    subject = models.CharField(_("identiteit bij de provider"), max_length=255)
    created_at = models.DateTimeField(_("aangemaakt"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("laatst ingelogd"), null=True, blank=True)

    class Meta(Device.Meta):
        verbose_name = _("SSO-identiteit")
        verbose_name_plural = _("SSO-identiteiten")
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="sso_identity_unique")
        ]

    def verify_token(self, token) -> bool:
        return False  # the provider checks its own factors; this device never takes a code
