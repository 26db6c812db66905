"""Writes about accounts: lockout bookkeeping, the second factor, passwords, sessions.

One-time links (password reset, second-factor enrolment) live in accounts/links.py.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import logout, update_session_auth_hash
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_otp import login as otp_login

from inbeeld.accounts.links import enrolment_link_send, password_reset_link_send  # noqa: F401
from inbeeld.accounts.models import AccountLink, AuthenticatorDevice, User
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.audit.services import audit_record
from inbeeld.crypto import keyed_digest

# Re-exported above: `accounts.services.password_reset_link_send(*, actor, user, request)` and
# `accounts.services.enrolment_link_send(*, actor, user, request)` are the administrator's calls.


def _client(request) -> dict:
    return {"ip": request.META.get("REMOTE_ADDR", "")}


# --- failed logins ------------------------------------------------------------------------------

UNKNOWN_USERNAME_PREFIX = "hmac:"


def login_subject_ref(username: str) -> str:
    """What the audit log stores as the subject of a failed or blocked login.

    An existing account's user name is stored as is. A name that is no account is never stored:
    it may be a password typed into the wrong field. Its keyed hash (HMAC-SHA256 with the linkage
    key, which lives outside the database, and a prefix of its own) is stored instead, so the
    lockout can still count failures per typed name while the log reveals nothing."""
    typed = (username or "").strip()
    if not typed:
        return ""
    # A name longer than the column is no account (and SQLite refuses a LIKE pattern of 50 kB).
    fits = len(typed) <= User._meta.get_field("username").max_length
    existing = fits and (
        User.objects.filter(username=typed).values_list("username", flat=True).first()
        or User.objects.filter(username__iexact=typed)
        .order_by("pk")
        .values_list("username", flat=True)
        .first()
    )
    if existing:
        return existing
    return UNKNOWN_USERNAME_PREFIX + keyed_digest("inbeeld.failed-login-username", typed.lower())


def login_locked(*, username: str, ip: str) -> bool:
    """Whether logins for ``username`` (or from ``ip``) are locked now.

    Counted from the audit log's failed logins within the lockout window, so the lock holds across
    processes and restarts and needs no table of its own.
    """
    since = timezone.now() - dt.timedelta(minutes=settings.INBEELD_LOGIN_LOCKOUT_MINUTES)
    failures = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, created_at__gte=since)
    ref = login_subject_ref(username)
    by_user = failures.filter(subject_ref__iexact=ref).count() if ref else 0
    if by_user >= settings.INBEELD_LOGIN_MAX_FAILURES:
        return True
    by_ip = failures.filter(Q(extra__ip=ip)).count() if ip else 0
    return by_ip >= settings.INBEELD_LOGIN_MAX_FAILURES_PER_IP


def login_failed_record(*, username: str, request, stage: str = "") -> None:
    extra = {}
    if request is not None:
        extra = {
            "ip": request.META.get("REMOTE_ADDR", ""),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200],
        }
    if stage:
        extra["stage"] = stage
    audit_record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        subject_type="user",
        subject_ref=login_subject_ref(username),
        extra=extra,
    )


def login_blocked_record(*, username: str, request) -> None:
    audit_record(
        actor=None,
        action=AuditAction.LOGIN_BLOCKED,
        subject_type="user",
        subject_ref=login_subject_ref(username),
        extra=_client(request),
    )


# --- second factor -------------------------------------------------------------------------------


def confirmed_devices(user) -> list[AuthenticatorDevice]:
    return list(AuthenticatorDevice.objects.devices_for_user(user, confirmed=True))


def totp_enrolment_device(user) -> AuthenticatorDevice:
    """The user's unconfirmed device for enrolment (created once, reused on reload). Callers make
    sure the user holds a valid enrolment link first."""
    device = AuthenticatorDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = AuthenticatorDevice.create_for(
            user=user, name="authenticator-app", confirmed=False
        )
    return device


# Where this session's second factor came from: "totp" here, "identity_provider" for an SSO login
# whose ID token vouched for one (accounts/sso.py).
SECOND_FACTOR_SOURCE_KEY = "inbeeld_second_factor_source"


def _second_factor_passed(request, device) -> None:
    otp_login(request, device)
    request.session[SECOND_FACTOR_SOURCE_KEY] = "totp"
    # A new session key once the second factor is passed: a key planted or seen before the login
    # (session fixation) is worthless afterwards.
    request.session.cycle_key()


def totp_enrol_confirm(*, request, device: AuthenticatorDevice, link: AccountLink, token: str):
    """Confirm enrolment with a first valid code and use up the enrolment link; logs the session
    in as verified."""
    if not device.verify_token(token):
        audit_record(
            actor=request.user,
            action=AuditAction.SECOND_FACTOR_FAILED,
            subject_type="user",
            subject_ref=request.user.get_username(),
            extra={**_client(request), "stage": "enrolment"},
        )
        return False
    with transaction.atomic():
        used = AccountLink.objects.filter(
            pk=link.pk, used_at__isnull=True, expires_at__gt=timezone.now()
        ).update(used_at=timezone.now())
        if not used:
            return False  # the link was used or expired meanwhile
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        AuthenticatorDevice.objects.filter(user=request.user, confirmed=False).delete()
        audit_record(
            actor=request.user,
            action=AuditAction.SECOND_FACTOR_ENROLLED,
            subject_type="user",
            subject_ref=request.user.get_username(),
            extra={**_client(request), "link": link.pk},
        )
    _second_factor_passed(request, device)
    return True


def totp_verify(*, request, token: str) -> bool:
    """Check a code against the user's confirmed devices (throttled, replay refused)."""
    for device in confirmed_devices(request.user):
        if device.verify_is_allowed()[0] and device.verify_token(token):
            audit_record(
                actor=request.user,
                action=AuditAction.SECOND_FACTOR_VERIFIED,
                subject_type="user",
                subject_ref=request.user.get_username(),
                extra=_client(request),
            )
            _second_factor_passed(request, device)
            return True
    audit_record(
        actor=request.user,
        action=AuditAction.SECOND_FACTOR_FAILED,
        subject_type="user",
        subject_ref=request.user.get_username(),
        extra={**_client(request), "stage": "login"},
    )
    return False


def device_snapshot(device: AuthenticatorDevice) -> dict:
    """What the audit log keeps of a device: never its secret."""
    return {
        "device": device.pk,
        "name": device.name,
        "confirmed": device.confirmed,
        "created_at": device.created_at.isoformat() if device.created_at else None,
        "last_used_at": device.last_used_at.isoformat() if device.last_used_at else None,
    }


def second_factor_remove(*, actor, device: AuthenticatorDevice, request=None) -> None:
    """An administrator removes a device (a lost phone). The user then needs an enrolment link
    from an administrator; the password alone never enrols a new one."""
    with transaction.atomic():
        user = device.user
        old = device_snapshot(device)
        device.delete()
        audit_record(
            actor=actor,
            action=AuditAction.SECOND_FACTOR_REMOVED,
            subject_type="user",
            subject_ref=user.get_username(),
            extra={"old": old, "new": {}, **(_client(request) if request else {})},
        )


# --- passwords ------------------------------------------------------------------------------------


def password_change(*, request, new_password: str) -> None:
    """The logged-in user sets a new password (the view checked the current one and the rules).

    Every other session of the user ends (the session generation is part of the session hash);
    this session gets the new hash and stays logged in, second factor included."""
    user = request.user
    with transaction.atomic():
        user.set_password(new_password)
        user.session_generation = F("session_generation") + 1
        user.save(update_fields=["password", "session_generation"])
        user.refresh_from_db(fields=["session_generation"])
        audit_record(
            actor=user,
            action=AuditAction.PASSWORD_CHANGED,
            subject_type="user",
            subject_ref=user.get_username(),
            extra=_client(request),
        )
    update_session_auth_hash(request, user)


# --- sessions ------------------------------------------------------------------------------------

SESSION_LOGIN_AT = "inbeeld_login_at"


def session_started(*, request) -> None:
    """Remember when this login began, for the absolute session lifetime."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_LOGIN_AT] = int(timezone.now().timestamp())


def session_too_old(request) -> bool:
    started = request.session.get(SESSION_LOGIN_AT)
    if not isinstance(started, int):
        return True  # a session from before this rule, or tampered with: log in again
    age = timezone.now().timestamp() - started
    return age > settings.INBEELD_SESSION_MAX_HOURS * 3600


def session_expire(*, request) -> None:
    """End a session that passed its absolute lifetime (audited as such, not as a logout)."""
    user = request.user
    audit_record(
        actor=user,
        action=AuditAction.SESSION_EXPIRED,
        subject_type="user",
        subject_ref=user.get_username(),
        extra={**_client(request), "max_hours": settings.INBEELD_SESSION_MAX_HOURS},
    )
    request.session.flush()
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()


def logout_everywhere(*, request) -> None:
    """End every session of the current user, on every device, including this one."""
    user = request.user
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
        audit_record(
            actor=user,
            action=AuditAction.LOGOUT_EVERYWHERE,
            subject_type="user",
            subject_ref=user.get_username(),
            extra=_client(request),
        )
    logout(request)


def notifications_set(*, actor, enabled: bool) -> None:
    """Turn the user's own notification e-mails on or off (Mijn account). Audited."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        old = user.email_notifications
        if old == enabled:
            return
        user.email_notifications = enabled
        user.save(update_fields=["email_notifications"])
        actor.email_notifications = enabled
        audit_record(
            actor=actor,
            action=AuditAction.NOTIFICATIONS_CHANGED,
            subject_type="user",
            subject_ref=user.get_username(),
            extra={"email_notifications": {"old": old, "new": enabled}},
        )
