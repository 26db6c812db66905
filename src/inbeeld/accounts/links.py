"""One-time account links, made by an administrator and e-mailed to the user's own address.

* a password-reset link: the user sets a new password; the administrator never knows or sets it;
* an enrolment link: the user enrols an authenticator app after a device was removed, or for a new
  account. Without one the password alone never enrols a second factor.

The URL carries 256 random bits; only their SHA-256 is stored and neither the token nor the URL
ever reaches the audit log. A link works once and until it expires (INBEELD_ACCOUNT_LINK_HOURS);
a newer link of the same kind voids the older ones, and a password-reset link dies as soon as the
password changes by any path (a fingerprint of the password hash is compared).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inbeeld.accounts.models import AccountLink, AuthenticatorDevice, User
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record

Purpose = AccountLink.Purpose


class LinkNotSent(Exception):
    """The link was not made or not sent; the message is Dutch and meant for the administrator."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def password_fingerprint(user: User) -> str:
    return salted_hmac("inbeeld.accounts.links.password", user.password).hexdigest()


def _mask(address: str) -> str:
    """For the audit log: enough to recognise the address, not to read it."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


def _link_create(*, actor, user: User, purpose: str) -> tuple[AccountLink, str]:
    from inbeeld import policy

    if actor is None or not policy.may_administer(actor):
        raise PermissionDenied
    if not user.is_active:
        raise LinkNotSent(_("Dit account is niet actief; er is geen link verstuurd."))
    if not user.email:
        raise LinkNotSent(
            _("Dit account heeft geen e-mailadres; vul het eerst in. Er is geen link verstuurd.")
        )
    if (
        purpose == Purpose.ENROLMENT
        and AuthenticatorDevice.objects.filter(user=user, confirmed=True).exists()
    ):
        raise LinkNotSent(
            _(
                "Dit account heeft al een tweede factor. Verwijder eerst de oude "
                "authenticator-app (bijvoorbeeld bij een verloren telefoon)."
            )
        )
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    # Only the newest link of a kind works.
    AccountLink.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(used_at=now)
    link = AccountLink(
        user=user,
        purpose=purpose,
        token_hash=token_hash(token),
        password_fingerprint=password_fingerprint(user)
        if purpose == Purpose.PASSWORD_RESET
        else "",
        created_by=actor,
        expires_at=now + dt.timedelta(hours=settings.INBEELD_ACCOUNT_LINK_HOURS),
    )
    link.full_clean(exclude=["created_by"])
    link.save()
    return link, token


def link_create_for_bootstrap(*, user: User, purpose: str) -> tuple[AccountLink, str]:
    """A link for the first administrator, made by themselves (accounts.bootstrap checks that no
    other administrator exists and audits it); the token is shown once on the console."""
    return _link_create(actor=user, user=user, purpose=purpose)


_MAIL = {
    Purpose.PASSWORD_RESET: (
        "accounts:password_reset",
        gettext_lazy("InBeeld: stel een nieuw wachtwoord in"),
        gettext_lazy(
            "Beste {name},\n\n"
            "De beheerder van InBeeld heeft een link voor u gemaakt om een nieuw wachtwoord in te "
            "stellen. De link werkt één keer en tot {expires}:\n\n{url}\n\n"
            "Heeft u hier niet om gevraagd? Gebruik de link dan niet en meld het bij de functionaris "
            "gegevensbescherming van uw organisatie.\n\nInBeeld"
        ),
    ),
    Purpose.ENROLMENT: (
        "accounts:second_factor_enrol",
        gettext_lazy("InBeeld: stel uw tweede factor in"),
        gettext_lazy(
            "Beste {name},\n\n"
            "De beheerder van InBeeld heeft een link voor u gemaakt om uw authenticator-app "
            "(tweede factor) in te stellen. Log in met uw gebruikersnaam en wachtwoord en open dan "
            "deze link. De link werkt één keer en tot {expires}:\n\n{url}\n\n"
            "Heeft u hier niet om gevraagd? Gebruik de link dan niet en meld het bij de functionaris "
            "gegevensbescherming van uw organisatie.\n\nInBeeld"
        ),
    ),
}


def _link_send(*, actor, user: User, request, purpose: str, action: str) -> AccountLink:
    view_name, subject, body = _MAIL[purpose]
    with transaction.atomic():
        link, token = _link_create(actor=actor, user=user, purpose=purpose)
        audit_record(
            actor=actor,
            action=action,
            subject_type="user",
            subject_ref=user.get_username(),
            extra={
                "link": link.pk,
                "expires_at": link.expires_at.isoformat(),
                "sent_to": _mask(user.email),
                "ip": request.META.get("REMOTE_ADDR", "") if request is not None else "",
            },
        )
    path = reverse(view_name, args=[token])
    url = request.build_absolute_uri(path) if request is not None else path
    expires = timezone.localtime(link.expires_at).strftime("%d-%m-%Y %H:%M")
    try:
        send_mail(
            str(subject),
            str(body).format(
                name=user.get_full_name() or user.get_username(), url=url, expires=expires
            ),
            None,  # DEFAULT_FROM_EMAIL
            [user.email],
        )
    except OSError as exc:
        # The link exists but nobody has it: void it so no copy can surface later.
        AccountLink.objects.filter(pk=link.pk).update(used_at=timezone.now())
        raise LinkNotSent(
            _("De e-mail kon niet worden verstuurd; er is geen werkende link. Probeer het later.")
        ) from exc
    return link


def password_reset_link_send(*, actor, user: User, request) -> AccountLink:
    """Make a one-time password-reset link for ``user`` and e-mail it to the user's own address.
    Audited as PASSWORD_RESET_LINK_CREATED (actor: the administrator); raises LinkNotSent with a
    Dutch message when no link can be sent, PermissionDenied for a non-administrator."""
    return _link_send(
        actor=actor,
        user=user,
        request=request,
        purpose=Purpose.PASSWORD_RESET,
        action=AuditAction.PASSWORD_RESET_LINK_CREATED,
    )


def enrolment_link_send(*, actor, user: User, request) -> AccountLink:
    """Make a one-time second-factor enrolment link for ``user`` (who has no confirmed device) and
    e-mail it to the user's own address. Audited as ENROLMENT_LINK_CREATED."""
    return _link_send(
        actor=actor,
        user=user,
        request=request,
        purpose=Purpose.ENROLMENT,
        action=AuditAction.ENROLMENT_LINK_CREATED,
    )


def link_get(*, token: str, purpose: str, user: User | None = None) -> AccountLink | None:
    """The usable link for ``token``, or None (unknown, used, expired, another user's, or - for
    a password reset - made before the password last changed)."""
    if not token or len(token) > 100:
        return None
    link = (
        AccountLink.objects.select_related("user")
        .filter(
            token_hash=token_hash(token),
            purpose=purpose,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
    if link is None or not link.user.is_active:
        return None
    if user is not None and link.user_id != user.pk:
        return None
    if purpose == Purpose.PASSWORD_RESET and link.password_fingerprint != password_fingerprint(
        link.user
    ):
        return None
    return link


def password_reset_complete(*, link: AccountLink, new_password: str, request) -> bool:
    """Set the new password through a reset link (used up here). Every session of the user ends:
    the password and the session generation are both part of the session hash."""
    user = link.user
    validate_password(new_password, user)
    with transaction.atomic():
        used = AccountLink.objects.filter(
            pk=link.pk, used_at__isnull=True, expires_at__gt=timezone.now()
        ).update(used_at=timezone.now())
        if not used:
            return False
        user.set_password(new_password)
        user.session_generation = F("session_generation") + 1
        user.save(update_fields=["password", "session_generation"])
        audit_record(
            actor=user,
            action=AuditAction.PASSWORD_RESET,
            subject_type="user",
            subject_ref=user.get_username(),
            extra={"link": link.pk, "ip": request.META.get("REMOTE_ADDR", "")},
        )
    return True


def enrolment_link_open(*, user, pk) -> bool:
    """Whether the enrolment link ``pk`` (kept in the session when the link was opened) still
    belongs to ``user`` and is unused and unexpired."""
    if not isinstance(pk, int):
        return False
    return AccountLink.objects.filter(
        pk=pk,
        user=user,
        purpose=Purpose.ENROLMENT,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).exists()
