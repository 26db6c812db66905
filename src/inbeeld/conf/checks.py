"""System checks that refuse a misconfigured production start.

They run on every `manage.py` command and on server start; in production each finding is an
error, so `runserver`, `migrate` and the WSGI start-up via `check --deploy` stop at once.
"""

import os

from django.conf import settings
from django.core.checks import Error, Tags, register

from inbeeld.crypto import InvalidKeyConfiguration, load_fernet


def _production() -> bool:
    return settings.INBEELD_ENVIRONMENT == "production"


@register(Tags.security, deploy=False)
def check_production_configuration(app_configs=None, **kwargs):
    if not _production():
        return []
    errors = []
    if settings.DEBUG:
        errors.append(Error("DEBUG is on in production.", id="inbeeld.E001"))
    key = settings.SECRET_KEY or ""
    if len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure") or "test" in key:
        errors.append(
            Error(
                "INBEELD_SECRET_KEY is weak: use at least 50 random characters.", id="inbeeld.E002"
            )
        )
    try:
        load_fernet(settings.INBEELD_ENCRYPTION_KEYS)
    except InvalidKeyConfiguration as exc:
        errors.append(Error(f"Encryption key unusable: {exc}", id="inbeeld.E003"))
    if len(settings.INBEELD_LINKAGE_KEY or "") < 32:
        errors.append(
            Error("INBEELD_LINKAGE_KEY must be at least 32 characters.", id="inbeeld.E004")
        )
    if "*" in settings.ALLOWED_HOSTS:
        errors.append(Error("ALLOWED_HOSTS may not contain '*'.", id="inbeeld.E005"))
    if not settings.SESSION_COOKIE_SECURE or not settings.CSRF_COOKIE_SECURE:
        errors.append(Error("Cookies must be secure in production.", id="inbeeld.E006"))
    required = {
        "django_otp.middleware.OTPMiddleware",
        "inbeeld.accounts.middleware.RequireSecondFactorMiddleware",
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
    }
    if not required <= set(settings.MIDDLEWARE):
        errors.append(
            Error(
                "The second factor (TOTP) must be enforced for every user: "
                "OTPMiddleware, RequireSecondFactorMiddleware and "
                "LoginRequiredMiddleware are required.",
                id="inbeeld.E007",
            )
        )
    if settings.PASSWORD_HASHERS[0] != "django.contrib.auth.hashers.Argon2PasswordHasher":
        errors.append(Error("Passwords must be hashed with Argon2.", id="inbeeld.E008"))
    if settings.EMAIL_BACKEND in NON_DELIVERING_EMAIL_BACKENDS:
        # One-time reset and enrolment links would land in a log (or nowhere): a secret in a log
        # is an account takeover for whoever reads it.
        errors.append(
            Error(
                "E-mail must be delivered in production (INBEELD_EMAIL_BACKEND: the SMTP backend): "
                "one-time account links may never be written to a log or dropped.",
                id="inbeeld.E009",
            )
        )
    if not settings.INBEELD_SITE_URL.startswith("https://"):
        # Notification e-mails link to INBEELD_SITE_URL: the development default would send
        # every recipient to a dead (or someone else's) address.
        errors.append(
            Error(
                "INBEELD_SITE_URL must be the https:// address users open InBeeld at: the links "
                "in notification e-mails start with it.",
                id="inbeeld.E011",
            )
        )
    if settings.INBEELD_DARK_NUMBER_REPLICATES < 100:
        # ADR 0007: with fewer resamples the published interval of the dark number covered
        # the truth too rarely (40: 0.908 of simulated populations with five sources).
        errors.append(
            Error(
                "INBEELD_DARK_NUMBER_REPLICATES must be at least 100 in production: with fewer "
                "the published interval of the dark number does not hold.",
                id="inbeeld.E012",
            )
        )
    if "inbeeld.accounts.middleware.SessionLifetimeMiddleware" not in settings.MIDDLEWARE:
        errors.append(
            Error(
                "Sessions need an absolute lifetime: SessionLifetimeMiddleware is required.",
                id="inbeeld.E010",
            )
        )
    return errors


NON_DELIVERING_EMAIL_BACKENDS = frozenset(
    {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
    }
)


@register(Tags.security, deploy=False)
def check_audit_anchoring(app_configs=None, **kwargs):
    """Production needs its own audit chain key and checkpoint signing key (never derived from
    the secret key) and a checkpoint directory it can write (docs/adr/0009-audit-anchoring.md)."""
    if not _production():
        return []
    from inbeeld.audit.chain import MIN_KEY_LENGTH, AuditKeyError, signing_seed

    errors = []
    key = settings.INBEELD_AUDIT_KEY or ""
    others = {settings.SECRET_KEY, settings.INBEELD_LINKAGE_KEY}
    if len(key) < MIN_KEY_LENGTH or len(set(key)) < 10 or key in others:
        errors.append(
            Error(
                f"INBEELD_AUDIT_KEY must be set to at least {MIN_KEY_LENGTH} random characters, "
                "different from the secret and linkage keys.",
                id="inbeeld.E030",
            )
        )
    try:
        signing_seed()
    except AuditKeyError as exc:
        errors.append(Error(f"Audit checkpoint signing key unusable: {exc}", id="inbeeld.E031"))
    directory = settings.INBEELD_AUDIT_CHECKPOINT_DIR
    existing = next((p for p in (directory, *directory.parents) if p.exists()), None)
    if not directory.is_absolute() or existing is None or not os.access(existing, os.W_OK):
        errors.append(
            Error(
                f"INBEELD_AUDIT_CHECKPOINT_DIR ({directory}) must be an absolute path the "
                "application can write.",
                id="inbeeld.E032",
            )
        )
    return errors


API_KEY_SECRET_MIN_LENGTH = 32


@register(Tags.security, deploy=False)
def check_api_key_secret(app_configs=None, **kwargs):
    """Production needs its own secret for the API keys' HMAC (issue 16, ADR 0021), never one
    derived from the secret key or shared with another key."""
    if not _production():
        return []
    secret = settings.INBEELD_API_KEY_SECRET or ""
    others = {
        settings.SECRET_KEY,
        settings.INBEELD_LINKAGE_KEY,
        getattr(settings, "INBEELD_AUDIT_KEY", ""),
    }
    if len(secret) < API_KEY_SECRET_MIN_LENGTH or len(set(secret)) < 10 or secret in others:
        return [
            Error(
                f"INBEELD_API_KEY_SECRET must be set to at least {API_KEY_SECRET_MIN_LENGTH} "
                "random characters, different from the secret, linkage and audit keys.",
                id="inbeeld.E040",
            )
        ]
    return []
