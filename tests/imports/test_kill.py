"""Nothing half (issue 16 item 8): `inbeeld import --commit` killed with SIGKILL in the middle of
its commit leaves whole batches only, and running the same command again completes the import
without a second copy of anything.

No mocks: a migrated SQLite database in a temporary directory, the real command in a subprocess,
and SIGKILL as soon as the first batch is committed (read from the database by a second
connection)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

from tests.imports.helpers import case_row, csv_bytes

CASES, EVENTS_PER_CASE, BATCH = 300, 5, 100
CARE_EVENTS = [
    "signal_received",
    "safety_assessment",
    "comensha_registration",
    "safety_assessment",
    "revictimisation",
]

SETUP_USER = """
import django
django.setup()
from inbeeld.accounts.models import Membership, Organisation, User
from inbeeld.reference.models import PoliceUnit
user = User.objects.create_user(username="coordinator", password="x" * 16)
organisation = Organisation.objects.create(name="HVO Querido", type="care")
Membership.objects.create(
    user=user, organisation=organisation, role="safety_coordinator",
    police_unit=PoliceUnit.objects.get(code="amsterdam"),
)
"""


def _rows():
    rows = []
    for c in range(CASES):
        for e, code in enumerate(CARE_EVENTS):
            rows.append(case_row(f"D-{c}", f"E{e}", code, f"2024-03-{e + 2:02d}"))
    return rows


def _environ(db_path, tmp_path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "inbeeld.conf.settings.test",
        # Explicit: a test that imported the production settings in this process left
        # INBEELD_ENVIRONMENT=production in os.environ (conf/settings/production.py).
        "INBEELD_ENVIRONMENT": "test",
        "DATABASE_URL": f"sqlite:///{db_path}",
        "INBEELD_IMPORT_BATCH_ROWS": str(BATCH),
        "INBEELD_AUDIT_CHECKPOINT_DIR": str(tmp_path / "checkpoints"),
    }


def _run(args, environ, **kwargs):
    return subprocess.run(  # noqa: S603 (our own interpreter and entry point)
        [sys.executable, *args], env=environ, capture_output=True, text=True, check=False, **kwargs
    )


def _counts(db_path) -> dict[str, int]:
    with sqlite3.connect(db_path, timeout=30) as db:
        one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "rows_done": one("SELECT coalesce(max(rows_done), 0) FROM imports_importrun"),
            "cases": one("SELECT count(*) FROM cases_case"),
            "events": one("SELECT count(*) FROM cases_chainevent"),
            "case_records": one("SELECT count(*) FROM imports_importedrecord WHERE kind='case'"),
            "event_records": one("SELECT count(*) FROM imports_importedrecord WHERE kind='event'"),
            "event_audit": one(
                "SELECT count(*) FROM audit_auditevent WHERE action='event.recorded'"
            ),
            "case_audit": one("SELECT count(*) FROM audit_auditevent WHERE action='case.created'"),
        }


def _assert_whole_batches(counts) -> None:
    done = counts["rows_done"]
    assert done % BATCH == 0, counts
    assert counts["events"] == counts["event_records"] == counts["event_audit"] == done, counts
    assert (
        counts["cases"] == counts["case_records"] == counts["case_audit"] == done // EVENTS_PER_CASE
    ), counts


def test_kill_9_mid_commit_leaves_whole_batches_and_a_rerun_completes(tmp_path):
    db_path = tmp_path / "inbeeld.sqlite3"
    environ = _environ(db_path, tmp_path)
    migrated = _run(["-m", "inbeeld", "migrate", "--noinput"], environ, timeout=600)
    assert migrated.returncode == 0, migrated.stderr
    made = _run(["-c", SETUP_USER], environ, timeout=120)
    assert made.returncode == 0, made.stderr
    source = tmp_path / "dossiers.csv"
    source.write_bytes(csv_bytes(_rows()))
    command = ["-m", "inbeeld", "import", str(source), "--user", "coordinator", "--commit"]

    process = subprocess.Popen(  # noqa: S603 (our own interpreter and entry point)
        [sys.executable, *command],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if _counts(db_path)["rows_done"] > 0:
                    break
            except sqlite3.OperationalError:
                pass  # locked for a moment, or the tables of a dry run not yet visible
            time.sleep(0.02)
        assert process.poll() is None, "the import finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    killed = _counts(db_path)
    total = CASES * EVENTS_PER_CASE
    assert 0 < killed["rows_done"] < total
    _assert_whole_batches(killed)

    rerun = _run(command, environ, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert "hervat" in rerun.stdout
    final = _counts(db_path)
    assert final["rows_done"] == total
    _assert_whole_batches(final)
    with sqlite3.connect(db_path) as db:
        status, counts = db.execute("SELECT status, counts FROM imports_importrun").fetchone()
    assert status == "done"
    counted = json.loads(counts)
    assert counted["unchanged"] == killed["rows_done"]
    assert counted["create"] == total - killed["rows_done"]
