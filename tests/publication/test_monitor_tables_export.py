"""The monitor's tables as CSV and XLSX: exactly the published (disclosure-controlled) values."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditEvent
from inbeeld.demo.generator import generate
from inbeeld.demo.generator.data import DemoConfig
from inbeeld.publication.monitor_report import (
    SUPPRESSED,
    monitor_context_for,
    monitor_table_rows,
    monitor_table_values,
)
from inbeeld.spreadsheet_safety import read_dutch_csv
from tests.conftest import verified_login
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def researcher_client(client):
    generate(DemoConfig(cases=400, seed=5))
    researcher = make_user(Role.RESEARCHER)
    verified_login(client, researcher)
    return client, researcher


def _counts(rows):
    """(published integer, row) for every count cell (repeat-victimisation shares excluded).
    A count is a plain integer in the file: no thousands separator, so Excel reads a number."""
    for row in rows[1:]:
        table, label, column, value = row
        if value == SUPPRESSED or "%" in value or not value.isdigit():
            assert "." not in value or "%" in value, row
            continue
        yield int(value), row


def test_the_csv_holds_the_published_tables_and_no_small_count(researcher_client):
    client, researcher = researcher_client
    response = client.get(reverse("reports:monitor_tables", args=["csv"]))
    assert response.status_code == 200
    # For Excel-NL: a byte-order mark, semicolons, numbers as numbers (issue 14 item 16).
    assert response.content.startswith("\ufeff".encode())
    rows = read_dutch_csv(response.content)
    assert rows[0] == ["tabel", "rij", "kolom", "waarde"]
    published = monitor_table_rows(monitor_context_for(researcher))[1:]
    assert [row[:3] for row in rows[1:]] == [row[:3] for row in published]
    # The same published values, a count without the page's thousands separator ("1.504").
    assert [row[3] for row in rows[1:]] == [
        row[3].replace(".", "") if row[3].replace(".", "").isdigit() else row[3]
        for row in published
    ]
    counts = list(_counts(rows))
    assert counts, "the tables hold counts"
    small = [row for value, row in counts if 0 < value < settings.INBEELD_DISCLOSURE_MIN_CELL]
    assert not small, small
    # With this small demo some cells are suppressed, and they show as the symbol only.
    assert any(row[3] == SUPPRESSED for row in rows[1:])
    assert AuditEvent.objects.filter(
        action="publication.report", subject_ref="monitor_tables"
    ).exists()


def test_the_xlsx_has_the_same_cells_and_an_explanation(researcher_client):
    client, researcher = researcher_client
    response = client.get(reverse("reports:monitor_tables", args=["xlsx"]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Monitor", "Toelichting"]
    cells = [list(row) for row in book["Monitor"].iter_rows(values_only=True)]
    assert cells == monitor_table_values(monitor_context_for(researcher))
    # Counts are numbers in the workbook, so a spreadsheet can add them up.
    assert any(isinstance(row[3], int) for row in cells[1:])
    assert SUPPRESSED in book["Toelichting"]["A1"].value


def test_a_police_officer_gets_no_tables(client):
    verified_login(client, make_user(Role.POLICE_OFFICER, unit_code="amsterdam"))
    assert client.get(reverse("reports:monitor_tables", args=["csv"])).status_code == 403
