"""The perpetrator and non-punishment report (issue 17 item 6, ADR 0023): a stored result of the
worker (served with its freshness, waiting while computed, stale after a suspect write), its PDF
and tables file (CSV, XLSX) and `inbeeld report perpetrators`, each a release with its audit row,
all publishing exactly the page's protected cells: no count below the minimum, and no suppressed
count that the published totals pin down to an interval narrower than the minimum."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from inbeeld.accounts.models import Role
from inbeeld.analysis.perpetrator_tables import suspect_rows
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.selectors import cases_in_monitor_scope
from inbeeld.cases.services import consent_record
from inbeeld.jobs.models import StoredResult
from inbeeld.publication.stored_results import PERPETRATORS
from inbeeld.spreadsheet_safety import read_dutch_csv
from inbeeld.suspects import services
from inbeeld.suspects.models import Suspect
from inbeeld.suspects.modus_operandi import modus_operandi_record
from tests.conftest import session_for
from tests.factories import CaseFactory, make_user
from tests.publication.test_reports import _attack, _linear, _pdf_pages, _pdf_text, _text

MIN_CELL = 3
D = dt.date


class World:
    pass


def _consented(**kwargs):
    case = CaseFactory(with_complaint=True, **kwargs)
    consent_record(
        actor=make_user(Role.POLICE_OFFICER, unit_code="amsterdam"),
        case=case,
        kind="given",
        scope="evaluation_monitor",
        date=D(2024, 3, 1),
    )
    return case


def build_world() -> World:
    """Five minor sexual-exploitation cases with a client each (four summoned in 2024, one
    convicted in 2025 to 12 months), two adult criminal-exploitation cases with an exploiter
    whose victims were suspects themselves (non-punishment applied in one), and a case without
    research consent whose six clients must count nowhere."""
    w = World()
    w.police, w.om = make_user(Role.POLICE_OFFICER), make_user(Role.PROSECUTOR)
    w.researcher = make_user(Role.RESEARCHER)
    w.clients = []
    for i in range(5):
        case = _consented(forms=["sexual"], minor=True)
        suspect = services.suspect_register(
            actor=w.police, case=case, role="client", relationship="stranger"
        ).suspect
        w.clients.append(suspect)
        if i < 4:
            services.proceeding_record(
                actor=w.om,
                case=case,
                suspect=suspect,
                date=D(2024, 5, 1 + i),
                kind="decision",
                decision="summons",
            )
        if i == 0:
            services.proceeding_record(
                actor=w.om,
                case=case,
                suspect=suspect,
                date=D(2025, 2, 1),
                kind="verdict",
                verdict="conviction",
                sentence_type="prison",
                unconditional_months=Decimal("12"),
            )
    w.criminal = []
    for outcome in ("dismissed", None):
        case = _consented(forms=["criminal"])
        w.criminal.append(case)
        services.suspect_register(
            actor=w.police, case=case, role="exploiter", relationship="network"
        )
        services.non_punishment_record(
            actor=w.police, case=case, step="suspected", date=D(2024, 4, 1), offence="drugs"
        )
        if outcome:
            services.non_punishment_record(
                actor=w.om,
                case=case,
                step="outcome",
                date=D(2024, 8, 1),
                offence="drugs",
                outcome=outcome,
            )
        modus_operandi_record(
            actor=w.police, case=case, location="netherlands", recruitment_channel="social_media"
        )
    hidden = CaseFactory(forms=["sexual"], minor=True, with_complaint=True, research_consent=False)
    for _ in range(6):
        services.suspect_register(
            actor=w.police, case=hidden, role="client", relationship="stranger"
        )
    return w


@pytest.fixture
def world(db, settings):
    settings.INBEELD_DISCLOSURE_MIN_CELL = MIN_CELL
    return build_world()


def _get(user, name: str, *args):
    return session_for(user).get(reverse(name, args=args))


def _page_tables(html: str) -> dict[str, list[list[str]]]:
    """Every perpetrator table of the page: title → rows of cells (header row first)."""
    tables = {}
    for title, body in re.findall(
        r'<h2 id="(?:tabel-\d+|straffen)">(.*?)</h2>.*?<table[^>]*>(.*?)</table>', html, re.S
    ):
        rows = []
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
            rows.append([_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)])
        tables[_text(title)] = rows
    return tables


def _long(tables: dict[str, list[list[str]]]) -> list[list[str]]:
    """The page's tables in the file's long format (table, row, column, value)."""
    out = []
    for title, (head, *rows) in tables.items():
        if title.startswith("Mediane"):
            for year, form, n, median in rows:
                out.append([title, f"{year} – {form}", "Veroordeelden", n])
                out.append([title, f"{year} – {form}", "Mediaan (maanden)", median])
            continue
        for label, *cells in rows:
            out += [[title, label, col, cell] for col, cell in zip(head[1:], cells, strict=True)]
    return out


def _counts_published(rows) -> list[int]:
    return [int(v) for _t, _r, col, v in rows if col != "Mediaan (maanden)" and v.isdigit()]


def test_the_page_downloads_and_command_publish_the_same_protected_cells(world, tmp_path):
    page = _get(world.researcher, "reports:perpetrators")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="results-freshness"' in html and "Cijfers van " in html
    tables = _page_tables(html)
    assert len(tables) == 9  # eight count tables and the medians
    expected = _long(tables)

    csv_response = _get(world.researcher, "reports:perpetrator_tables", "csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    header, *csv_rows = read_dutch_csv(csv_response.content)
    assert header == ["tabel", "rij", "kolom", "waarde"]
    assert csv_rows == expected

    xlsx = _get(world.researcher, "reports:perpetrator_tables", "xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Daders", "Toelichting"]
    cells = [["" if v is None else str(v) for v in row] for row in book["Daders"].values]
    assert cells[1:] == expected
    assert "vervangen door ×" in book["Toelichting"]["A1"].value

    out = io.StringIO()
    target = tmp_path / "daders.csv"
    call_command(
        "report",
        "perpetrators",
        "--format",
        "csv",
        "--output",
        str(target),
        user=world.researcher.username,
        stdout=out,
        stderr=io.StringIO(),
    )
    assert read_dutch_csv(target.read_bytes())[1:] == expected

    # No published count between 0 and the minimum; suppressed cells are there (× ).
    published = _counts_published(expected)
    assert published and all(v == 0 or v >= MIN_CELL for v in published)
    assert any(v == "×" for *_rest, v in expected)
    # The six clients of the case without consent count nowhere: the scope has the five
    # clients and two exploiters, and no published cell counts the hidden ones with them.
    scope = cases_in_monitor_scope(world.researcher)
    assert suspect_rows(scope).height == 7
    assert "11" not in [v for *_rest, v in expected]
    # Nothing of a suspect leaves: no code.
    everything = html + csv_response.content.decode("utf-8-sig") + target.read_text("utf-8-sig")
    for code in Suspect.objects.values_list("code", flat=True):
        assert code not in everything


def test_the_pdf_holds_the_page_tables_and_nothing_smaller(world):
    response = _get(world.researcher, "reports:perpetrator_report", "pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    pages = _pdf_pages(data)
    assert pages and all(float((page < 200).mean()) > 0.005 for page in pages)
    text = _text(_pdf_text(data))
    tables = _page_tables(_get(world.researcher, "reports:perpetrators").content.decode())
    for title, (_head, *rows) in tables.items():
        assert title in text
        for row in rows:
            assert " ".join(row) in text, (title, row)
    assert "Methode in het kort" in text and "Onthullingscontrole" in text
    # Apart from page numbers and dates, every number in the PDF is a year, 0, a published count
    # (at least the minimum), the minimum itself or a median: none between 0 and the minimum.
    body = re.sub(r"pagina \d+ van \d+|\d+ [a-z]+ \d{4}(?: \d\d:\d\d)?", " ", text)
    numbers = {int(n) for n in re.findall(r"(?<![\d,.])\d+(?![\d,.])", body)}
    assert numbers and not {n for n in numbers if 0 < n < MIN_CELL}
    for row in tables["Klanten in zaken met minderjarige slachtoffers, per jaar"][1:]:
        assert "1" not in row and "2" not in row


def _two_way_intervals(head: list[str], rows: list[list[str]]) -> dict:
    """The attacker of a table: every row adds up to its total, every column to the footer."""
    grid = {
        row[0]: {c: (None if v == "×" else int(v)) for c, v in zip(head[1:], row[1:], strict=True)}
        for row in rows
    }
    labels = [r for r in grid if r != "Totaal"]
    columns = [c for c in head[1:] if c != "Totaal"]
    unknown = [(r, c) for r in grid for c in grid[r] if grid[r][c] is None]
    equalities = []
    for r in grid:
        terms = [((r, c), grid[r][c], 1.0) for c in columns] + [
            ((r, "Totaal"), grid[r]["Totaal"], -1.0)
        ]
        equalities.append(_linear(terms))
    for c in head[1:]:
        terms = [((r, c), grid[r][c], 1.0) for r in labels] + [
            (("Totaal", c), grid["Totaal"][c], -1.0)
        ]
        equalities.append(_linear(terms))
    return _attack(unknown, [e for e in equalities if e[0]], [])


def test_no_suppressed_count_is_recoverable_from_the_margins(world):
    tables = _page_tables(_get(world.researcher, "reports:perpetrators").content.decode())
    attacked = 0
    for title, (head, *rows) in tables.items():
        if title.startswith("Mediane"):
            continue
        for (label, column), (low, high) in _two_way_intervals(head, rows).items():
            assert high - low >= MIN_CELL - 1e-6, (title, label, column, low, high)
            attacked += 1
    assert attacked  # the fixture has suppressed cells to attack


def _release_rows():
    return AuditEvent.objects.filter(action=AuditAction.REPORT_CREATED)


@pytest.mark.parametrize(
    ("name", "fmt", "subject"),
    [
        ("reports:perpetrator_report", "pdf", "perpetrators"),
        ("reports:perpetrator_report", "html", "perpetrators"),
        ("reports:perpetrator_tables", "csv", "perpetrator_tables"),
        ("reports:perpetrator_tables", "xlsx", "perpetrator_tables"),
    ],
)
def test_each_download_writes_its_release_row(world, name, fmt, subject):
    client = session_for(world.researcher)
    before = set(_release_rows().values_list("pk", flat=True))
    response = client.get(reverse(name, args=[fmt]))
    assert response.status_code == 200
    row = _release_rows().exclude(pk__in=before).get()
    assert row.actor == world.researcher and row.subject_ref == subject
    assert row.extra == {"format": fmt, "bytes": len(response.content)}


@pytest.mark.parametrize("role", [Role.POLICE_OFFICER, Role.PROSECUTOR, Role.PSYCHOLOGIST])
def test_a_role_without_the_monitor_gets_no_download_and_no_release(world, role):
    client = session_for(make_user(role))
    before = _release_rows().count()
    for name, fmt in (("reports:perpetrator_report", "pdf"), ("reports:perpetrator_tables", "csv")):
        assert client.get(reverse(name, args=[fmt])).status_code == 403
    assert _release_rows().count() == before


def test_the_command_writes_the_pdf_and_refuses_tables_of_another_report(world, tmp_path):
    target = tmp_path / "daders.pdf"
    out = io.StringIO()
    call_command(
        "report",
        "perpetrators",
        "--output",
        str(target),
        user=world.researcher.username,
        stdout=out,
        stderr=io.StringIO(),
    )
    assert target.read_bytes().startswith(b"%PDF-")
    assert "Daders en non-punishment" in out.getvalue()
    row = _release_rows().latest("pk")
    assert (row.actor, row.subject_ref, row.extra["format"]) == (
        world.researcher,
        "perpetrators",
        "pdf",
    )
    before = _release_rows().count()
    with pytest.raises(CommandError, match="Als CSV of XLSX kan alleen"):
        call_command(
            "report",
            "monitor",
            "--format",
            "csv",
            "--output",
            str(tmp_path / "m.csv"),
            user=world.researcher.username,
        )
    with pytest.raises(CommandError, match="mag de dader- en non-punishmenttabellen niet"):
        call_command(
            "report",
            "perpetrators",
            "--format",
            "csv",
            "--output",
            str(tmp_path / "p.csv"),
            user=world.police.username,
        )
    assert _release_rows().count() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["daders.pdf"]


# --- stored result and freshness (the worker as in production) -----------------------------------


def _stored_row() -> StoredResult:
    return StoredResult.objects.get(kind=PERPETRATORS)


@pytest.mark.django_db(transaction=True)
def test_the_page_waits_for_the_worker_then_serves_the_stored_tables(settings):
    from tests.jobs.helpers import run_worker

    settings.INBEELD_RESULTS_AT_ONCE = False
    settings.INBEELD_DISCLOSURE_MIN_CELL = MIN_CELL
    world = build_world()
    client = session_for(world.researcher)
    first = client.get(reverse("reports:perpetrators")).content.decode()
    assert "De cijfers voor deze pagina worden berekend" in first
    assert _stored_row().payload is None
    # A download waits too, and releases nothing yet.
    before = _release_rows().count()
    waiting = client.get(reverse("reports:perpetrator_tables", args=["csv"]))
    assert "worden berekend" in waiting.content.decode()
    assert _release_rows().count() == before

    run_worker()
    assert not _stored_row().stale
    text = client.get(reverse("reports:perpetrators")).content.decode()
    assert "Cijfers van " in text and "nieuwe gegevens worden verwerkt" not in text
    clients_before = _page_tables(text)["Klanten in zaken met minderjarige slachtoffers, per jaar"]

    # A new suspect link marks the stored tables stale; the page keeps its figures meanwhile.
    case = world.criminal[0]
    services.suspect_register(
        actor=world.police, case=case, role="recruiter", relationship="family"
    )
    assert _stored_row().stale
    text = client.get(reverse("reports:perpetrators")).content.decode()
    assert "nieuwe gegevens worden verwerkt" in text
    assert _page_tables(text)["Klanten in zaken met minderjarige slachtoffers, per jaar"] == (
        clients_before
    )
    run_worker()
    assert not _stored_row().stale


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("write", ["proceeding", "non_punishment", "modus_operandi", "withdrawal"])
def test_every_suspect_write_marks_the_stored_tables_stale_and_changes_the_fingerprint(
    settings, write
):
    from tests.jobs.helpers import run_worker

    settings.INBEELD_RESULTS_AT_ONCE = False
    world = build_world()
    session_for(world.researcher).get(reverse("reports:perpetrators"))
    run_worker()
    row = _stored_row()
    assert not row.stale
    fingerprint = row.fingerprint
    case, suspect = world.criminal[1], world.clients[4]
    if write == "proceeding":
        services.proceeding_record(
            actor=world.om,
            case=suspect.case_links.get().case,
            suspect=suspect,
            date=D(2025, 3, 1),
            kind="decision",
            decision="summons",
        )
    elif write == "non_punishment":
        services.non_punishment_record(
            actor=world.om,
            case=case,
            step="outcome",
            date=D(2025, 1, 1),
            offence="drugs",
            outcome="convicted",
        )
    elif write == "modus_operandi":
        modus_operandi_record(
            actor=world.police, case=case, location="abroad", recruitment_channel="gaming"
        )
    else:
        services.suspect_link_withdraw(
            actor=world.police, link=suspect.case_links.get(), reason="mistake"
        )
    assert _stored_row().stale
    run_worker()
    row = _stored_row()
    assert not row.stale and row.fingerprint != fingerprint
