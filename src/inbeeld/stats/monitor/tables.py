"""The monitor's vocabulary (forms, groups, funnel stages, event codes from stats.vocabulary) and its
input tables (:class:`MonitorTables`), validated up front."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from inbeeld.stats import vocabulary as ev
from inbeeld.stats.exceptions import StatsInputError
from inbeeld.stats.tables import SCHEMAS, EvaluationTables

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
    ev.PROSECUTION_DECISION,  # the stage is named after its event
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
