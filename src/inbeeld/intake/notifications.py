"""E-mail notifications about signals, through Django's mail framework (EMAIL_BACKEND: the console
in development, SMTP in production; docs/configuration.md).

- A signaller who left an address hears that there is news (a new status, a message, a question)
  with a link to the page where they can read it; an account holder at their account's address
  (unless they turned notifications off on *Mijn account*), someone without an account at the
  address they gave in the form, with a link to the status page (they need their receipt code).
- The safety coordinators of a unit hear of a new acute signal (also one rerouted to them) and,
  through `inbeeld notify overdue` run by a timer, of signals past a time target: each signal once
  per missed target.

A mail never holds signal or case content: no status, no message, no indicators, no name, no
case code; only that there is news and the link. The services schedule mails with
``transaction.on_commit`` (nothing is sent for a write that rolls back) and a mail that cannot be
sent is logged, never raised: the write it reports on has already happened.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.crypto import decrypt_text
from inbeeld.intake.models import Channel, Signal, Urgency
from inbeeld.intake.workflow import OPEN_STATUSES, SignalStatus

logger = logging.getLogger("inbeeld.notifications")


def _url(path: str) -> str:
    return f"{settings.INBEELD_SITE_URL}{path}"


def _send(messages: list[EmailMessage]) -> int:
    """Send each message on one connection; a failure is logged, not raised (see module doc)."""
    if not messages or not settings.INBEELD_NOTIFICATIONS:
        return 0
    try:
        with get_connection() as connection:
            return connection.send_messages(messages) or 0
    except Exception:  # any SMTP or network failure: the write is done, the mail is best effort
        logger.exception("notification e-mail could not be sent (%d messages)", len(messages))
        return 0


def _message(subject: str, body: str, to: str) -> EmailMessage:
    signature = _(
        "Dit bericht is automatisch verstuurd door InBeeld. U kunt er niet op antwoorden."
    )
    return EmailMessage(
        subject=subject,
        body=f"{body}\n\n{signature}\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )


def on_commit(func: Callable[..., object], *args) -> None:
    """Run ``func(*args)`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: func(*args))


# --- to the signaller -----------------------------------------------------------------------------


def _signaller_address(signal: Signal) -> tuple[str, str]:
    """(address, link) for news on ``signal``, or ("", "") when nobody can be told."""
    if signal.channel == Channel.ACCOUNT:
        user = signal.submitted_by
        if user is None or not user.is_active or not user.email or not user.email_notifications:
            return "", ""
        return user.email, _url(reverse("intake:own_detail", args=[signal.reference]))
    contact = decrypt_text(signal.contact_ciphertext)
    address = (json.loads(contact).get("email") or "").strip() if contact else ""
    if not address or not signal.receipt_hash:
        return "", ""
    return address, _url(reverse("public_intake:status"))


def signaller_news(signal_id: int) -> int:
    """Tell the signaller of ``signal_id`` that there is news (see the module doc for who)."""
    signal = Signal.objects.select_related("submitted_by").filter(pk=signal_id).first()
    if signal is None:
        return 0
    address, link = _signaller_address(signal)
    if not address:
        return 0
    if signal.channel == Channel.ACCOUNT:
        body = _(
            "Er is nieuws over een signaal dat u bij InBeeld heeft gemeld. Log in om het te "
            "lezen:\n\n%(link)s"
        ) % {"link": link}
    else:
        body = _(
            "Er is nieuws over een signaal dat u bij InBeeld heeft gemeld. U leest het met de "
            "ontvangstcode die u na het melden kreeg, op:\n\n%(link)s\n\nUw code staat niet in "
            "deze e-mail. Kwijt? Doe dan bij nieuwe informatie een nieuw signaal."
        ) % {"link": link}
    return _send([_message(_("Nieuws over uw signaal bij InBeeld"), body, address)])


# --- to the safety coordinators ---------------------------------------------------------------------


def _triage_roles() -> list[str]:
    """The roles that triage the signals of their own police unit (from the policy)."""
    return [
        role
        for role, actions in policy.ROLE_ACTIONS.items()
        if policy.Action.SIGNAL_TRIAGE in actions
        and policy.ROLE_SCOPE.get(role) == policy.Scope.POLICE_UNIT
    ]


def coordinator_addresses(police_unit_id: int) -> list[str]:
    """The addresses of the active safety coordinators of a unit who want notifications."""
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            email_notifications=True,
            memberships__is_active=True,
            memberships__organisation__is_active=True,
            memberships__role__in=_triage_roles(),
            memberships__police_unit_id=police_unit_id,
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    return [user.email for user in users]


def acute_signal(signal_id: int) -> int:
    """Tell the coordinators of the signal's (current) unit that an acute signal came in."""
    signal = Signal.objects.filter(pk=signal_id, urgency=Urgency.ACUTE).first()
    if signal is None or signal.status not in OPEN_STATUSES:
        return 0
    link = _url(reverse("intake:detail", args=[signal.reference]))
    body = _(
        "Er is een signaal met acuut gevaar binnengekomen voor uw eenheid. Bekijk het direct in "
        "InBeeld:\n\n%(link)s"
    ) % {"link": link}
    subject = _("Nieuw acuut signaal in InBeeld")
    return _send(
        [_message(subject, body, to) for to in coordinator_addresses(signal.police_unit_id)]
    )


def _newly_overdue(signal: Signal, now) -> bool:
    """Past a time target it was not yet mailed about (each missed target is mailed once)."""
    due = None
    if signal.status in OPEN_STATUSES and signal.decision_due_at < now:
        due = signal.decision_due_at
    elif signal.status == SignalStatus.RECEIVED and signal.acknowledge_due_at < now:
        due = signal.acknowledge_due_at
    if due is None:
        return False
    return signal.overdue_notified_at is None or signal.overdue_notified_at < due


def overdue_notify(*, now=None) -> dict[int, int]:
    """Mark the signals newly past a time target and, after commit, mail the coordinators of each
    unit how many there are (with a link to *Te laat*). Returns {police unit id: signals}."""
    from inbeeld.intake.selectors import overdue_q  # selectors import the services, which import us

    now = now or timezone.now()
    per_unit: dict[int, int] = defaultdict(int)
    with transaction.atomic():
        candidates = (
            Signal.objects.select_for_update()
            .filter(overdue_q(now))
            .only(
                "pk",
                "status",
                "police_unit_id",
                "acknowledge_due_at",
                "decision_due_at",
                "overdue_notified_at",
            )
        )
        marked = []
        for signal in candidates:
            if _newly_overdue(signal, now):
                per_unit[signal.police_unit_id] += 1
                marked.append(signal.pk)
        Signal.objects.filter(pk__in=marked).update(overdue_notified_at=now)
        for unit_id, count in per_unit.items():
            on_commit(_overdue_mail, unit_id, count)
    return dict(per_unit)


def _overdue_mail(police_unit_id: int, count: int) -> int:
    link = _url(reverse("intake:overdue"))
    if count == 1:
        body = _(
            "Eén signaal van uw eenheid is over de termijn. Bekijk het in InBeeld:\n\n%(link)s"
        )
    else:
        body = _(
            "%(count)d signalen van uw eenheid zijn over de termijn. Bekijk ze in InBeeld:"
            "\n\n%(link)s"
        )
    body = body % {"count": count, "link": link}
    subject = _("Signalen over de termijn in InBeeld")
    return _send([_message(subject, body, to) for to in coordinator_addresses(police_unit_id)])
