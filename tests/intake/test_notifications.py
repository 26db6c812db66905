"""E-mail notifications (issue 14, item 6), delivered by Django's SMTP backend to a real SMTP
server on 127.0.0.1 (aiosmtpd, tests/smtp.py); each test reads the message as it arrived.

A signaller who left an address hears only that there is news, with a link to the page; the
coordinators of a unit hear of new acute signals and (through `inbeeld notify overdue`) of
overdue ones. Mails go out after the commit; a user can turn them off on the account page.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

import inbeeld
from inbeeld.accounts.models import Role
from inbeeld.accounts.services import notifications_set
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.intake import notifications, services
from inbeeld.intake.models import Channel, Signal
from inbeeld.intake.services import Contact
from inbeeld.intake.workflow import SignalStatus
from tests.factories import make_user, unit
from tests.intake.conftest import DESCRIPTION, SUBJECT_NAME, bring_to, convert
from tests.smtp import free_port, smtp_inbox

pytestmark = pytest.mark.django_db

SITE = "https://inbeeld.example.nl"
MESSAGE = "Wij hebben contact gezocht met de zorgcoördinator van uw school."
QUESTION = "Sinds wanneer valt het u op dat de leerling moe is?"


@pytest.fixture
def inbox(settings):
    settings.INBEELD_SITE_URL = SITE
    settings.INBEELD_NOTIFICATIONS = True
    with smtp_inbox(settings) as server:
        yield server


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the callbacks the services schedule with transaction.on_commit, as a commit would."""

    def run(write):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            result = write()
        return result, callbacks

    return run


def _leaks(body: str, signal: Signal, *extra: str) -> list[str]:
    """Signal or case content found in a mail body (must be empty)."""
    secrets = [
        DESCRIPTION,
        SUBJECT_NAME,
        MESSAGE,
        QUESTION,
        signal.get_status_display(),
        signal.police_unit.name,
        *extra,
    ]
    if signal.case_id:
        secrets.append(signal.case.code)
    return [s for s in secrets if s and s in body]


# --- to the signaller ---------------------------------------------------------------------------------


def test_a_status_change_mails_the_account_signaller_that_there_is_news_and_nothing_more(
    inbox, on_commit, submit, signaller, coordinator
):
    signal, _ = submit(actor=signaller, channel=Channel.ACCOUNT)
    bring_to(coordinator, signal, SignalStatus.IN_TRIAGE)  # outside on_commit: not delivered
    on_commit(
        lambda: services.signal_triage(
            actor=coordinator,
            signal=signal,
            to_status=SignalStatus.REFERRED_CARE,
            message=MESSAGE,
        )
    )
    signal.refresh_from_db()
    [received] = inbox.messages
    assert received.recipients == (signaller.email,)
    assert received.subject == "Nieuws over uw signaal bij InBeeld"
    assert f"{SITE}/signalen/mijn/{signal.reference}/" in received.body
    assert "Log in om het te lezen" in received.body
    assert _leaks(received.body, signal) == []
    assert _leaks(received.subject, signal, signal.reference) == []


def test_a_question_mails_the_anonymous_signaller_at_the_address_they_left(
    inbox, on_commit, submit, coordinator
):
    address = "melder@voorbeeld.nl"
    signal, receipt = submit(contact=Contact(email=address, phone="06 1234 5678"))
    on_commit(lambda: services.signal_ask(actor=coordinator, signal=signal, question=QUESTION))
    [received] = inbox.messages
    assert received.recipients == (address,)
    assert f"{SITE}/melden/status/" in received.body
    assert "ontvangstcode" in received.body
    assert _leaks(received.body, signal, receipt, signal.reference, "06 1234 5678") == []


def test_conversion_into_a_case_mails_news_without_the_case(
    inbox, on_commit, submit, signaller, coordinator
):
    signal, _ = submit(actor=signaller, channel=Channel.ACCOUNT)
    bring_to(coordinator, signal, SignalStatus.IN_TRIAGE)
    case, _ = on_commit(lambda: convert(coordinator, signal, message=MESSAGE))
    signal.refresh_from_db()
    [received] = inbox.messages
    assert received.recipients == (signaller.email,)
    assert case.code not in received.body and "IB-" not in received.body
    assert _leaks(received.body, signal) == []


def test_no_mail_without_an_address_or_for_the_signallers_own_answer(
    inbox, on_commit, submit, signaller, coordinator
):
    anonymous, _ = submit()  # no contact details at all
    on_commit(lambda: services.signal_ask(actor=coordinator, signal=anonymous, question=QUESTION))
    own, _ = submit(actor=signaller, channel=Channel.ACCOUNT)
    services.signal_ask(actor=coordinator, signal=own, question=QUESTION)
    on_commit(lambda: services.signal_answer(actor=signaller, signal=own, answer="Twee weken"))
    assert inbox.messages == []


def test_an_opted_out_signaller_gets_no_mail(inbox, on_commit, submit, signaller, coordinator):
    notifications_set(actor=signaller, enabled=False)
    signal, _ = submit(actor=signaller, channel=Channel.ACCOUNT)
    on_commit(lambda: services.signal_ask(actor=coordinator, signal=signal, question=QUESTION))
    assert inbox.messages == []


def test_a_refused_write_sends_nothing(inbox, on_commit, submit, signaller, coordinator):
    signal, _ = submit(actor=signaller, channel=Channel.ACCOUNT)
    bring_to(coordinator, signal, SignalStatus.IN_TRIAGE)

    def refused():
        with pytest.raises(Exception, match="Schrijf een bericht aan de signaalgever"):
            services.signal_triage(
                actor=coordinator, signal=signal, to_status=SignalStatus.ADVICE_GIVEN
            )

    _, callbacks = on_commit(refused)
    assert callbacks == [] and inbox.messages == []


def test_a_write_that_rolls_back_sends_nothing(inbox, on_commit, submit, signaller, coordinator):
    signal, _ = submit(actor=signaller, channel=Channel.ACCOUNT)

    def rolled_back():
        with pytest.raises(RuntimeError), transaction.atomic():
            services.signal_ask(actor=coordinator, signal=signal, question=QUESTION)
            raise RuntimeError("later step failed")

    _, callbacks = on_commit(rolled_back)
    assert callbacks == [] and inbox.messages == []
    signal.refresh_from_db()
    assert signal.question_open is False


def test_a_mail_server_that_is_down_does_not_undo_or_break_the_write(
    settings, on_commit, submit, signaller, coordinator, caplog
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    signal, _ = submit(actor=signaller, channel=Channel.ACCOUNT)
    on_commit(lambda: services.signal_ask(actor=coordinator, signal=signal, question=QUESTION))
    signal.refresh_from_db()
    assert signal.question_open is True
    assert "notification e-mail could not be sent" in caplog.text


# --- to the coordinators ------------------------------------------------------------------------------


@pytest.fixture
def coordinators(db):
    """Two coordinators of Noord-Holland (one opted out), one of Amsterdam, and a police officer
    of Noord-Holland (who does not triage signals)."""
    people = {
        "nh": make_user(Role.SAFETY_COORDINATOR, unit_code="noord-holland"),
        "nh_off": make_user(Role.SAFETY_COORDINATOR, unit_code="noord-holland"),
        "ams": make_user(Role.SAFETY_COORDINATOR, unit_code="amsterdam"),
        "police": make_user(Role.POLICE_OFFICER, unit_code="noord-holland"),
    }
    notifications_set(actor=people["nh_off"], enabled=False)
    return people


def test_a_new_acute_signal_mails_only_the_coordinators_of_its_unit(
    inbox, on_commit, submit, coordinators
):
    (signal, _), _ = on_commit(lambda: submit(urgency="acute"))
    [received] = inbox.messages
    assert received.recipients == (coordinators["nh"].email,)
    assert received.subject == "Nieuw acuut signaal in InBeeld"
    assert f"{SITE}/signalen/{signal.reference}/" in received.body
    assert _leaks(received.body, signal) == []


def test_a_normal_signal_mails_nobody(inbox, on_commit, submit, coordinators):
    on_commit(lambda: submit(urgency="normal"))
    assert inbox.messages == []


def test_an_acute_signal_rerouted_to_another_unit_mails_that_units_coordinators(
    inbox, submit, on_commit, coordinators
):
    signal, _ = submit(urgency="acute")  # outside on_commit: its own mail is not delivered
    on_commit(
        lambda: services.signal_reroute(
            actor=coordinators["nh"],
            signal=signal,
            police_unit=unit("amsterdam"),
            reason="Speelt in Amsterdam",
        )
    )
    [received] = inbox.messages
    assert received.recipients == (coordinators["ams"].email,)


def _overdue_signal(submit, *, ack_hours_ago: float, decision_in_hours: float) -> Signal:
    signal, _ = submit()
    now = timezone.now()
    Signal.objects.filter(pk=signal.pk).update(
        acknowledge_due_at=now - dt.timedelta(hours=ack_hours_ago),
        decision_due_at=now + dt.timedelta(hours=decision_in_hours),
    )
    signal.refresh_from_db()
    return signal


def test_notify_overdue_mails_the_units_coordinators_once_per_missed_target(
    inbox, on_commit, submit, coordinators
):
    first = _overdue_signal(submit, ack_hours_ago=2, decision_in_hours=10)
    _overdue_signal(submit, ack_hours_ago=1, decision_in_hours=10)
    submit()  # not overdue

    on_commit(lambda: call_command("notify", "overdue"))
    [received] = inbox.messages
    assert received.recipients == (coordinators["nh"].email,)
    assert received.subject == "Signalen over de termijn in InBeeld"
    assert "2 signalen van uw eenheid zijn over de termijn" in received.body
    assert f"{SITE}/signalen/te-laat/" in received.body
    assert first.reference not in received.body

    # A timer runs it again: nothing new, nothing sent.
    on_commit(lambda: call_command("notify", "overdue"))
    assert len(inbox.messages) == 1

    # Later the decision target of the first passes too: that is a new missed target.
    later = timezone.now() + dt.timedelta(hours=11)
    on_commit(lambda: notifications.overdue_notify(now=later))
    assert len(inbox.messages) == 2
    assert "2 signalen" in inbox.messages[1].body  # both signals missed their decision target


def test_a_decided_signal_is_never_overdue(inbox, on_commit, submit, coordinators):
    signal = _overdue_signal(submit, ack_hours_ago=2, decision_in_hours=10)
    bring_to(coordinators["nh"], signal, SignalStatus.REFERRED_CARE)
    on_commit(lambda: call_command("notify", "overdue"))
    assert inbox.messages == []


# --- the opt-out on the account page ------------------------------------------------------------------


def test_the_account_page_turns_notifications_off_and_on_audited(login, signaller):
    client = login(signaller)
    page = client.get("/account/")
    assert "E-mail bij nieuws" in page.content.decode()
    assert 'name="email_notifications"' in page.content.decode()

    response = client.post("/account/", {})  # checkbox left empty: off
    assert response.status_code == 302
    signaller.refresh_from_db()
    assert signaller.email_notifications is False
    assert "U krijgt geen e-mails meer" in client.get("/account/").content.decode()

    client.post("/account/", {"email_notifications": "on"})
    signaller.refresh_from_db()
    assert signaller.email_notifications is True
    rows = AuditEvent.objects.filter(action=AuditAction.NOTIFICATIONS_CHANGED).order_by("pk")
    assert [r.extra["email_notifications"] for r in rows] == [
        {"old": True, "new": False},
        {"old": False, "new": True},
    ]


def test_development_prints_mails_on_the_console_and_production_uses_smtp():
    from inbeeld.conf.env import REGISTRY

    assert REGISTRY["INBEELD_EMAIL_BACKEND"].default == (
        "django.core.mail.backends.console.EmailBackend"
    )
    assert "INBEELD_SITE_URL" in REGISTRY and "INBEELD_NOTIFICATIONS" in REGISTRY
    source = (Path(inbeeld.__file__).parent / "conf/settings/production.py").read_text()
    assert '"django.core.mail.backends.smtp.EmailBackend"' in source


def test_mails_use_the_configured_sender(settings, on_commit, submit, signaller, coordinator):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "InBeeld <meldingen@inbeeld.example.nl>"
    signal, _ = submit(actor=signaller, channel=Channel.ACCOUNT)
    on_commit(lambda: services.signal_ask(actor=coordinator, signal=signal, question=QUESTION))
    [message] = mail.outbox
    assert message.from_email == "InBeeld <meldingen@inbeeld.example.nl>"
    assert message.to == [signaller.email]
