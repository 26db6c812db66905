"""Reads of the feedback loop between coordinator and signaller: the open question as the
signaller sees it, and what is new for a signaller (the start page and *Mijn signalen*)."""

from __future__ import annotations

from django.db.models import F, Q

from inbeeld.crypto import decrypt_text
from inbeeld.intake.models import Signal, SignalEvent
from inbeeld.intake.selectors import own_signals_for

NEWS_LIMIT = 10


def open_question(signal: Signal) -> str:
    """The coordinator's open question to the signaller (decrypted), or "" when none is open."""
    if not signal.question_open:
        return ""
    event = (
        SignalEvent.objects.filter(signal=signal, kind=SignalEvent.Kind.QUESTION)
        .order_by("-created_at", "-id")
        .first()
    )
    return decrypt_text(event.message_ciphertext) if event else ""


def latest_answer(signal: Signal) -> str:
    """The signaller's latest answer (decrypted) while it waits for a coordinator, else ""."""
    if not signal.answer_pending:
        return ""
    event = (
        SignalEvent.objects.filter(signal=signal, kind=SignalEvent.Kind.ANSWER)
        .order_by("-created_at", "-id")
        .first()
    )
    return decrypt_text(event.message_ciphertext) if event else ""


def news_q() -> Q:
    """Signals with something the signaller has not opened yet, or a question waiting for them."""
    unseen = Q(signaller_news_at__isnull=False) & (
        Q(signaller_seen_at__isnull=True) | Q(signaller_news_at__gt=F("signaller_seen_at"))
    )
    return unseen | Q(question_open=True)


def signaller_news_for(user, *, limit: int = NEWS_LIMIT) -> tuple[list[Signal], int]:
    """The user's own signals with news (newest first, at most ``limit``) and how many in all."""
    signals = (
        own_signals_for(user)
        .filter(news_q())
        .order_by(F("signaller_news_at").desc(nulls_last=True), "-received_at")
    )
    return list(signals[:limit]), signals.count()
