"""Benchmark of lead-time mining on the real road-traffic-fines log, side by side with pm4py.

One run, one process, the same file: pm4py (``read_xes`` with its default importer,
``discover_dfg``, ``discover_performance_dfg``, ``get_variants``, ``get_all_case_durations``)
and the engine (``inbeeld.stats.xes.read_xes`` and ``inbeeld.stats.mining.mine``, which computes
the same figures plus stage lead times and the bottleneck). Before anything is reported, the two
results are compared: the same events in the same order, every directly-follows count, the mean,
median, min, max and sum of every directly-follows relation (relative 1e-6), the variants, the
start and end activities and the case durations. A difference aborts the benchmark.

Imports (pm4py takes seconds to import) are not timed; each step is timed once, cold, as a
researcher would run it; the engine's steps are then repeated to show their spread.

Environment: BENCH_ROAD_LOG (default ../shared/data/road_traffic_fines.xes.gz, from the project).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

NAME = "mining"
PROJECT_DIR = Path(__file__).resolve().parent.parent
ROAD_LOG = Path(
    os.environ.get(
        "BENCH_ROAD_LOG", PROJECT_DIR.parent / "shared" / "data" / "road_traffic_fines.xes.gz"
    )
)
STAGES = ["Create Fine", "Send Fine", "Insert Fine Notification", "Add penalty", "Payment"]
TARGET_SPEEDUP = 10.0
RTOL = 1e-6
REPEATS = 3


def machine() -> dict:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as info:
        kib = int(next(line for line in info if line.startswith("MemTotal")).split()[1])
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "ram_gib": kib / 1024 / 1024,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
    }


def _timed(steps: dict[str, float], label: str, function, *args, **kwargs):
    clock = time.perf_counter()
    result = function(*args, **kwargs)
    steps[label] = time.perf_counter() - clock
    print(f"   {label}: {steps[label]:.2f} s", flush=True)
    return result


def run_pm4py(path: Path) -> tuple[dict, dict[str, float]]:
    os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")
    import pm4py
    from pm4py.util import constants

    steps: dict[str, float] = {}
    with warnings.catch_warnings():  # "install r4pm to import faster"
        warnings.simplefilter("ignore", UserWarning)
        frame = _timed(steps, "read_xes", pm4py.read_xes, str(path), show_progress_bar=False)
    events = frame[["case:concept:name", "concept:name", "time:timestamp"]].copy()
    dfg, starts, ends = _timed(steps, "discover_dfg", pm4py.discover_dfg, frame)
    performance, _, _ = _timed(
        steps, "discover_performance_dfg", pm4py.discover_performance_dfg, frame
    )
    variants = _timed(steps, "get_variants", pm4py.get_variants, frame)
    durations = _timed(steps, "get_all_case_durations", pm4py.get_all_case_durations, frame)
    result = {
        "events": events,
        "dfg": dfg,
        "performance": performance,
        "starts": starts,
        "ends": ends,
        "variants": variants,
        "durations": durations,
        "importer": constants.DEFAULT_XES_PARSER,
        "version": pm4py.__version__,
    }
    return result, steps


def run_engine(path: Path) -> tuple[tuple, dict[str, float], dict[str, list[float]]]:
    from inbeeld.stats.mining import mine
    from inbeeld.stats.xes import read_xes

    steps: dict[str, float] = {}
    log = _timed(steps, "read_xes", read_xes, path)
    result = _timed(steps, "mine", mine, log, STAGES)
    spread: dict[str, list[float]] = {"read_xes": [], "mine": []}
    for _ in range(REPEATS):
        clock = time.perf_counter()
        read_xes(path)
        spread["read_xes"].append(time.perf_counter() - clock)
        clock = time.perf_counter()
        mine(log, STAGES)
        spread["mine"].append(time.perf_counter() - clock)
    return (log, result), steps, spread


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= RTOL * max(abs(a), abs(b)) or a == b


def compare(ours: tuple, theirs: dict) -> dict[str, int]:
    """Raise AssertionError at the first difference; return what was compared."""
    import numpy as np

    log, result = ours
    events = theirs["events"]
    assert log.height == len(events), (log.height, len(events))
    assert log.get_column("case_id").to_list() == events["case:concept:name"].tolist()
    assert log.get_column("activity").to_list() == events["concept:name"].tolist()
    their_us = events["time:timestamp"].dt.tz_convert("UTC").astype("int64").to_numpy() // 1000
    assert np.array_equal(log.get_column("timestamp").to_physical().to_numpy(), their_us)

    relations = {(r.source, r.target): r for r in result.directly_follows}
    assert {k: r.count for k, r in relations.items()} == theirs["dfg"]
    assert set(relations) == set(theirs["performance"])
    figures = 0
    for key, perf in theirs["performance"].items():
        for field, their_field in [
            ("mean", "mean"),
            ("median", "median"),
            ("min", "min"),
            ("max", "max"),
            ("total", "sum"),
        ]:
            ours_value = getattr(relations[key], field)
            assert _close(ours_value, float(perf[their_field])), (key, field, ours_value, perf)
            figures += 1
    assert {v.activities: v.count for v in result.variants} == theirs["variants"]
    assert dict(result.start_activities) == theirs["starts"]
    assert dict(result.end_activities) == theirs["ends"]
    seconds = np.asarray(theirs["durations"], dtype=float)
    summary = result.case_durations
    assert summary.n == seconds.size
    assert _close(summary.median * 86_400, float(np.median(seconds)))
    assert _close(summary.mean * 86_400, float(seconds.mean()))
    return {
        "events": log.height,
        "cases": result.n_cases,
        "relations": len(relations),
        "figures": figures,
        "variants": len(result.variants),
    }


def render(
    info: dict,
    when: dt.datetime,
    theirs: dict,
    pm4py_steps: dict[str, float],
    engine_steps: dict[str, float],
    spread: dict[str, list[float]],
    compared: dict[str, int],
    result,
    load: tuple[float, float],
) -> str:
    pm4py_read = pm4py_steps["read_xes"]
    pm4py_mine = sum(v for k, v in pm4py_steps.items() if k != "read_xes")
    pm4py_total = pm4py_read + pm4py_mine
    our_read, our_mine = engine_steps["read_xes"], engine_steps["mine"]
    our_total = our_read + our_mine
    speedup = pm4py_total / our_total
    met = "met" if speedup >= TARGET_SPEEDUP else "NOT met"

    def median(key: str) -> str:
        return f"{statistics.median(spread[key]):.2f} s"

    lines = [
        "| step | pm4py | engine | speed-up |",
        "|---|---|---|---|",
        f"| read the XES log | {pm4py_read:.2f} s (`read_xes`, importer `{theirs['importer']}`) "
        f"| {our_read:.2f} s (`read_xes`; again: median {median('read_xes')}) "
        f"| {pm4py_read / our_read:.0f}× |",
        f"| directly-follows counts | {pm4py_steps['discover_dfg']:.2f} s (`discover_dfg`) | | |",
        f"| directly-follows performance | {pm4py_steps['discover_performance_dfg']:.2f} s "
        "(`discover_performance_dfg`) | | |",
        f"| variants | {pm4py_steps['get_variants']:.2f} s (`get_variants`) | | |",
        f"| case durations | {pm4py_steps['get_all_case_durations']:.2f} s "
        "(`get_all_case_durations`) | | |",
        f"| **mining, all of the above** | **{pm4py_mine:.2f} s** | **{our_mine:.2f} s** (`mine`, "
        f"incl. {len(STAGES) - 1} stage pairs + end to end and the bottleneck; again: median "
        f"{median('mine')}) | {pm4py_mine / our_mine:.0f}× |",
        f"| **read + mine** | **{pm4py_total:.2f} s** | **{our_total:.2f} s** "
        f"| **{speedup:.0f}×** |",
    ]
    top = result.bottleneck
    e2e = result.stage_lead_times[-1]
    return "\n".join(
        [
            "## Lead-time mining: road-traffic-fines log, engine vs pm4py",
            "",
            "Command: `make bench` (this section alone: `.venv/bin/python bench/run.py mining`). "
            f"One process reads `{ROAD_LOG.name}` (the real log in `../shared/data`: "
            f"{compared['events']:,} events, {compared['cases']:,} cases) with pm4py "
            f"{theirs['version']} and with the engine (`inbeeld.stats.xes.read_xes`, "
            "`inbeeld.stats.mining.mine`), then checks that the numbers are the same before "
            "reporting: the same events in the same order, all "
            f"{compared['relations']} directly-follows counts and their {compared['figures']} "
            "performance figures (mean, median, min, max, sum; relative tolerance 1e-6), all "
            f"{compared['variants']} variants, the start and end activities and the case "
            "durations (median, mean). Every step is timed once, cold (imports not timed); the "
            f"engine's steps are then run {REPEATS} more times (median shown).",
            "",
            f"Measured {when:%Y-%m-%d %H:%M} UTC on {info['nproc']} CPUs ({info['cpu']}), "
            f"{info['ram_gib']:.0f} GiB RAM, {info['os']}, Python {info['python']}; "
            f"load average {load[0]:.2f} before, {load[1]:.2f} after.",
            "",
            *lines,
            "",
            f"Target at least {TARGET_SPEEDUP:.0f}× faster than pm4py for read + mine, with the "
            f"same numbers: **{met}** ({speedup:.0f}×; numbers identical within 1e-6).",
            "",
            f"Figures: median case duration {result.case_durations.median:.1f} days (the same "
            "in both); only the engine reports the bottleneck and stage lead times: "
            f"`{top.source}` → `{top.target}` ({top.count:,} times, mean "
            f"{top.mean_days:.0f} days, {top.total_days:,.0f} case-days in total); "
            f"`{e2e.source}` → `{e2e.target}` completed in {e2e.n:,} cases (median "
            f"{e2e.completed.median:.0f} days), not (yet) in {e2e.n_censored:,}.",
            "",
            "Where the time goes: pm4py builds the log through a general XML importer and a pandas "
            "DataFrame with every attribute, and each discovery call sorts and shifts the "
            "DataFrame again. The engine reads only case id, activity and timestamp: the "
            "decompressed XES is scanned in 8 MiB blocks cut at `</trace>`, one regular "
            "expression (run by polars in Rust, blocks in parallel) picks out the trace and "
            "event tags and the two attributes, cumulative sums restore the nesting, and the "
            "timestamps are parsed in one vectorised call (an XML parser takes over, with line "
            "numbers, for anything the scanner does not vouch for). pm4py's optional Rust "
            "importer (`r4pm`/`rustxes`) is not installed here; its default importer reads every "
            "attribute (16 columns), the engine's only the three that mining needs. Mining "
            "validates and orders "
            "the table once (no sort when, as here, every case is already in time order), then "
            "takes the directly-follows statistics from one shift and one group-by, the variants "
            "from a group-by on the per-case activity lists, and the rest from per-case numpy "
            "arrays. The machine is shared with other jobs: the load average shows how busy it "
            "was.",
        ]
    )


def run() -> str:
    """Run both sides, compare, and return the Markdown section."""
    if not ROAD_LOG.exists():
        raise SystemExit(f"the road-traffic log is not at {ROAD_LOG}")
    if str(PROJECT_DIR / "src") not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR / "src"))
    import polars  # noqa: F401  (imported up front: imports are not timed)

    import inbeeld.stats.mining  # noqa: F401

    os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")
    import pm4py  # noqa: F401

    when = dt.datetime.now(dt.UTC)
    info = machine()
    load_before = os.getloadavg()[0]
    print("   pm4py ...", flush=True)
    theirs, pm4py_steps = run_pm4py(ROAD_LOG)
    print("   engine ...", flush=True)
    ours, engine_steps, spread = run_engine(ROAD_LOG)
    load_after = os.getloadavg()[0]
    print("   comparing ...", flush=True)
    compared = compare(ours, theirs)
    print(f"   identical: {compared}", flush=True)
    return render(
        info,
        when,
        theirs,
        pm4py_steps,
        engine_steps,
        spread,
        compared,
        ours[1],
        (load_before, load_after),
    )


if __name__ == "__main__":
    print(run())
