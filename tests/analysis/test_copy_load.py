"""The ORM → table load through PostgreSQL's COPY (analysis.builders.query_frame, issue 15 item 3)
gives exactly the tables the row-by-row ORM path gives, on the same rows: every builder, the
evaluation's and the monitor's tables, with corrections, withdrawals, empty outcomes, open
deployments and null flags among them. On SQLite there is only the ORM path."""

from __future__ import annotations

import polars as pl
import pytest
from django.db import connection
from django.utils import timezone
from polars.testing import assert_frame_equal

from inbeeld.analysis import builders
from inbeeld.analysis.monitor_tables import monitor_tables_for_cases
from inbeeld.analysis.tables import tables_for_cases
from inbeeld.cases import selectors as case_selectors
from inbeeld.cases.models import EFFECTIVE_EVENT, ChainEvent, WithdrawalReason
from inbeeld.demo.generator import generate
from inbeeld.demo.generator.data import DemoConfig
from inbeeld.pilot.models import Delivery, DeliveryWithdrawal
from inbeeld.stats.monitor import OPTIONAL_FORMS
from inbeeld.stats.outcomes import FIRST_DATE_EVENTS
from inbeeld.stats.tables import FORMS
from tests.factories import withdraw_event_row

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the COPY load exists on PostgreSQL only"
    ),
]


@pytest.fixture
def demo(db):
    generate(DemoConfig(cases=600, seed=15))
    # Withdraw a few events and deliveries too (the demo corrects some events already).
    for event in ChainEvent.objects.filter(EFFECTIVE_EVENT).order_by("pk")[:25:5]:
        withdraw_event_row(event)
    for delivery in Delivery.objects.order_by("pk")[:20:4]:
        DeliveryWithdrawal.objects.create(
            delivery=delivery,
            reason=WithdrawalReason.DUPLICATE,
            withdrawn_by=delivery.recorded_by,
            organisation=delivery.organisation,
            withdrawn_at=timezone.now(),
        )
    assert ChainEvent.objects.filter(supersedes__isnull=False).exists()
    assert ChainEvent.objects.filter(EFFECTIVE_EVENT, outcome="").exists()


def both_ways(settings, build):
    settings.INBEELD_TABLE_LOAD_COPY = True
    copied = build()
    settings.INBEELD_TABLE_LOAD_COPY = False
    orm = build()
    return copied, orm


def test_every_builder_gives_the_same_table_both_ways(demo, settings):
    cases = case_selectors.cases_in_research_scope()
    builds = {
        "cases": lambda: builders.case_table(
            cases, tuple(c for c in builders.CASE_COLUMNS if c != "case_id")
        ),
        "cases unordered": lambda: builders.case_table(cases, ("minor",), ordered=False),
        "forms": lambda: builders.form_rows(cases, FORMS),
        "first dates": lambda: builders.first_event_dates(cases, FIRST_DATE_EVENTS),
        "first outcomes": lambda: builders.first_event_dates(
            cases, FIRST_DATE_EVENTS, by_outcome=True
        ),
        "events": lambda: builders.event_rows(cases, FIRST_DATE_EVENTS),
        "distinct events": lambda: builders.event_rows(cases, FIRST_DATE_EVENTS, distinct=True),
        "deliveries": lambda: builders.delivery_table(cases),
    }
    unordered = {"cases unordered", "forms", "first dates", "first outcomes", "distinct events"}
    unordered |= {"deliveries"}
    for name, build in builds.items():
        copied, orm = both_ways(settings, build)
        assert copied.height > 0, name
        assert copied.schema == orm.schema, name
        if name in unordered:  # no order asked of the database: compare as sets of rows
            copied, orm = copied.sort(copied.columns), orm.sort(orm.columns)
        assert_frame_equal(copied, orm, check_exact=True), name
    # The values that tell the paths apart when parsed wrongly are there.
    outcomes = builders.first_event_dates(cases, FIRST_DATE_EVENTS, by_outcome=True)
    assert (outcomes["outcome"] == "").any() and (outcomes["outcome"] != "").any()
    deliveries = builders.delivery_table(cases)
    assert deliveries["delivered"].any() and not deliveries["delivered"].all()


def test_the_evaluation_and_monitor_tables_are_identical_both_ways(demo, settings):
    research = case_selectors.cases_in_research_scope()
    copied, orm = both_ways(settings, lambda: tables_for_cases(research))
    assert copied.cutoff == orm.cutoff
    for name in ("cases", "events", "deliveries", "deployments"):
        a, b = getattr(copied, name), getattr(orm, name)
        assert a.schema == b.schema
        assert_frame_equal(a.sort(a.columns), b.sort(b.columns), check_exact=True)
    assert_frame_equal(copied.cases, orm.cases)  # in the cases' own order too

    monitor = case_selectors.cases_in_research_scope(monitor=True)
    copied, orm = both_ways(settings, lambda: monitor_tables_for_cases(monitor))
    assert copied.cutoff == orm.cutoff
    for name in ("cases", "events"):
        a, b = getattr(copied, name), getattr(orm, name)
        assert a.schema == b.schema
        assert_frame_equal(a.sort(a.columns), b.sort(b.columns), check_exact=True)
    assert set(OPTIONAL_FORMS) <= {c.removeprefix("form_") for c in copied.cases.columns}
    assert copied.events.filter(pl.col("outcome").is_not_null()).height > 0
