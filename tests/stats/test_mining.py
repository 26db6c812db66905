"""Lead-time mining (inbeeld.stats.mining) and the XES reader (inbeeld.stats.xes).

1. Small hand-built logs with hand-computed figures: repeated activities, equal timestamps,
   single-event cases, rows out of time order, stages reached, completed, censored, out of order.
2. The oracle: pm4py on the real road-traffic-fines log (561,470 events, 150,370 cases; read from
   ../shared/data, never copied into the repository). Every directly-follows count and
   performance figure, the variants, the start and end activities and the case durations must be
   pm4py's; our reader must give pm4py's events in pm4py's order. pm4py parses the log once per
   session (about half a minute), the engine once per module.
3. Bad input: missing columns, wrong types, empty values, truncated or damaged XES.

Where pm4py 2.7 differs on purpose (see the mining module): for a table whose rows are not in time
order within a case, pm4py takes variants, start/end activities and case durations from the row
order, and its directly-follows graph from the time order; the engine uses the time order for all.
The road-traffic log is in time order within every case, so there all figures agree.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import math
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from inbeeld.stats import xes
from inbeeld.stats.exceptions import NotEstimable, StatsInputError
from inbeeld.stats.mining import (
    DirectlyFollows,
    DurationSummary,
    Variant,
    bottleneck,
    case_durations,
    directly_follows,
    end_activities,
    mine,
    stage_durations,
    stage_lead_times,
    start_activities,
    variants,
)
from inbeeld.stats.xes import read_xes
from tests.realdata import ROAD_TRAFFIC_FINES, shared_data

DAY = 86_400.0
RTOL = 1e-6  # the brief's tolerance for performance figures (in practice they agree exactly)
T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def event_log(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    """An event table from (case, activity, days after T0) rows, in the given row order."""
    return pl.DataFrame(
        {
            "case_id": [r[0] for r in rows],
            "activity": [r[1] for r in rows],
            "timestamp": [T0 + dt.timedelta(days=r[2]) for r in rows],
        },
        schema={"case_id": pl.String, "activity": pl.String, "timestamp": pl.Datetime("us", "UTC")},
    )


def same(summary: DurationSummary, expected: tuple[float, ...]) -> bool:
    return dataclasses.astuple(summary) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def dfg_of(log: pl.DataFrame) -> dict[tuple[str, str], DirectlyFollows]:
    return {(r.source, r.target): r for r in directly_follows(log)}


def test_engine_imports_neither_pm4py_nor_pandas_nor_django():
    code = (
        "import sys, inbeeld.stats.mining, inbeeld.stats.xes\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('pm4py', 'pandas', 'django')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603


# --- 1. hand-built logs ----------------------------------------------------------------------------

# c1 repeats b; c2 is short; c3 has a single event.
SMALL = [
    ("c1", "a", 0),
    ("c1", "b", 1),
    ("c1", "c", 3),
    ("c1", "b", 4),
    ("c2", "a", 0),
    ("c2", "b", 2),
    ("c3", "a", 5),
]


def test_directly_follows_counts_and_waits_by_hand():
    dfg = dfg_of(event_log(SMALL))
    assert set(dfg) == {("a", "b"), ("b", "c"), ("c", "b")}
    ab = dfg["a", "b"]  # waits of 1 and 2 days
    assert (ab.count, ab.mean, ab.median, ab.min, ab.max, ab.total) == (
        2,
        1.5 * DAY,
        1.5 * DAY,
        1 * DAY,
        2 * DAY,
        3 * DAY,
    )
    assert ab.total_days == 3.0 and ab.mean_days == 1.5 and ab.median_days == 1.5
    assert (dfg["b", "c"].count, dfg["b", "c"].total) == (1, 2 * DAY)
    assert (dfg["c", "b"].count, dfg["c", "b"].total) == (1, 1 * DAY)
    # Most frequent first.
    assert [(r.source, r.target) for r in directly_follows(event_log(SMALL))] == [
        ("a", "b"),
        ("b", "c"),
        ("c", "b"),
    ]


def test_variants_start_end_and_case_durations_by_hand():
    log = event_log(SMALL + [("c4", "a", 1), ("c4", "b", 2)])
    assert variants(log) == [
        Variant(("a", "b"), 2),
        Variant(("a",), 1),
        Variant(("a", "b", "c", "b"), 1),
    ]
    assert start_activities(log) == {"a": 4}
    assert end_activities(log) == {"b": 3, "a": 1}
    # 4, 2, 0 and 1 days: n, mean, median, q1, q3, p90, min, max (linear quantiles)
    assert same(case_durations(log), (4, 1.75, 1.5, 0.75, 2.5, 3.4, 0.0, 4.0))


def test_equal_timestamps_keep_the_row_order():
    log = event_log(
        [
            ("c1", "a", 0),
            ("c1", "b", 0),
            ("c1", "c", 1),
            ("c2", "b", 0),
            ("c2", "a", 0),
        ]
    )
    dfg = dfg_of(log)
    assert {k: r.count for k, r in dfg.items()} == {("a", "b"): 1, ("b", "c"): 1, ("b", "a"): 1}
    assert dfg["a", "b"].total == 0.0 and dfg["b", "a"].max == 0.0
    assert start_activities(log) == {"a": 1, "b": 1}
    assert {v.activities for v in variants(log)} == {("a", "b", "c"), ("b", "a")}


def test_single_event_cases_have_no_relations():
    log = event_log([("c1", "x", 0), ("c2", "x", 3), ("c3", "y", 1)])
    assert directly_follows(log) == []
    assert variants(log) == [Variant(("x",), 2), Variant(("y",), 1)]
    assert case_durations(log).max == 0.0
    with pytest.raises(NotEstimable):
        bottleneck(directly_follows(log))
    result = mine(log)
    assert result.bottleneck is None and result.n_cases == 3 and result.n_events == 3


def test_rows_out_of_time_order_and_interleaved_cases_are_sorted_per_case():
    ordered = [("c1", "a", 1), ("c1", "b", 2), ("c1", "c", 3), ("c2", "a", 1), ("c2", "b", 5)]
    shuffled = [ordered[3], ordered[1], ordered[0], ordered[4], ordered[2]]
    for rows in (ordered, shuffled):
        log = event_log(rows)
        assert variants(log) == [Variant(("a", "b"), 1), Variant(("a", "b", "c"), 1)]
        assert start_activities(log) == {"a": 2}
        assert end_activities(log) == {"b": 1, "c": 1}
        assert {k: r.total for k, r in dfg_of(log).items()} == {
            ("a", "b"): 5 * DAY,
            ("b", "c"): DAY,
        }
        assert case_durations(log).max == 4.0 and case_durations(log).min == 2.0
    assert mine(event_log(ordered)) == mine(event_log(shuffled))


def test_other_column_types_are_accepted():
    base = event_log(SMALL)
    expected = mine(base, ["a", "b", "c"])
    naive_ns = base.with_columns(
        pl.col("timestamp").dt.replace_time_zone(None).dt.cast_time_unit("ns")
    )
    amsterdam_ms = base.with_columns(
        pl.col("timestamp").dt.convert_time_zone("Europe/Amsterdam").dt.cast_time_unit("ms")
    )
    categorical = base.with_columns(pl.col("activity").cast(pl.Categorical))
    for log in (naive_ns, amsterdam_ms, categorical):
        assert mine(log, ["a", "b", "c"]) == expected
    numbered = base.with_columns(pl.col("case_id").str.slice(1).cast(pl.Int64), extra=pl.lit(1))
    assert mine(numbered).directly_follows == expected.directly_follows


# Stages a -> b -> c.
# c1: a d0, b d1, b d3, c d4          a->b 1, b->c 3 (from the FIRST b), a->c 4
# c2: a d0, b d2, x d5 (no c)         a->b 2, b->c censored 3 (to the last event), a->c censored 5
# c3: b d0, a d1, c d2                a->b out of order, b->c 2, a->c 1
# c4: x d0                            reaches no stage
STAGED = [
    ("c1", "a", 0),
    ("c1", "b", 1),
    ("c1", "b", 3),
    ("c1", "c", 4),
    ("c2", "a", 0),
    ("c2", "b", 2),
    ("c2", "x", 5),
    ("c3", "b", 0),
    ("c3", "a", 1),
    ("c3", "c", 2),
    ("c4", "x", 0),
]


def test_stage_lead_times_by_hand():
    ab, bc, ac = stage_lead_times(event_log(STAGED), ["a", "b", "c"])
    assert (ab.source, ab.target, ab.end_to_end) == ("a", "b", False)
    assert (ab.reached, ab.n, ab.n_censored, ab.out_of_order) == (3, 2, 0, 1)
    assert same(ab.completed, (2, 1.5, 1.5, 1.25, 1.75, 1.9, 1.0, 2.0))
    assert ab.censored.n == 0 and math.isnan(ab.censored.median)

    assert (bc.reached, bc.n, bc.n_censored, bc.out_of_order) == (3, 2, 1, 0)
    assert same(bc.completed, (2, 2.5, 2.5, 2.25, 2.75, 2.9, 2.0, 3.0))
    assert same(bc.censored, (1, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0))

    assert (ac.source, ac.target, ac.end_to_end) == ("a", "c", True)
    assert (ac.reached, ac.n, ac.n_censored, ac.out_of_order) == (3, 2, 1, 0)
    assert same(ac.completed, (2, 2.5, 2.5, 1.75, 3.25, 3.7, 1.0, 4.0))
    assert same(ac.censored, (1, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0))


def test_stage_durations_feed_survival_with_censoring():
    table = stage_durations(event_log(STAGED), "b", "c")
    assert table.sort("case_id").rows() == [
        ("c1", 3.0, True),
        ("c2", 3.0, False),
        ("c3", 2.0, True),
    ]
    # a -> b: c3 (b before a) is left out.
    assert stage_durations(event_log(STAGED), "a", "b").get_column("case_id").sort().to_list() == [
        "c1",
        "c2",
    ]


def test_a_stage_that_never_occurs_gives_zero_counts():
    ab, bz, az = stage_lead_times(event_log(STAGED), ["a", "b", "z"])
    assert ab.n == 2
    assert (bz.reached, bz.n, bz.n_censored) == (3, 0, 3)
    assert (az.reached, az.n, az.n_censored) == (3, 0, 3) and az.end_to_end
    (za, _) = stage_lead_times(event_log(STAGED), ["z", "a"])
    assert (za.reached, za.n, za.n_censored) == (0, 0, 0)


def test_bottleneck_weighs_frequency_and_wait():
    def relation(source: str, count: int, mean_days: float) -> DirectlyFollows:
        mean = mean_days * DAY
        return DirectlyFollows(source, "t", count, mean, mean, mean, mean, count * mean)

    rare_long = relation("rare", 2, 100.0)  # 200 case-days
    frequent_short = relation("frequent", 500, 1.0)  # 500 case-days
    middle = relation("middle", 40, 10.0)  # 400 case-days
    assert bottleneck([rare_long, frequent_short, middle]) == frequent_short
    # On a log: a->b waits 1 day in 10 cases (10 case-days), b->c 30 days in 1 case (30).
    rows = [(f"c{i}", "a", 0) for i in range(10)] + [(f"c{i}", "b", 1) for i in range(10)]
    rows.append(("c0", "c", 31))
    found = bottleneck(directly_follows(event_log(rows)))
    assert (found.source, found.target, found.total_days) == ("b", "c", 30.0)


def test_mine_bundles_everything_frozen():
    log = event_log(STAGED)
    result = mine(log, ["a", "b", "c"])
    assert result.n_events == 11 and result.n_cases == 4
    assert result.activities == ("a", "b", "c", "x")
    assert result.directly_follows == tuple(directly_follows(log))
    assert result.variants == tuple(variants(log))
    assert dict(result.start_activities) == start_activities(log)
    assert dict(result.end_activities) == end_activities(log)
    assert result.case_durations == case_durations(log)
    assert result.bottleneck == bottleneck(directly_follows(log))
    assert result.stages == ("a", "b", "c")
    assert result.stage_lead_times == tuple(stage_lead_times(log, ["a", "b", "c"]))
    assert mine(log).stage_lead_times == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.n_cases = 5  # type: ignore[misc]
    hash(result)  # frozen all the way down: usable as a cache key


def test_empty_log():
    result = mine(event_log([]))
    assert (result.n_events, result.n_cases, result.directly_follows, result.variants) == (
        0,
        0,
        (),
        (),
    )
    assert result.case_durations.n == 0 and result.bottleneck is None


# --- XES reading ----------------------------------------------------------------------------------

XES_HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<!-- written by hand for the tests -->
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
\t<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
\t<global scope="trace"><string key="concept:name" value="__INVALID__"/></global>
\t<global scope="event">
\t\t<string key="concept:name" value="__INVALID__"/>
\t\t<date key="time:timestamp" value="1970-01-01T00:00:00.000+01:00"/>
\t</global>
\t<classifier name="Activity" keys="concept:name"/>
\t<string key="concept:name" value="hand-made log"/>
\t<int key="meta:count" value="2"><int key="nested" value="1"/></int>
"""
XES_TRACES = """\t<trace>
\t\t<string key="concept:name" value="case 1"/>
\t\t<event>
\t\t\t<string key="org:resource" value="r1"/>
\t\t\t<string key="concept:name" value="Create &amp; register"/>
\t\t\t<date key="time:timestamp" value="2006-07-24T00:00:00+02:00"/>
\t\t\t<float key="amount" value="35.0"/>
\t\t</event>
\t\t<event>
\t\t\t<date key="time:timestamp" value="2006-07-25T10:30:00.250Z"/>
\t\t\t<string key="concept:name" value="Send"/>
\t\t</event>
\t</trace>
\t<trace>
\t\t<string key="concept:name" value="case 2"/>
\t\t<event>
\t\t\t<string key="concept:name" value="Send"/>
\t\t\t<date key="time:timestamp" value="2006-07-20T08:00:00"/>
\t\t</event>
\t</trace>
"""
XES_TAIL = "</log>\n"
EXPECTED = pl.DataFrame(
    {
        "case_id": ["case 1", "case 1", "case 2"],
        "activity": ["Create & register", "Send", "Send"],
        "timestamp": [
            dt.datetime(2006, 7, 23, 22, 0, tzinfo=dt.UTC),
            dt.datetime(2006, 7, 25, 10, 30, 0, 250_000, tzinfo=dt.UTC),
            dt.datetime(2006, 7, 20, 8, 0, tzinfo=dt.UTC),
        ],
    },
    schema=xes.SCHEMA,
)


def write(path: Path, text: str, compress: bool = False) -> Path:
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


@pytest.mark.parametrize("compress", [False, True])
def test_read_xes_small_log(tmp_path, compress):
    path = write(tmp_path / "small.xes", XES_HEAD + XES_TRACES + XES_TAIL, compress)
    table = read_xes(path)
    assert table.schema == pl.Schema(xes.SCHEMA)
    assert table.equals(EXPECTED)
    assert xes._scan(path).equals(EXPECTED)  # the fast scanner vouches for this log
    assert xes._parse(path).equals(EXPECTED)  # and the XML parser agrees


@pytest.mark.parametrize(
    "variant",
    [
        # Each is valid XES the scanner does not vouch for: the XML parser reads it.
        XES_TRACES.replace("\t\t<event>", "\t\t<!-- an event -->\n\t\t<event>", 1),
        XES_TRACES.replace(
            'key="concept:name" value="Send"/>', "key='concept:name' value='Send'/>"
        ),
        XES_TRACES.replace(
            '<float key="amount" value="35.0"/>',
            '<string key="x" value="y"><string key="concept:name" value="nested"/></string>',
        ),
        XES_TRACES.replace(
            '<string key="concept:name" value="case 2"/>',
            '<string value="case 2" key="concept:name"/>',
        ),
    ],
    ids=["comment", "single-quotes", "nested-attribute", "attribute-order"],
)
def test_read_xes_falls_back_to_the_xml_parser(tmp_path, variant):
    path = write(tmp_path / "odd.xes", XES_HEAD + variant + XES_TAIL)
    with pytest.raises(xes._CannotVouch):
        xes._scan(path)
    assert read_xes(path).equals(EXPECTED)


def test_read_xes_other_encodings(tmp_path):
    text = (XES_HEAD + XES_TRACES + XES_TAIL).replace("Send", "Envoyé")
    latin = text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1")
    path = tmp_path / "latin.xes"
    path.write_bytes(latin)
    expected = EXPECTED.with_columns(pl.col("activity").str.replace("Send", "Envoyé"))
    assert read_xes(path).equals(expected)  # read by the XML parser, which decodes Latin-1
    path.write_bytes(text.encode("latin-1"))  # declared UTF-8, but it is not
    first_e_acute = XES_HEAD.count("\n") + 11  # "Send" in the second event of case 1
    with pytest.raises(StatsInputError, match=rf"not well-formed XML at line {first_e_acute},"):
        read_xes(path)


def test_read_xes_empty_log(tmp_path):
    path = write(tmp_path / "empty.xes", XES_HEAD + XES_TAIL)
    table = read_xes(path)
    assert table.is_empty() and table.schema == pl.Schema(xes.SCHEMA)


@pytest.mark.parametrize(
    ("traces", "message"),
    [
        (
            XES_TRACES.replace(
                '\t\t\t<date key="time:timestamp" value="2006-07-20T08:00:00"/>\n', ""
            ),
            r"line 16 \(trace 'case 2' at line 14\): the event has no time:timestamp",
        ),
        (
            XES_TRACES.replace("2006-07-25T10:30:00.250Z", "2006-07-32T10:30:00"),
            r"line 9 \(trace 'case 1'\): time:timestamp '2006-07-32T10:30:00' is not an ISO 8601",
        ),
        (
            XES_TRACES.replace('<string key="concept:name" value="Send"/>', "", 1),
            r"line 9 \(trace 'case 1' at line 1\): the event has no concept:name",
        ),
        (
            XES_TRACES.replace('<string key="concept:name" value="case 2"/>', ""),
            r"line 14: trace number 2 has no concept:name",
        ),
        (
            XES_TRACES.replace('value="case 2"', 'value="case 1"'),
            r"1 case id\(s\) name more than one trace, e.g. 'case 1'",
        ),
    ],
    ids=["no-timestamp", "bad-date", "no-activity", "no-case-id", "duplicate-case-id"],
)
def test_read_xes_names_the_wrong_line(tmp_path, traces, message):
    path = write(tmp_path / "wrong.xes", XES_HEAD + traces + XES_TAIL)
    # The line numbers above count from the <trace> line: shift them by the header's lines.
    header = XES_HEAD.count("\n")
    expected = re.sub(r"line (\d+)", lambda m: f"line {int(m.group(1)) + header}", message)
    with pytest.raises(StatsInputError, match=expected):
        read_xes(path)


def test_the_xml_parser_names_the_line_of_a_repeated_case_id(tmp_path):
    traces = XES_TRACES.replace('value="case 2"', 'value="case 1"')
    path = write(tmp_path / "twice.xes", XES_HEAD + traces + XES_TAIL)
    header = XES_HEAD.count("\n")
    with pytest.raises(
        StatsInputError,
        match=rf"line {14 + header}: the trace repeats the case id 'case 1' of the trace at "
        rf"line {1 + header}",
    ):
        xes._parse(path)


def test_read_xes_truncated(tmp_path):
    text = XES_HEAD + XES_TRACES + XES_TAIL
    cut = text.index("<event>", text.index("case 2"))
    path = write(tmp_path / "cut.xes", text[:cut])
    with pytest.raises(StatsInputError, match=r"cut\.xes: not well-formed XML at line \d+"):
        read_xes(path)
    data = gzip.compress(text.encode())
    gz = tmp_path / "cut.xes.gz"
    gz.write_bytes(data[: len(data) // 2])
    with pytest.raises(StatsInputError, match="gzip stream ends early"):
        read_xes(gz)
    gz.write_bytes(data[:10] + b"\x00" * 40 + data[50:])
    with pytest.raises(StatsInputError, match="damaged gzip data|gzip stream ends early"):
        read_xes(gz)
    # Cut right after a </trace>: the fast scanner cannot see the end of the log either.
    path = write(tmp_path / "cut2.xes", text[: text.rindex("</trace>") + len("</trace>")])
    with pytest.raises(StatsInputError, match="not well-formed XML"):
        read_xes(path)
    with pytest.raises(StatsInputError, match="empty"):
        read_xes(write(tmp_path / "nothing.xes", ""))


def test_read_xes_refuses_other_xml(tmp_path):
    path = write(tmp_path / "page.xes", "<html><body><trace/></body></html>")
    with pytest.raises(StatsInputError, match="not an XES log, the root element is <html>"):
        read_xes(path)


def test_read_xes_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_xes(tmp_path / "absent.xes")


# --- 3. bad event tables --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.drop("activity"), "lacks column.*activity"),
        (lambda t: t.rename({"case_id": "case"}), "lacks column.*case_id"),
        (
            lambda t: t.with_columns(pl.col("timestamp").dt.strftime("%Y-%m-%d")),
            "timestamp must be a Datetime, not String",
        ),
        (
            lambda t: t.with_columns(pl.col("timestamp").dt.date()),
            "timestamp must be a Datetime, not Date",
        ),
        (lambda t: t.with_columns(activity=pl.lit(1)), "activity must hold text"),
        (lambda t: t.with_columns(case_id=pl.lit(1.5)), "case_id must hold text or integers"),
        (
            lambda t: t.with_columns(
                activity=pl.when(pl.int_range(pl.len()) == 2).then(None).otherwise("activity")
            ),
            r"column activity is empty in 1 row\(s\): rows 2",
        ),
        (lambda t: t.to_dict(as_series=False), "must be a polars DataFrame, not dict"),
    ],
    ids=[
        "no-activity",
        "no-case-id",
        "text-timestamp",
        "date-timestamp",
        "numeric-activity",
        "float-case",
        "null",
        "not-a-frame",
    ],
)
def test_bad_event_tables(change, message):
    with pytest.raises(StatsInputError, match=message):
        mine(change(event_log(SMALL)))


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        (["a"], "at least two stages"),
        ("ab", "list of activity names"),
        (["a", "b", "a"], "repeated: a"),
        (["a", ""], "non-empty activity names"),
    ],
)
def test_bad_stages(stages, message):
    with pytest.raises(StatsInputError, match=message):
        stage_lead_times(event_log(SMALL), stages)


# --- 2. the oracle: pm4py on random logs and on the road-traffic log --------------------------------------------------

ROAD_STAGES = ["Create Fine", "Send Fine", "Insert Fine Notification", "Add penalty", "Payment"]


def random_log(seed: int, shuffle: bool) -> pl.DataFrame:
    """Cases of 1-8 events over 5 activities (repeats), timestamps on a coarse grid (many ties);
    rows in time order within each case, or shuffled over the whole table."""
    rng = np.random.default_rng(seed)
    rows = []
    for case in range(int(rng.integers(50, 300))):
        day = 0.0
        for _ in range(int(rng.integers(1, 9))):
            day += float(rng.choice([0.0, 0.5, 1.0, 3.0, 10.0]))
            rows.append((f"k{case}", f"act{rng.integers(5)}", day))
    if shuffle:
        rows = [rows[i] for i in rng.permutation(len(rows))]
    return event_log(rows)


def pm4py_frame(log: pl.DataFrame):
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(
        {
            "case:concept:name": log.get_column("case_id").to_list(),
            "concept:name": log.get_column("activity").to_list(),
            "time:timestamp": pd.to_datetime(log.get_column("timestamp").to_list(), utc=True),
        }
    )


@pytest.mark.parametrize("seed", range(6))
def test_random_logs_equal_pm4py(seed):
    os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")
    pm4py = pytest.importorskip("pm4py")
    for shuffle in (False, True):
        log = random_log(seed, shuffle)
        frame = pm4py_frame(log)
        result = mine(log)
        ours = {(r.source, r.target): r for r in result.directly_follows}
        dfg, starts, ends = pm4py.discover_dfg(frame)
        assert {k: r.count for k, r in ours.items()} == dfg
        performance, _, _ = pm4py.discover_performance_dfg(frame)
        for key, theirs in performance.items():
            got = ours[key]
            assert (got.mean, got.median, got.min, got.max, got.total) == pytest.approx(
                (theirs["mean"], theirs["median"], theirs["min"], theirs["max"], theirs["sum"]),
                rel=RTOL,
                abs=1e-9,
            )
        if shuffle:
            continue  # pm4py takes the rest from the row order (see the module docstring)
        assert {v.activities: v.count for v in result.variants} == pm4py.get_variants(frame)
        assert (dict(result.start_activities), dict(result.end_activities)) == (starts, ends)
        seconds = np.asarray(pm4py.get_all_case_durations(frame))
        assert result.case_durations.median * DAY == pytest.approx(np.median(seconds), rel=RTOL)
        assert result.case_durations.mean * DAY == pytest.approx(seconds.mean(), rel=RTOL)


@pytest.fixture(scope="session")
def pm4py_road():
    """pm4py's reading of the real log and its discoveries: computed once per session."""
    road_log = shared_data(ROAD_TRAFFIC_FINES)
    os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")
    pm4py = pytest.importorskip("pm4py")
    with warnings.catch_warnings():  # "install r4pm to import faster"
        warnings.simplefilter("ignore", UserWarning)
        frame = pm4py.read_xes(str(road_log), show_progress_bar=False)
    columns = ["case:concept:name", "concept:name", "time:timestamp"]
    events = frame[columns].copy()  # before pm4py adds its helper columns
    dfg, starts, ends = pm4py.discover_dfg(frame)
    performance, _, _ = pm4py.discover_performance_dfg(frame)
    return {
        "events": events,
        "dfg": dfg,
        "performance": performance,
        "starts": starts,
        "ends": ends,
        "variants": pm4py.get_variants(frame),
        "case_durations": np.asarray(pm4py.get_all_case_durations(frame), dtype=float),
    }


@pytest.fixture(scope="module")
def road():
    """The engine's reading and mining of the real log: once per module."""
    log = read_xes(shared_data(ROAD_TRAFFIC_FINES))
    return log, mine(log, ROAD_STAGES)


def test_road_log_is_read_as_pm4py_reads_it(road, pm4py_road):
    log, result = road
    theirs = pm4py_road["events"]
    assert (log.height, log.get_column("case_id").n_unique()) == (561_470, 150_370)
    assert (result.n_events, result.n_cases) == (561_470, 150_370)
    assert len(theirs) == log.height
    assert log.get_column("case_id").to_list() == theirs["case:concept:name"].tolist()
    assert log.get_column("activity").to_list() == theirs["concept:name"].tolist()
    their_us = theirs["time:timestamp"].dt.tz_convert("UTC").astype("int64").to_numpy() // 1000
    assert np.array_equal(log.get_column("timestamp").to_physical().to_numpy(), their_us)
    assert len(result.activities) == 11


def test_road_directly_follows_equals_pm4py(road, pm4py_road):
    _, result = road
    ours = {(r.source, r.target): r for r in result.directly_follows}
    assert {k: r.count for k, r in ours.items()} == pm4py_road["dfg"]
    assert set(ours) == set(pm4py_road["performance"])
    for key, theirs in pm4py_road["performance"].items():
        mine_ = ours[key]
        for field, their_field in [
            ("mean", "mean"),
            ("median", "median"),
            ("min", "min"),
            ("max", "max"),
            ("total", "sum"),
        ]:
            assert getattr(mine_, field) == pytest.approx(theirs[their_field], rel=RTOL, abs=0), (
                key,
                field,
            )


def test_road_variants_and_start_end_equal_pm4py(road, pm4py_road):
    _, result = road
    assert {v.activities: v.count for v in result.variants} == pm4py_road["variants"]
    assert len(result.variants) == 231
    assert dict(result.start_activities) == pm4py_road["starts"] == {"Create Fine": 150_370}
    assert dict(result.end_activities) == pm4py_road["ends"]


def test_road_case_durations_equal_pm4py(road, pm4py_road):
    _, result = road
    seconds = pm4py_road["case_durations"]
    summary = result.case_durations
    assert summary.n == seconds.size == 150_370
    q1, median, q3, p90 = np.percentile(seconds, [25, 50, 75, 90]) / DAY
    for ours, theirs in [
        (summary.mean, seconds.mean() / DAY),
        (summary.median, median),
        (summary.q1, q1),
        (summary.q3, q3),
        (summary.p90, p90),
        (summary.min, seconds.min() / DAY),
        (summary.max, seconds.max() / DAY),
    ]:
        assert ours == pytest.approx(theirs, rel=RTOL, abs=1e-9)
    assert 197 < summary.median < 199  # the data README: "about 198 days"


def test_road_stage_lead_times_match_the_readme_facts(road):
    log, result = road
    by_pair = {(s.source, s.target): s for s in result.stage_lead_times}
    # "Insert Fine Notification" -> "Add penalty" is a fixed 60 days (local dates: DST moves an
    # hour either way in UTC).
    penalty = by_pair["Insert Fine Notification", "Add penalty"]
    assert penalty.n == penalty.reached == 79_860 and penalty.n_censored == 0
    assert (
        60 - 1 / 24 - 1e-9 <= penalty.completed.min <= penalty.completed.max <= 60 + 1 / 24 + 1e-9
    )
    end_to_end = result.stage_lead_times[-1]
    assert (end_to_end.source, end_to_end.target, end_to_end.end_to_end) == (
        "Create Fine",
        "Payment",
        True,
    )
    assert end_to_end.reached == 150_370
    assert end_to_end.n + end_to_end.n_censored + end_to_end.out_of_order == 150_370
    # Cross-check one pair against a direct polars computation.
    firsts = log.group_by("case_id").agg(
        fine=pl.col("timestamp").filter(pl.col("activity") == "Create Fine").first(),
        sent=pl.col("timestamp").filter(pl.col("activity") == "Send Fine").first(),
    )
    days = (
        firsts.drop_nulls()
        .select((pl.col("sent") - pl.col("fine")).dt.total_seconds() / DAY)
        .to_series()
        .to_numpy()
    )
    sent = by_pair["Create Fine", "Send Fine"]
    assert sent.n == days.size == 103_987
    assert sent.completed.median == pytest.approx(float(np.median(days)), rel=1e-12)
    assert sent.completed.p90 == pytest.approx(float(np.percentile(days, 90)), rel=1e-12)


def test_road_bottleneck(road):
    _, result = road
    top = max(result.directly_follows, key=lambda r: r.count * r.mean)
    assert result.bottleneck == top
    assert (top.source, top.target) == ("Add penalty", "Send for Credit Collection")


def test_read_xes_parsers_agree_on_the_road_log(road):
    log, _ = road
    road_log = shared_data(ROAD_TRAFFIC_FINES)
    assert xes._parse(road_log).equals(log)  # the XML parser (the fallback) reads the same table


def test_road_log_is_read_by_the_fast_scanner(road):
    """Its lifecycle:transition "complete" on every event does not make it an interval log: the
    fast scanner still reads it (issue 12 item 9), with the three columns of an instantaneous log."""
    log, _ = road
    assert log.columns == ["case_id", "activity", "timestamp"]
    assert xes._scan(shared_data(ROAD_TRAFFIC_FINES)).equals(log)
