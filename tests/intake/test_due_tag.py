"""The deadline cell of a signal ({% signal_due %}, intake_extras) against the included template it
replaced, kept here as the oracle, for every status and on both sides of the deadline."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from inbeeld.intake.models import Signal
from inbeeld.intake.workflow import SignalStatus

AMS = ZoneInfo("Europe/Amsterdam")

# The template of intake/_due.html before the tag (commit 2007052), word for word.
OLD = (
    '{% load i18n %}{% if s.status == "received" %}{% if s.acknowledge_due_at < now %}'
    '<strong class="overdue">{% translate "Te laat:" %}</strong> {% translate "oppakken vóór" %} '
    '{{ s.acknowledge_due_at|date:"j M H:i" }}{% else %}{% translate "oppakken vóór" %} '
    '{{ s.acknowledge_due_at|date:"j M H:i" }}{% endif %}{% elif s.status == "in_triage" %}'
    '{% if s.decision_due_at < now %}<strong class="overdue">{% translate "Te laat:" %}</strong> '
    '{% translate "besluit vóór" %} {{ s.decision_due_at|date:"j M H:i" }}{% else %}'
    '{% translate "besluit vóór" %} {{ s.decision_due_at|date:"j M H:i" }}{% endif %}{% else %}—'
    "{% endif %}"
)
NEW = "{% load intake_extras %}{% signal_due s now %}"

ACK = dt.datetime(2026, 3, 4, 13, 0, tzinfo=dt.UTC)  # 14:00 in Amsterdam (winter time)
DECISION = dt.datetime(2026, 10, 10, 21, 30, tzinfo=dt.UTC)  # 23:30 summer time


def _render(source: str, signal, now) -> str:
    with translation.override("nl"):
        return Template(source).render(Context({"s": signal, "now": now}))


@pytest.mark.parametrize("status", [s.value for s in SignalStatus])
@pytest.mark.parametrize(
    "now",
    [
        ACK - dt.timedelta(minutes=1),
        ACK,
        ACK + dt.timedelta(seconds=1),
        DECISION - dt.timedelta(days=1),
        DECISION + dt.timedelta(days=1),
    ],
)
def test_the_tag_shows_what_the_included_template_showed(status, now):
    signal = Signal(status=status, acknowledge_due_at=ACK, decision_due_at=DECISION)
    assert _render(NEW, signal, now) == _render(OLD, signal, now)


def test_the_cells_in_words():
    waiting = Signal(status="received", acknowledge_due_at=ACK, decision_due_at=DECISION)
    assert _render(NEW, waiting, ACK - dt.timedelta(hours=1)) == "oppakken vóór 4 Mrt 14:00"  # Dutch month names
    assert (
        _render(NEW, waiting, ACK + dt.timedelta(hours=1))
        == '<strong class="overdue">Te laat:</strong> oppakken vóór 4 Mrt 14:00'
    )
    triage = Signal(status="in_triage", acknowledge_due_at=ACK, decision_due_at=DECISION)
    assert _render(NEW, triage, ACK) == "besluit vóór 10 Okt 23:30"
    done = Signal(status="no_action", acknowledge_due_at=ACK, decision_due_at=DECISION)
    assert _render(NEW, done, ACK) == "—"
