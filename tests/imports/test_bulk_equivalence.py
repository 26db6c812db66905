"""The set-based import path (ADR 0022 decision 12) leaves the database exactly as the per-row
path (every record through case_register / event_record) does: the same file imported both ways,
by two coordinators of two organisations, gives the same cases, events, audit rows, mappings,
problems and report — and the audit log of both verifies. Runs on SQLite and, with DATABASE_URL,
on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditEvent
from inbeeld.audit.verify import audit_chain_verify
from inbeeld.cases.models import Case, ChainEvent
from inbeeld.crypto import decrypt_text
from inbeeld.imports.models import ImportedRecord, RecordKind
from inbeeld.imports.services import import_check, import_commit, import_report
from tests.factories import make_user
from tests.imports.helpers import case_row, csv_bytes

pytestmark = pytest.mark.django_db


def mixed_rows():
    """Good dossiers and every kind of refusal the services make, in one file."""
    rows = []
    for d in range(6):
        rows += [
            case_row(f"D-{d}", "E1", "signal_received", "2024-03-02", note=f"notitie {d}"),
            case_row(f"D-{d}", "E2", "Veiligheidsinschatting", "2024-03-05"),
            case_row(f"D-{d}", "E3", "comensha_registration", "2024-03-07"),
        ]
    rows += [
        # Workflow order: nothing but a few care events after the case is closed.
        case_row("W-1", "E1", "signal_received", "2024-04-01"),
        case_row("W-1", "E2", "case_closed", "2024-04-02"),
        case_row("W-1", "E3", "signal_received", "2024-04-03"),
        case_row("W-1", "E4", "revictimisation", "2024-04-04"),
        # Policy: a police event; a unit outside the coordinator's scope.
        case_row("P-1", "E1", "first_police_contact", "2024-04-01"),
        case_row("P-1", "E2", "safety_assessment", "2024-04-02"),
        case_row("P-2", "E1", "signal_received", "2024-04-01", eenheid="limburg"),
        # Outcome that does not belong; an unknown event type; a duplicate number.
        case_row("O-1", "E1", "safety_assessment", "2024-04-01", outcome="summons"),
        case_row("O-1", "E2", "geen_gebeurtenis", "2024-04-02"),
        case_row("O-1", "E2", "signal_received", "2024-04-03"),
        # Case values that differ between rows; a case without events.
        case_row("C-1", "E1", "signal_received", "2024-04-01"),
        case_row("C-1", "E2", "safety_assessment", "2024-04-02", geslacht="man"),
        case_row("C-2"),
        # An unknown exploitation form refuses the whole dossier.
        case_row("F-1", "E1", "signal_received", "2024-04-01", uitbuitingsvormen="onbekend"),
    ]
    return rows


def _import(user, data, *, per_row, mode="row"):
    run = import_check(
        actor=user, kind="cases", file_name="dossiers.csv", data=data, per_row=per_row
    )
    checked = (run.counts, run.problems)
    run = import_commit(actor=user, run=run, mode=mode, per_row=per_row)
    return run, checked


def snapshot(organisation) -> dict:
    """Everything an import of ``organisation`` wrote, by the partner's ids, without ids,
    codes and times (which differ by construction)."""
    records = ImportedRecord.objects.filter(organisation=organisation)
    out = {}
    for record in records.filter(kind=RecordKind.CASE):
        case = Case.objects.get(code=record.target)
        events = list(case.events.order_by("pk"))
        positions = {e.pk: n for n, e in enumerate(events)}
        audit = [
            (
                a.action,
                a.subject_type,
                "case" if a.subject_ref == case.code else positions.get(int(a.subject_ref)),
                a.actor_label.split("-")[0],
                a.extra,
                a.chain_version,
            )
            for a in AuditEvent.objects.filter(case_code=case.code).order_by("pk")
        ]
        out[record.partner_key] = {
            "digest": record.values_digest,
            "case": (
                case.police_unit_id,
                case.court_id,
                sorted(case.exploitation_forms.values_list("code", flat=True)),
                case.minor_at_intake,
                case.age_band,
                case.gender,
                case.nationality_group,
                case.intake_date,
                case.status,
                case.version,
                case.research_consent,
                case.owner_id,
            ),
            "events": [
                (
                    e.event_type.code,
                    e.outcome,
                    e.event_date,
                    e.date_precision,
                    decrypt_text(e.note_ciphertext) if e.note_ciphertext else "",
                    e.note_ciphertext[:4] if e.note_ciphertext else "",
                    e.note_family,
                    e.organisation_id == organisation.pk,
                    e.author.username.split("-")[0],
                    e.supersedes_id,
                )
                for e in events
            ],
            "audit": audit,
        }
    event_records = {
        r.partner_key: (
            r.values_digest,
            ChainEvent.objects.get(pk=int(r.target)).event_type.code,
        )
        for r in records.filter(kind=RecordKind.EVENT)
    }
    return {"cases": out, "events": event_records}


@pytest.mark.parametrize("mode", ["row", "all"])
def test_set_based_and_per_row_import_write_the_same(mode, settings):
    settings.INBEELD_IMPORT_BATCH_ROWS = 7  # several batches, dossiers never split
    settings.INBEELD_AUDIT_CHECKPOINT_EVERY = 10  # checkpoints scheduled along the way
    rows = mixed_rows() if mode == "row" else mixed_rows()[:18]  # "all": a file without errors
    data = csv_bytes(rows)
    slow = make_user(Role.SAFETY_COORDINATOR, unit_code="amsterdam", username="coordinator-a")
    fast = make_user(Role.SAFETY_COORDINATOR, unit_code="amsterdam", username="coordinator-b")

    slow_run, slow_checked = _import(slow, data, per_row=True, mode=mode)
    fast_run, fast_checked = _import(fast, data, per_row=False, mode=mode)

    assert fast_checked == slow_checked
    assert fast_run.status == slow_run.status == "done"
    assert fast_run.counts == slow_run.counts
    assert fast_run.problems == slow_run.problems
    if mode == "row":
        assert {p["code"] for p in fast_run.problems} >= {
            "volgorde",
            "geen_recht",
            "uitkomst_past_niet",
            "gebeurtenis_onbekend",
            "dubbel",
            "casus_ongelijk",
            "uitbuitingsvorm_onbekend",
        }
    slow_report = import_report(actor=slow, run=slow_run)[0]
    fast_report = import_report(actor=fast, run=fast_run)[0]
    assert fast_report == slow_report

    slow_state = snapshot(slow.memberships.get().organisation)
    fast_state = snapshot(fast.memberships.get().organisation)
    assert slow_state["cases"] and len(slow_state["events"]) >= 18
    assert fast_state == slow_state
    # Statuses moved (the workflow ran), notes are ciphertext, one audit row per record.
    statuses = {c["case"][8] for c in fast_state["cases"].values()}
    assert "closed" in statuses if mode == "row" else statuses == {"intake"}
    created = sum(len(c["events"]) for c in fast_state["cases"].values())
    recorded = sum(
        1 for c in fast_state["cases"].values() for a in c["audit"] if a[0] == "event.recorded"
    )
    assert created == recorded == len(fast_state["events"])
    report = audit_chain_verify()
    assert report.ok, report.reason


def test_a_second_import_of_the_same_file_changes_nothing_after_the_set_based_path():
    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="amsterdam")
    data = csv_bytes(mixed_rows())
    first, _checked = _import(coordinator, data, per_row=False)
    audit_rows, events = AuditEvent.objects.count(), ChainEvent.objects.count()
    again, _checked = _import(coordinator, data, per_row=False)
    assert again.counts["create"] == again.counts["update"] == 0
    assert again.counts["unchanged"] == first.counts["create"] + first.counts["unchanged"]
    assert ChainEvent.objects.count() == events
    # Only the import's own rows (checked, committed) are new in the log.
    assert AuditEvent.objects.count() == audit_rows + 2


def test_the_set_based_commit_needs_few_statements_per_batch(settings):
    settings.INBEELD_IMPORT_BATCH_ROWS = 5000
    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="amsterdam")
    rows = [
        case_row(f"D-{d}", f"E{e}", code, f"2024-03-{e + 2:02d}")
        for d in range(60)
        for e, code in enumerate(["signal_received", "safety_assessment", "revictimisation"])
    ]
    run = import_check(actor=coordinator, kind="cases", file_name="d.csv", data=csv_bytes(rows))
    with CaptureQueriesContext(connection) as queries:
        run = import_commit(actor=coordinator, run=run, mode="row")
    assert run.counts["create"] == 180
    assert ChainEvent.objects.count() == 180
    # 60 cases and 180 events: per row that was thousands of statements; set-based a few dozen.
    assert len(queries) < 80, len(queries)
