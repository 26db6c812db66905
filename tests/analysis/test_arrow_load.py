"""The Arrow read (analysis.arrow_read, ADR 0027): ADBC's own connection gives exactly the tables
the COPY and ORM paths give, sees the asking transaction's snapshot and nothing committed after
it, and steps aside when the asking transaction has written rows it cannot see.

The data must be committed for a second connection to see it, so these tests use
``transactional_db`` (the test database is emptied after each)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone
from polars.testing import assert_frame_equal
from psycopg.conninfo import conninfo_to_dict

from inbeeld.analysis import arrow_read, builders
from inbeeld.analysis.monitor_tables import monitor_tables_for_cases
from inbeeld.analysis.tables import tables_for_cases
from inbeeld.cases import selectors as case_selectors
from inbeeld.cases.models import Case, ChainEvent
from inbeeld.demo.generator import generate
from inbeeld.demo.generator.data import DemoConfig
from inbeeld.jobs.results import _snapshot
from inbeeld.reference.models import ChainEventType
from inbeeld.stats.outcomes import FIRST_DATE_EVENTS
from inbeeld.stats.tables import FORMS

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="ADBC reads PostgreSQL"),
]


@pytest.fixture
def committed_demo(transactional_db):
    generate(DemoConfig(cases=400, seed=21))


@pytest.fixture
def arrow_reads(monkeypatch):
    """How many reads the Arrow path answered (None = stepped aside): a spy, the reads are real."""
    answered = []
    real = arrow_read.arrow_frame

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        answered.append(result is not None)
        return result

    monkeypatch.setattr(arrow_read, "arrow_frame", spy)
    return answered


def three_ways(settings, build):
    settings.INBEELD_TABLE_LOAD_COPY, settings.INBEELD_TABLE_LOAD_ARROW = True, True
    arrow = build()
    settings.INBEELD_TABLE_LOAD_ARROW = False
    copied = build()
    settings.INBEELD_TABLE_LOAD_COPY = False
    orm = build()
    settings.INBEELD_TABLE_LOAD_COPY, settings.INBEELD_TABLE_LOAD_ARROW = True, True
    return arrow, copied, orm


def _same(a, b, *, ordered: bool) -> None:
    assert a.schema == b.schema
    if not ordered:
        a, b = a.sort(a.columns), b.sort(b.columns)
    assert_frame_equal(a, b, check_exact=True)


def test_every_builder_gives_the_same_table_three_ways(committed_demo, settings, arrow_reads):
    cases = case_selectors.cases_in_research_scope()
    builds = {
        "cases": (
            lambda: builders.case_table(
                cases, tuple(c for c in builders.CASE_COLUMNS if c != "case_id")
            ),
            True,
        ),
        "forms": (lambda: builders.form_rows(cases, FORMS), False),
        "first dates": (lambda: builders.first_event_dates(cases, FIRST_DATE_EVENTS), False),
        "first outcomes": (
            lambda: builders.first_event_dates(cases, FIRST_DATE_EVENTS, by_outcome=True),
            False,
        ),
        "events": (lambda: builders.event_rows(cases, FIRST_DATE_EVENTS), True),
        "deliveries": (lambda: builders.delivery_table(cases), False),
    }
    for name, (build, ordered) in builds.items():
        arrow_reads.clear()
        arrow, copied, orm = three_ways(settings, build)
        assert arrow_reads and all(arrow_reads), name  # the Arrow path answered every read
        assert arrow.height > 0, name
        _same(arrow, copied, ordered=ordered)
        _same(arrow, orm, ordered=ordered)


def test_the_evaluation_and_monitor_tables_are_identical_three_ways(committed_demo, settings):
    research = case_selectors.cases_in_research_scope()
    arrow, copied, orm = three_ways(settings, lambda: tables_for_cases(research))
    assert arrow.cutoff == copied.cutoff == orm.cutoff
    for name in ("cases", "events", "deliveries", "deployments"):
        _same(getattr(arrow, name), getattr(copied, name), ordered=False)
        _same(getattr(arrow, name), getattr(orm, name), ordered=False)
    monitor = case_selectors.cases_in_research_scope(monitor=True)
    arrow, copied, orm = three_ways(settings, lambda: monitor_tables_for_cases(monitor))
    for name in ("cases", "events"):
        _same(getattr(arrow, name), getattr(copied, name), ordered=False)
        _same(getattr(arrow, name), getattr(orm, name), ordered=False)


def _record_elsewhere(case_id: int) -> None:
    """A chain event recorded and committed by another connection (another thread)."""

    def record():
        try:
            ChainEvent.objects.create(
                case_id=case_id,
                event_type=ChainEventType.objects.get(code="complaint_filed"),
                event_date=dt.date(2025, 6, 1),
                recorded_at=timezone.now(),
            )
        finally:
            connections.close_all()

    thread = threading.Thread(target=record)
    thread.start()
    thread.join()


def test_the_arrow_read_sees_the_snapshot_of_the_transaction_that_asks(committed_demo, arrow_reads):
    cases = case_selectors.cases_in_research_scope()
    case_id = cases.order_by("pk").values_list("pk", flat=True).first()
    with _snapshot():  # REPEATABLE READ, as the worker computes
        before = builders.event_rows(cases, ("complaint_filed",))
        _record_elsewhere(case_id)
        during = builders.event_rows(cases, ("complaint_filed",))
    after = builders.event_rows(cases, ("complaint_filed",))
    assert arrow_reads == [True, True, True]
    assert_frame_equal(before, during, check_exact=True)  # the commit in between is not seen
    assert after.height == before.height + 1  # a new transaction sees it


def test_after_a_write_the_transaction_reads_its_own_rows_itself(committed_demo, arrow_reads):
    cases = case_selectors.cases_in_research_scope()
    case = Case.objects.get(pk=cases.order_by("pk").values_list("pk", flat=True).first())
    with transaction.atomic():
        before = builders.event_rows(cases, ("complaint_filed",)).height
        ChainEvent.objects.create(
            case=case,
            event_type=ChainEventType.objects.get(code="complaint_filed"),
            event_date=dt.date(2025, 6, 2),
            recorded_at=timezone.now(),
        )
        after = builders.event_rows(cases, ("complaint_filed",)).height
        transaction.set_rollback(True)
    assert after == before + 1  # its own uncommitted row is in the table
    assert arrow_reads == [True, False]  # read through its own connection after the write


def test_inside_a_savepoint_the_transaction_reads_itself(committed_demo, arrow_reads):
    cases = case_selectors.cases_in_research_scope()
    with transaction.atomic(), transaction.atomic():  # the inner one is a savepoint
        table = builders.event_rows(cases, ("complaint_filed",))
    assert table.height > 0
    assert arrow_reads == [False]


def test_the_connection_string_carries_the_database_and_its_password():
    wrapper = connections["default"]
    parsed = conninfo_to_dict(arrow_read.conninfo(wrapper))
    assert parsed["dbname"] == wrapper.settings_dict["NAME"]
    assert parsed.get("password") == (wrapper.settings_dict["PASSWORD"] or None)
    assert parsed.get("host") == (wrapper.settings_dict["HOST"] or None)
    assert not set(parsed) & arrow_read.NOT_LIBPQ


def test_when_the_arrow_read_fails_the_rows_come_through_copy(
    committed_demo, settings, monkeypatch, caplog
):
    """A real failure of the ADBC read (here: a port where no server listens) never stops the
    computation: the same rows come through the transaction's own connection, with a warning."""
    cases = case_selectors.cases_in_research_scope()
    settings.INBEELD_TABLE_LOAD_ARROW = False
    expected = builders.event_rows(cases, FIRST_DATE_EVENTS)
    settings.INBEELD_TABLE_LOAD_ARROW = True
    real = arrow_read.conninfo
    monkeypatch.setattr(arrow_read, "conninfo", lambda c: real(c) + " host=127.0.0.1 port=1")
    with caplog.at_level("WARNING", logger="inbeeld.analysis.arrow_read"), _snapshot():
        table = builders.event_rows(cases, FIRST_DATE_EVENTS)
    assert_frame_equal(table, expected, check_exact=True)
    assert any("Arrow read failed" in r.getMessage() for r in caplog.records)
    assert not any("password" in r.getMessage() for r in caplog.records)
