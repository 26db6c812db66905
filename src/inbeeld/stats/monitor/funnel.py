"""The chain funnel per intake year (:func:`chain_funnel`); the nesting is stats.funnel's."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import polars as pl

from inbeeld.stats.exceptions import StatsInputError
from inbeeld.stats.funnel import reached_exprs
from inbeeld.stats.monitor.counts import _years
from inbeeld.stats.monitor.tables import (
    COMPLAINT_EVENT,
    CONVICTION_OUTCOME,
    FUNNEL_STAGES,
    OUTCOME_STAGES,
    POLICE_CONTACT_EVENT,
    PROSECUTION_EVENT,
    SUMMONS_OUTCOME,
    VERDICT_EVENT,
    VERDICT_OUTCOMES,
    MonitorTables,
    _checked_signals,
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
    prosecution = pl.lit(bit[PROSECUTION_EVENT])
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
        *reached_exprs(later, prefix="reach_"),
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
