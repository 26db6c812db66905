"""Benchmark of the bulk import (issue 16 item 9, docs/adr/0022-bulk-import.md).

On PostgreSQL (BENCH_IMPORT_PG_URL, a database whose name starts with ``wt_import`` or
``inbeeld_bench``; dropped and recreated), after `inbeeld migrate`: two safety coordinators of
Amsterdam (two organisations) and synthetic, demo-like files in the cases template (5 care
events per case; mixed age bands, genders and nationalities; a note on every tenth event, stored
encrypted). Everything runs through the path a user takes, the command
``inbeeld import <file> --user … --commit`` in a child process (dry run, then the commit per
row in batches of INBEELD_IMPORT_BATCH_ROWS):

- **set-based** (the default path): BENCH_IMPORT_EVENTS events (100,000);
- the **same file again** (every row "ongewijzigd");
- the named peer, **per row** (``--per-row``: every record through case_register /
  event_record, the path before ADR 0022 decision 12) on BENCH_IMPORT_PEER_EVENTS events
  (1,000), extrapolated linearly to BENCH_IMPORT_EVENTS and labelled so;
- ``inbeeld audit verify`` over the whole log afterwards, and the row counts.

The dry run's and the commit's times are taken from the command's own output (the dry-run
summary line is printed before the commit starts). CPU seconds of the command (user + system)
are reported next to the wall time: the machine is shared, and the load average is printed.

Environment: BENCH_IMPORT_PG_URL (postgres://postgres@127.0.0.1:5432/wt_import2_bench),
BENCH_IMPORT_EVENTS (100000), BENCH_IMPORT_PEER_EVENTS (1000).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

NAME = "import"
PROJECT_DIR = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get(
    "BENCH_IMPORT_PG_URL", "postgres://postgres@127.0.0.1:5432/wt_import2_bench"
)
EVENTS = int(os.environ.get("BENCH_IMPORT_EVENTS", "100000"))
PEER_EVENTS = int(os.environ.get("BENCH_IMPORT_PEER_EVENTS", "1000"))
CARE_EVENTS = (
    "signal_received",
    "safety_assessment",
    "comensha_registration",
    "safety_assessment",
    "revictimisation",
)
AGE_BANDS = ("12-15", "16-17", "18-22", "23-29", "30-49")
GENDERS = ("vrouw", "man", "vrouw", "onbekend")
NATIONALITIES = ("nederlands", "eu", "buiten de eu", "onbekend")
FORMS = ("sexual", "labour", "criminal", "sexual,criminal")

SETUP = """
import django
django.setup()
from inbeeld.accounts.models import Membership, Organisation, User
from inbeeld.reference.models import PoliceUnit
for name in ("bench", "peer"):
    user = User.objects.create_user(username=name, password="x" * 16)
    organisation = Organisation.objects.create(name=f"Zorg {name}", type="care")
    Membership.objects.create(
        user=user, organisation=organisation, role="safety_coordinator",
        police_unit=PoliceUnit.objects.get(code="amsterdam"),
    )
"""


def _environ(tmp: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "inbeeld.conf.settings.test",
        "INBEELD_ENVIRONMENT": "test",
        "DATABASE_URL": PG_URL,
        "PYTHONPATH": str(PROJECT_DIR / "src") + os.pathsep + str(PROJECT_DIR),
        "INBEELD_AUDIT_CHECKPOINT_DIR": str(Path(tmp) / "checkpoints"),
    }


def _recreate_database() -> None:
    import psycopg

    parts = urlsplit(PG_URL)
    name = parts.path.lstrip("/")
    assert name.startswith(("wt_import", "inbeeld_bench")), f"refusing to drop {name!r}"
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
        band = AGE_BANDS[case % len(AGE_BANDS)]
        minor = "ja" if band in ("12-15", "16-17") else "nee"
        month = 1 + case % 12
        note = f"Gesprek gevoerd, vervolg gepland ({case})" if n % 10 == 0 else ""
        lines.append(
            f'{prefix}-{case};amsterdam;"{FORMS[case % len(FORMS)]}";{minor};{band};'
            f"{GENDERS[case % len(GENDERS)]};{NATIONALITIES[case % len(NATIONALITIES)]};"
            f"2024-{month:02d}-01;E{e};{CARE_EVENTS[e]};2024-{month:02d}-{e + 2:02d};;;{note}"
        )
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def _run(args: list[str], environ: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(  # noqa: S603 (our own interpreter and entry point)
        [sys.executable, *args], env=environ, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-4000:])
    return done


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _DatabaseCpu(threading.Thread):
    """The CPU seconds PostgreSQL's backends spend for the bench database's other clients (the
    command's connection), sampled every 0.2 s (same machine)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.running = True

    def run(self) -> None:
        import psycopg

        name = urlsplit(PG_URL).path.lstrip("/")
        with psycopg.connect(PG_URL, autocommit=True) as connection:
            while self.running:
                pids = connection.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> "
                    "pg_backend_pid() AND backend_type = 'client backend'",
                    [name],
                ).fetchall()
                for (pid,) in pids:
                    cpu = _cpu_seconds(pid)
                    if cpu:
                        self.first.setdefault(pid, cpu)
                        self.last[pid] = cpu
                time.sleep(0.2)

    def total(self) -> float:
        self.running = False
        self.join()
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def _import(path: Path, user: str, environ: dict[str, str], *extra: str) -> dict:
    """Run `inbeeld import --commit` and time its dry run and commit from its own output, with
    the CPU seconds of the command (per phase) and of its PostgreSQL backend."""
    database = _DatabaseCpu()
    database.start()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and entry point)
        [sys.executable, "-m", "inbeeld", "import", str(path), "--user", user, "--commit", *extra],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    checked, checked_cpu, summary = None, 0.0, []
    for line in process.stdout:
        if line.startswith(("Proefimport", "Invoer")):
            summary.append(line.strip())
            if line.startswith("Proefimport"):
                checked, checked_cpu = time.perf_counter(), _cpu_seconds(process.pid)
    stderr = process.stderr.read()
    assert process.wait() == 0, stderr[-4000:]
    done = time.perf_counter()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "dry_run": checked - started,
        "commit": done - checked,
        "total": done - started,
        "cpu": cpu,
        "cpu_dry_run": checked_cpu,
        "cpu_commit": cpu - checked_cpu,
        "cpu_database": database.total(),
        "summary": summary,
    }


def _count(sql: str) -> int:
    import psycopg

    with psycopg.connect(PG_URL) as connection:
        return connection.execute(sql).fetchone()[0]


def run() -> str:
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        _recreate_database()
        environ = _environ(tmp)
        _run(["-m", "inbeeld", "migrate", "--noinput"], environ)
        _run(["-c", SETUP], environ)
        big, sample = Path(tmp, "bench.csv"), Path(tmp, "peer.csv")
        big.write_bytes(csv_text(EVENTS, "D"))
        sample.write_bytes(csv_text(PEER_EVENTS, "P"))
        first = _import(big, "bench", environ)
        again = _import(big, "bench", environ)
        peer = _import(sample, "peer", environ, "--per-row")
        started = time.perf_counter()
        verified = _run(["-m", "inbeeld", "audit", "verify"], environ)
        verify_seconds = time.perf_counter() - started
        counts = {
            "events": _count("SELECT count(*) FROM cases_chainevent"),
            "cases": _count("SELECT count(*) FROM cases_case"),
            "audit": _count("SELECT count(*) FROM audit_auditevent"),
            "notes": _count("SELECT count(*) FROM cases_chainevent WHERE note_ciphertext <> ''"),
        }
    load_after = os.getloadavg()
    scale = EVENTS / PEER_EVENTS
    lines = [
        "## Bulk import (issue 16 item 9)",
        "",
        f"PostgreSQL 15, `python bench/bench_import.py` (BENCH_IMPORT_EVENTS={EVENTS}, "
        f"BENCH_IMPORT_PEER_EVENTS={PEER_EVENTS}), 2 shared cores; load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after (other work on the machine). "
        f"Each step is the command `inbeeld import <file> --user … --commit` (dry run, then "
        f"commit per row in batches of 5,000 rows); {EVENTS:,} events in {EVENTS // 5:,} cases "
        "(5 care events each, a note on every tenth event), imported by a safety coordinator.",
        "",
        "Wall seconds, and CPU seconds of the command (dry run incl. Django's start / commit) "
        "and of its PostgreSQL backend (both phases):",
        "",
        "| Path | Events | Dry run s | Commit s | Total s | CPU command (dry / commit) s | "
        "CPU PostgreSQL s | Commit events/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def line(label, part, events, factor=1.0):
        lines.append(
            f"| {label} | {events:,} | {part['dry_run'] * factor:.1f} | "
            f"{part['commit'] * factor:.1f} | {part['total'] * factor:.1f} | "
            f"{part['cpu_dry_run'] * factor:.1f} / {part['cpu_commit'] * factor:.1f} | "
            f"{part['cpu_database'] * factor:.1f} | "
            f"{events / (part['commit'] * factor):,.0f} |"
        )

    line("set-based (default)", first, EVENTS)
    line("same file again (all unchanged)", again, EVENTS)
    line(f"per row, measured on {PEER_EVENTS:,}", peer, PEER_EVENTS)
    line(f"per row, **extrapolated** ×{scale:.0f} (not measured)", peer, EVENTS, scale)
    lines += [
        "",
        "Commands' summaries: " + " / ".join(first["summary"] + again["summary"]),
        "",
        f"Afterwards: {counts['events']:,} events ({counts['notes']:,} with an encrypted note), "
        f"{counts['cases']:,} cases, {counts['audit']:,} audit rows; `inbeeld audit verify` "
        f"took {verify_seconds:.1f} s: {verified.stdout.strip().splitlines()[-1]}",
        "",
        f"Target: 100,000 events under 60 s. Commit of {EVENTS:,} events: "
        f"{first['commit']:.1f} s set-based, against about {peer['commit'] * scale:.0f} s "
        "per row (extrapolated).",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
