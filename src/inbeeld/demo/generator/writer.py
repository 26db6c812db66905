"""Writing generated demo data in bulk: raw SQL in one transaction, no ORM objects.

SQLite gets multi-row INSERT statements through the driver's ``executemany``; PostgreSQL gets
``COPY ... FROM STDIN`` through psycopg 3. Ids are assigned here (after the current maximum of each
table), so events, form links, assignments, consent records, pilot deliveries and measures can
point at their case without reading anything back; afterwards PostgreSQL's id sequences are moved past them. Table and column names come from
the models' ``_meta``; a column the generator does not fill gets its model default (or its database
default), so a new nullable or defaulted field does not break the loader.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat

import numpy as np
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models.fields import NOT_PROVIDED

from inbeeld import policy
from inbeeld.accounts.models import Role, User
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.cases.models import Case, CaseAssignment, ChainEvent, ConsentRecord
from inbeeld.crypto import encrypt_text
from inbeeld.demo.generator.data import DemoData, day_date
from inbeeld.pilot.models import Delivery, Instrument, Intervention, Measure
from inbeeld.reference.models import ChainEventType, Court, ExploitationForm, PoliceUnit

# PostgreSQL: from this many events on, foreign keys are checked once after the load instead of
# row by row (see _drop_foreign_keys).
PG_FK_RECHECK_ROWS = 100_000
CHUNK_ROWS = 250_000  # rows converted to Python values at a time (bounds memory)
SQLITE_ROWS_PER_STATEMENT = 100  # rows per INSERT ... VALUES (...), (...) statement
SQLITE_MAX_VARIABLES = 999  # the lowest limit any SQLite build has
SQLITE_CACHE_KIB = 1_048_576  # 1 GiB page cache while loading: indexes stay in memory


@dataclass(frozen=True)
class Const:
    """The same value in every row."""

    value: object


@dataclass(frozen=True)
class WriteSummary:
    cases: int
    events: int
    seconds: dict[str, float]
    deliveries: int = 0
    measures: int = 0


def _lookup(strings: Sequence[str]) -> np.ndarray:
    return np.array(list(strings), dtype=object)


class _Backend:
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
        return _lookup(dates), _lookup(f"{d}{suffix}" for d in dates)

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
        row = (
            "("
            + ", ".join(
                _sqlite_literal(values.value) if isinstance(values, Const) else "?"
                for _, values in columns
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
                for j, (_, values) in enumerate(variable):
                    block[:, j] = values[start:stop]
                full = (len(block) // per_statement) * per_statement
                flat = block[:full].reshape(-1, per_statement * len(variable))
                cursor.executemany(many, map(tuple, flat))
                cursor.executemany(single, map(tuple, block[full:]))
        finally:
            cursor.close()

    def _copy(self, table: str, columns, n: int) -> None:
        qn = self.connection.ops.quote_name
        sql = f"COPY {qn(table)} ({', '.join(qn(name) for name, _ in columns)}) FROM STDIN"
        with self.connection.cursor() as wrapper:
            raw = wrapper.cursor
            with raw.copy(sql) as copy:
                for start in range(0, n, CHUNK_ROWS):
                    stop = min(n, start + CHUNK_ROWS)
                    texts = [
                        repeat(_copy_literal(values.value), stop - start)
                        if isinstance(values, Const)
                        else _copy_column(values[start:stop])
                        for _, values in columns
                    ]
                    lines = map("\t".join, zip(*texts, strict=True))
                    copy.write("".join([line + "\n" for line in lines]))


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


def _copy_literal(value) -> str:
    """One value in COPY text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    if any(ch in text for ch in "\\\t\n\r"):
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def _copy_column(values) -> list[str]:
    """A column in COPY text format; escaping is only paid for when some value needs it."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        return values.astype(str).tolist()
    values = np.asarray(values, dtype=object)
    missing = np.equal(values, None)
    present = values[~missing]
    texts = np.empty(len(values), dtype=object)
    texts[missing] = r"\N"
    joined = "".join(map(str, present))
    if any(ch in joined for ch in "\\\t\n\r"):
        texts[~missing] = [_copy_literal(v) for v in present]
    else:
        texts[~missing] = list(map(str, present))
    return texts.tolist()


def _columns(model, connection, values: dict[str, object]) -> list[tuple[str, object]]:
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


def _next_id(connection, model) -> int:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        column, table = qn(model._meta.pk.column), qn(model._meta.db_table)
        cursor.execute(f"SELECT COALESCE(MAX({column}), 0) FROM {table}")  # noqa: S608 (model names)
        return int(cursor.fetchone()[0]) + 1


def _id_map(model, codes: Sequence[str]) -> np.ndarray:
    ids = dict(model.objects.values_list("code", "id"))
    missing = [c for c in codes if c not in ids]
    if missing:
        raise ValueError(f"reference data lacks {model.__name__} {missing}; run migrate first")
    return np.array([ids[c] for c in codes], dtype=np.int64)


def _write(data: DemoData, connection, backend: _Backend, seconds: dict[str, float]) -> None:
    vocabulary = data.vocabulary
    n, n_events = data.case_count, len(data.event_type)
    case_ids = _next_id(connection, Case) + np.arange(n, dtype=np.int64)
    event_ids = _next_id(connection, ChainEvent) + np.arange(
        n_events + len(data.correction_of), dtype=np.int64
    )
    all_days = np.concatenate(
        [
            data.intake_day,
            data.event_day,
            data.correction_recorded_day,
            data.consent_day,
            data.pilot.delivery_day,
            data.pilot.measure_day,
        ]
    )
    first_day = int(all_days.min(initial=0) if len(all_days) else 0)
    last_day = int(all_days.max(initial=first_day))
    dates, noons = backend.day_strings(first_day, last_day)

    def date(days):
        return dates[days - first_day]

    def noon(days):
        return noons[days - first_day]

    clock = time.perf_counter()
    units = _id_map(PoliceUnit, vocabulary.units)
    courts = np.append(_id_map(Court, vocabulary.courts), 0).astype(object)
    courts[-1] = None  # index -1: no court
    backend.insert(
        Case,
        _columns(
            Case,
            connection,
            {
                "id": case_ids,
                "code": data.codes,
                "police_unit": units[data.unit],
                "court": courts[data.court],
                "minor_at_intake": backend.boolean(data.minor),
                "age_band": _lookup(vocabulary.age_bands)[data.age_band],
                "gender": _lookup(vocabulary.genders)[data.gender],
                "nationality_group": _lookup(vocabulary.nationalities)[data.nationality],
                "intake_date": date(data.intake_day),
                "status": _lookup(vocabulary.statuses)[data.status],
                "research_consent": backend.boolean(data.consent),
                "version": 1
                + np.bincount(
                    np.concatenate([data.event_case, data.event_case[data.correction_of]]),
                    minlength=n,
                ).astype(np.int64),
                "created_at": noon(data.intake_day),
                "created_by": Const(None),
            },
        ),
        n,
    )
    seconds["cases"] = time.perf_counter() - clock

    clock = time.perf_counter()
    through = Case.exploitation_forms.through
    m2m = Case._meta.get_field("exploitation_forms")
    backend.insert(
        through,
        [
            (through._meta.pk.column, _next_id(connection, through) + np.arange(len(data.form))),
            (m2m.m2m_column_name(), case_ids[data.form_case]),
            (m2m.m2m_reverse_name(), _id_map(ExploitationForm, vocabulary.forms)[data.form]),
        ],
        len(data.form),
    )
    seconds["forms"] = time.perf_counter() - clock

    clock = time.perf_counter()
    event_types = _id_map(ChainEventType, vocabulary.event_types)
    outcomes = _lookup(vocabulary.outcomes)
    plain = np.ones(n_events, dtype=bool)
    plain[data.note_event] = False
    plain = np.flatnonzero(plain)
    common = {
        "case": lambda rows: case_ids[data.event_case[rows]],
        "event_type": lambda rows: event_types[data.event_type[rows]],
        "outcome": lambda rows: outcomes[data.event_outcome[rows]],
        "event_date": lambda rows: date(data.event_day[rows]),
        "recorded_at": lambda rows: noon(data.event_day[rows]),
    }
    fixed = {
        "date_precision": Const("day"),
        "organisation": Const(None),
        "author": Const(None),
        "supersedes": Const(None),
    }
    backend.insert(
        ChainEvent,
        _columns(
            ChainEvent,
            connection,
            {
                "id": event_ids[plain],
                **{k: f(plain) for k, f in common.items()},
                **fixed,
                "note_ciphertext": Const(""),
                "note_family": Const(""),
            },
        ),
        len(plain),
    )
    noted = data.note_event
    backend.insert(
        ChainEvent,
        _columns(
            ChainEvent,
            connection,
            {
                "id": event_ids[noted],
                **{k: f(noted) for k, f in common.items()},
                **fixed,
                "note_ciphertext": _lookup(encrypt_text(text) for text in data.note_text),
                "note_family": _lookup(data.note_family),
            },
        ),
        len(noted),
    )
    original = data.correction_of
    backend.insert(
        ChainEvent,
        _columns(
            ChainEvent,
            connection,
            {
                "id": event_ids[n_events:],
                **{k: f(original) for k, f in common.items()},
                **fixed,
                "outcome": outcomes[data.correction_outcome],
                "recorded_at": noon(data.correction_recorded_day),
                "supersedes": event_ids[original],
                "note_ciphertext": Const(""),
                "note_family": Const(""),
            },
        ),
        len(original),
    )
    seconds["events"] = time.perf_counter() - clock

    users = dict(
        User.objects.filter(
            username__in={username for _, username, _ in data.assignments}
        ).values_list("username", "id")
    )
    assigned = [(case, users[name], role) for case, name, role in data.assignments if name in users]
    rows = np.array([case for case, _, _ in assigned], dtype=np.int64)
    backend.insert(
        CaseAssignment,
        _columns(
            CaseAssignment,
            connection,
            {
                "id": _next_id(connection, CaseAssignment) + np.arange(len(assigned)),
                "case": case_ids[rows],
                "user": np.array([user for _, user, _ in assigned], dtype=np.int64),
                "role": _lookup(role for _, _, role in assigned),
                "created_at": noon(data.intake_day[rows]),
            },
        ),
        len(assigned),
    )

    clock = time.perf_counter()
    consenting = np.flatnonzero(data.consent)
    backend.insert(
        ConsentRecord,
        _columns(
            ConsentRecord,
            connection,
            {
                "id": _next_id(connection, ConsentRecord) + np.arange(len(consenting)),
                "case": case_ids[consenting],
                "kind": Const("given"),
                "scope": Const("evaluation_monitor"),
                "date": date(data.consent_day[consenting]),
                "recorded_by": Const(None),
                "recorded_at": noon(data.consent_day[consenting]),
            },
        ),
        len(consenting),
    )
    seconds["consent"] = time.perf_counter() - clock

    clock = time.perf_counter()
    _write_pilot(data, connection, backend, case_ids, date, noon)
    seconds["pilot"] = time.perf_counter() - clock


# Who records a delivery in the demo (the profession that delivers the intervention); the reason
# "not delivered" gets that role's note family.
DEMO_DELIVERING_ROLE = {
    "psychologist": Role.PSYCHOLOGIST,
    "examining_judge": Role.EXAMINING_JUDGE,
    "safety_coordinator": Role.SAFETY_COORDINATOR,
    "peer_expert": Role.PEER_EXPERT,
    "shorter_lead_times": Role.PROSECUTOR,
}


def _write_pilot(data: DemoData, connection, backend: _Backend, case_ids, date, noon) -> None:
    """Deliveries (with their fidelity checklists) and victim-reported measures."""
    pilot = data.pilot
    if pilot.delivery_count:
        interventions = _id_map(Intervention, pilot.interventions)
        backend.insert(
            Delivery,
            _columns(
                Delivery,
                connection,
                {
                    "id": _next_id(connection, Delivery) + np.arange(pilot.delivery_count),
                    "case": case_ids[pilot.delivery_case],
                    "intervention": interventions[pilot.delivery_intervention],
                    "date": date(pilot.delivery_day),
                    "delivered": backend.boolean(pilot.delivery_delivered),
                    # Encrypted like any free text; each distinct demo reason once.
                    "reason_ciphertext": _lookup(
                        encrypt_text(r) if r else "" for r in pilot.reasons
                    )[pilot.delivery_reason],
                    # A reason is read only by the family of the profession that delivers.
                    "reason_family": np.where(
                        pilot.delivery_reason > 0,
                        _lookup(
                            policy.NOTE_FAMILY[DEMO_DELIVERING_ROLE[c]] for c in pilot.interventions
                        )[pilot.delivery_intervention],
                        "",
                    ),
                    "fidelity": _lookup(pilot.fidelity_json()),
                    "recorded_by": Const(None),
                    "organisation": Const(None),
                    "recorded_at": noon(pilot.delivery_day),
                },
            ),
            pilot.delivery_count,
        )
    if pilot.measure_count:
        code, version = pilot.instrument
        instrument = Instrument.objects.filter(code=code, version=version).values_list(
            "id", flat=True
        )
        if not instrument:
            raise ValueError(f"the database lacks the questionnaire {code} v{version}")
        backend.insert(
            Measure,
            _columns(
                Measure,
                connection,
                {
                    "id": _next_id(connection, Measure) + np.arange(pilot.measure_count),
                    "case": case_ids[pilot.measure_case],
                    "instrument": Const(int(instrument[0])),
                    "moment": _lookup(pilot.moments)[pilot.measure_moment],
                    "date": date(pilot.measure_day),
                    "answers": _lookup(pilot.answers_json()),
                    "recorded_by": Const(None),
                    "recorded_at": noon(pilot.measure_day),
                },
            ),
            pilot.measure_count,
        )


def _lock_tables(connection, tables: list[str]) -> None:
    """PostgreSQL: make concurrent writers of these tables wait until the load commits."""
    if connection.vendor != "postgresql":
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(qn(t) for t in tables)} IN SHARE ROW EXCLUSIVE MODE")


def _drop_foreign_keys(connection, tables: list[str]) -> list[tuple[str, str, str]]:
    """PostgreSQL, large loads: drop the foreign keys of ``tables`` and return them (table, name,
    definition) for ``_restore_foreign_keys``. Checking each row's references one by one (with a
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


def _restore_foreign_keys(connection, constraints: list[tuple[str, str, str]]) -> None:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, name, definition in constraints:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {qn(name)} {definition}")


def _reset_sequences(connection, bulk_models: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), bulk_models)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _sqlite_load_pragmas(connection) -> dict[str, int]:
    """SQLite: a large page cache and in-memory statement journals while loading (otherwise each
    multi-row INSERT journals the pages it touches to a temporary file). Returns the previous
    values. A pragma that cannot change inside an open transaction (a test) is left alone."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return {}
    with connection.cursor() as cursor:
        before = {
            name: cursor.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("cache_size", "temp_store")
        }
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        cursor.execute("PRAGMA temp_store = MEMORY")
    return before


def _restore_pragmas(connection, before: dict[str, int]) -> None:
    """Undo ``_sqlite_load_pragmas`` and shrink the write-ahead log the load filled (it is
    already checkpointed; this only gives the disk space back)."""
    if before:
        with connection.cursor() as cursor:
            for name, value in before.items():
                cursor.execute(f"PRAGMA {name} = {int(value)}")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def write_demo_data(data: DemoData, *, if_empty: bool = False) -> WriteSummary | None:
    """Insert ``data`` and one DEMO_LOADED audit row in a single transaction.

    With ``if_empty``, nothing is written (and None returned) when a case exists by the time the
    transaction holds its lock, so two loaders cannot both fill an empty database.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    connection.ensure_connection()
    backend = _Backend(connection)
    bulk_models = [
        Case,
        Case.exploitation_forms.through,
        ChainEvent,
        CaseAssignment,
        ConsentRecord,
        Delivery,
        Measure,
    ]
    tables = [m._meta.db_table for m in bulk_models]
    seconds: dict[str, float] = {}
    pragmas = _sqlite_load_pragmas(connection)
    start = time.perf_counter()
    try:
        with transaction.atomic():
            _lock_tables(connection, tables)
            if if_empty and Case.objects.exists():
                return None
            recheck = connection.vendor == "postgresql" and data.event_count >= PG_FK_RECHECK_ROWS
            dropped = _drop_foreign_keys(connection, tables) if recheck else []
            _write(data, connection, backend, seconds)
            if dropped:
                clock = time.perf_counter()
                _restore_foreign_keys(connection, dropped)
                seconds["foreign_keys"] = time.perf_counter() - clock
            audit_record(
                actor=None,
                action=AuditAction.DEMO_LOADED,
                extra={
                    "cases": data.case_count,
                    "events": data.event_count,
                    "seed": data.config.seed,
                },
            )
            if connection.vendor == "postgresql":
                _reset_sequences(connection, bulk_models)
            commit_from = time.perf_counter()
        seconds["commit"] = time.perf_counter() - commit_from
    finally:
        _restore_pragmas(connection, pragmas)
    seconds["total"] = time.perf_counter() - start
    return WriteSummary(
        cases=data.case_count,
        events=data.event_count,
        seconds=seconds,
        deliveries=data.pilot.delivery_count,
        measures=data.pilot.measure_count,
    )


__all__ = ["WriteSummary", "write_demo_data"]
