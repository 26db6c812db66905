"""Lead-time mining for any event log: directly-follows relations with their durations, variants,
start and end activities, case durations, lead times between the first occurrences of stages, and
the bottleneck.

The input is an event table (a polars DataFrame) with the columns

- ``case_id`` (String, Categorical or integer): the case the event belongs to;
- ``activity`` (String or Categorical): what happened;
- ``timestamp`` (Datetime, any unit, with or without a time zone): when it happened,

as ``inbeeld.stats.xes.read_xes`` returns and ``inbeeld.analysis`` builds from the chain events,
and optionally

- ``start_timestamp`` (Datetime): for an interval log, when the event started (``timestamp`` is
  then its completion); an empty value means the event started when it completed.

Other columns are ignored. The table is validated up front (``StatsInputError`` names the missing
column, the wrong type or the rows with an empty value).

Order of events: the events of a case are put in timestamp order, stably, so that events with the
same timestamp keep the order of the table (for an XES log: the order of the file). This is the
order of pm4py's directly-follows discovery (a stable ``sort_values([case, timestamp])``), and
every figure here (directly-follows, variants, start and end activities, case durations, stage lead
times) uses this one order. pm4py 2.7 computes variants, start and end activities and case
durations from the row order of its DataFrame instead (its variant sort is discarded; its case
duration is last row minus first row). On a table whose rows are in time order within each case
(as XES files are usually written, and the road-traffic log is) all figures are the same as
pm4py's; on one that is not, pm4py's variants and case durations contradict its own
directly-follows graph (a case duration can even come out negative), ours do not.

Interval logs (a ``start_timestamp`` column) are mined as pm4py 2.7 mines a DataFrame with that
column: the events of a case are ordered by (start, completion), stably; the wait of a
directly-follows pair is the start of the later event minus the completion of the earlier one
(``pm4py.discover_performance_dfg``; negative when the two overlap, as in pm4py); variants and
start and end activities follow that order; the case duration is the completion of the case's
last event minus the completion of its first event in that order (``get_all_case_durations``
without a start-timestamp key: the time spent in the first event is not counted). Stage lead times
run from completion to completion. Without the column every event starts when it completes and
all of this reduces to the instantaneous case.

Durations: directly-follows figures are in seconds (as pm4py reports them); case durations and
stage lead times are in days (86,400 seconds). Quantiles are linearly interpolated (numpy's
default, pandas' and pm4py's median). The implementation is columnar (polars group-by over the
sorted table, shifts within cases, numpy over per-case arrays); pm4py is only the test oracle.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from inbeeld.stats.exceptions import NotEstimable, StatsInputError

CASE_ID = "case_id"
ACTIVITY = "activity"
TIMESTAMP = "timestamp"
START_TIMESTAMP = "start_timestamp"
COLUMNS = (CASE_ID, ACTIVITY, TIMESTAMP)
SECONDS_PER_DAY = 86_400.0
_UNITS_PER_SECOND = {"ns": 1e9, "us": 1e6, "ms": 1e3}


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectlyFollows:
    """``target`` directly follows ``source`` in a case ``count`` times; the waiting times between
    the two events, in seconds: mean, median, min, max and their total (sum)."""

    source: str
    target: str
    count: int
    mean: float
    median: float
    min: float
    max: float
    total: float

    @property
    def total_days(self) -> float:
        """Case-days spent between the two activities, summed over all cases."""
        return self.total / SECONDS_PER_DAY

    @property
    def mean_days(self) -> float:
        return self.mean / SECONDS_PER_DAY

    @property
    def median_days(self) -> float:
        return self.median / SECONDS_PER_DAY


@dataclass(frozen=True)
class Variant:
    """A distinct sequence of activities and the number of cases that followed it."""

    activities: tuple[str, ...]
    count: int


@dataclass(frozen=True)
class DurationSummary:
    """Descriptive statistics of a set of durations in days; NaN when ``n`` is 0."""

    n: int
    mean: float
    median: float
    q1: float
    q3: float
    p90: float
    min: float
    max: float

    @classmethod
    def of(cls, days: np.ndarray) -> DurationSummary:
        days = np.asarray(days, dtype=np.float64)
        if days.size == 0:
            nan = math.nan
            return cls(0, nan, nan, nan, nan, nan, nan, nan)
        q1, median, q3, p90 = np.percentile(days, [25.0, 50.0, 75.0, 90.0])
        return cls(
            n=int(days.size),
            mean=float(days.mean()),
            median=float(median),
            q1=float(q1),
            q3=float(q3),
            p90=float(p90),
            min=float(days.min()),
            max=float(days.max()),
        )


@dataclass(frozen=True)
class StageLeadTime:
    """Lead time from stage ``source`` to stage ``target``: from the first occurrence of
    ``source`` in a case to the first occurrence of ``target`` in the same case.

    - ``reached``: cases in which ``source`` occurs;
    - ``completed``: days, for the cases in which ``target`` also occurs, after ``source``;
    - ``censored``: days from ``source`` to the case's last event, for the cases that reached
      ``source`` but (not yet) ``target``. These are right-censored lead times: the summary here
      is descriptive only (it understates the lead time); the survival module estimates with
      censoring (Kaplan–Meier) from ``stage_durations``;
    - ``out_of_order``: cases whose first ``target`` comes before their first ``source`` (not
      counted as completed or censored).

    ``end_to_end`` marks the pair (first stage, last stage).
    """

    source: str
    target: str
    end_to_end: bool
    reached: int
    completed: DurationSummary
    censored: DurationSummary
    out_of_order: int

    @property
    def n(self) -> int:
        return self.completed.n

    @property
    def n_censored(self) -> int:
        return self.censored.n


@dataclass(frozen=True)
class MiningResult:
    """Everything ``mine`` finds in an event log. Directly-follows waits are in seconds, case
    durations and stage lead times in days; ``start_activities``/``end_activities`` are
    (activity, number of cases) pairs, most frequent first; ``bottleneck`` is None when no case
    has two events; ``stage_lead_times`` is empty when no stages were given."""

    n_events: int
    n_cases: int
    activities: tuple[str, ...]
    directly_follows: tuple[DirectlyFollows, ...]
    variants: tuple[Variant, ...]
    start_activities: tuple[tuple[str, int], ...]
    end_activities: tuple[tuple[str, int], ...]
    case_durations: DurationSummary
    bottleneck: DirectlyFollows | None
    stages: tuple[str, ...]
    stage_lead_times: tuple[StageLeadTime, ...]


# --- the prepared log -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Log:
    """The events in case order, stably time-ordered within each case.

    ``events``: case (0-based case number), case_id, activity, t (Int64 timestamp in the
    column's unit), s (the start, likewise; t when the log has no start times); as numpy arrays:
    ``case`` and ``t`` per event, ``first``/``last`` per case
    (the row of its first and last event); ``per_second``: units of ``t`` per second."""

    events: pl.DataFrame
    case: np.ndarray
    t: np.ndarray
    first: np.ndarray
    last: np.ndarray
    per_second: float

    @property
    def n_cases(self) -> int:
        return int(self.first.size)

    def seconds(self, later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
        return (later - earlier).astype(np.float64) / self.per_second

    def days(self, later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
        return self.seconds(later, earlier) / SECONDS_PER_DAY


def _rows(mask: pl.Series, limit: int = 5) -> str:
    rows = mask.arg_true().head(limit).to_list()
    more = " ..." if mask.sum() > limit else ""
    return ", ".join(str(r) for r in rows) + more


def _validated(log: object) -> pl.DataFrame:
    if not isinstance(log, pl.DataFrame):
        raise StatsInputError(f"the event log must be a polars DataFrame, not {type(log).__name__}")
    missing = [c for c in COLUMNS if c not in log.columns]
    if missing:
        raise StatsInputError(
            f"the event log lacks column(s) {', '.join(missing)}; it needs "
            f"{', '.join(COLUMNS)} (it has: {', '.join(log.columns) or 'none'})"
        )
    schema = log.schema
    case_type, activity_type, time_type = (schema[c] for c in COLUMNS)
    textual = (pl.String, pl.Categorical, pl.Enum)
    if not (isinstance(case_type, textual) or case_type.is_integer()):
        raise StatsInputError(f"column case_id must hold text or integers, not {case_type}")
    if not isinstance(activity_type, textual):
        raise StatsInputError(f"column activity must hold text, not {activity_type}")
    if not isinstance(time_type, pl.Datetime):
        raise StatsInputError(
            f"column timestamp must be a Datetime, not {time_type} "
            "(parse it first, e.g. with str.to_datetime)"
        )
    frame = log.select(COLUMNS)
    for column in COLUMNS:
        empty = frame.get_column(column).is_null()
        if empty.any():
            raise StatsInputError(
                f"column {column} is empty in {empty.sum()} row(s): rows {_rows(empty)}"
            )
    start = _start_column(log, time_type)
    return frame.with_columns(start.fill_null(frame.get_column(TIMESTAMP)))


def _start_column(log: pl.DataFrame, time_type: pl.Datetime) -> pl.Series:
    """The start times in the unit and time zone of ``timestamp`` (its copy when absent)."""
    if START_TIMESTAMP not in log.columns:
        return log.get_column(TIMESTAMP).alias(START_TIMESTAMP)
    start = log.get_column(START_TIMESTAMP)
    start_type = start.dtype
    if not isinstance(start_type, pl.Datetime):
        raise StatsInputError(f"column start_timestamp must be a Datetime, not {start_type}")
    if (start_type.time_zone is None) != (time_type.time_zone is None):
        raise StatsInputError(
            "columns start_timestamp and timestamp must both have a time zone or both have none"
        )
    if time_type.time_zone is not None:
        start = start.dt.convert_time_zone(time_type.time_zone)
    return start.dt.cast_time_unit(time_type.time_unit or "us")


def _prepare(log: object) -> _Log:
    frame = _validated(log)
    time_type = frame.schema[TIMESTAMP]
    assert isinstance(time_type, pl.Datetime)
    per_second = _UNITS_PER_SECOND[time_type.time_unit or "us"]
    frame = frame.select(
        pl.col(CASE_ID),
        pl.col(ACTIVITY).cast(pl.String),
        pl.col(TIMESTAMP).to_physical().alias("t"),
        pl.col(START_TIMESTAMP).to_physical().alias("s"),
    )
    case, t, s = pl.col(CASE_ID), pl.col("t"), pl.col("s")
    new_case = case.ne_missing(case.shift(1))
    # Already in order (each case contiguous, its events in (start, time) order)? Then no sort is
    # needed; otherwise a stable sort by (case, start, time) keeps the table order of ties.
    check = frame.select(
        blocks=new_case.sum(),
        cases=case.n_unique(),
        backwards=(~new_case & ((s < s.shift(1)) | ((s == s.shift(1)) & (t < t.shift(1))))).any(),
    ).row(0, named=True)
    if frame.height and (check["blocks"] != check["cases"] or check["backwards"]):
        frame = frame.sort([CASE_ID, "s", "t"], maintain_order=True)
    frame = frame.with_columns(case=(new_case.cast(pl.Int64).cum_sum() - 1))
    case_numbers = frame.get_column("case").to_numpy()
    if case_numbers.size:
        first = np.flatnonzero(np.r_[True, case_numbers[1:] != case_numbers[:-1]])
        last = np.r_[first[1:] - 1, case_numbers.size - 1]
    else:
        first = last = np.zeros(0, dtype=np.int64)
    t_values = frame.get_column("t").to_numpy()
    return _Log(frame, case_numbers, t_values, first, last, per_second)


# --- the figures ----------------------------------------------------------------------------------


def _directly_follows(prepared: _Log) -> list[DirectlyFollows]:
    events = prepared.events
    if events.height < 2:
        return []
    pairs = events.select(
        source=pl.col(ACTIVITY),
        target=pl.col(ACTIVITY).shift(-1),
        seconds=(pl.col("s").shift(-1) - pl.col("t")).cast(pl.Float64) / prepared.per_second,
        same=pl.col("case") == pl.col("case").shift(-1),
    ).filter(pl.col("same"))
    seconds = pl.col("seconds")
    table = (
        pairs.group_by("source", "target")
        .agg(
            count=pl.len(),
            mean=seconds.mean(),
            median=seconds.median(),
            min=seconds.min(),
            max=seconds.max(),
            total=seconds.sum(),
        )
        .sort(["count", "source", "target"], descending=[True, False, False])
    )
    return [DirectlyFollows(**row) for row in table.iter_rows(named=True)]


def _variants(prepared: _Log) -> list[Variant]:
    table = (
        prepared.events.group_by("case", maintain_order=True)
        .agg(pl.col(ACTIVITY))
        .group_by(ACTIVITY)
        .len()
    )
    found = [Variant(tuple(acts), int(n)) for acts, n in table.iter_rows()]
    found.sort(key=lambda v: (-v.count, v.activities))
    return found


def _counts(values: pl.Series) -> dict[str, int]:
    table = values.value_counts(name="n").sort(["n", values.name], descending=[True, False])
    return {str(a): int(n) for a, n in table.iter_rows()}


def _start_activities(prepared: _Log) -> dict[str, int]:
    return _counts(prepared.events.get_column(ACTIVITY).gather(prepared.first))


def _end_activities(prepared: _Log) -> dict[str, int]:
    return _counts(prepared.events.get_column(ACTIVITY).gather(prepared.last))


def _case_durations(prepared: _Log) -> DurationSummary:
    t = prepared.t
    return DurationSummary.of(prepared.days(t[prepared.last], t[prepared.first]))


def _check_stages(stages: object) -> tuple[str, ...]:
    if isinstance(stages, str) or not isinstance(stages, Sequence):
        raise StatsInputError("stages must be a list of activity names, in process order")
    stages = tuple(stages)
    if len(stages) < 2:
        raise StatsInputError("stage lead times need at least two stages")
    wrong = [s for s in stages if not isinstance(s, str) or not s]
    if wrong:
        raise StatsInputError(f"stages must be non-empty activity names, not {wrong[:3]}")
    repeated = sorted({s for s in stages if stages.count(s) > 1})
    if repeated:
        raise StatsInputError(f"stages must differ; repeated: {', '.join(repeated)}")
    return stages


def _first_occurrences(prepared: _Log, stages: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Per stage, per case: the row of the stage's first occurrence (-1: it does not occur)."""
    activity = prepared.events.get_column(ACTIVITY)
    rows: dict[str, np.ndarray] = {}
    for stage in stages:
        hits = (activity == stage).arg_true().to_numpy()  # ascending rows, so ascending cases
        cases = prepared.case[hits]
        first = np.r_[True, cases[1:] != cases[:-1]] if hits.size else np.zeros(0, dtype=bool)
        at = np.full(prepared.n_cases, -1, dtype=np.int64)
        at[cases[first]] = hits[first]
        rows[stage] = at
    return rows


def _lead_time(
    prepared: _Log, rows: dict[str, np.ndarray], source: str, target: str, end_to_end: bool
) -> tuple[StageLeadTime, np.ndarray, np.ndarray, np.ndarray]:
    t = prepared.t
    at_source, at_target = rows[source], rows[target]
    reached = at_source >= 0
    completed = reached & (at_target > at_source)
    censored = reached & (at_target < 0)
    out_of_order = reached & (at_target >= 0) & (at_target < at_source)
    done = prepared.days(t[at_target[completed]], t[at_source[completed]])
    open_ = prepared.days(t[prepared.last[censored]], t[at_source[censored]])
    result = StageLeadTime(
        source=source,
        target=target,
        end_to_end=end_to_end,
        reached=int(reached.sum()),
        completed=DurationSummary.of(done),
        censored=DurationSummary.of(open_),
        out_of_order=int(out_of_order.sum()),
    )
    return result, completed, censored, np.where(completed, at_target, prepared.last)


def _stage_lead_times(prepared: _Log, stages: tuple[str, ...]) -> list[StageLeadTime]:
    rows = _first_occurrences(prepared, stages)
    pairs = [(a, b, False) for a, b in zip(stages, stages[1:], strict=False)]
    pairs.append((stages[0], stages[-1], True))
    return [_lead_time(prepared, rows, a, b, e2e)[0] for a, b, e2e in pairs]


# --- public API -----------------------------------------------------------------------------------


def directly_follows(log: pl.DataFrame) -> list[DirectlyFollows]:
    """The directly-follows relations (pairs of consecutive events of a case) with their counts
    and waiting times in seconds (start of the later event minus completion of the earlier),
    most frequent first. Same as pm4py's ``discover_dfg`` (counts)
    and ``discover_performance_dfg`` (mean, median, min, max, sum)."""
    return _directly_follows(_prepare(log))


def variants(log: pl.DataFrame) -> list[Variant]:
    """The variants (distinct activity sequences) with the number of cases, most frequent first,
    ties by the sequence. Same as pm4py's ``get_variants``."""
    return _variants(_prepare(log))


def start_activities(log: pl.DataFrame) -> dict[str, int]:
    """Number of cases per first activity, most frequent first."""
    return _start_activities(_prepare(log))


def end_activities(log: pl.DataFrame) -> dict[str, int]:
    """Number of cases per last activity, most frequent first."""
    return _end_activities(_prepare(log))


def case_durations(log: pl.DataFrame) -> DurationSummary:
    """Throughput time per case (last event minus first event), summarised in days. Same figures
    as pm4py's ``get_all_case_durations`` (which are in seconds)."""
    return _case_durations(_prepare(log))


def stage_lead_times(log: pl.DataFrame, stages: Sequence[str]) -> list[StageLeadTime]:
    """Lead times between the first occurrences of consecutive ``stages`` (activity names in
    process order), then end to end (first stage to last stage). A stage that never occurs gives
    zero counts rather than an error: a small selection of cases may simply not have it."""
    return _stage_lead_times(_prepare(log), _check_stages(stages))


def stage_durations(log: pl.DataFrame, source: str, target: str) -> pl.DataFrame:
    """Per case that reached ``source``: the days until the first ``target`` (``observed`` true)
    or, censored, until its last event (``observed`` false); cases whose ``target`` came first
    are left out. The input for Kaplan–Meier in the survival module."""
    stages = _check_stages([source, target])
    prepared = _prepare(log)
    rows = _first_occurrences(prepared, stages)
    _, completed, censored, end_rows = _lead_time(prepared, rows, source, target, False)
    keep = completed | censored
    t = prepared.t
    case_ids = prepared.events.get_column(CASE_ID).gather(prepared.first[keep])
    return pl.DataFrame(
        {
            CASE_ID: case_ids,
            "days": prepared.days(t[end_rows[keep]], t[rows[source][keep]]),
            "observed": completed[keep],
        }
    )


def bottleneck(dfg: Sequence[DirectlyFollows]) -> DirectlyFollows:
    """The directly-follows relation with the largest total waiting time (count × mean = the sum
    of the waits): the step where the cases together spend the most days. A long but rare wait
    delays few cases and a frequent but short one costs little; the total weighs both, so
    shortening this step saves the most case-days. Ties: the more frequent, then by name."""
    if not dfg:
        raise NotEstimable("no directly-follows relations: every case has a single event")
    return min(dfg, key=lambda r: (-r.total, -r.count, r.source, r.target))


def mine(log: pl.DataFrame, stages: Sequence[str] | None = None) -> MiningResult:
    """All of the above from one pass of preparation (validation and ordering)."""
    chosen = _check_stages(stages) if stages is not None else ()
    prepared = _prepare(log)
    dfg = _directly_follows(prepared)
    activities = prepared.events.get_column(ACTIVITY).unique().sort().to_list()
    return MiningResult(
        n_events=prepared.events.height,
        n_cases=prepared.n_cases,
        activities=tuple(activities),
        directly_follows=tuple(dfg),
        variants=tuple(_variants(prepared)),
        start_activities=tuple(_start_activities(prepared).items()),
        end_activities=tuple(_end_activities(prepared).items()),
        case_durations=_case_durations(prepared),
        bottleneck=bottleneck(dfg) if dfg else None,
        stages=chosen,
        stage_lead_times=tuple(_stage_lead_times(prepared, chosen)) if chosen else (),
    )
