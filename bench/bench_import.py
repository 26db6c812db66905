"""Benchmark of the bulk import (issue 16 item 9, docs/adr/0022-bulk-import.md).

On PostgreSQL (BENCH_IMPORT_PG_URL, a database whose name starts with ``wt_imports`` or
``inbeeld_bench``; dropped and recreated), after `inbeeld migrate`, in a child process with fresh
settings: a coordinator of Amsterdam and a CSV in the cases template with BENCH_IMPORT_EVENTS
events (5 care events per case), then

- the dry run (``import_check``: schema + every row through the services, rolled back per batch),
- the commit per row (``import_commit``, batches of 500 rows, each one transaction),
- the same file again (dry run + commit: every row "ongewijzigd"),

each timed, and a cProfile of a commit of BENCH_IMPORT_PROFILE_EVENTS events in a fresh
organisation to show where the time of one row goes. Every row goes through case_register /
event_record with the policy and the audit row: nothing is bypassed.

Environment: BENCH_IMPORT_PG_URL (postgres://postgres@127.0.0.1:5432/wt_imports_bench),
BENCH_IMPORT_EVENTS (100000), BENCH_IMPORT_PROFILE_EVENTS (2000).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

NAME = "import"
PROJECT_DIR = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get(
    "BENCH_IMPORT_PG_URL", "postgres://postgres@127.0.0.1:5432/wt_imports_bench"
)
EVENTS = int(os.environ.get("BENCH_IMPORT_EVENTS", "100000"))
PROFILE_EVENTS = int(os.environ.get("BENCH_IMPORT_PROFILE_EVENTS", "2000"))
CARE_EVENTS = (
    "signal_received",
    "safety_assessment",
    "comensha_registration",
    "safety_assessment",
    "revictimisation",
)


NOTES = (
    "**Target not met.** Every row goes through the same services as a form: per event the case "
    "is locked (SELECT … FOR UPDATE), the timeline is replayed to check the workflow "
    "(state_for_recording, which reads the case's events), the event is validated with "
    "full_clean (its foreign keys each read once more), the audit row takes a chain-head lock, "
    "its MAC and an insert, the case's version is bumped and the mapping row written: about "
    "twenty SQL statements and 20 ms of Python per event on this 2-core machine (load 3–4 from "
    "the other work on it while measuring). 100,000 events in a minute is 0.6 ms per event: "
    "that needs set-based writes (COPY of events and audit rows per batch with the replay done "
    "in memory per case), i.e. a second write path next to the services, which ADR 0022 does "
    "not take (the brief: no bypass of policy or audit). A re-import is fast (the mappings are "
    "read once; unchanged rows call no service). Measured briefly with BENCH_IMPORT_EVENTS "
    "small; the per-event cost does not depend on the file size (each case's timeline is short)."
)


def _environ(tmp: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "inbeeld.conf.settings.test",
        "DATABASE_URL": PG_URL,
        "PYTHONPATH": str(PROJECT_DIR / "src") + os.pathsep + str(PROJECT_DIR),
        "INBEELD_AUDIT_CHECKPOINT_DIR": str(Path(tmp) / "checkpoints"),
    }


def _recreate_database() -> None:
    import psycopg

    parts = urlsplit(PG_URL)
    name = parts.path.lstrip("/")
    assert name.startswith(("wt_imports", "inbeeld_bench")), f"refusing to drop {name!r}"
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def csv_text(events: int, prefix: str) -> bytes:
    lines = [
        "dossiernummer;eenheid;uitbuitingsvormen;minderjarig;leeftijdscategorie;geslacht;"
        "nationaliteit;datum_instroom;gebeurtenisnummer;gebeurtenis;gebeurtenisdatum;"
        "datumprecisie;uitkomst;notitie"
    ]
    for n in range(events):
        case, e = divmod(n, len(CARE_EVENTS))
        lines.append(
            f"{prefix}-{case};amsterdam;sexual;nee;18-22;vrouw;nederlands;2024-03-01;E{e};"
            f"{CARE_EVENTS[e]};2024-03-{e + 2:02d};;;"
        )
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def child(tmp: str) -> None:
    import cProfile
    import io
    import pstats

    import django

    django.setup()
    from inbeeld.accounts.models import Membership, Organisation, User
    from inbeeld.imports.services import import_check, import_commit
    from inbeeld.reference.models import PoliceUnit

    def coordinator(name: str) -> User:
        user = User.objects.create_user(username=name, password="x" * 16)
        organisation = Organisation.objects.create(name=f"Zorg {name}", type="care")
        Membership.objects.create(
            user=user,
            organisation=organisation,
            role="safety_coordinator",
            police_unit=PoliceUnit.objects.get(code="amsterdam"),
        )
        return user

    results = {}
    user = coordinator("bench")
    data = csv_text(EVENTS, "D")
    for label in ("first", "again"):
        started = time.perf_counter()
        run = import_check(actor=user, kind="cases", file_name="bench.csv", data=data)
        checked = time.perf_counter()
        run = import_commit(actor=user, run=run, mode="row")
        done = time.perf_counter()
        results[label] = {
            "dry_run": checked - started,
            "commit": done - checked,
            "counts": run.counts,
        }
    profiled = coordinator("profile")
    small = csv_text(PROFILE_EVENTS, "P")
    run = import_check(actor=profiled, kind="cases", file_name="p.csv", data=small)
    profiler = cProfile.Profile()
    profiler.enable()
    import_commit(actor=profiled, run=run, mode="row")
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    total = stats.total_tt
    wanted = {
        "case_register": "case_register",
        "event_record": "event_record",
        "audit_record": "audit_record (chain lock, MAC, insert)",
        "_lock_case": "_lock_case (SELECT ... FOR UPDATE)",
        "state_for_recording": "state_for_recording (status replay)",
        "case_derive_court": "case_derive_court",
        "recordable_event_codes": "policy.recordable_event_codes",
        "remember": "ImportedRecord write",
        "execute": "all SQL (cursor.execute)",
    }
    shares = {}
    for (filename, _line, function), row in stats.stats.items():
        if (
            function in wanted
            and "inbeeld" in filename
            or function == "execute"
            and "django/db/backends/utils" in filename
        ):
            key = wanted[function]
            shares[key] = max(shares.get(key, 0.0), row[3])
    results["profile"] = {"events": PROFILE_EVENTS, "total": total, "cumulative": shares}
    Path(tmp, "result.json").write_text(json.dumps(results))


def run() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        _recreate_database()
        environ = _environ(tmp)
        migrated = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "inbeeld", "migrate", "--noinput"],
            env=environ,
            capture_output=True,
            text=True,
            check=False,
        )
        assert migrated.returncode == 0, migrated.stderr[-2000:]
        started = time.perf_counter()
        made = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--child", tmp],
            env=environ,
            capture_output=True,
            text=True,
            check=False,
        )
        assert made.returncode == 0, made.stderr[-4000:]
        wall = time.perf_counter() - started
        results = json.loads(Path(tmp, "result.json").read_text())
    first, again, profile = results["first"], results["again"], results["profile"]
    per_row_ms = 1000 * first["commit"] / EVENTS
    lines = [
        "## Bulk import (issue 16 item 9)",
        "",
        f"PostgreSQL, `bench/bench_import.py`, {EVENTS:,} events in {EVENTS // 5:,} cases (5 care "
        "events each) imported by a safety coordinator, per row (batches of 500 rows), every row "
        f"through case_register/event_record with the policy and the audit row. Wall time {wall:.0f} s.",
        "",
        "| Step | Seconds | Rows/s | Counts |",
        "|---|---:|---:|---|",
    ]
    for label, part in (("first import", first), ("same file again", again)):
        for step in ("dry_run", "commit"):
            seconds = part[step]
            lines.append(
                f"| {label}: {step.replace('_', ' ')} | {seconds:.1f} | {EVENTS / seconds:,.0f} | "
                + (
                    ", ".join(
                        f"{k} {v}"
                        for k, v in part["counts"].items()
                        if k in ("create", "update", "unchanged", "error")
                    )
                    if step == "commit"
                    else ""
                )
                + " |"
            )
    lines += [
        "",
        f"Target: 100,000 events under 60 s. Measured commit: {per_row_ms:.2f} ms per event; "
        f"at that rate 100,000 events take {per_row_ms * 100:.0f} s to commit (plus the dry run).",
        "",
        NOTES,
        "",
        f"Where the time of a commit goes (cProfile of {profile['events']:,} events, cumulative "
        f"seconds of {profile['total']:.1f} s profiled; nested, so the rows overlap):",
        "",
        "| Part | Seconds | Share |",
        "|---|---:|---:|",
    ]
    for key, seconds in sorted(profile["cumulative"].items(), key=lambda kv: -kv[1]):
        lines.append(f"| {key} | {seconds:.2f} | {100 * seconds / profile['total']:.0f} % |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        print(run())
