"""The one place where database rows become tables: one builder per table kind (cases, forms,
effective events, deliveries, deployments, signals, linkage keys), reused by the evaluation
(analysis.tables), the monitor (analysis.monitor_tables), the dark number (analysis.dark_number)
and the microdata export (publication.exports renders what analysis.microdata builds here).

Every builder takes querysets that are already scoped: the cases come from inbeeld.policy
(``research_scope``, ``evaluation_scope``, ``monitor_scope``, ``microdata_scope``), never from a
filter written here. Only what the figures need leaves the database: case ids (never codes),
codes of units and forms, dates, flags and outcome codes; never free text. Each builder costs a
constant number of queries, whatever the number of cases.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence

import polars as pl
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case as When_
from django.db.models import Count, IntegerField, Max, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from inbeeld.analysis import arrow_read
from inbeeld.cases.models import (
    EFFECTIVE_EVENT,
    Case,
    ChainEvent,
    ConsentRecord,
    EventWithdrawal,
    LinkageKey,
    fallen_ids,
)
from inbeeld.pilot.models import (
    EFFECTIVE_DELIVERY,
    Delivery,
    DeliveryWithdrawal,
    Deployment,
    FidelityItem,
    Intervention,
    Measure,
    Phase,
)
from inbeeld.reference.models import PoliceUnit
from inbeeld.suspects.models import SafetyFact, SafetyFactWithdrawal


def frame(rows, schema: dict) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row")


def query_frame(rows: QuerySet, schema: dict) -> pl.DataFrame:
    """The rows of a ``values_list`` queryset as a table with ``schema`` (column name → polars
    type, in the queryset's order). On PostgreSQL the query's own SQL runs inside ``COPY (...) TO
    STDOUT`` and the CSV goes straight into polars: no Python object per value, which is what
    made the ORM → table load slow (issue 15 item 3). Faster still, where the transaction has
    written nothing, the same SQL is read as Arrow columns (analysis.arrow_read, ADR 0027). On
    SQLite the rows come through the ORM. All give the same table
    (tests/analysis/test_copy_load.py, test_arrow_load.py)."""
    if not settings.INBEELD_TABLE_LOAD_COPY or connections[rows.db].vendor != "postgresql":
        return frame(list(rows.iterator(chunk_size=20_000)), schema)
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # e.g. the cases of a scope without any case
        return pl.DataFrame(schema=schema)
    if settings.INBEELD_TABLE_LOAD_ARROW:
        read = arrow_read.arrow_frame(connections[rows.db], sql, params, schema)
        if read is not None:
            return read
    with connections[rows.db].cursor() as cursor:
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        buffer = io.BytesIO()
        # CSV: a NULL is an unquoted empty field, an empty text a quoted one (""); polars 2 reads
        # both as "" (``_typed`` makes it null where the column is not text).
        statement = f"COPY ({sql}) TO STDOUT (FORMAT csv)"
        with raw.copy(statement, params) as copy:
            for block in copy:
                buffer.write(block)
    names = list(schema)
    if not buffer.getbuffer().nbytes:
        return pl.DataFrame(schema=schema)
    text = pl.read_csv(
        buffer.getvalue(),
        has_header=False,
        new_columns=names,
        schema=dict.fromkeys(names, pl.String),
        quote_char='"',
        empty_string_is_null=False,
    )
    return text.select(_typed(name, dtype) for name, dtype in schema.items())


def _typed(name: str, dtype) -> pl.Expr:
    column = pl.col(name)
    if dtype != pl.String:
        # polars reads an unquoted empty field (COPY's NULL) as empty text too; a number, date
        # or flag is never empty text, so there it is the NULL. (Text columns of the builders
        # are codes, never NULL.)
        column = pl.when(column == "").then(None).otherwise(column)
    if dtype == pl.Boolean:
        return pl.when(column.is_null()).then(None).otherwise(column == "t").alias(name)
    if dtype == pl.Date:
        return column.str.to_date("%Y-%m-%d").alias(name)
    return column.cast(dtype).alias(name)


# --- cases and their forms ----------------------------------------------------------------------

# Column name in the tables → (ORM lookup on Case, polars type).
CASE_COLUMNS: dict[str, tuple[str, pl.DataType]] = {
    "case_id": ("pk", pl.Int64),
    "police_unit": ("police_unit__code", pl.String),
    "intake_date": ("intake_date", pl.Date),
    "minor": ("minor_at_intake", pl.Boolean),
    "age_band": ("age_band", pl.String),
    "gender": ("gender", pl.String),
    "nationality_group": ("nationality_group", pl.String),
}


def case_table(cases: QuerySet[Case], columns: Sequence[str], *, ordered: bool = True):
    """One row per case: ``case_id`` and ``columns`` (names of CASE_COLUMNS). ``ordered``: in
    the cases' own order (newest intake first), else in the database's order."""
    names = ("case_id", *columns)
    source = cases if ordered else cases.order_by()
    rows = source.values_list(*(CASE_COLUMNS[name][0] for name in names))
    return query_frame(rows, {name: CASE_COLUMNS[name][1] for name in names})


def form_rows(cases: QuerySet[Case], codes: Iterable[str] | None = None) -> pl.DataFrame:
    """(case_id, form): the exploitation forms of ``cases``, only ``codes`` when given."""
    through = Case.exploitation_forms.through.objects.filter(case_id__in=cases.values("pk"))
    if codes is not None:
        through = through.filter(exploitationform__code__in=list(codes))
    return query_frame(
        through.values_list("case_id", "exploitationform__code"),
        {"case_id": pl.Int64, "form": pl.String},
    )


def with_form_flags(
    table: pl.DataFrame,
    forms: pl.DataFrame,
    codes: Iterable[str],
    *,
    prefix: str = "form_",
    dtype: pl.DataType | None = None,
) -> pl.DataFrame:
    """``table`` with a flag ``<prefix><code>`` per form code: does the case have that form."""

    def flag(code: str) -> pl.Expr:
        has = pl.col("case_id").is_in(
            forms.filter(pl.col("form") == code).get_column("case_id").implode()
        )
        return (has if dtype is None else has.cast(dtype)).alias(f"{prefix}{code}")

    return table.with_columns(flag(code) for code in codes)


# --- chain events: effective events only --------------------------------------------------------


def effective_events(cases: QuerySet[Case], *, until: dt.date | None = None):
    """The chain events of ``cases`` that stand: a corrected event is replaced by its
    correction (superseded events never count), a withdrawn event counts nowhere
    (cases.models.EFFECTIVE_EVENT); up to ``until`` when given."""
    events = ChainEvent.objects.filter(EFFECTIVE_EVENT, case_id__in=cases.values("pk"))
    return events if until is None else events.filter(event_date__lte=until)


_EVENT_SCHEMA = {"case_id": pl.Int64, "event": pl.String, "date": pl.Date}


def standing_event_rows(
    cases: QuerySet[Case], codes: Iterable[str], fields: Sequence[str], *, until=None
) -> QuerySet:
    """The query behind the event tables: (event id, ``fields``…) of the events of ``codes`` of
    ``cases`` (up to ``until``) without the effective-event rule, and after them (``UNION
    ALL``, the other columns null) the ids of the superseded and of the withdrawn events.

    One statement, so one view of the data in any isolation level. ``standing_events`` drops
    the listed ids: the same rows as ``effective_events`` (cases.models.EFFECTIVE_EVENT:
    superseded or withdrawn by any event, whatever its date or case), without PostgreSQL
    carrying every event's id through two anti-joins and its parallel workers (1,000,000 cases:
    the first dates 2.4 s → 1.5 s)."""
    events = ChainEvent.objects.filter(
        case_id__in=cases.values("pk"), event_type__code__in=list(codes)
    )
    if until is not None:
        events = events.filter(event_date__lte=until)
    none = [Value(None, output_field=IntegerField())] * len(fields)
    gone = fallen_ids(ChainEvent, EventWithdrawal, "event", *none)
    return events.values_list("pk", *fields).order_by().union(*gone, all=True)


def standing_events(
    cases: QuerySet[Case],
    codes: Iterable[str],
    *,
    until: dt.date | None = None,
    with_outcome: bool = False,
) -> pl.DataFrame:
    """(_event, case_id, event, date[, outcome]) of every effective event of ``codes`` of
    ``cases`` (up to ``until``), in no order, the event's id in ``_event``: what the event
    tables below are made of, and what a caller that needs several of them reads once."""
    fields = ("case_id", "event_type__code", "event_date", *(("outcome",) if with_outcome else ()))
    schema = {**_EVENT_SCHEMA, **({"outcome": pl.String} if with_outcome else {})}
    rows = standing_event_rows(cases, codes, fields, until=until)
    table = query_frame(rows, {"_event": pl.Int64, **schema})
    listed = pl.col("case_id").is_not_null()
    dropped = table.filter(~listed).get_column("_event")
    return table.filter(listed & ~pl.col("_event").is_in(dropped.implode()))


def first_dates_of(events: pl.DataFrame, *, by_outcome: bool = False) -> pl.DataFrame:
    """(case_id, event, date[, outcome]) of ``standing_events``: the first date of each event
    per case (per case and outcome with ``by_outcome``), sorted by case and event (and outcome).

    The minimum is taken here, not by a ``GROUP BY`` in SQL: almost every case has each event
    once, so grouping hardly shortens the table (1,000,000 cases: 2,161,957 events → 2,110,290
    first dates) while PostgreSQL aggregates it in one process after a parallel scan (4.4 s
    against 2.5 s for the plain rows). Sorted by the keys and the date, the first row of each
    key holds its first date: the same table as a group-by and a sort, in less time (2.16 M
    rows as they come from PostgreSQL: 0.53 s against 0.87 s)."""
    keys = ["case_id", "event", *(["outcome"] if by_outcome else [])]
    return (
        events.sort([*keys, "date"])
        .unique(keys, keep="first", maintain_order=True)
        .select(keys[0], keys[1], "date", *keys[2:])
    )


def every_event_of(events: pl.DataFrame, *, distinct: bool = False) -> pl.DataFrame:
    """(case_id, event, date, outcome) of ``standing_events`` (with outcome): per case in (date,
    id) order; with ``distinct`` each (case, event, date, outcome) once, in no order."""
    columns = ["case_id", "event", "date", "outcome"]
    if distinct:
        return events.select(columns).unique()
    return events.sort(["case_id", "date", "_event"]).select(columns)


def first_event_dates(
    cases: QuerySet[Case],
    codes: Iterable[str],
    *,
    until: dt.date | None = None,
    by_outcome: bool = False,
) -> pl.DataFrame:
    """(case_id, event, date): the first effective date of each event code per case; with
    ``by_outcome`` per (case, event, outcome), with an ``outcome`` column. Sorted by case and
    event (and outcome)."""
    events = standing_events(cases, codes, until=until, with_outcome=by_outcome)
    return first_dates_of(events, by_outcome=by_outcome)


def event_rows(
    cases: QuerySet[Case],
    codes: Iterable[str],
    *,
    until: dt.date | None = None,
    distinct: bool = False,
) -> pl.DataFrame:
    """(case_id, event, date, outcome): every effective event of ``codes``, per case in (date,
    id) order; with ``distinct`` each (case, event, date, outcome) once, in no order."""
    events = standing_events(cases, codes, until=until, with_outcome=True)
    return every_event_of(events, distinct=distinct)


def data_cutoff(cases: QuerySet[Case]) -> dt.date:
    """The last day with an effective event of ``cases`` (never after today; today if none)."""
    # The latest date first, through the date index: PostgreSQL stops at the first event that
    # is effective and in scope instead of aggregating all of them (ChainEvent.Meta.indexes).
    last = (
        effective_events(cases).order_by("-event_date").values_list("event_date", flat=True).first()
    )
    return min(last, timezone.localdate()) if last else timezone.localdate()


# --- the pilot: deliveries and deployments -------------------------------------------------------


def delivery_table(cases: QuerySet[Case]) -> pl.DataFrame:
    """(case_id, intervention, date, delivered): the effective deliveries of ``cases`` (a
    corrected delivery is replaced by its correction, a withdrawn one counts nowhere)."""
    rows = Delivery.objects.filter(EFFECTIVE_DELIVERY, case_id__in=cases.values("pk")).values_list(
        "case_id", "intervention__code", "date", "delivered"
    )
    return query_frame(
        rows,
        {"case_id": pl.Int64, "intervention": pl.String, "date": pl.Date, "delivered": pl.Boolean},
    )


def deployment_table() -> pl.DataFrame:
    """(intervention, police_unit, start, end): where and when each intervention is deployed
    (no case data: the same for every scope)."""
    rows = Deployment.police_units.through.objects.values_list(
        "deployment__intervention__code",
        "policeunit__code",
        "deployment__start",
        "deployment__end",
    )
    return frame(
        list(rows),
        {"intervention": pl.String, "police_unit": pl.String, "start": pl.Date, "end": pl.Date},
    )


# --- signals ---------------------------------------------------------------------------------------


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def signal_table(signals, cutoff: dt.date, visible: pl.Series) -> pl.DataFrame:
    """(signal_id, police_unit, received_date, case_id, converted): ``signals`` (already scoped)
    received up to ``cutoff`` (local dates). A signal whose case is not among ``visible`` counts
    as converted, but its case id is not passed on: no id of an out-of-scope case leaves."""
    rows = list(
        signals.filter(received_at__lt=_local_midnight(cutoff + dt.timedelta(days=1)))
        .annotate(received_date=TruncDate("received_at"))
        .order_by()
        .values_list("pk", "police_unit__code", "received_date", "case_id")
    )
    table = frame(
        rows,
        {
            "signal_id": pl.Int64,
            "police_unit": pl.String,
            "received_date": pl.Date,
            "case_id": pl.Int64,
        },
    )
    in_tables = pl.col("case_id").is_in(visible.implode())
    return table.with_columns(
        pl.col("case_id").is_not_null().alias("converted"),
        pl.when(in_tables).then(pl.col("case_id")).otherwise(None).alias("case_id"),
    ).select("signal_id", "police_unit", "received_date", "case_id", "converted")


# --- linkage keys: capture histories ---------------------------------------------------------------

FREQUENCY = "frequency"
SOURCES: tuple[str, ...] = tuple(str(value) for value in LinkageKey.Source.values)


def capture_histories_for(cases: QuerySet[Case]) -> pl.DataFrame:
    """The capture histories of the victims linked to ``cases`` (already scoped): one row per
    observed pattern, one 0/1 Int8 column per source with at least one victim, and
    ``frequency`` (the number of victims with that pattern, Int64). No rows and only the
    frequency column when no case has a key. One query."""
    flags = {
        source: Max(
            When_(When(source=source, then=Value(1)), default=Value(0)),
            output_field=IntegerField(),
        )
        for source in SOURCES
    }
    rows = list(
        LinkageKey.objects.filter(case__in=cases.order_by().values("pk"))
        .order_by()
        .values("key")
        .annotate(**flags)
        .values_list(*SOURCES)
    )
    per_victim = pl.DataFrame(rows, schema=dict.fromkeys(SOURCES, pl.Int8), orient="row")
    present = [s for s in SOURCES if per_victim.height and per_victim[s].max() == 1]
    if not present:
        return pl.DataFrame(schema={FREQUENCY: pl.Int64})
    return (
        per_victim.group_by(present)
        .len(name=FREQUENCY)
        .with_columns(pl.col(FREQUENCY).cast(pl.Int64))
        .sort(present, descending=True)
    )


# --- cache key --------------------------------------------------------------------------------------


def data_fingerprint(cases: QuerySet[Case]) -> tuple:
    """Cheap to compute; changes whenever anything the evaluation reads changes."""
    # One scan of the cases for both their number and their latest version.
    counted = cases.order_by().aggregate(n=Count("pk"), last=Max("version"))
    return (
        counted["n"],
        counted["last"],
        ChainEvent.objects.aggregate(last=Max("pk"))["last"],
        EventWithdrawal.objects.aggregate(last=Max("pk"))["last"],
        Delivery.objects.aggregate(last=Max("pk"))["last"],
        Delivery.objects.count(),
        DeliveryWithdrawal.objects.aggregate(last=Max("pk"))["last"],
        ConsentRecord.objects.aggregate(last=Max("pk"))["last"],
        # Safety facts: a new fact (also a correction) raises their last id and number, a
        # withdrawal the last id of the withdrawals.
        tuple(SafetyFact.objects.aggregate(n=Count("pk"), last=Max("pk")).values()),
        SafetyFactWithdrawal.objects.aggregate(last=Max("pk"))["last"],
        tuple(Deployment.objects.values_list("pk", "start", "end").order_by("pk")),
        tuple(
            Deployment.police_units.through.objects.values_list(
                "deployment_id", "policeunit_id"
            ).order_by("deployment_id", "policeunit_id")
        ),
        # The intervention specs (labels, stage, phase target) are part of the result too.
        tuple(
            Intervention.objects.values_list(
                "pk", "code", "label", "chain_stage", "order", "min_important_difference"
            ).order_by("pk")
        ),
        tuple(Phase.objects.values_list("pk", "start", "target_victims").order_by("pk")),
    )


def monitor_fingerprint(cases: QuerySet[Case], signals) -> tuple:
    """data_fingerprint and what only the monitor reads: the linkage keys (the dark number) and
    the signals in scope (``signals``: a queryset or None)."""
    keys = LinkageKey.objects.filter(case__in=cases.order_by().values("pk"))
    return (
        data_fingerprint(cases),
        tuple(keys.order_by().aggregate(n=Count("pk"), last=Max("pk")).values()),
        None
        if signals is None
        else tuple(
            signals.order_by().aggregate(n=Count("pk"), v=Max("version"), p=Max("pk")).values()
        ),
    )


def dashboard_fingerprint(cases: QuerySet[Case]) -> tuple:
    """data_fingerprint and what only the pilot dashboard reads: measures and fidelity items."""
    return (
        data_fingerprint(cases),
        Measure.objects.count(),
        Measure.objects.aggregate(last=Max("pk"))["last"],
        tuple(
            FidelityItem.objects.values_list(
                "pk", "intervention_id", "code", "label", "order"
            ).order_by("pk")
        ),
        # The dashboard names the units (labels, order) itself.
        tuple(tuple(unit.values()) for unit in PoliceUnit.objects.values().order_by("pk")),
    )
