"""Interval events for the XES reader: the start time of every event, as pm4py reads it.

An interval log gives each event a start as well as a completion time, in one of two ways:

1. a ``start_timestamp`` date attribute on the event (pm4py's interval format; pm4py.read_xes
   turns it into a ``start_timestamp`` column). The event's ``time:timestamp`` is its completion.
   An event of such a log without the attribute starts when it completes (pm4py would leave the
   value empty and its figures for that event undefined).
2. separate ``lifecycle:transition`` events ``start`` and ``complete`` for one activity instance.
   They are merged into one event as pm4py's interval conversion
   (``pm4py.objects.log.util.interval_lifecycle.to_interval``) merges them, trace by trace:

   - an event without ``lifecycle:transition`` is a ``complete``; the value is compared without
     regard to case;
   - an activity instance is the pair (``concept:name``, ``concept:instance``), the instance being
     absent for most logs;
   - a ``start`` waits in a first-in-first-out queue of its instance; a ``complete`` takes the
     oldest waiting ``start`` of its instance (its start time is that event's timestamp) or, when
     none waits, starts when it completes;
   - the merged event is the ``complete`` (its activity, its timestamp as completion); ``start``
     events left without a ``complete`` and events of any other transition (``schedule``,
     ``suspend``, ``resume``, ...) are dropped;
   - the events of a trace are then put in start order, stably (ties keep the order of the
     completions in the file).

   pm4py leaves a log alone when its first event already has a ``start_timestamp``; here a log
   with any ``start_timestamp`` attribute is read as format 1 and its transitions are ignored.

A log with neither (no ``start_timestamp`` and no ``start`` transition) has instantaneous events:
the table keeps its three columns and every event, whatever its transition, as before.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

import polars as pl

from inbeeld.stats.exceptions import StatsInputError

START_TIMESTAMP = "start_timestamp"
START_KEY = "start_timestamp"
TRANSITION_KEY = "lifecycle:transition"
INSTANCE_KEY = "concept:instance"

Parser = Callable[[pl.Series], "tuple[pl.Series, int | None]"]


def is_start(transition: str | None) -> bool:
    return transition is not None and transition.lower() == "start"


def with_start_times(
    table: pl.DataFrame,
    starts: Sequence[str | None],
    transitions: Sequence[str | None],
    instances: Sequence[str | None],
    lines: Sequence[int],
    label: str,
    parse: Parser,
) -> pl.DataFrame:
    """``table`` (case_id, activity, timestamp: one row per XES event, in file order) with a
    ``start_timestamp`` column when the log is an interval log (see the module docstring), else
    unchanged. ``starts``/``transitions``/``instances``/``lines`` are per row: the text of the
    event's start_timestamp, lifecycle:transition, concept:instance (None: absent) and its line;
    ``parse`` turns date texts into UTC datetimes and the index of the first bad one."""
    if any(start is not None for start in starts):
        parsed, bad = parse(pl.Series(starts, dtype=pl.String))
        if bad is not None:
            raise StatsInputError(
                f"{label}, line {lines[bad]} (trace {table.get_column('case_id')[bad]!r}): "
                f"start_timestamp {starts[bad]!r} is not an ISO 8601 date-time"
            )
        timestamp = table.get_column("timestamp")
        return table.with_columns(parsed.fill_null(timestamp).alias(START_TIMESTAMP)).select(
            "case_id", "activity", START_TIMESTAMP, "timestamp"
        )
    if not any(is_start(transition) for transition in transitions):
        return table
    return _merge_lifecycle(table, transitions, instances)


def _merge_lifecycle(
    table: pl.DataFrame, transitions: Sequence[str | None], instances: Sequence[str | None]
) -> pl.DataFrame:
    """pm4py's to_interval: pair start and complete events per trace (see the module docstring)."""
    cases = table.get_column("case_id").to_list()
    activities = table.get_column("activity").to_list()
    keep: list[int] = []  # the row of each merged event's complete
    start_rows: list[int] = []  # the row whose timestamp is its start
    waiting: dict[tuple[str, str | None], deque[int]] = {}
    for row, (case, activity) in enumerate(zip(cases, activities, strict=True)):
        if row == 0 or case != cases[row - 1]:
            waiting = {}  # a new trace
        transition = (transitions[row] or "complete").lower()
        instance = (activity, instances[row])
        if transition == "start":
            waiting.setdefault(instance, deque()).append(row)
        elif transition == "complete":
            queue = waiting.get(instance)
            keep.append(row)
            start_rows.append(queue.popleft() if queue else row)
    timestamp = table.get_column("timestamp")
    merged = table[keep].with_columns(
        timestamp.gather(start_rows).alias(START_TIMESTAMP),
        # The trace number, to put the events of each trace in start order without moving traces.
        pl.Series("_trace", cases)
        .gather(keep)
        .ne_missing(pl.Series("_trace", cases).gather(keep).shift(1))
        .cum_sum()
        .alias("_trace"),
    )
    return merged.sort(["_trace", START_TIMESTAMP], maintain_order=True).select(
        "case_id", "activity", START_TIMESTAMP, "timestamp"
    )
