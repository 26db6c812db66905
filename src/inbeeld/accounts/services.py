"""Writes about accounts: the second factor, lockout bookkeeping, log out everywhere."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from inbeeld.accounts.models import User
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.audit.services import audit_record


def _client(request) -> dict:
    return {"ip": request.META.get("REMOTE_ADDR", "")}


# --- lockout ------------------------------------------------------------------------------------


def login_locked(*, username: str, ip: str) -> bool:
    """Whether logins for ``username`` (or from ``ip``) are locked now.

    Counted from the audit log's failed logins within the lockout window, so the lock holds across
    processes and restarts and needs no table of its own.
    """
    since = timezone.now() - dt.timedelta(minutes=settings.INBEELD_LOGIN_LOCKOUT_MINUTES)
    failures = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, created_at__gte=since)
    by_user = failures.filter(subject_ref__iexact=username).count() if username else 0
    if by_user >= settings.INBEELD_LOGIN_MAX_FAILURES:
        return True
    by_ip = failures.filter(Q(extra__ip=ip)).count() if ip else 0
    return by_ip >= settings.INBEELD_LOGIN_MAX_FAILURES_PER_IP


def login_blocked_record(*, username: str, request) -> None:
    audit_record(
        actor=None,
        action=AuditAction.LOGIN_BLOCKED,
        subject_type="user",
        subject_ref=username[:150],
        extra=_client(request),
    )


# --- second factor -------------------------------------------------------------------------------


def confirmed_devices(user) -> list[TOTPDevice]:
    return list(TOTPDevice.objects.devices_for_user(user, confirmed=True))


def totp_enrolment_device(user) -> TOTPDevice:
    """The user's unconfirmed TOTP device for enrolment (created once, reused on reload)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator-app", confirmed=False)
    return device


def totp_enrol_confirm(*, request, device: TOTPDevice, token: str) -> bool:
    """Confirm enrolment with a first valid code; logs the session in as verified."""
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
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
        audit_record(
            actor=request.user,
            action=AuditAction.SECOND_FACTOR_ENROLLED,
            subject_type="user",
            subject_ref=request.user.get_username(),
            extra=_client(request),
        )
    otp_login(request, device)
    return True


def totp_verify(*, request, token: str) -> bool:
    """Check a code against the user's confirmed devices (throttled by django-otp)."""
    for device in confirmed_devices(request.user):
        if device.verify_is_allowed()[0] and device.verify_token(token):
            otp_login(request, device)
            audit_record(
                actor=request.user,
                action=AuditAction.SECOND_FACTOR_VERIFIED,
                subject_type="user",
                subject_ref=request.user.get_username(),
                extra=_client(request),
            )
            return True
    audit_record(
        actor=request.user,
        action=AuditAction.SECOND_FACTOR_FAILED,
        subject_type="user",
        subject_ref=request.user.get_username(),
        extra={**_client(request), "stage": "login"},
    )
    return False


# --- sessions ------------------------------------------------------------------------------------


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
