"""Bulk loading of generated rows: raw SQL in one transaction, no ORM objects.

SQLite gets multi-row INSERT statements through the driver's ``executemany``; PostgreSQL gets
``COPY ... FROM STDIN`` through psycopg 3. Table and column names come from the models' ``_meta``;
a column the caller does not fill gets its model default (or its database default), so a new
nullable or defaulted field does not break the loader. Shared by the case writer (writer.py) and
the linkage keys (linkage.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from django.core.management.color import no_style
from django.db import OperationalError, models
from django.db.models.fields import NOT_PROVIDED

from inbeeld.demo.generator.data import day_date

logger = logging.getLogger(__name__)

RECHECK_ROWS = 100_000  # from here on, foreign keys are re-checked in one join (PostgreSQL)
REINDEX_ROWS = 100_000  # from here on, a table's indexes are rebuilt after its load
CHUNK_ROWS = 250_000  # rows converted to Python values at a time (bounds memory)
SQLITE_ROWS_PER_STATEMENT = 100  # rows per INSERT ... VALUES (...), (...) statement
SQLITE_MAX_VARIABLES = 999  # the lowest limit any SQLite build has
# Python's sqlite3 binds None about 20 times slower than a number (it looks for an adapter
# first): a column with missing values binds this float instead, which the statement turns back
# into NULL (NULLIF); no value the loader writes equals it (checked).
SQLITE_NULL_STANDIN = -1.5e308
SQLITE_CACHE_KIB = 1_048_576  # 1 GiB page cache while loading: indexes stay in memory


@dataclass(frozen=True)
class Const:
    """The same value in every row."""

    value: object


def lookup(strings: Sequence[str]) -> np.ndarray:
    return np.array(list(strings), dtype=object)


class Backend:
    """The vendor-specific part: how a day and a moment are spelled, how rows get in."""

    def __init__(self, connection):
        self.connection = connection
        self.vendor = connection.vendor
        if self.vendor not in ("sqlite", "postgresql"):
            raise NotImplementedError(f"demo bulk load does not support {self.vendor}")

    def day_strings(self, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
        """Per day number in [first, last]: the date and the date-at-noon-UTC as stored."""
        days = [day_date(d) for d in range(first, last + 1)]
        dates = [d.isoformat() for d in days]
        suffix = " 12:00:00" if self.vendor == "sqlite" else " 12:00:00+00"
        return lookup(dates), lookup(f"{d}{suffix}" for d in dates)

    def boolean(self, values: np.ndarray) -> np.ndarray:
        if self.vendor == "sqlite":
            return values.astype(np.int64)
        return np.where(values, "t", "f").astype(object)

    def insert(self, model, columns: list[tuple[str, object]], n: int) -> None:
        if n == 0:
            return
        table = model._meta.db_table
        if self.vendor == "sqlite":
            self._sqlite_insert(table, columns, n)
        else:
            self._copy(table, columns, n)

    def _sqlite_insert(self, table: str, columns, n: int) -> None:
        qn = self.connection.ops.quote_name
        variable = [(name, values) for name, values in columns if not isinstance(values, Const)]
        nullable = {name for name, values in variable if _has_none(values)}
        row = (
            "("
            + ", ".join(
                _sqlite_literal(values.value)
                if isinstance(values, Const)
                else f"NULLIF(?, {SQLITE_NULL_STANDIN!r})"
                if name in nullable
                else "?"
                for name, values in columns
            )
            + ")"
        )
        names = ", ".join(qn(name) for name, _ in columns)
        head = f"INSERT INTO {qn(table)} ({names}) VALUES "  # noqa: S608 (quoted model names)
        per_statement = max(
            1, min(SQLITE_ROWS_PER_STATEMENT, SQLITE_MAX_VARIABLES // max(1, len(variable)))
        )
        many = head + ", ".join([row] * per_statement)
        single = head + row
        cursor = self.connection.connection.cursor()
        try:
            for start in range(0, n, CHUNK_ROWS):
                stop = min(n, start + CHUNK_ROWS)
                block = np.empty((stop - start, len(variable)), dtype=object)
                for j, (name, values) in enumerate(variable):
                    block[:, j] = (
                        _stand_in_for_none(values[start:stop])
                        if name in nullable
                        else values[start:stop]
                    )
                full = (len(block) // per_statement) * per_statement
                flat = block[:full].reshape(-1, per_statement * len(variable))
                cursor.executemany(many, map(tuple, flat))
                cursor.executemany(single, map(tuple, block[full:]))
        finally:
            cursor.close()

    def _copy(self, table: str, columns, n: int) -> None:
        """COPY in text format. Each chunk's text is written by polars (vectorised, in Rust)
        and handed to a psycopg writer thread, so PostgreSQL parses one chunk while the next is
        being built (two cores: the load's wall time is about the larger of the two)."""
        from psycopg.copy import QueuedLibpqWriter

        qn = self.connection.ops.quote_name
        sql = f"COPY {qn(table)} ({', '.join(qn(name) for name, _ in columns)}) FROM STDIN"
        with self.connection.cursor() as wrapper:
            raw = wrapper.cursor
            with raw.copy(sql, writer=QueuedLibpqWriter(raw)) as copy:
                for start in range(0, n, CHUNK_ROWS):
                    stop = min(n, start + CHUNK_ROWS)
                    copy.write(_copy_text(columns, start, stop))


def _has_none(values) -> bool:
    return (
        isinstance(values, np.ndarray) and values.dtype == object and np.equal(values, None).any()
    )


def _stand_in_for_none(values: np.ndarray) -> np.ndarray:
    if np.equal(values, SQLITE_NULL_STANDIN).any():
        raise ValueError("a value equals SQLITE_NULL_STANDIN, which the insert turns into NULL")
    return np.where(np.equal(values, None), SQLITE_NULL_STANDIN, values)


def _sqlite_literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQLite literal for {value!r}")


def _copy_text(columns, start: int, stop: int) -> str:
    """Rows ``start:stop`` of ``columns`` in COPY text format: tab-separated, ``\\N`` for NULL,
    backslash, tab, newline and carriage return escaped (tests/demo: test_copy_text)."""
    frame = {}
    for j, (_, values) in enumerate(columns):
        if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
            frame[f"c{j}"] = pl.Series(values[start:stop])
            continue
        if isinstance(values, Const):
            value = values.value
            if isinstance(value, bool):
                value = "t" if value else "f"
            text = None if value is None else str(value)
            texts = pl.repeat(text, stop - start, dtype=pl.String, eager=True)
        else:
            texts = _strings(values[start:stop])
        frame[f"c{j}"] = (
            texts.str.replace_all("\\", "\\\\", literal=True)
            .str.replace_all("\t", "\\t", literal=True)
            .str.replace_all("\n", "\\n", literal=True)
            .str.replace_all("\r", "\\r", literal=True)
        )
    return pl.DataFrame(frame).write_csv(
        separator="\t", include_header=False, null_value="\\N", quote_style="never"
    )


def _strings(values) -> pl.Series:
    """Text and None straight into polars; anything else (numbers in an object column) via str."""
    try:
        return pl.Series(values, dtype=pl.String, strict=True)
    except (TypeError, pl.exceptions.PolarsError):
        return pl.Series([None if v is None else str(v) for v in values], dtype=pl.String)


def model_columns(model, connection, values: dict[str, object]) -> list[tuple[str, object]]:
    """(column, values) for every concrete field of ``model``: the given values (by field name or
    attname), else the field's default, else NULL; a database default is left to the database."""
    columns = []
    for field in model._meta.concrete_fields:
        if field.attname in values or field.name in values:
            columns.append((field.column, values.get(field.attname, values.get(field.name))))
        elif getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
            continue
        elif field.has_default():
            default = field.get_db_prep_save(field.get_default(), connection)
            columns.append((field.column, Const(default)))
        elif field.null:
            columns.append((field.column, Const(None)))
        else:
            raise ValueError(f"demo loader has no value for {model.__name__}.{field.name}")
    return columns


def next_id(connection, model) -> int:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        column, table = qn(model._meta.pk.column), qn(model._meta.db_table)
        cursor.execute(f"SELECT COALESCE(MAX({column}), 0) FROM {table}")  # noqa: S608 (model names)
        return int(cursor.fetchone()[0]) + 1


def id_map(model, codes: Sequence[str]) -> np.ndarray:
    ids = dict(model.objects.values_list("code", "id"))
    missing = [c for c in codes if c not in ids]
    if missing:
        raise ValueError(f"reference data lacks {model.__name__} {missing}; run migrate first")
    return np.array([ids[c] for c in codes], dtype=np.int64)


def lock_tables(connection, tables: list[str]) -> None:
    """PostgreSQL: make concurrent writers of these tables wait until the load commits."""
    if connection.vendor != "postgresql":
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(qn(t) for t in tables)} IN SHARE ROW EXCLUSIVE MODE")


def drop_foreign_keys(connection, tables: list[str]) -> list[tuple[str, str, str]]:
    """PostgreSQL, large loads: drop the foreign keys of ``tables`` and return them (table, name,
    definition) for ``restore_foreign_keys``. Checking each row's references one by one (with a
    row lock on every referenced row) costs more than the load itself; re-adding a constraint
    checks all rows in one join. Both happen inside the load's transaction, so a failure leaves
    the schema as it was."""
    qn = connection.ops.quote_name
    # Run the checks still pending in an enclosing transaction: a table with pending trigger
    # events cannot be altered.
    connection.check_constraints()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) "
            "ORDER BY conrelid::regclass::text, conname",
            [[qn(t) for t in tables]],
        )
        constraints = cursor.fetchall()
        for table, name, _ in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {qn(name)}")
    return constraints


def restore_foreign_keys(connection, constraints: list[tuple[str, str, str]]) -> None:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, name, definition in constraints:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {qn(name)} {definition}")


def drop_foreign_keys_for_load(connection, bulk_models: list, rows: int) -> list:
    """PostgreSQL, ``rows`` >= RECHECK_ROWS: lock the models' tables and drop their foreign keys,
    returned for ``restore_foreign_keys`` (one join each) after the load; otherwise nothing.
    Inside the caller's transaction, so a failure leaves the schema as it was."""
    if connection.vendor != "postgresql" or rows < RECHECK_ROWS:
        return []
    tables = [m._meta.db_table for m in bulk_models]
    lock_tables(connection, tables)
    return drop_foreign_keys(connection, tables)


def drop_indexes_for_load(connection, rows: dict[type[models.Model], int]) -> list[str]:
    """Drop the secondary indexes of each model's table that gets ``REINDEX_ROWS`` or more rows
    and return their CREATE statements, exactly as the database stores them, for
    ``restore_indexes``; otherwise nothing.

    Inserting rows in random key order into a large index costs more than building it again in
    one sort. SQLite: every index with a stored statement, unique ones too (rebuilding one checks
    uniqueness again); the automatic indexes behind a primary key or an inline UNIQUE have no
    statement and stay. PostgreSQL: every index that does not back a constraint (the primary key
    and unique constraints stay), and the transaction gets 512 MB of ``maintenance_work_mem`` so
    each rebuild sorts in memory (with parallel workers where PostgreSQL chooses them). Schema
    changes are transactional on both: run this and ``restore_indexes`` inside the load's
    transaction, so a failure leaves the schema as the migrations made it. On PostgreSQL a
    dropped index locks its table against readers until the commit, like the foreign keys
    ``drop_foreign_keys`` drops for the same loads."""
    tables = sorted(model._meta.db_table for model, n in rows.items() if n >= REINDEX_ROWS)
    if not tables:
        return []
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            indexes = []
            for table in tables:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                    "AND sql IS NOT NULL ORDER BY name",
                    [table],
                )
                indexes += cursor.fetchall()
        else:
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint WHERE conindid = indexrelid) "
                "ORDER BY indrelid::regclass::text, indexrelid::regclass::text",
                [[qn(t) for t in tables]],
            )
            indexes = cursor.fetchall()
            if indexes:
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for name, _ in indexes:
            # PostgreSQL's regclass text is already quoted where it needs to be.
            cursor.execute(f"DROP INDEX {qn(name) if connection.vendor == 'sqlite' else name}")
    return [sql for _, sql in indexes]


def restore_indexes(connection, statements: list[str]) -> None:
    """Create the indexes ``drop_indexes_for_load`` dropped, with their own statements."""
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def reset_sequences(connection, bulk_models: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), bulk_models)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def sqlite_load_pragmas(connection, rows: int = 0) -> dict[str, int | str]:
    """SQLite: a large page cache and in-memory statement journals while loading (otherwise each
    multi-row INSERT journals the pages it touches to a temporary file), and, for a load of
    ``REINDEX_ROWS`` rows or more when no other connection has the database open, the rollback
    journal instead of the write-ahead log.

    In WAL mode every page of the load is written twice: to the log, then by the checkpoint at
    commit to the database (9 s of a 1M-case load). With a rollback journal the new pages go
    straight to the file and only pages that existed before are journalled. ``synchronous`` goes
    to FULL for the load (the project's NORMAL is safe against power loss in WAL mode only), so
    the commit is as durable as in WAL. Leaving WAL needs the only connection: if another
    process has the file open, SQLite refuses and the load stays in WAL, as before. While the
    load runs in rollback mode, a process that opens the file (a running server opens one per
    request) waits the busy timeout (20 s) and then fails with "database is locked" instead of
    reading the old state: acceptable for a large load, which is a set-up step on a demonstration
    or benchmark machine, not for the small demo that ``make run`` loads, which stays below the
    threshold (ADR 0026). Returns the previous values for ``restore_pragmas``. A pragma that
    cannot change inside an open transaction (a test) is left alone."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return {}
    with connection.cursor() as cursor:
        before: dict[str, int | str] = {
            name: cursor.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("cache_size", "temp_store", "journal_mode", "synchronous")
        }
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        cursor.execute("PRAGMA temp_store = MEMORY")
        if before["journal_mode"] == "wal" and rows >= REINDEX_ROWS:
            try:
                cursor.execute("PRAGMA journal_mode = DELETE")
            except OperationalError:  # "database is locked": another connection has it open
                pass
            else:
                cursor.execute("PRAGMA synchronous = FULL")
    return before


def restore_pragmas(connection, before: dict[str, int | str]) -> None:
    """Undo ``sqlite_load_pragmas``: the previous cache, temp store and synchronous setting, and
    back to the write-ahead log if the load left it (an empty log: nothing to checkpoint); if it
    stayed in WAL, shrink the log the load filled (already checkpointed; this gives the disk
    space back). Going back to WAL needs a moment without readers: if one holds the file past
    the busy timeout, the file stays in rollback mode until the next connection, whose
    ``init_command`` sets WAL again; the load itself (committed or rolled back) is not affected
    and its own outcome or error is what the caller sees."""
    if not before:
        return
    with connection.cursor() as cursor:
        for name in ("cache_size", "temp_store", "synchronous"):
            cursor.execute(f"PRAGMA {name} = {int(before[name])}")
        mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != before["journal_mode"]:
            try:
                cursor.execute(f"PRAGMA journal_mode = {before['journal_mode']}")
            except OperationalError:  # "database is locked": a reader past the busy timeout
                logger.warning("demo load: journal mode stays %s until the next connection", mode)
        elif mode == "wal":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
