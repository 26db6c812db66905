"""The builders' event tables (analysis.builders.first_event_dates, event_rows) read the events
and the ids of the superseded and withdrawn events in one statement and drop the latter
themselves (issue 15 item 3). Checked here against the one definition of an effective event
(cases.models.EFFECTIVE_EVENT) applied by the ORM, row by row, on both databases and on
PostgreSQL through COPY as well as the ORM: corrections, withdrawals, a withdrawn correction, a
corrected event in a case outside the scope, a cut-off date and an empty scope."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.db import connection
from django.utils import timezone
from polars.testing import assert_frame_equal

from inbeeld.accounts.models import Role
from inbeeld.analysis import builders
from inbeeld.cases import selectors as case_selectors
from inbeeld.cases.models import (
    EFFECTIVE_EVENT,
    Case,
    ChainEvent,
)
from inbeeld.cases.services import event_correct
from inbeeld.demo.generator import generate
from inbeeld.demo.generator.data import DemoConfig
from inbeeld.stats.outcomes import FIRST_DATE_EVENTS
from tests.factories import make_user, withdraw_event_row

pytestmark = pytest.mark.django_db

UNTIL = dt.date(2023, 6, 30)


@pytest.fixture
def demo(db):
    generate(DemoConfig(cases=300, seed=23))
    wanted = ChainEvent.objects.filter(EFFECTIVE_EVENT, event_type__code__in=FIRST_DATE_EVENTS)
    for event in wanted.order_by("pk")[:60:6]:
        withdraw_event_row(event)
    police_events = wanted.filter(event_type__code__in=["first_police_contact", "complaint_filed"])
    for event in police_events.order_by("-pk")[:40:8]:  # corrected to a later date
        event_correct(
            actor=make_user(Role.POLICE_OFFICER, unit_code=event.case.police_unit.code),
            event=event,
            event_type=event.event_type,
            event_date=min(event.event_date + dt.timedelta(days=9), timezone.localdate()),
            outcome=event.outcome,
        )
    # a correction withdrawn in its turn: neither it nor the event it corrected counts
    correction = ChainEvent.objects.filter(supersedes__isnull=False).order_by("pk").first()
    withdraw_event_row(correction)
    # a corrected event of a case without research consent: outside the scope either way
    Case.objects.filter(pk=correction.case_id).update(research_consent=False)
    assert ChainEvent.objects.filter(supersedes__isnull=False).count() >= 5


def _oracle(cases, *, until=None) -> pl.DataFrame:
    events = ChainEvent.objects.filter(
        EFFECTIVE_EVENT, case__in=cases, event_type__code__in=list(FIRST_DATE_EVENTS)
    )
    if until is not None:
        events = events.filter(event_date__lte=until)
    rows = events.order_by("case_id", "event_date", "pk").values_list(
        "case_id", "event_type__code", "event_date", "outcome"
    )
    return pl.DataFrame(
        list(rows),
        schema={"case_id": pl.Int64, "event": pl.String, "date": pl.Date, "outcome": pl.String},
        orient="row",
    )


def _first(rows: pl.DataFrame, by_outcome: bool) -> pl.DataFrame:
    keys = ["case_id", "event", *(["outcome"] if by_outcome else [])]
    return rows.group_by(keys).agg(pl.col("date").min()).select(*keys[:2], "date", *keys[2:])


def _ways():
    yield "orm", False
    if connection.vendor == "postgresql":
        yield "copy", True


@pytest.mark.parametrize("until", [None, UNTIL])
def test_the_event_tables_hold_exactly_the_effective_events(demo, settings, until):
    cases = case_selectors.cases_in_research_scope()
    expected = _oracle(cases, until=until)
    # the fixture's corrections and withdrawals fall in this scope and period
    every = ChainEvent.objects.filter(case__in=cases, event_type__code__in=FIRST_DATE_EVENTS)
    if until is not None:
        every = every.filter(event_date__lte=until)
    assert every.count() > expected.height > 0
    for way, copy in _ways():  # (way: in the failure's local variables)
        settings.INBEELD_TABLE_LOAD_COPY = copy
        rows = builders.event_rows(cases, FIRST_DATE_EVENTS, until=until)
        assert_frame_equal(rows, expected, check_exact=True)
        distinct = builders.event_rows(cases, FIRST_DATE_EVENTS, until=until, distinct=True)
        assert_frame_equal(
            distinct.sort(distinct.columns), expected.unique().sort(expected.columns)
        )
        for by_outcome in (False, True):
            first = builders.first_event_dates(
                cases, FIRST_DATE_EVENTS, until=until, by_outcome=by_outcome
            )
            oracle = _first(expected, by_outcome)
            assert first.columns == oracle.columns, way
            assert_frame_equal(first.sort(first.columns), oracle.sort(oracle.columns))


def test_an_empty_scope_gives_empty_tables(demo, settings):
    for _way, copy in _ways():
        settings.INBEELD_TABLE_LOAD_COPY = copy
        none = Case.objects.none()
        assert builders.event_rows(none, FIRST_DATE_EVENTS).height == 0
        assert builders.first_event_dates(none, FIRST_DATE_EVENTS).height == 0
        unconsented = Case.objects.filter(research_consent=False)
        assert_frame_equal(
            builders.event_rows(unconsented, FIRST_DATE_EVENTS), _oracle(unconsented)
        )
