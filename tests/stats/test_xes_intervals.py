"""Interval logs (issue 12 item 9): the XES reader keeps each event's start and mining uses it
as pm4py 2.7 does, with pm4py as the oracle on

(a) a log with a ``start_timestamp`` attribute (pm4py's interval format, as in pm4py's own test
    log tests/input_data/interval_event_log.xes: overlapping activities, ties);
(b) a lifecycle log of ``start``/``complete`` events (with ``concept:instance``, starts without a
    complete, completes without a start, other transitions, the same activity twice at once),
    which pm4py reads after its interval conversion (``interval_lifecycle.to_interval``).

The logs are generated here from a seed and written as XES (no third-party data file). The
road-traffic log, instantaneous, is checked unchanged by test_mining.py. Also: an ``<event>``
before the first ``<trace>`` is refused with its line instead of being dropped.
"""

from __future__ import annotations

import datetime as dt
import os
import warnings
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import polars as pl
import pytest

from inbeeld.stats import xes
from inbeeld.stats.exceptions import StatsInputError
from inbeeld.stats.mining import directly_follows, mine
from inbeeld.stats.xes import read_xes

T0 = dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.UTC)
DAY = 86_400.0
RTOL = 1e-9


def stamp(hours: float) -> str:
    return (T0 + dt.timedelta(hours=hours)).isoformat(timespec="milliseconds")


def attr(kind: str, key: str, value: str) -> str:
    return f"\t\t\t<{kind} key={quoteattr(key)} value={quoteattr(value)}/>\n"


def xes_text(traces: list[tuple[str, list[dict[str, str]]]]) -> str:
    """An XES document from (case id, events); an event is a dict of key -> value, where the
    keys time:timestamp and start_timestamp are dates and the others strings."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n']
    for case, events in traces:
        parts.append("\t<trace>\n" + attr("string", "concept:name", case).replace("\t", "", 1))
        for event in events:
            parts.append("\t\t<event>\n")
            for key, value in event.items():
                kind = "date" if key in ("time:timestamp", "start_timestamp") else "string"
                parts.append(attr(kind, key, value))
            parts.append("\t\t</event>\n")
        parts.append("\t</trace>\n")
    parts.append("</log>\n")
    return "".join(parts)


def interval_log(seed: int) -> list[tuple[str, list[dict[str, str]]]]:
    """Cases of 1-7 interval events over 5 activities, written in start order; durations and
    gaps on a coarse grid so that starts tie and activities overlap (negative waits)."""
    rng = np.random.default_rng(seed)
    traces = []
    for case in range(int(rng.integers(40, 120))):
        start, events = 0.0, []
        for _ in range(int(rng.integers(1, 8))):
            start += float(rng.choice([0.0, 0.5, 2.0, 24.0]))
            end = start + float(rng.choice([0.0, 1.0, 3.0, 30.0]))
            events.append(
                {
                    "concept:name": f"act{rng.integers(5)}",
                    "time:timestamp": stamp(end),
                    "start_timestamp": stamp(start),
                }
            )
        # In (start, completion) order, the order pm4py's directly-follows graph sorts by; its
        # variants take the file order (see the mining module), so the two must agree here.
        events.sort(key=lambda e: (e["start_timestamp"], e["time:timestamp"]))
        traces.append((f"case{case}", events))
    return traces


def lifecycle_log(seed: int) -> list[tuple[str, list[dict[str, str]]]]:
    """Cases of lifecycle events in time order: most activities start and complete, some only
    complete, some starts never complete, some have other transitions; an instance id sometimes
    tells two simultaneous runs of one activity apart; transitions in mixed case."""
    rng = np.random.default_rng(seed)
    traces = []
    for case in range(int(rng.integers(40, 120))):
        rows: list[tuple[float, int, dict[str, str]]] = []
        clock = 0.0
        for k in range(int(rng.integers(1, 7))):
            clock += float(rng.choice([0.0, 1.0, 5.0, 24.0]))
            activity = f"act{rng.integers(4)}"
            end = clock + float(rng.choice([0.0, 2.0, 10.0, 48.0]))
            instance = {"concept:instance": f"i{k}"} if rng.random() < 0.3 else {}
            shape = rng.choice(["pair", "pair", "pair", "complete", "start", "plain", "schedule"])
            start_word = str(rng.choice(["start", "START", "Start"]))
            if shape == "pair":
                rows.append(
                    (
                        clock,
                        len(rows),
                        {"concept:name": activity, "lifecycle:transition": start_word, **instance},
                    )
                )
                rows.append(
                    (
                        end,
                        len(rows),
                        {"concept:name": activity, "lifecycle:transition": "complete", **instance},
                    )
                )
            elif shape == "complete":
                rows.append(
                    (end, len(rows), {"concept:name": activity, "lifecycle:transition": "COMPLETE"})
                )
            elif shape == "start":
                rows.append(
                    (clock, len(rows), {"concept:name": activity, "lifecycle:transition": "start"})
                )
            elif shape == "plain":  # no transition: a complete
                rows.append((end, len(rows), {"concept:name": activity}))
            else:
                rows.append(
                    (
                        clock,
                        len(rows),
                        {"concept:name": activity, "lifecycle:transition": "schedule"},
                    )
                )
        rows.sort(key=lambda r: (r[0], r[1]))
        events = [{**event, "time:timestamp": stamp(hours)} for hours, _, event in rows]
        traces.append((f"case{case}", events))
    return traces


def pm4py_module():
    os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")
    return pytest.importorskip("pm4py")


def pm4py_frame(path: Path, lifecycle: bool):
    """pm4py's reading of the log as a DataFrame (after its interval conversion for a
    lifecycle log)."""
    pm4py = pm4py_module()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if not lifecycle:
            return pm4py.read_xes(str(path), show_progress_bar=False)
        from pm4py.objects.log.util import interval_lifecycle

        log = pm4py.read_xes(str(path), return_legacy_log_object=True, show_progress_bar=False)
        return pm4py.convert_to_dataframe(interval_lifecycle.to_interval(log))


def microseconds(series) -> list[int]:
    return (series.dt.tz_convert("UTC").astype("int64") // 1000).tolist()


def assert_equals_pm4py(path: Path, lifecycle: bool) -> pl.DataFrame:
    pm4py = pm4py_module()
    frame = pm4py_frame(path, lifecycle)
    log = read_xes(path)
    assert log.columns == ["case_id", "activity", "start_timestamp", "timestamp"]
    # The same events, in the same order, with the same start and completion.
    assert log.get_column("case_id").to_list() == frame["case:concept:name"].tolist()
    assert log.get_column("activity").to_list() == frame["concept:name"].tolist()
    ours_us = log.get_column("timestamp").to_physical().to_list()
    assert ours_us == microseconds(frame["time:timestamp"])
    assert log.get_column("start_timestamp").to_physical().to_list() == microseconds(
        frame["start_timestamp"]
    )
    result = mine(log)
    columns = ["case:concept:name", "concept:name", "time:timestamp", "start_timestamp"]
    frame = frame[columns].copy()
    dfg, starts, ends = pm4py.discover_dfg(frame.copy())
    performance, _, _ = pm4py.discover_performance_dfg(frame.copy())
    ours = {(r.source, r.target): r for r in result.directly_follows}
    assert {key: r.count for key, r in ours.items()} == dfg
    assert set(ours) == set(performance)
    for key, theirs in performance.items():
        got = ours[key]
        assert (got.mean, got.median, got.min, got.max, got.total) == pytest.approx(
            (theirs["mean"], theirs["median"], theirs["min"], theirs["max"], theirs["sum"]),
            rel=RTOL,
            abs=1e-6,
        ), key
    assert {v.activities: v.count for v in result.variants} == pm4py.get_variants(frame.copy())
    assert (dict(result.start_activities), dict(result.end_activities)) == (starts, ends)
    # pm4py's converted lifecycle log names its start column in DataFrame.attrs, and pm4py 2.7's
    # case durations then fail (KeyError 'start_timestamp': the column is not carried into its
    # first/last table); without the name they are last completion minus first completion.
    plain = frame.copy()
    plain.attrs = {}
    seconds = np.sort(np.asarray(pm4py.get_all_case_durations(plain), dtype=float))
    summary = result.case_durations
    assert summary.n == seconds.size
    assert (summary.mean, summary.median, summary.min, summary.max) == pytest.approx(
        (seconds.mean() / DAY, np.median(seconds) / DAY, seconds[0] / DAY, seconds[-1] / DAY),
        rel=RTOL,
        abs=1e-12,
    )
    return log


@pytest.mark.parametrize("seed", range(4))
def test_interval_log_equals_pm4py(tmp_path, seed):
    path = tmp_path / "interval.xes"
    path.write_text(xes_text(interval_log(seed)), encoding="utf-8")
    log = assert_equals_pm4py(path, lifecycle=False)
    # Overlapping activities give negative waits, as in pm4py: the start time is really used.
    assert any(r.min < 0 for r in directly_follows(log))


@pytest.mark.parametrize("seed", range(4))
def test_lifecycle_log_equals_pm4py(tmp_path, seed):
    path = tmp_path / "lifecycle.xes"
    path.write_text(xes_text(lifecycle_log(seed)), encoding="utf-8")
    assert_equals_pm4py(path, lifecycle=True)


def test_interval_logs_are_read_by_the_xml_parser(tmp_path):
    """The fast scanner would drop the start: it hands such logs to the XML parser."""
    for name, traces in [("interval", interval_log(7)), ("lifecycle", lifecycle_log(7))]:
        path = tmp_path / f"{name}.xes"
        path.write_text(xes_text(traces), encoding="utf-8")
        with pytest.raises(xes._CannotVouch):
            xes._scan(path)
        assert "start_timestamp" in read_xes(path).columns


def test_start_and_complete_pairs_by_hand(tmp_path):
    """The pairing rule: first-in-first-out per (activity, instance); unmatched starts and other
    transitions dropped; a complete without a start starts when it completes; start order."""
    events = [
        {"concept:name": "a", "lifecycle:transition": "start", "time:timestamp": stamp(0)},
        {"concept:name": "a", "lifecycle:transition": "start", "time:timestamp": stamp(1)},
        {"concept:name": "b", "lifecycle:transition": "schedule", "time:timestamp": stamp(1)},
        {"concept:name": "b", "time:timestamp": stamp(2)},  # no transition: complete
        {"concept:name": "a", "lifecycle:transition": "complete", "time:timestamp": stamp(3)},
        {"concept:name": "c", "lifecycle:transition": "start", "time:timestamp": stamp(4)},
        {"concept:name": "a", "lifecycle:transition": "Complete", "time:timestamp": stamp(5)},
    ]
    path = tmp_path / "pairs.xes"
    path.write_text(xes_text([("k", events)]), encoding="utf-8")
    log = read_xes(path)
    hours = [
        (row[1], (row[2] - T0).total_seconds() / 3600, (row[3] - T0).total_seconds() / 3600)
        for row in log.iter_rows()
    ]
    # a: started 0 completed 3 (the oldest start); a: 1 -> 5; b: 2 -> 2; c never completes.
    assert hours == [("a", 0.0, 3.0), ("a", 1.0, 5.0), ("b", 2.0, 2.0)]
    waits = {(r.source, r.target): r.total / 3600 for r in directly_follows(log)}
    assert waits == {("a", "a"): 1.0 - 3.0, ("a", "b"): 2.0 - 5.0}


def test_a_missing_start_timestamp_means_the_event_started_when_it_completed(tmp_path):
    events = [
        {"concept:name": "a", "time:timestamp": stamp(2), "start_timestamp": stamp(1)},
        {"concept:name": "b", "time:timestamp": stamp(5)},
    ]
    path = tmp_path / "partial.xes"
    path.write_text(xes_text([("k", events)]), encoding="utf-8")
    log = read_xes(path)
    assert log.get_column("start_timestamp").to_list() == [
        T0 + dt.timedelta(hours=1),
        T0 + dt.timedelta(hours=5),
    ]
    assert directly_follows(log)[0].total == 3 * 3600.0


def test_a_bad_start_timestamp_names_its_line(tmp_path):
    events = [{"concept:name": "a", "time:timestamp": stamp(2), "start_timestamp": "gisteren"}]
    path = tmp_path / "bad.xes"
    path.write_text(xes_text([("k", events)]), encoding="utf-8")
    with pytest.raises(StatsInputError, match=r"line 5 \(trace 'k'\): start_timestamp 'gisteren'"):
        read_xes(path)


def test_plain_logs_keep_three_columns(tmp_path):
    events = [
        {"concept:name": "a", "lifecycle:transition": "complete", "time:timestamp": stamp(0)},
        {"concept:name": "b", "lifecycle:transition": "complete", "time:timestamp": stamp(1)},
    ]
    path = tmp_path / "plain.xes"
    path.write_text(xes_text([("k", events)]), encoding="utf-8")
    assert xes._scan(path).equals(read_xes(path))  # the fast scanner still reads it
    assert read_xes(path).columns == ["case_id", "activity", "timestamp"]


@pytest.mark.parametrize("compress", [False, True])
def test_an_event_before_the_first_trace_is_refused_with_its_line(tmp_path, compress):
    """Before: the scanner skipped everything before the first <trace>, the event was lost."""
    import gzip

    text = xes_text([("k", [{"concept:name": "a", "time:timestamp": stamp(0)}])])
    stray = '\t<event>\n\t\t<string key="concept:name" value="lost"/>\n\t</event>\n'
    text = text.replace("\t<trace>\n", stray + "\t<trace>\n", 1)
    path = tmp_path / "stray.xes"
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if compress else data)
    with pytest.raises(
        StatsInputError, match=r"stray\.xes, line 3: an <event> before the first <trace>"
    ):
        read_xes(path)


def test_an_event_between_traces_is_refused_with_its_line(tmp_path):
    one = [{"concept:name": "a", "time:timestamp": stamp(0)}]
    text = xes_text([("k", one), ("m", one)])
    stray = '\t<event>\n\t\t<string key="concept:name" value="lost"/>\n\t</event>\n'
    cut = text.index("\t<trace>", text.index("</trace>"))
    path = tmp_path / "between.xes"
    path.write_text(text[:cut] + stray + text[cut:], encoding="utf-8")
    line = text[:cut].count("\n") + 1
    with pytest.raises(StatsInputError, match=rf"line {line}: an <event> outside a <trace>"):
        read_xes(path)


def test_a_commented_event_in_the_header_is_not_an_event(tmp_path):
    text = xes_text([("k", [{"concept:name": "a", "time:timestamp": stamp(0)}])])
    text = text.replace("\t<trace>\n", "\t<!-- <event> -->\n\t<trace>\n", 1)
    path = tmp_path / "comment.xes"
    path.write_text(text, encoding="utf-8")
    assert read_xes(path).height == 1


def test_mining_an_event_table_with_start_times():
    """The table API: start times in another unit and time zone are converted, an empty start
    means the event started when it completed, and the events are ordered by start."""
    table = pl.DataFrame(
        {
            "case_id": ["k", "k", "k"],
            "activity": ["b", "a", "c"],
            "timestamp": [T0 + dt.timedelta(hours=h) for h in (4, 3, 6)],
            "start_timestamp": [T0 + dt.timedelta(hours=2), T0, None],
        },
        schema_overrides={"start_timestamp": pl.Datetime("ns", "Europe/Amsterdam")},
    )
    result = mine(table)
    assert result.variants[0].activities == ("a", "b", "c")
    waits = {(r.source, r.target): r.total / 3600 for r in result.directly_follows}
    assert waits == {("a", "b"): 2.0 - 3.0, ("b", "c"): 6.0 - 4.0}
    assert result.case_durations.max == pytest.approx(3 / 24)  # completion 3 h to completion 6 h


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (pl.Series(["2024-01-01"] * 2), r"column start_timestamp must be a Datetime"),
        (
            pl.Series([T0, T0]).dt.replace_time_zone(None),
            r"both have a time zone or both have none",
        ),
    ],
)
def test_bad_start_columns(start, message):
    table = pl.DataFrame(
        {"case_id": ["k", "k"], "activity": ["a", "b"], "timestamp": [T0, T0]}
    ).with_columns(start.alias("start_timestamp"))
    with pytest.raises(StatsInputError, match=message):
        mine(table)
