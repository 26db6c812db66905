"""The bulk import (issue 16 items 6–8): templates, the dry run, the commit, idempotency, policy,
the report file, encryption at rest and retention."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.models import Case, ChainEvent
from inbeeld.crypto import decrypt_text
from inbeeld.imports.apply import partner_key
from inbeeld.imports.columns import CASE_COLUMNS, SIGNAL_COLUMNS
from inbeeld.imports.models import ImportedRecord, ImportRun, ImportStatus
from inbeeld.imports.reading import ImportFileError, read_table
from inbeeld.imports.report import empty_template
from inbeeld.imports.services import (
    ImportRefused,
    import_cancel,
    import_check,
    import_commit,
    import_report,
    unpack,
)
from inbeeld.intake.models import Channel, Signal
from inbeeld.oversight.retention import retention_apply
from tests.factories import make_user
from tests.imports.helpers import (
    SIGNAL_HEADER,
    case_row,
    csv_bytes,
    good_rows,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator():
    return make_user(Role.SAFETY_COORDINATOR, unit_code="amsterdam", username="coordinator")


def check(user, data, name="import.csv", kind="cases"):
    return import_check(actor=user, kind=kind, file_name=name, data=data)


def commit(user, run, mode="row"):
    return import_commit(actor=user, run=run, mode=mode)


def problem_keys(run):
    return {(p["row"], p["column"], p["code"]) for p in run.problems}


def report_cells(run):
    data, _name, _type = import_report(actor=run.created_by, run=run)
    table = read_table(data, f"x.{run.file_format}")
    return table


# --- templates and reading ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("columns", [CASE_COLUMNS, SIGNAL_COLUMNS])
def test_empty_templates_read_back_with_their_dutch_header(fmt, columns):
    table = read_table(empty_template(columns, fmt), f"sjabloon.{fmt}")
    assert table.header == [c.name for c in columns]
    assert table.rows == []
    assert table.file_format == fmt


def test_csv_with_comma_without_bom_and_xlsx_give_the_same_rows():
    rows = good_rows()
    semicolon = read_table(csv_bytes(rows), "a.csv")
    comma = read_table(csv_bytes(rows, delimiter=",", bom=False), "a.csv")
    xlsx = read_table(xlsx_bytes(rows), "a.xlsx")
    assert semicolon.rows == comma.rows == xlsx.rows
    assert comma.delimiter == ","


def test_xlsx_formula_and_date_cells_are_read_as_text():
    rows = [case_row("D-1", "E1", "signal_received", dt.date(2024, 3, 2), note="=1+1")]
    table = read_table(xlsx_bytes(rows), "a.xlsx")
    assert table.rows[0][10] == "2024-03-02"
    assert table.rows[0][13] == "=1+1"  # the formula's text, never its value


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "bestand_leeg"),
        ("dossiernummer;eenheid\n\xe9".encode("latin-1"), "geen_utf8"),
        (b"PK\x03\x04 not really a zip", "geen_xlsx"),
    ],
)
def test_unreadable_files_are_refused_with_a_code(data, code):
    with pytest.raises(ImportFileError) as caught:
        read_table(data, "a.csv")
    assert caught.value.code == code


def test_a_file_without_the_required_columns_is_refused_before_it_is_stored(coordinator):
    with pytest.raises(ImportFileError) as caught:
        check(coordinator, b"dossiernummer;eenheid\nD-1;amsterdam\n")
    assert caught.value.code == "kolom_ontbreekt"
    assert "uitbuitingsvormen" in caught.value.message
    assert not ImportRun.objects.exists()


# --- the dry run ---------------------------------------------------------------------------------


def test_dry_run_reports_every_error_class_with_row_column_and_code(coordinator):
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    rows = [
        case_row("D-1", "E1", "signal_received", "2024-03-02"),  # row 2: fine
        case_row("", "E1", "signal_received", "2024-03-02"),  # 3: verplicht
        case_row("D-3", "E1", "signal_received", "02/03/2024"),  # 4: datum_ongeldig (shape)
        case_row("D-4", geslacht="onzijdig"),  # 5: waarde_onbekend
        case_row("D-5", "E1", "", "2024-03-02"),  # 6: gebeurtenis_ontbreekt
        case_row("D-6", "E1", "signal_received", "2024-02-30"),  # 7: date does not exist
        case_row("D-7", "E1", "signal_received", future),  # 8: future (the service's rule)
        case_row("D-8", eenheid="atlantis"),  # 9: eenheid_onbekend
        case_row("D-9", uitbuitingsvormen="sexual,piracy"),  # 10: uitbuitingsvorm_onbekend
        case_row("D-10", "E1", "tea_party", "2024-03-02"),  # 11: gebeurtenis_onbekend
        case_row("D-11", "E1", "signal_received", "2024-03-02", outcome="conviction"),  # 12
        case_row("D-12", "E1", "case_closed", "2024-03-02"),  # 13: fine (closes the case)
        case_row("D-12", "E2", "signal_received", "2024-03-09"),  # 14: volgorde (closed)
        case_row("D-13", "E1", "first_police_contact", "2024-03-02"),  # 15: geen_recht
        case_row("D-14", eenheid="limburg"),  # 16: geen_recht (not the coordinator's unit)
        case_row("D-1", "E2", "signal_received", "2024-03-04", geslacht="man"),  # 17
        case_row("D-1", "E1", "safety_assessment", "2024-03-06"),  # 18: dubbel
        case_row("D-15", "", "", "", note="losse notitie"),  # 19: gebeurtenisnummer_ontbreekt
        case_row("D-16", datum_instroom="2024-13-01"),  # 20: date does not exist
        case_row("D-17", "E1", "signal_received", "2024-03-02", note="x" * 5001),  # 21: te_lang
    ]
    run = check(coordinator, csv_bytes(rows))
    keys = problem_keys(run)
    expected = {
        (3, "dossiernummer", "verplicht"),
        (4, "gebeurtenisdatum", "datum_ongeldig"),
        (5, "geslacht", "waarde_onbekend"),
        (6, "gebeurtenis", "gebeurtenis_ontbreekt"),
        (7, "gebeurtenisdatum", "datum_ongeldig"),
        (8, "gebeurtenisdatum", "datum_ongeldig"),
        (9, "eenheid", "eenheid_onbekend"),
        (10, "uitbuitingsvormen", "uitbuitingsvorm_onbekend"),
        (11, "gebeurtenis", "gebeurtenis_onbekend"),
        (12, "uitkomst", "uitkomst_past_niet"),
        (14, "gebeurtenis", "volgorde"),
        (15, "gebeurtenis", "geen_recht"),
        (16, "eenheid", "geen_recht"),
        (17, "geslacht", "casus_ongelijk"),
        (18, "gebeurtenisnummer", "dubbel"),
        (19, "gebeurtenisnummer", "gebeurtenisnummer_ontbreekt"),
        (20, "datum_instroom", "datum_ongeldig"),
        (21, "notitie", "te_lang"),
    }
    assert expected <= keys, expected - keys
    assert not any(p["row"] in (2, 13) for p in run.problems)
    future_problem = next(p for p in run.problems if p["row"] == 8)
    assert "toekomst" in future_problem["reason"] and future_problem["value"] == future
    by_row = {p["row"]: p for p in run.problems}
    assert by_row[5]["value"] == "onzijdig"
    assert run.counts["error"] == len({r for r, _c, _k in expected})
    assert run.counts["create"] == 2  # rows 2 and 13
    assert run.status == ImportStatus.CHECKED


def test_dry_run_writes_nothing_but_the_import_and_its_audit_row(coordinator):
    audit_before = AuditEvent.objects.count()
    run = check(coordinator, csv_bytes(good_rows()))
    assert run.counts["create"] == 4 and run.counts["error"] == 0
    assert not Case.objects.exists()
    assert not ChainEvent.objects.exists()
    assert not ImportedRecord.objects.exists()
    assert AuditEvent.objects.count() == audit_before + 1
    assert AuditEvent.objects.latest("id").action == AuditAction.IMPORT_CHECKED
    cells = report_cells(run)
    assert cells.header[-2:] == ["resultaat", "melding"]
    assert {row[-2] for row in cells.rows} == {"wordt aangemaakt"}


# --- the commit ----------------------------------------------------------------------------------


def _with_one_refused_row():
    rows = good_rows()
    rows.append(case_row("D-3", "E1", "first_police_contact", "2024-03-02"))  # not a care event
    return rows


def test_all_or_nothing_rolls_everything_back_on_one_refusal(coordinator):
    run = check(coordinator, csv_bytes(_with_one_refused_row()))
    assert run.counts["error"] == 1
    run = commit(coordinator, run, mode="all")
    assert run.status == ImportStatus.FAILED
    assert not Case.objects.exists() and not ChainEvent.objects.exists()
    assert not ImportedRecord.objects.exists()
    results = [row[-2] for row in report_cells(run).rows]
    assert results == ["niet ingevoerd"] * 4 + ["fout"]


def test_per_row_commits_the_good_rows_and_reports_the_refused_one(coordinator):
    run = commit(coordinator, check(coordinator, csv_bytes(_with_one_refused_row())))
    assert run.status == ImportStatus.DONE
    assert run.counts["create"] == 4 and run.counts["error"] == 1
    # D-3's case was registered (its case part is fine); its police event was refused.
    assert Case.objects.count() == 3
    assert ChainEvent.objects.count() == 4
    cells = report_cells(run)
    assert [row[-2] for row in cells.rows] == ["aangemaakt"] * 4 + ["fout"]
    assert "niet vastleggen" in cells.rows[-1][-1]
    # The services wrote their own audit rows, and the note stayed encrypted.
    assert AuditEvent.objects.filter(action=AuditAction.CASE_CREATED).count() == 3
    assert AuditEvent.objects.filter(action=AuditAction.EVENT_RECORDED).count() == 4
    noted = ChainEvent.objects.exclude(note_ciphertext="").first()
    assert "notitie" not in noted.note_ciphertext
    assert decrypt_text(noted.note_ciphertext).startswith("notitie D-")


def test_the_same_file_again_changes_nothing_and_writes_no_service_audit_rows(coordinator):
    data = csv_bytes(good_rows())
    commit(coordinator, check(coordinator, data))
    cases, events = Case.objects.count(), ChainEvent.objects.count()
    audit_before = AuditEvent.objects.count()
    again = check(coordinator, data)
    assert again.counts == {**again.counts, "create": 0, "update": 0, "unchanged": 4}
    again = commit(coordinator, again)
    assert again.counts["unchanged"] == 4 and again.counts["create"] == 0
    assert (Case.objects.count(), ChainEvent.objects.count()) == (cases, events)
    new_actions = list(
        AuditEvent.objects.filter(id__gt=0).order_by("id").values_list("action", flat=True)
    )[audit_before:]
    assert new_actions == [AuditAction.IMPORT_CHECKED, AuditAction.IMPORT_COMMITTED]
    assert {row[-2] for row in report_cells(again).rows} == {"ongewijzigd"}


def test_an_updated_file_corrects_only_the_changed_event(coordinator):
    rows = good_rows()
    commit(coordinator, check(coordinator, csv_bytes(rows)))
    rows[1] = case_row("D-1", "E2", "Veiligheidsinschatting", "2024-03-07")  # a new date
    run = check(coordinator, csv_bytes(rows))
    assert (run.counts["update"], run.counts["unchanged"]) == (1, 3)
    run = commit(coordinator, run)
    assert run.counts["update"] == 1
    correction = ChainEvent.objects.get(supersedes__isnull=False)
    assert correction.event_date == dt.date(2024, 3, 7)
    assert correction.supersedes.event_date == dt.date(2024, 3, 5)
    assert AuditEvent.objects.filter(action=AuditAction.EVENT_CORRECTED).count() == 1
    record = ImportedRecord.objects.get(partner_key=partner_key("event", "D-1/E2"))
    assert record.target == str(correction.pk)
    # and that file once more: nothing
    assert check(coordinator, csv_bytes(rows)).counts["unchanged"] == 4


def test_changed_case_columns_are_reported_not_silently_applied(coordinator):
    rows = good_rows(("D-1",))
    commit(coordinator, check(coordinator, csv_bytes(rows)))
    rows = [
        case_row("D-1", "E1", "signal_received", "2024-03-02", note="notitie D-1", geslacht="man")
    ]
    run = check(coordinator, csv_bytes(rows))
    assert (2, "dossiernummer", "casus_gewijzigd") in problem_keys(run)


def test_one_active_import_per_organisation(coordinator):
    first = check(coordinator, csv_bytes(good_rows()))
    with pytest.raises(ImportRefused) as caught:
        check(coordinator, csv_bytes(good_rows(("D-9",))))
    assert caught.value.code == "import_loopt_al"
    # The database refuses it too, not only the service.
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportRun.objects.create(
            kind="signals",
            organisation=first.organisation,
            created_by=coordinator,
            file_name="b.csv",
            file_format="csv",
            file_sha256="0" * 64,
        )
    import_cancel(actor=coordinator, run=first)
    assert check(coordinator, csv_bytes(good_rows(("D-9",)))).status == ImportStatus.CHECKED


# --- policy --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.POLICE_OFFICER, Role.RESEARCHER, Role.SIGNALLER])
def test_other_roles_cannot_import(role):
    user = make_user(role)
    for kind in ("cases", "signals"):
        with pytest.raises(PermissionDenied):
            check(user, csv_bytes(good_rows()), kind=kind)
    assert not ImportRun.objects.exists()


def test_a_coordinator_imports_only_into_the_own_unit():
    outside = make_user(Role.SAFETY_COORDINATOR, unit_code="noord-holland")
    run = commit(outside, check(outside, csv_bytes(good_rows())))
    assert run.counts["error"] == 4 and run.counts["create"] == 0
    assert {p["code"] for p in run.problems} == {"geen_recht"}
    assert not Case.objects.exists()


def test_only_the_uploader_commits(coordinator):
    colleague = make_user(Role.SAFETY_COORDINATOR, unit_code="amsterdam")
    run = check(coordinator, csv_bytes(good_rows()))
    with pytest.raises(PermissionDenied):
        commit(colleague, run)


# --- the report file, encryption at rest, retention ---------------------------------------------


def test_report_is_the_input_plus_two_columns_in_the_input_format(coordinator):
    rows = _with_one_refused_row()
    run = commit(coordinator, check(coordinator, xlsx_bytes(rows), name="partner.xlsx"))
    data, name, content_type = import_report(actor=coordinator, run=run)
    assert name == "partner-verslag.xlsx" and "spreadsheetml" in content_type
    report = read_table(data, name)
    original = read_table(xlsx_bytes(rows), "partner.xlsx")
    assert report.header == [*original.header, "resultaat", "melding"]
    assert [r[:-2] for r in report.rows] == original.rows
    assert report.rows[-1][-2] == "fout"
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT_REPORT_READ).exists()


def test_report_neutralises_formula_cells(coordinator):
    rows = [case_row("D-1", "E1", "signal_received", "2024-03-02", note="=HYPERLINK(1)")]
    run = check(coordinator, csv_bytes(rows))
    report = report_cells(run)
    assert report.rows[0][13] == "'=HYPERLINK(1)"


def test_uploaded_and_report_files_are_encrypted_at_rest(coordinator):
    data = csv_bytes(good_rows())
    run = commit(coordinator, check(coordinator, data))
    stored = ImportRun.objects.values(
        "upload_ciphertext", "report_ciphertext", "problems_ciphertext"
    ).get(pk=run.pk)
    assert run.problems == []  # no problems: an empty list, encrypted all the same
    for ciphertext in stored.values():
        assert ciphertext and "dossiernummer" not in ciphertext and "notitie" not in ciphertext
    assert unpack(stored["upload_ciphertext"]) == data
    assert b"notitie D-1" in unpack(stored["report_ciphertext"])


def test_retention_blanks_the_files_of_ended_imports(coordinator, settings):
    run = commit(coordinator, check(coordinator, csv_bytes(good_rows())))
    open_run = check(coordinator, csv_bytes(good_rows(("D-8",))))
    days = settings.INBEELD_RETENTION["import_files"]
    ImportRun.objects.filter(pk__in=[run.pk, open_run.pk]).update(
        finished_at=timezone.now() - dt.timedelta(days=days + 1)
    )
    outcomes = {o.category: o.count for o in retention_apply()}
    assert outcomes["import_files"] == 1
    run.refresh_from_db()
    open_run.refresh_from_db()
    assert run.upload_ciphertext == run.report_ciphertext == run.problems_ciphertext == ""
    assert run.purged_at
    assert open_run.upload_ciphertext  # still open: kept
    with pytest.raises(ImportRefused):
        import_report(actor=coordinator, run=run)


def test_retention_ends_and_blanks_an_import_checked_but_never_committed(coordinator, settings):
    days = settings.INBEELD_RETENTION["import_files"]
    abandoned = check(coordinator, csv_bytes(good_rows()))
    ImportRun.objects.filter(pk=abandoned.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days + 1)
    )
    outcomes = {o.category: o.count for o in retention_apply()}
    assert outcomes["import_files"] == 1
    abandoned.refresh_from_db()
    assert abandoned.status == ImportStatus.CANCELLED and abandoned.finished_at
    assert abandoned.upload_ciphertext == abandoned.problems_ciphertext == ""
    # The organisation's one active slot is free again: a new file can be checked.
    fresh = check(coordinator, csv_bytes(good_rows()))
    assert fresh.status == ImportStatus.CHECKED
    assert {o.category: o.count for o in retention_apply()}["import_files"] == 0
    fresh.refresh_from_db()
    assert fresh.upload_ciphertext  # checked today: kept


# --- signals -------------------------------------------------------------------------------------


def signal_rows():
    return [
        [
            "M-1",
            "school",
            "amsterdam",
            "sudden-sexy-look,tired-or-thin",
            "16-17",
            "vrouw",
            "normaal",
            "Amsterdam",
            "Valt op in de klas.",
        ],
        [
            "M-2",
            "wijkteam",
            "amsterdam",
            "",
            "onbekend",
            "onbekend",
            "acuut",
            "",
            "Zorgen over een buurmeisje.",
        ],
        ["M-3", "school", "amsterdam", "no-such-signal", "16-17", "vrouw", "normaal", "", ""],
        ["M-4", "school", "limburg", "tired-or-thin", "16-17", "vrouw", "normaal", "", ""],
    ]


def test_signals_import_through_the_intake_service_idempotently(coordinator):
    data = csv_bytes(signal_rows(), header=SIGNAL_HEADER)
    run = commit(coordinator, check(coordinator, data, kind="signals"))
    assert run.counts["create"] == 2 and run.counts["error"] == 2
    assert (4, "signalen", "signaal_onbekend") in problem_keys(run)
    assert (5, "eenheid", "geen_recht") in problem_keys(run)
    signals = Signal.objects.order_by("pk")
    assert [s.channel for s in signals] == [Channel.IMPORT, Channel.IMPORT]
    assert signals[0].indicators.count() == 2
    assert "klas" not in signals[0].description_ciphertext
    assert AuditEvent.objects.filter(action=AuditAction.SIGNAL_SUBMITTED).count() == 2
    again = commit(coordinator, check(coordinator, data, kind="signals"))
    assert again.counts["unchanged"] == 2 and Signal.objects.count() == 2


# --- the command ----------------------------------------------------------------------------------


def test_cli_dry_run_then_commit(coordinator, tmp_path):
    path = tmp_path / "dossiers.csv"
    path.write_bytes(csv_bytes(good_rows()))
    out = io.StringIO()
    call_command("import", str(path), "--kind", "cases", "--user", "coordinator", stdout=out)
    assert "Proefimport" in out.getvalue() and "nieuw 4" in out.getvalue()
    assert not Case.objects.exists()
    run = ImportRun.objects.get()
    call_command("import", "--user", "coordinator", "--cancel", str(run.pk), stdout=out)
    report = tmp_path / "verslag.csv"
    call_command(
        "import",
        str(path),
        "--user",
        "coordinator",
        "--commit",
        "--mode",
        "all",
        "--report",
        str(report),
        stdout=out,
    )
    assert Case.objects.count() == 2
    assert "aangemaakt" in report.read_text(encoding="utf-8-sig")


def test_cli_refuses_a_user_without_the_right(tmp_path):
    make_user(Role.POLICE_OFFICER, username="agent")
    path = tmp_path / "dossiers.csv"
    path.write_bytes(csv_bytes(good_rows()))
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="importeren"):
        call_command("import", str(path), "--user", "agent", stdout=io.StringIO())
