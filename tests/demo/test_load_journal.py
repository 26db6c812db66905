"""A large demo load on SQLite writes its pages once: it leaves the write-ahead log for the
rollback journal while it runs (when it has the file to itself) and comes back after
(generator/bulk.py: sqlite_load_pragmas; ADR 0026)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper

from inbeeld.demo.generator import bulk

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the journal mode is SQLite's"
)


@pytest.fixture
def file_connection(tmp_path, django_db_blocker):
    """A Django connection, with the project's SQLite options, to a database file of its own
    (not the test database: pytest-django's guard is lifted for this connection's tests only)."""
    settings = {**connection.settings_dict, "NAME": str(tmp_path / "load.sqlite3")}
    wrapper = DatabaseWrapper(settings, alias="load-journal-test")
    with django_db_blocker.unblock():
        wrapper.ensure_connection()
        with wrapper.cursor() as cursor:
            cursor.execute("CREATE TABLE row (id integer PRIMARY KEY, value text)")
        yield wrapper
        wrapper.close()


def _pragma(wrapper, name: str):
    with wrapper.cursor() as cursor:
        return cursor.execute(f"PRAGMA {name}").fetchone()[0]


def _insert(wrapper, n: int) -> None:
    with wrapper.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.executemany("INSERT INTO row (value) VALUES (%s)", [(f"r{i}",) for i in range(n)])
        cursor.execute("COMMIT")


def test_a_large_load_uses_the_rollback_journal_and_returns_to_the_log(file_connection):
    assert _pragma(file_connection, "journal_mode") == "wal"
    cache = _pragma(file_connection, "cache_size")
    synchronous = _pragma(file_connection, "synchronous")
    assert synchronous == 1  # NORMAL: the project's setting, safe in WAL mode only
    before = bulk.sqlite_load_pragmas(file_connection, bulk.REINDEX_ROWS)
    assert _pragma(file_connection, "journal_mode") == "delete"
    assert _pragma(file_connection, "synchronous") == 2  # FULL while in rollback mode
    assert _pragma(file_connection, "cache_size") == -bulk.SQLITE_CACHE_KIB
    _insert(file_connection, 5_000)
    bulk.restore_pragmas(file_connection, before)
    assert _pragma(file_connection, "journal_mode") == "wal"
    assert _pragma(file_connection, "cache_size") == cache
    assert _pragma(file_connection, "synchronous") == synchronous
    # The rows are in the file: another process's connection reads them.
    other = sqlite3.connect(file_connection.settings_dict["NAME"])
    try:
        assert other.execute("SELECT count(*) FROM row").fetchone()[0] == 5_000
    finally:
        other.close()


def test_a_small_load_stays_in_the_log(file_connection):
    before = bulk.sqlite_load_pragmas(file_connection, bulk.REINDEX_ROWS - 1)
    assert _pragma(file_connection, "journal_mode") == "wal"
    _insert(file_connection, 10)
    bulk.restore_pragmas(file_connection, before)
    assert _pragma(file_connection, "journal_mode") == "wal"


def test_with_another_connection_open_the_load_stays_in_the_log(file_connection):
    """A reader that has the file open (a running server, say) keeps reading: SQLite refuses to
    leave WAL mode, the load goes on in it, and the reader sees the rows after the commit."""
    reader = sqlite3.connect(file_connection.settings_dict["NAME"])
    try:
        assert reader.execute("SELECT count(*) FROM row").fetchone()[0] == 0
        before = bulk.sqlite_load_pragmas(file_connection, bulk.REINDEX_ROWS)
        assert _pragma(file_connection, "journal_mode") == "wal"
        _insert(file_connection, 1_000)
        assert reader.execute("SELECT count(*) FROM row").fetchone()[0] == 1_000
        bulk.restore_pragmas(file_connection, before)
        assert _pragma(file_connection, "journal_mode") == "wal"
    finally:
        reader.close()


def test_inside_an_open_transaction_nothing_is_changed(file_connection):
    with _atomic(file_connection):
        assert bulk.sqlite_load_pragmas(file_connection, bulk.REINDEX_ROWS) == {}
        assert _pragma(file_connection, "journal_mode") == "wal"


class _atomic:
    """``transaction.atomic`` for a connection that is not in ``connections``."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def __enter__(self):
        self.wrapper.set_autocommit(False)
        self.wrapper.in_atomic_block = True

    def __exit__(self, *exc):
        self.wrapper.in_atomic_block = False
        self.wrapper.rollback()
        self.wrapper.set_autocommit(True)


@pytest.mark.django_db
def test_the_loaders_ask_for_the_rollback_journal_with_their_row_counts(monkeypatch):
    """Each demo loader passes the rows it writes, so a large load takes the rollback-journal
    path (a spy on the real function; inside the test's transaction it changes nothing)."""
    from inbeeld.demo.generator import DemoConfig, build_demo_data, writer
    from inbeeld.demo.generator.safety import generate_demo_safety
    from inbeeld.demo.generator.suspects import generate_demo_suspects

    asked = []
    real = bulk.sqlite_load_pragmas

    def spy(wrapper, rows=0):
        asked.append(rows)
        return real(wrapper, rows)

    monkeypatch.setattr(bulk, "sqlite_load_pragmas", spy)
    monkeypatch.setattr(writer, "sqlite_load_pragmas", spy)
    data = build_demo_data(DemoConfig(cases=20_000, seed=5))
    writer.write_demo_data(data)
    suspects, _ = generate_demo_suspects(data)
    records, facts, _ = generate_demo_safety(data)
    assert asked[0] == data.case_count + data.event_count >= bulk.REINDEX_ROWS
    assert asked[1] == 3 * suspects  # suspects, their links and about one proceeding step each
    assert asked[2] == records + facts  # (below the threshold at this size: stays in WAL)


def test_the_demo_command_leaves_a_database_in_the_log_with_every_row(tmp_path):
    """End to end: ``inbeeld demo`` with more than REINDEX_ROWS events (a load that asks for the
    rollback journal: the test above) leaves a database back in WAL mode with all its rows, whole
    (integrity check) and without a left-over journal."""
    project = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "inbeeld.conf.settings.dev",
        "INBEELD_VAR_DIR": str(tmp_path),
        "INBEELD_ENVIRONMENT": "development",
        "INBEELD_SECRET_KEY": "journal-test-" + os.urandom(24).hex(),
        "INBEELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "INBEELD_LINKAGE_KEY": "journal-test-" + os.urandom(16).hex(),
    }
    env.pop("DATABASE_URL", None)
    for args in (["migrate", "--noinput", "-v0"], ["demo", "--cases", "20000", "--seed", "5"]):
        subprocess.run(  # noqa: S603 (our own interpreter and entry point)
            [sys.executable, "-m", "inbeeld", *args],
            env=env,
            cwd=project,
            check=True,
            capture_output=True,
        )
    database = sqlite3.connect(tmp_path / "inbeeld.sqlite3")
    try:
        assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        events = database.execute("SELECT count(*) FROM cases_chainevent").fetchone()[0]
        assert events >= bulk.REINDEX_ROWS  # the load was large enough to leave the log
        assert database.execute("SELECT count(*) FROM cases_case").fetchone()[0] == 20_000
        assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert not (tmp_path / "inbeeld.sqlite3-journal").exists()
    finally:
        database.close()
