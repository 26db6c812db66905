"""A large demo load drops the indexes of the tables it fills and builds them again
(generator/bulk.py: drop_indexes_for_load; on PostgreSQL also the foreign keys): afterwards the
schema is exactly the migrations' one, and a load that fails half-way leaves it (and the data)
as it was. On SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import connection

from inbeeld.cases.models import Case, ChainEvent
from inbeeld.demo.generator import DemoConfig, build_demo_data, bulk, write_demo_data, writer
from inbeeld.demo.generator.safety import generate_demo_safety
from inbeeld.demo.generator.suspects import generate_demo_suspects
from inbeeld.suspects.models import ProceedingEntry, SafetyFact

pytestmark = pytest.mark.django_db

LOADED_TABLES = (
    "cases_case",
    "cases_chainevent",
    "cases_case_exploitation_forms",
    "suspects_proceedingentry",
    "suspects_safetyfact",
    "suspects_modusoperandirecord",
)


def _schema() -> list[tuple]:
    """(type, name, table, definition) of every index and constraint."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, tbl_name, name"
            )
            return cursor.fetchall()
        cursor.execute(
            "SELECT 'index', indexname, tablename, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() "
            "UNION ALL SELECT 'constraint', conname, conrelid::regclass::text, "
            "pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 3, 2"
        )
        return cursor.fetchall()


@pytest.fixture
def rebuild_every_table(monkeypatch):
    """Take the rebuild path (and on PostgreSQL the foreign-key re-check) for every table,
    however few rows a test loads."""
    monkeypatch.setattr(bulk, "REINDEX_ROWS", 1)
    monkeypatch.setattr(bulk, "RECHECK_ROWS", 1)
    monkeypatch.setattr(writer, "PG_FK_RECHECK_ROWS", 1)


def test_after_a_rebuilding_load_the_schema_is_the_migrations_one(rebuild_every_table):
    migrated = _schema()
    indexed = [row for row in migrated if row[0] == "index" and row[2] in LOADED_TABLES]
    if connection.vendor == "sqlite":
        assert any("UNIQUE" in (row[3] or "") for row in indexed)  # a unique one is rebuilt too
    data = build_demo_data(DemoConfig(cases=600, seed=11))
    summary = write_demo_data(data)
    suspects, _ = generate_demo_suspects(data)
    records, facts, _ = generate_demo_safety(data)
    assert "indexes" in summary.seconds  # the cases' and events' indexes were rebuilt
    assert Case.objects.count() == 600 and ChainEvent.objects.count() == data.event_count
    assert suspects and records and facts and ProceedingEntry.objects.exists()
    assert _schema() == migrated
    # The rebuilt indexes hold every row (a query the planner answers from an index).
    first = Case.objects.order_by("id").first()
    assert ChainEvent.objects.filter(case=first).count() == data.case_event_counts[0]
    assert SafetyFact.objects.filter(case__in=Case.objects.all()).count() == facts


def test_a_load_that_fails_after_dropping_the_indexes_changes_nothing(rebuild_every_table):
    migrated = _schema()
    data = build_demo_data(DemoConfig(cases=300, seed=12))
    vocabulary = data.vocabulary
    unknown_unit = dataclasses.replace(vocabulary, units=(*vocabulary.units[:-1], "no-such-unit"))
    with pytest.raises(ValueError, match="no-such-unit"):
        write_demo_data(dataclasses.replace(data, vocabulary=unknown_unit))
    assert _schema() == migrated
    assert not Case.objects.exists() and not ChainEvent.objects.exists()
