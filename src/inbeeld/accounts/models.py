"""Users, organisations and memberships: who someone is, where they work, what role and scope.

A Membership carries exactly the scope its role needs (policy.ROLE_SCOPE): a police unit for
police officers and safety coordinators, an OM district for prosecutors, a court for examining
judges, nothing for national or case-assigned roles. Membership.clean() enforces that.

AuthenticatorDevice is the second factor (TOTP) with its secret encrypted at rest; AccountLink is
a one-time link (password reset or second-factor enrolment) of which only a hash is stored.
"""

import time
from binascii import unhexlify

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.util import random_hex

from inbeeld.reference.models import Court, OMDistrict, PoliceUnit
from inbeeld.roles import Role

__all__ = ["AccountLink", "AuthenticatorDevice", "Membership", "Organisation", "Role", "User"]


class User(AbstractUser):
    """Custom user from day one; identity and credentials only, permissions live in Membership."""

    # Part of the session hash: raising it ends every session of the user ("log out everywhere").
    session_generation = models.PositiveIntegerField(default=0, editable=False)
    # E-mail notifications (intake.notifications): news on one's own signals, new acute and
    # overdue signals for safety coordinators. On by default; the account page turns them off.
    email_notifications = models.BooleanField(
        _("e-mail bij nieuws"),
        default=True,
        help_text=_(
            "Een e-mail als er nieuws is; de e-mail bevat nooit gegevens over een signaal of casus."
        ),
    )

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def _get_session_auth_hash(self, secret=None):
        key_salt = "inbeeld.accounts.User.get_session_auth_hash"
        value = f"{self.password}:{self.session_generation}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class Organisation(models.Model):
    class Type(models.TextChoices):
        POLICE = "police", _("Politie")
        OM = "om", _("Openbaar Ministerie")
        COURT = "court", _("Rechtbank")
        CARE = "care", _("Zorgorganisatie")
        SCHOOL = "school", _("School")
        SPORTS_CLUB = "sports_club", _("Sportvereniging")
        NEIGHBOURHOOD_TEAM = "neighbourhood_team", _("Wijkteam")
        RESEARCH = "research", _("Onderzoeksorganisatie")
        OTHER = "other", _("Anders")

    name = models.CharField(_("naam"), max_length=200, unique=True)
    type = models.CharField(_("soort"), max_length=30, choices=Type.choices)
    police_unit = models.ForeignKey(
        PoliceUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("eenheid (werkgebied)"),
    )
    is_active = models.BooleanField(_("actief"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("gebruiker")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organisatie"),
    )
    role = models.CharField(_("rol"), max_length=30, choices=Role.choices)
    police_unit = models.ForeignKey(
        PoliceUnit, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("eenheid")
    )
    om_district = models.ForeignKey(
        OMDistrict, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("parket")
    )
    court = models.ForeignKey(
        Court, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("rechtbank")
    )
    is_active = models.BooleanField(_("actief"), default=True)
    created_at = models.DateTimeField(_("aangemaakt"), auto_now_add=True)

    class Meta:
        ordering = ["user", "role"]
        verbose_name = _("lidmaatschap")
        verbose_name_plural = _("lidmaatschappen")

    def __str__(self) -> str:
        scope = self.police_unit or self.om_district or self.court
        label = f"{self.user} – {self.get_role_display()} ({self.organisation})"
        return f"{label} – {scope}" if scope else label

    def clean(self) -> None:
        # policy is a layer below accounts (ADR 0012). Imported here until policy.py stops
        # importing accounts.models at module level (then this can move to the top).
        from inbeeld.policy import ROLE_SCOPE, Scope

        needed = ROLE_SCOPE.get(self.role)
        given = {
            Scope.POLICE_UNIT: self.police_unit_id,
            Scope.OM_DISTRICT: self.om_district_id,
            Scope.COURT: self.court_id,
        }
        errors = {}
        for scope, value in given.items():
            field = scope.value
            if scope == needed and value is None:
                errors[field] = _("Deze rol vereist dit werkgebied.")
            elif scope != needed and value is not None:
                errors[field] = _("Deze rol heeft geen werkgebied van dit soort.")
        if errors:
            raise ValidationError(errors)


class AuthenticatorDevice(TimestampMixin, ThrottlingMixin, Device):
    """A TOTP authenticator app (RFC 6238), registered with django-otp like its own TOTPDevice
    (django_otp.login, OTPMiddleware and user.is_verified() find it as a Device subclass), but
    its secret is stored encrypted with the application's Fernet keys (crypto.encrypt_text), so a
    copy of the database holds no usable second factor. `inbeeld rotate_keys` re-encrypts it."""

    ENCRYPTED_FIELDS = ("key_ciphertext",)

    key_ciphertext = models.TextField(_("sleutel (versleuteld)"), editable=False)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    # The time step of the last accepted code: a code of this step or earlier is refused (replay).
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("authenticator-app")
        verbose_name_plural = _("authenticator-apps (tweede factor)")

    @classmethod
    def create_for(cls, *, user, name: str, confirmed: bool, key_hex: str | None = None):
        """A device with a new random secret (20 bytes, as django-otp), stored encrypted."""
        from inbeeld.crypto import encrypt_text

        return cls.objects.create(
            user=user,
            name=name,
            confirmed=confirmed,
            key_ciphertext=encrypt_text(key_hex or random_hex(20)),
        )

    @property
    def bin_key(self) -> bytes:
        from inbeeld.crypto import decrypt_text

        return unhexlify(decrypt_text(self.key_ciphertext).encode("ascii"))

    def get_throttle_factor(self):
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    def _totp(self) -> TOTP:
        totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
        totp.time = time.time()
        return totp

    def verify_token(self, token) -> bool:
        """Check ``token``; the row is locked while checking, so two requests racing with the same
        code cannot both pass (the second sees the first one's last_t)."""
        try:
            code = int(token)
        except (TypeError, ValueError):
            code = None
        with transaction.atomic():
            locked = type(self).objects.select_for_update().get(pk=self.pk)
            if not locked.verify_is_allowed()[0]:
                return False
            totp = locked._totp()
            verified = code is not None and totp.verify(code, locked.tolerance, locked.last_t + 1)
            if verified:
                locked.last_t = totp.t()
                locked.drift = totp.drift
                locked.throttle_reset(commit=False)
                locked.set_last_used_timestamp(commit=False)
                locked.save()
            else:
                locked.throttle_increment(commit=True)
        for field in (
            "last_t",
            "drift",
            "throttling_failure_count",
            "throttling_failure_timestamp",
            "last_used_at",
        ):
            setattr(self, field, getattr(locked, field))
        return verified

    @property
    def config_url(self) -> str:
        """The otpauth:// URL an authenticator app reads from the enrolment QR code."""
        from base64 import b32encode
        from urllib.parse import quote, urlencode

        issuer = getattr(settings, "OTP_TOTP_ISSUER", "InBeeld").replace(":", "")
        label = quote(f"{issuer}:{self.user.get_username()}")
        params = urlencode(
            {
                "secret": b32encode(self.bin_key).decode().rstrip("="),
                "algorithm": "SHA1",
                "digits": self.digits,
                "period": self.step,
            }
        )
        return f"otpauth://totp/{label}?{params}&issuer={quote(issuer)}"


class AccountLink(models.Model):
    """A one-time link sent to a user's e-mail address by an administrator: to set a new password
    or to enrol a second factor. Only the SHA-256 of the URL token is stored (the token has 256
    random bits), so neither the database nor the audit log can replay the link. A link works
    once, until it expires; a password-reset link also dies as soon as the password changes."""

    class Purpose(models.TextChoices):
        PASSWORD_RESET = "password_reset", _("Wachtwoord opnieuw instellen")
        ENROLMENT = "enrolment", _("Tweede factor instellen")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="account_links", verbose_name=_("gebruiker")
    )
    purpose = models.CharField(_("doel"), max_length=20, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # A keyed fingerprint of the password hash at creation: any password change voids the link.
    password_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("gemaakt door"),
    )
    created_at = models.DateTimeField(_("gemaakt"), auto_now_add=True)
    expires_at = models.DateTimeField(_("verloopt"))
    used_at = models.DateTimeField(_("gebruikt"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("eenmalige accountlink")
        verbose_name_plural = _("eenmalige accountlinks")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} – {self.user}"


# Single sign-on (OpenID Connect) per organisation; kept in a module of its own.
from inbeeld.accounts.sso_models import ExternalIdentity, IdentityProvider  # noqa: E402

__all__ += ["ExternalIdentity", "IdentityProvider"]
