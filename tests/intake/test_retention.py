"""Retention of signals: what identifies or tells a story goes after the period, the row stays."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from inbeeld.audit.models import DeletionLog
from inbeeld.crypto import decrypt_text
from inbeeld.intake import services
from inbeeld.intake.models import Signal, SignalEvent
from inbeeld.intake.workflow import NoActionReason, SignalStatus
from inbeeld.oversight.retention import retention_apply, retention_plan
from tests.intake.conftest import DESCRIPTION, SUBJECT_NAME

pytestmark = pytest.mark.django_db


def _decided(submit, coordinator, *, name=SUBJECT_NAME):
    signal, _ = submit(subject_name=name)
    services.signal_triage(actor=coordinator, signal=signal, to_status=SignalStatus.IN_TRIAGE)
    services.signal_ask(actor=coordinator, signal=signal, question="Wanneer zag u dit?")
    services.signal_answer(actor=None, signal=signal, answer="Vorige week dinsdag.")
    services.signal_triage(
        actor=coordinator,
        signal=signal,
        to_status=SignalStatus.NO_ACTION,
        reason=NoActionReason.ALREADY_KNOWN,
        note="Bekend bij het wijkteam.",
        message="Dank u, dit is al bekend.",
    )
    signal.refresh_from_db()
    return signal


def test_signal_texts_are_blanked_after_the_period_and_the_row_stays(submit, coordinator, settings):
    settings.INBEELD_RETENTION = {**settings.INBEELD_RETENTION, "signals": 2}
    decided = _decided(submit, coordinator)
    still_open, _ = submit(subject_name="Open Signaal")
    today = timezone.localdate()
    assert {o.category: o.count for o in retention_plan(today=today)}["signals"] == 0

    later = (decided.decided_at + dt.timedelta(days=2 * 366 + 1)).date()
    planned = {o.category: o.count for o in retention_plan(today=later)}["signals"]
    # The signal's texts (1 row) and its events with text or a message (question, answer, status).
    assert (
        planned
        == 1
        + SignalEvent.objects.filter(signal=decided)
        .exclude(text_ciphertext="", message_ciphertext="")
        .count()
    )
    outcomes = {o.category: o.count for o in retention_apply(today=later)}
    assert outcomes["signals"] == planned

    decided.refresh_from_db()
    assert decided.status == SignalStatus.NO_ACTION and decided.indicators.count() == 1
    assert (decided.subject_name_ciphertext, decided.description_ciphertext) == ("", "")
    assert (
        not SignalEvent.objects.filter(signal=decided)
        .exclude(text_ciphertext="", message_ciphertext="")
        .exists()
    )
    # An open signal keeps everything, whatever its age.
    still_open.refresh_from_db()
    assert decrypt_text(still_open.subject_name_ciphertext) == "Open Signaal"
    assert decrypt_text(still_open.description_ciphertext) == DESCRIPTION
    assert DeletionLog.objects.filter(category="signals", count=planned).exists()
    # Nothing of the removed text is left anywhere in the signal tables.
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Signal._meta.db_table)
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [decided.pk])  # noqa: S608
        assert all(value in ("", None) or "Jamila" not in str(value) for value in cursor.fetchone())


def test_the_reporters_recovery_answer_goes_with_the_texts(submit, coordinator, settings):
    """The answer a reporter chose to unlock their receipt code (a slow keyed hash) is blanked
    with the signal's texts once the retention period has passed."""
    settings.INBEELD_RETENTION = {**settings.INBEELD_RETENTION, "signals": 2}
    signal, _ = submit(recovery_question="street", recovery_answer="Dorpsstraat")
    services.signal_triage(actor=coordinator, signal=signal, to_status=SignalStatus.IN_TRIAGE)
    services.signal_triage(
        actor=coordinator,
        signal=signal,
        to_status=SignalStatus.NO_ACTION,
        reason=NoActionReason.ALREADY_KNOWN,
        note="Bekend.",
        message="Dit is al bekend bij de hulpverlening.",
    )
    signal.refresh_from_db()
    assert signal.recovery_answer_hash and signal.recovery_question == "street"

    retention_apply(today=(signal.decided_at + dt.timedelta(days=2 * 366 + 1)).date())

    signal.refresh_from_db()
    assert (signal.recovery_question, signal.recovery_answer_hash) == ("", "")
