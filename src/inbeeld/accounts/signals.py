"""Audit of logins, failed logins and logouts; the start of a login for the session lifetime."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record


def client_details(request) -> dict:
    """What an audit row of a login keeps of the client: address and (cut) user agent."""
    if request is None:
        return {}
    return {
        "ip": request.META.get("REMOTE_ADDR", ""),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200],
    }


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    from inbeeld.accounts.services import session_started

    session_started(request=request)
    audit_record(
        actor=user,
        action=AuditAction.LOGIN_SUCCEEDED,
        subject_type="user",
        subject_ref=user.get_username(),
        extra=client_details(request),
    )


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    from inbeeld.accounts.services import login_failed_record

    # A typed name that is no account is stored only as its keyed hash (it may be a password).
    login_failed_record(username=str(credentials.get("username", ""))[:150], request=request)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(
            actor=user,
            action=AuditAction.LOGOUT,
            subject_type="user",
            subject_ref=user.get_username(),
            extra=client_details(request),
        )
