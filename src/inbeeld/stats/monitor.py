"""Monitor figures in the style of the National Rapporteur's victim monitor (Slachtoffermonitor
mensenhandel, DOMAIN §5). Pure: tables in, frozen results out.

Three kinds of figures, all on *registered* cases (registrations, not prevalence):

1. **Yearly counts** (``yearly_counts``): registered cases per intake year by exploitation form,
   minor or adult, nationality group and police unit, as a :class:`CountTable` (rows × years)
   whose ``counts`` go straight into ``stats.disclosure.protect_table``. Every year from the first
   to the last intake year is a column, also a year without cases (0).

   *Exploitation form*: a case with several forms counts **once in each of its forms**, so the
   form rows add up to more than the number of cases; the column totals of that table count
   case-forms. The separate ``total_cases`` line (``CountTable.cases_per_year``) counts each case
   once. The ``unknown`` row holds the cases recorded with form "unknown" and the cases with no
   form at all. The other breakdowns put every case in exactly one row, so their column totals
   are the cases per year.

2. **The chain funnel** (``chain_funnel``), per intake year and over all years:
   cases → first police contact → complaint → prosecution decision → summons → conviction, on the
   effective chain events (a corrected event is already replaced by its correction in the input).
   The counts are **nested**: a case counts at a stage when it reached that stage *or a later
   one* (``FunnelStage.reached``), so every count is at most the one before it and the share
   between consecutive stages lies in [0, 1]. The OM can prosecute without a complaint (trafficking
   is not a complaint offence), so "reached the complaint stage" is not "filed a complaint":
   ``FunnelStage.recorded`` is the number of cases with the stage's own event. *Summons* is a
   prosecution decision with outcome ``summons``; *conviction* a (first-instance) ``verdict``
   with outcome ``conviction`` — both need the events' ``outcome`` column and are None without
   it. Before the cases comes the signal stage when a signals table is given: the signals
   received that year and how many of them became a case (signals and cases are different
   populations — most cases do not start as a signal — so the stage stands beside the case
   funnel; its share is the conversion of signals into cases).

3. **Repeat victimisation** (``repeat_victimisation``): the cumulative incidence of a
   ``revictimisation`` event within 5 and within 7 years of the index date (the first police
   contact, else the intake date), as 1 − Kaplan–Meier with the exponential Greenwood interval
   (``stats.survival.cumulative_incidence_at``). Follow-up is censored at the data cut-off. Only
   revictimisation on or after the index date counts. A year is 365.25 days (5 years = 1,826
   days, 7 years = 2,557 days). When nobody is followed up that long the incidence is unknown:
   None with the reason. Also per minor/adult at intake.

``build_monitor`` bundles the three into a frozen :class:`MonitorReport`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from inbeeld.stats import survival
from inbeeld.stats import vocabulary as ev
from inbeeld.stats.exceptions import NotEstimable, StatsInputError
from inbeeld.stats.results import Interval
from inbeeld.stats.tables import SCHEMAS, EvaluationTables

__all__ = [
    "BREAKDOWNS",
    "FUNNEL_STAGES",
    "MONITOR_FORMS",
    "NATIONALITY_GROUPS",
    "CountTable",
    "Funnel",
    "FunnelStage",
    "FunnelYear",
    "IncidenceAt",
    "MonitorReport",
    "MonitorTables",
    "RepeatGroup",
    "RepeatVictimisation",
    "SignalStage",
    "build_monitor",
    "chain_funnel",
    "repeat_durations",
    "repeat_victimisation",
    "yearly_counts",
]

# --- vocabulary -----------------------------------------------------------------------------------

# Reference catalogue order (reference.json exploitation_forms). The first three are required
# columns of the evaluation's cases table; the other two are optional here (absent = False).
MONITOR_FORMS = ("sexual", "labour", "criminal", "organ_removal", "unknown")
OPTIONAL_FORMS = ("organ_removal", "unknown")
NATIONALITY_GROUPS = ("nl", "eu", "non_eu", "unknown")
AGE_GROUPS = ("minor", "adult")
BREAKDOWNS = ("form", "minor", "nationality", "police_unit")
TOTAL_CASES_LABEL = "total_cases"

FUNNEL_STAGES = (
    "cases",
    "police_contact",
    "complaint",
    "prosecution_decision",
    "summons",
    "conviction",
)
# The stages that need the events' outcome column.
OUTCOME_STAGES = frozenset({"summons", "conviction"})
POLICE_CONTACT_EVENT = ev.FIRST_POLICE_CONTACT
COMPLAINT_EVENT = ev.COMPLAINT_FILED
PROSECUTION_EVENT = ev.PROSECUTION_DECISION
SUMMONS_OUTCOME = ev.SUMMONS_OUTCOME
VERDICT_EVENT = ev.VERDICT
CONVICTION_OUTCOME = ev.CONVICTION_OUTCOME
# Outcome codes of 'verdict' in the reference catalogue; others found in the data follow sorted.
VERDICT_OUTCOMES = ("conviction", "acquittal", "discharge")

REVICTIMISATION_EVENT = ev.REVICTIMISATION
DAYS_PER_YEAR = 365.25
DEFAULT_HORIZONS = (5, 7)


def horizon_days(years: int | float) -> int:
    """A horizon in years as whole days (365.25 per year, rounded): 5 → 1826, 7 → 2557."""
    return int(round(years * DAYS_PER_YEAR))


# --- input tables ---------------------------------------------------------------------------------

_CASES = {**SCHEMAS["cases"], "nationality_group": pl.String}
_CASES_OPTIONAL = {f"form_{form}": pl.Boolean for form in OPTIONAL_FORMS}
_EVENTS = dict(SCHEMAS["events"])
_EVENTS_OPTIONAL = {"outcome": pl.String}
_SIGNALS = {
    "signal_id": pl.Int64,
    "police_unit": pl.String,
    "received_date": pl.Date,
    "case_id": pl.Int64,
}
_SIGNALS_OPTIONAL = {"converted": pl.Boolean}
_NULLABLE = {("events", "outcome"), ("signals", "case_id")}


def _checked(name: str, frame: pl.DataFrame, schema: dict, optional: dict) -> pl.DataFrame:
    if not isinstance(frame, pl.DataFrame):
        raise StatsInputError(f"table {name!r} must be a polars DataFrame, got {type(frame)}")
    missing = [column for column in schema if column not in frame.columns]
    if missing:
        raise StatsInputError(f"table {name!r} lacks column(s): {', '.join(missing)}")
    wanted = {**schema, **{c: t for c, t in optional.items() if c in frame.columns}}
    try:
        frame = frame.select(pl.col(c).cast(t, strict=True) for c, t in wanted.items())
    except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError) as exc:
        raise StatsInputError(f"table {name!r}: a column has the wrong type ({exc})") from exc
    for column in wanted:
        if (name, column) in _NULLABLE:
            continue
        nulls = frame.with_row_index("row").filter(pl.col(column).is_null())
        if nulls.height:
            rows = nulls.get_column("row").head(5).to_list()
            raise StatsInputError(
                f"table {name!r}: column {column!r} is empty in {nulls.height} row(s), "
                f"e.g. rows {rows}"
            )
    return frame


def _unknown_ids(frame: pl.DataFrame, known: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("case_id").is_not_null()).join(known, on="case_id", how="anti")


def _checked_signals(signals: pl.DataFrame, known: pl.DataFrame, cutoff: dt.date) -> pl.DataFrame:
    signals = _checked("signals", signals, _SIGNALS, _SIGNALS_OPTIONAL)
    if signals.get_column("signal_id").n_unique() != signals.height:
        raise StatsInputError("table 'signals': signal_id is not unique")
    stray = _unknown_ids(signals, known)
    if stray.height:
        ids = stray.get_column("case_id").unique().sort().head(5).to_list()
        raise StatsInputError(
            f"table 'signals': {stray.height} signal(s) linked to unknown cases, e.g. {ids} "
            "(a signal whose case is out of scope has case_id null and converted true)"
        )
    if "converted" in signals.columns:
        bad = signals.filter(pl.col("case_id").is_not_null() & ~pl.col("converted"))
        if bad.height:
            raise StatsInputError(
                f"table 'signals': {bad.height} signal(s) linked to a case but not marked converted"
            )
    else:
        signals = signals.with_columns(pl.col("case_id").is_not_null().alias("converted"))
    late = signals.filter(pl.col("received_date") > cutoff)
    if late.height:
        raise StatsInputError(
            f"table 'signals': {late.height} signal(s) received after the cut-off "
            f"{cutoff.isoformat()}"
        )
    return signals


@dataclass(frozen=True)
class MonitorTables:
    """The monitor's input: the evaluation's cases table with ``nationality_group`` (nl, eu,
    non_eu, unknown) and optionally ``form_organ_removal`` / ``form_unknown``; the effective chain
    events with an optional ``outcome`` column (null where the event has no outcome); the data
    cut-off; and optionally the signals in scope (signal_id, police_unit, received_date, case_id —
    null when the signal did not become a case *visible in these tables* — and optionally
    ``converted``: the signal became a case, also one outside the tables; default: case_id is
    set). Use :meth:`build`: it validates and normalises."""

    cases: pl.DataFrame
    events: pl.DataFrame
    cutoff: dt.date
    signals: pl.DataFrame | None = None

    @property
    def has_outcomes(self) -> bool:
        return "outcome" in self.events.columns

    @classmethod
    def build(
        cls,
        *,
        cases: pl.DataFrame,
        events: pl.DataFrame,
        cutoff: dt.date,
        signals: pl.DataFrame | None = None,
    ) -> MonitorTables:
        """Validated tables: every column present with its type, no empty required value, case
        ids and signal ids unique, nationality groups known, every event and every linked signal
        of a known case, nothing after the cut-off, a linked signal marked converted."""
        if not isinstance(cutoff, dt.date) or isinstance(cutoff, dt.datetime):
            raise StatsInputError(f"cutoff must be a date, got {cutoff!r}")
        cases = _checked("cases", cases, _CASES, _CASES_OPTIONAL)
        for column in _CASES_OPTIONAL:
            if column not in cases.columns:
                cases = cases.with_columns(pl.lit(False).alias(column))
        events = _checked("events", events, _EVENTS, _EVENTS_OPTIONAL)
        if cases.get_column("case_id").n_unique() != cases.height:
            raise StatsInputError("table 'cases': case_id is not unique")
        wrong = cases.filter(~pl.col("nationality_group").is_in(NATIONALITY_GROUPS))
        if wrong.height:
            values = sorted(set(wrong.get_column("nationality_group").to_list()))[:5]
            raise StatsInputError(
                f"table 'cases': nationality_group must be one of {', '.join(NATIONALITY_GROUPS)}; "
                f"{wrong.height} row(s) have {values}"
            )
        known = cases.select("case_id")
        stray = _unknown_ids(events, known)
        if stray.height:
            ids = stray.get_column("case_id").unique().sort().head(5).to_list()
            raise StatsInputError(
                f"table 'events': {stray.height} row(s) of unknown cases, e.g. {ids}"
            )
        late = events.filter(pl.col("date") > cutoff)
        if late.height:
            raise StatsInputError(
                f"table 'events': {late.height} event(s) after the cut-off {cutoff.isoformat()}"
            )
        if signals is not None:
            signals = _checked_signals(signals, known, cutoff)
        return cls(cases, events, cutoff, signals)

    @classmethod
    def from_evaluation(
        cls,
        tables: EvaluationTables,
        case_extra: pl.DataFrame,
        *,
        outcomes: pl.DataFrame | None = None,
        replace: Sequence[str] | None = None,
        signals: pl.DataFrame | None = None,
    ) -> MonitorTables:
        """The monitor tables from the evaluation's.

        ``case_extra`` (case_id, nationality_group and optionally form_organ_removal /
        form_unknown) is joined onto the cases; a case without a row is nationality 'unknown'
        without those forms. ``outcomes``, when given, are events with their outcome (case_id,
        event, date, outcome) and replace the evaluation's events of the codes in ``replace``
        (default: the codes that occur in ``outcomes``); without it the events have no outcome
        column, so summons and conviction cannot be counted."""
        wanted = {"case_id": pl.Int64, "nationality_group": pl.String} | {
            c: t for c, t in _CASES_OPTIONAL.items() if c in getattr(case_extra, "columns", ())
        }
        if not isinstance(case_extra, pl.DataFrame) or not {
            "case_id",
            "nationality_group",
        } <= set(case_extra.columns):
            raise StatsInputError("case_extra needs the columns case_id and nationality_group")
        if case_extra.get_column("case_id").n_unique() != case_extra.height:
            raise StatsInputError("case_extra: case_id is not unique")
        cases = tables.cases.join(
            case_extra.select(pl.col(c).cast(t) for c, t in wanted.items()),
            on="case_id",
            how="left",
        ).with_columns(
            pl.col("nationality_group").fill_null("unknown"),
            *(pl.col(c).fill_null(False) for c in wanted if c in _CASES_OPTIONAL),
        )
        events = tables.events
        if outcomes is not None:
            outcomes = _checked("events", outcomes, _EVENTS, _EVENTS_OPTIONAL)
            if "outcome" not in outcomes.columns:
                raise StatsInputError("outcomes needs an outcome column")
            codes = outcomes.get_column("event").unique().to_list() if replace is None else replace
            events = pl.concat(
                [
                    events.filter(~pl.col("event").is_in(list(codes))).with_columns(
                        pl.lit(None, dtype=pl.String).alias("outcome")
                    ),
                    outcomes,
                ],
                how="vertical",
            )
        return cls.build(cases=cases, events=events, cutoff=tables.cutoff, signals=signals)


# --- yearly counts --------------------------------------------------------------------------------


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class CountTable:
    """Registered cases by one breakdown (rows) and intake year (columns).

    ``counts`` (int64, rows × years, read-only) is the table for disclosure control:
    ``protect_table(t.counts, t.row_labels, t.col_labels)``; ``row_totals`` and
    ``column_totals`` are its margins. When ``overlapping`` (exploitation form: a case with
    several forms counts in each) the margins count case-forms, not cases; ``cases_per_year`` is
    always the number of distinct cases per year (the ``total_cases`` line, to be protected on its
    own, e.g. with ``protect_one_way``). Otherwise ``cases_per_year == column_totals``.
    """

    by: str
    row_labels: tuple[str, ...]
    years: tuple[int, ...]
    counts: np.ndarray
    cases_per_year: np.ndarray
    overlapping: bool
    note: str = ""

    @property
    def col_labels(self) -> tuple[str, ...]:
        return tuple(str(year) for year in self.years)

    @property
    def row_totals(self) -> np.ndarray:
        return self.counts.sum(axis=1)

    @property
    def column_totals(self) -> np.ndarray:
        return self.counts.sum(axis=0)

    @property
    def grand_total(self) -> int:
        return int(self.counts.sum())

    @property
    def total_cases(self) -> int:
        return int(self.cases_per_year.sum())

    def count(self, row: str, year: int | None = None) -> int:
        """One cell; ``year=None`` gives the row total."""
        if row not in self.row_labels:
            raise StatsInputError(f"no row {row!r}; rows: {', '.join(self.row_labels)}")
        i = self.row_labels.index(row)
        if year is None:
            return int(self.counts[i].sum())
        if year not in self.years:
            raise StatsInputError(f"no year {year!r}; years: {self.years}")
        return int(self.counts[i, self.years.index(year)])

    def to_frame(self, total_label: str = "total") -> pl.DataFrame:
        """The table with a row-total column; for an overlapping breakdown a last line
        ``total_cases`` counts each case once."""
        columns: dict[str, list] = {self.by: list(self.row_labels)}
        for j, label in enumerate(self.col_labels):
            columns[label] = [int(v) for v in self.counts[:, j]]
        columns[total_label] = [int(v) for v in self.row_totals]
        frame = pl.DataFrame(
            columns, schema={self.by: pl.String} | {c: pl.Int64 for c in list(columns)[1:]}
        )
        if self.overlapping:
            last = {self.by: [TOTAL_CASES_LABEL]}
            last |= {
                label: [int(v)]
                for label, v in zip(self.col_labels, self.cases_per_year, strict=True)
            }
            last[total_label] = [self.total_cases]
            frame = pl.concat([frame, pl.DataFrame(last, schema=frame.schema)])
        return frame


def _years(tables: MonitorTables, *, with_signals: bool = False) -> tuple[int, ...]:
    found = set(tables.cases.get_column("intake_date").dt.year().unique().to_list())
    if with_signals and tables.signals is not None:
        found |= set(tables.signals.get_column("received_date").dt.year().unique().to_list())
    if not found:
        return ()
    return tuple(range(min(found), max(found) + 1))


def _matrix(long: pl.DataFrame, rows: Sequence[str], years: Sequence[int]) -> np.ndarray:
    """Counts of (label, year) pairs as a rows × years matrix."""
    out = np.zeros((len(rows), len(years)), dtype=np.int64)
    if long.height == 0 or not rows or not years:
        return out
    grouped = long.group_by("label", "year").len()
    row_index = {label: i for i, label in enumerate(rows)}
    first = years[0]
    labels = grouped.get_column("label").to_list()
    i = np.fromiter((row_index[label] for label in labels), dtype=np.int64, count=len(labels))
    j = grouped.get_column("year").to_numpy().astype(np.int64) - first
    out[i, j] = grouped.get_column("len").to_numpy()
    return out


def yearly_counts(tables: MonitorTables, by: str) -> CountTable:
    """Registered cases per intake year by ``by``: 'form' (exploitation form; a case counts once
    per form), 'minor' (minor/adult at intake), 'nationality' (nationality group) or
    'police_unit'. See the module docstring for the conventions."""
    if by not in BREAKDOWNS:
        raise StatsInputError(f"by must be one of {', '.join(BREAKDOWNS)}, got {by!r}")
    years = _years(tables)
    cases = tables.cases.with_columns(pl.col("intake_date").dt.year().alias("year"))
    overlapping, note = False, ""
    if by == "form":
        rows: tuple[str, ...] = MONITOR_FORMS
        no_form = ~pl.any_horizontal(*(pl.col(f"form_{form}") for form in MONITOR_FORMS))
        parts = []
        for form in MONITOR_FORMS:
            member = pl.col(f"form_{form}")
            if form == "unknown":
                member = member | no_form
            parts.append(cases.filter(member).select(pl.lit(form).alias("label"), "year"))
        long = pl.concat(parts)
        overlapping = True
        note = (
            "A case with several exploitation forms counts once in each of its forms: the rows "
            "add up to more than the number of cases. The line 'total_cases' counts each case "
            "once. 'unknown' includes cases without a recorded form."
        )
    elif by == "minor":
        rows = AGE_GROUPS
        long = cases.select(
            pl.when(pl.col("minor"))
            .then(pl.lit("minor"))
            .otherwise(pl.lit("adult"))
            .alias("label"),
            "year",
        )
    elif by == "nationality":
        rows = NATIONALITY_GROUPS
        long = cases.select(pl.col("nationality_group").alias("label"), "year")
    else:
        rows = tuple(sorted(cases.get_column("police_unit").unique().to_list()))
        long = cases.select(pl.col("police_unit").alias("label"), "year")
    counts = _matrix(long, rows, years)
    per_year = _matrix(cases.select(pl.lit("all").alias("label"), "year"), ("all",), years)[0]
    return CountTable(
        by=by,
        row_labels=tuple(rows),
        years=years,
        counts=_frozen(counts),
        cases_per_year=_frozen(per_year),
        overlapping=overlapping,
        note=note,
    )


# --- the chain funnel -----------------------------------------------------------------------------


def _share(numerator: int | None, denominator: int | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


@dataclass(frozen=True)
class FunnelStage:
    """One stage of the case funnel. ``reached``: cases that reached this stage or a later one
    (nested); ``recorded``: cases with the stage's own event; ``share``: ``reached`` over the
    previous stage's ``reached`` (None for the first stage, a zero denominator, or a stage that
    cannot be counted). ``reached``/``recorded`` are None when the stage needs the events'
    outcome column and it is absent."""

    code: str
    reached: int | None
    recorded: int | None
    share: float | None


@dataclass(frozen=True)
class SignalStage:
    """Signals received in the period, how many became a case (also a case outside the tables'
    scope), and how many of the period's registered cases started as one of these signals."""

    signals: int
    converted: int
    cases_from_signal: int

    @property
    def converted_share(self) -> float | None:
        return _share(self.converted, self.signals)


@dataclass(frozen=True)
class FunnelYear:
    """The funnel of one intake year (``year=None``: all years). ``verdicts``: per verdict outcome
    the cases with at least one first-instance verdict of that outcome (empty without the
    outcome column); a case can have several verdicts (several suspects)."""

    year: int | None
    stages: tuple[FunnelStage, ...]
    signals: SignalStage | None = None
    verdicts: tuple[tuple[str, int], ...] = ()

    def stage(self, code: str) -> FunnelStage:
        for stage in self.stages:
            if stage.code == code:
                return stage
        raise StatsInputError(f"no stage {code!r}; stages: {', '.join(FUNNEL_STAGES)}")

    @property
    def cases(self) -> int:
        return int(self.stages[0].reached or 0)

    def verdict_count(self, outcome: str) -> int:
        return dict(self.verdicts).get(outcome, 0)


@dataclass(frozen=True)
class Funnel:
    years: tuple[FunnelYear, ...]
    total: FunnelYear
    has_outcomes: bool
    has_signals: bool
    note: str = ""

    def year(self, year: int | None) -> FunnelYear:
        if year is None:
            return self.total
        for row in self.years:
            if row.year == year:
                return row
        raise StatsInputError(f"no year {year!r} in the funnel")


def _case_flags(tables: MonitorTables) -> pl.DataFrame:
    """Per case: year and one boolean per funnel stage (the stage's own event).

    Each event row gets the bit of its stage (bit k-1 for FUNNEL_STAGES[k]); one bitwise OR per
    case, then the bits are unpacked."""
    stages = [code for code in FUNNEL_STAGES[1:] if code not in OUTCOME_STAGES]
    bit = {code: 1 << k for k, code in enumerate(FUNNEL_STAGES[1:])}
    event = pl.col("event")
    row_bits = (
        pl.when(event == POLICE_CONTACT_EVENT)
        .then(bit["police_contact"])
        .when(event == COMPLAINT_EVENT)
        .then(bit["complaint"])
        .otherwise(0)
    )
    prosecution = pl.lit(bit["prosecution_decision"])
    verdict = pl.lit(0)
    if tables.has_outcomes:
        stages += ["summons", "conviction"]
        outcome = pl.col("outcome")
        prosecution = prosecution | pl.when(outcome == SUMMONS_OUTCOME).then(
            bit["summons"]
        ).otherwise(0)
        verdict = pl.when(outcome == CONVICTION_OUTCOME).then(bit["conviction"]).otherwise(0)
    row_bits = (
        pl.when(event == PROSECUTION_EVENT)
        .then(prosecution)
        .when(event == VERDICT_EVENT)
        .then(verdict)
        .otherwise(row_bits)
        .fill_null(0)
        .cast(pl.Int32)
    )
    relevant = tables.events.filter(
        event.is_in([POLICE_CONTACT_EVENT, COMPLAINT_EVENT, PROSECUTION_EVENT, VERDICT_EVENT])
    )
    per_case = relevant.group_by("case_id").agg(row_bits.bitwise_or().alias("bits"))
    frame = tables.cases.select("case_id", pl.col("intake_date").dt.year().alias("year")).join(
        per_case, on="case_id", how="left"
    )
    bits = pl.col("bits").fill_null(0)
    return frame.select(
        "case_id", "year", *(((bits & bit[code]) != 0).alias(code) for code in stages)
    )


def _verdict_outcomes(tables: MonitorTables) -> pl.DataFrame:
    """(case_id, year, outcome): distinct first-instance verdict outcomes per case."""
    verdicts = (
        tables.events.filter((pl.col("event") == VERDICT_EVENT) & pl.col("outcome").is_not_null())
        .select("case_id", "outcome")
        .unique()
    )
    return verdicts.join(
        tables.cases.select("case_id", pl.col("intake_date").dt.year().alias("year")),
        on="case_id",
    )


def _stage_sums(flags: pl.DataFrame, available: tuple[str, ...]) -> pl.DataFrame:
    """Per intake year: the number of cases, and per available stage ``rec_<code>`` (cases with
    the stage's own event) and ``reach_<code>`` (the event of that stage or any later one)."""
    later = list(available)
    per_case = flags.select(
        "year",
        *(pl.col(code).alias(f"rec_{code}") for code in later),
        *(
            pl.any_horizontal(*(pl.col(c) for c in later[k:])).alias(f"reach_{code}")
            for k, code in enumerate(later)
        ),
    )
    return per_case.group_by("year").agg(
        pl.len().alias("cases"),
        *(pl.col(c).sum() for c in per_case.columns if c != "year"),
    )


def _funnel_year(
    year: int | None,
    sums: dict | None,
    available: tuple[str, ...],
    verdicts: dict[str, int] | None,
    signals: SignalStage | None,
) -> FunnelYear:
    cases = int(sums["cases"]) if sums else 0
    stages = [FunnelStage("cases", cases, cases, None)]
    previous: int | None = cases
    for code in FUNNEL_STAGES[1:]:
        if code in available:
            reached = int(sums[f"reach_{code}"]) if sums else 0
            recorded = int(sums[f"rec_{code}"]) if sums else 0
        else:
            reached = recorded = None
        stages.append(FunnelStage(code, reached, recorded, _share(reached, previous)))
        previous = reached
    verdict_counts: tuple[tuple[str, int], ...] = ()
    if verdicts is not None:
        order = [*VERDICT_OUTCOMES, *sorted(set(verdicts) - set(VERDICT_OUTCOMES))]
        verdict_counts = tuple((code, int(verdicts.get(code, 0))) for code in order)
    return FunnelYear(year, tuple(stages), signals, verdict_counts)


def _signal_stages(tables: MonitorTables, flags: pl.DataFrame) -> dict[int | None, SignalStage]:
    """Per year received (None: all years) the signal stage; empty without signals."""
    if tables.signals is None:
        return {}
    signals = tables.signals.with_columns(pl.col("received_date").dt.year().alias("year"))
    linked = signals.filter(pl.col("case_id").is_not_null()).select("case_id").unique()
    from_signal = dict(
        flags.select("case_id", "year")
        .join(linked, on="case_id")
        .group_by("year")
        .len()
        .iter_rows()
    )
    per_year = signals.group_by("year").agg(
        pl.len().alias("signals"), pl.col("converted").sum().alias("converted")
    )
    out: dict[int | None, SignalStage] = {}
    for year in set(per_year.get_column("year").to_list()) | set(from_signal):
        row = per_year.filter(pl.col("year") == year)
        out[year] = SignalStage(
            signals=int(row.get_column("signals").sum()),
            converted=int(row.get_column("converted").sum()),
            cases_from_signal=int(from_signal.get(year, 0)),
        )
    out[None] = SignalStage(
        signals=signals.height,
        converted=int(signals.get_column("converted").sum()),
        cases_from_signal=int(sum(from_signal.values())),
    )
    return out


def chain_funnel(tables: MonitorTables, signals: pl.DataFrame | None = None) -> Funnel:
    """The funnel signal → case → first police contact → complaint → prosecution decision →
    summons → conviction, per intake year (signals: per year received) and over all years.
    ``signals``, when given, is validated like ``MonitorTables.signals`` and used instead."""
    if signals is not None:
        tables = dataclasses.replace(
            tables, signals=_checked_signals(signals, tables.cases.select("case_id"), tables.cutoff)
        )
    available = tuple(
        code for code in FUNNEL_STAGES[1:] if code not in OUTCOME_STAGES or tables.has_outcomes
    )
    flags = _case_flags(tables)
    by_year = {row["year"]: row for row in _stage_sums(flags, available).iter_rows(named=True)}
    overall = _stage_sums(flags.with_columns(pl.lit(0).alias("year")), available)
    total_sums = overall.row(0, named=True) if overall.height else None
    verdicts_by_year: dict[int | None, dict[str, int]] | None = None
    if tables.has_outcomes:
        verdicts = _verdict_outcomes(tables)
        verdicts_by_year = {None: dict(verdicts.group_by("outcome").len().iter_rows())}
        for year, outcome, n in verdicts.group_by("year", "outcome").len().iter_rows():
            verdicts_by_year.setdefault(year, {})[outcome] = n
    signal_stages = _signal_stages(tables, flags)
    has_signals = tables.signals is not None

    def verdicts_of(year: int | None) -> dict[str, int] | None:
        return None if verdicts_by_year is None else verdicts_by_year.get(year, {})

    def signals_of(year: int | None) -> SignalStage | None:
        return signal_stages.get(year, SignalStage(0, 0, 0)) if has_signals else None

    rows = tuple(
        _funnel_year(year, by_year.get(year), available, verdicts_of(year), signals_of(year))
        for year in _years(tables, with_signals=True)
    )
    total = _funnel_year(None, total_sums, available, verdicts_of(None), signals_of(None))
    note = (
        "Nested counts: a case counts at a stage when it reached that stage or a later one "
        "('recorded': cases with the stage's own event). Summons: a prosecution decision with "
        "outcome summons; conviction: a first-instance verdict with outcome conviction."
    )
    if not tables.has_outcomes:
        note += " Without event outcomes summons and conviction cannot be counted."
    return Funnel(
        years=rows,
        total=total,
        has_outcomes=tables.has_outcomes,
        has_signals=tables.signals is not None,
        note=note,
    )


# --- repeat victimisation -------------------------------------------------------------------------


def repeat_durations(tables: MonitorTables) -> pl.DataFrame:
    """Per case followed up (index date on or before the cut-off): case_id, minor, index_date,
    ``days`` (to the first revictimisation on or after the index date, else to the cut-off) and
    ``observed`` (a revictimisation was recorded)."""
    events = tables.events
    contact = (
        events.filter(pl.col("event") == POLICE_CONTACT_EVENT)
        .group_by("case_id")
        .agg(pl.col("date").min().alias("contact"))
    )
    frame = (
        tables.cases.select("case_id", "minor", "intake_date")
        .join(contact, on="case_id", how="left")
        .with_columns(pl.coalesce("contact", "intake_date").alias("index_date"))
        .filter(pl.col("index_date") <= tables.cutoff)
    )
    again = (
        events.filter(pl.col("event") == REVICTIMISATION_EVENT)
        .join(frame.select("case_id", "index_date"), on="case_id")
        .filter(pl.col("date") >= pl.col("index_date"))
        .group_by("case_id")
        .agg(pl.col("date").min().alias("revictimised"))
    )
    frame = frame.join(again, on="case_id", how="left")
    end = pl.coalesce("revictimised", pl.lit(tables.cutoff))
    return frame.select(
        "case_id",
        "minor",
        "index_date",
        (end - pl.col("index_date")).dt.total_days().alias("days"),
        pl.col("revictimised").is_not_null().alias("observed"),
    ).sort("case_id")


@dataclass(frozen=True)
class IncidenceAt:
    """The cumulative incidence within ``years`` (``days``): ``estimate`` (None with ``reason``
    when it cannot be estimated), ``at_risk`` (cases still followed, without revictimisation, at
    that time: duration >= days) and ``events`` (revictimisations within it)."""

    years: float
    days: int
    estimate: Interval | None
    at_risk: int
    events: int
    reason: str = ""


@dataclass(frozen=True)
class RepeatGroup:
    group: str  # "all", "minor" or "adult"
    n: int
    n_events: int
    horizons: tuple[IncidenceAt, ...]

    @property
    def n_censored(self) -> int:
        return self.n - self.n_events

    def at(self, years: float) -> IncidenceAt:
        for horizon in self.horizons:
            if horizon.years == years:
                return horizon
        raise StatsInputError(f"no horizon of {years} years")


@dataclass(frozen=True)
class RepeatVictimisation:
    groups: tuple[RepeatGroup, ...]  # all, minor, adult
    n_excluded: int  # cases whose index date lies after the cut-off (no follow-up)
    cutoff: dt.date
    confidence: float
    method: str

    @property
    def overall(self) -> RepeatGroup:
        return self.groups[0]

    def group(self, name: str) -> RepeatGroup:
        for group in self.groups:
            if group.group == name:
                return group
        raise StatsInputError(f"no group {name!r}; groups: all, {', '.join(AGE_GROUPS)}")


def _incidence(
    days: np.ndarray, observed: np.ndarray, years: float, confidence: float
) -> IncidenceAt:
    t = horizon_days(years)
    at_risk = int(np.count_nonzero(days >= t))
    events = int(np.count_nonzero(observed & (days <= t)))
    if days.size == 0:
        return IncidenceAt(years, t, None, 0, 0, "no cases")
    try:
        interval = survival.cumulative_incidence_at(days, observed, t, confidence)
    except NotEstimable as exc:
        return IncidenceAt(years, t, None, at_risk, events, str(exc))
    return IncidenceAt(years, t, interval, at_risk, events)


def repeat_victimisation(
    tables: MonitorTables,
    *,
    horizons: Sequence[float] = DEFAULT_HORIZONS,
    confidence: float = 0.95,
) -> RepeatVictimisation:
    """Cumulative incidence of revictimisation within each horizon (years) of the index date,
    censored at the cut-off, overall and for minors and adults (see the module docstring)."""
    if not 0 < confidence < 1:
        raise StatsInputError(f"confidence must be between 0 and 1, got {confidence}")
    for years in horizons:
        if not isinstance(years, int | float) or not math.isfinite(years) or years <= 0:
            raise StatsInputError(f"horizons must be positive numbers of years, got {years!r}")
    frame = repeat_durations(tables)
    days = frame.get_column("days").to_numpy().astype(np.float64)
    observed = frame.get_column("observed").to_numpy().astype(bool)
    minor = frame.get_column("minor").to_numpy().astype(bool)
    groups = []
    for name, mask in (
        ("all", np.ones(days.size, dtype=bool)),
        ("minor", minor),
        ("adult", ~minor),
    ):
        d, e = days[mask], observed[mask]
        groups.append(
            RepeatGroup(
                group=name,
                n=int(d.size),
                n_events=int(e.sum()),
                horizons=tuple(_incidence(d, e, years, confidence) for years in horizons),
            )
        )
    return RepeatVictimisation(
        groups=tuple(groups),
        n_excluded=tables.cases.height - frame.height,
        cutoff=tables.cutoff,
        confidence=confidence,
        method=(
            "1 - Kaplan-Meier from the index date (first police contact, else intake) to the "
            "first revictimisation, censored at the data cut-off; exponential Greenwood interval"
        ),
    )


# --- the report -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonitorReport:
    cutoff: dt.date
    n_cases: int
    by_form: CountTable
    by_minor: CountTable
    by_nationality: CountTable
    by_police_unit: CountTable
    funnel: Funnel
    repeat_victimisation: RepeatVictimisation

    def counts(self, by: str) -> CountTable:
        if by not in BREAKDOWNS:
            raise StatsInputError(f"by must be one of {', '.join(BREAKDOWNS)}, got {by!r}")
        return getattr(self, f"by_{by}")


def build_monitor(
    tables: MonitorTables,
    *,
    horizons: Sequence[float] = DEFAULT_HORIZONS,
    confidence: float = 0.95,
) -> MonitorReport:
    """Every monitor figure of ``tables``."""
    if not isinstance(tables, MonitorTables):
        raise StatsInputError(f"build_monitor needs MonitorTables, got {type(tables).__name__}")
    return MonitorReport(
        cutoff=tables.cutoff,
        n_cases=tables.cases.height,
        by_form=yearly_counts(tables, "form"),
        by_minor=yearly_counts(tables, "minor"),
        by_nationality=yearly_counts(tables, "nationality"),
        by_police_unit=yearly_counts(tables, "police_unit"),
        funnel=chain_funnel(tables),
        repeat_victimisation=repeat_victimisation(tables, horizons=horizons, confidence=confidence),
    )
