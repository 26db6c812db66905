"""CSV for Dutch users (issue 14 items 13 and 16): Excel in a Dutch locale opens every CSV we
write in columns (semicolons, UTF-8 with a byte-order mark), numbers arrive as numbers (integers
plain, decimals with a comma, never "1.504" as text) and categories as Dutch words, not codes."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from openpyxl import load_workbook
from polars.testing import assert_frame_equal

from inbeeld.publication.exports import write_csv, write_xlsx
from inbeeld.publication.microdata_readers import read_csv, read_xlsx
from inbeeld.spreadsheet_safety import (
    dutch_csv_text,
    dutch_number_text,
    float_from_dutch_text,
    number_from_dutch_text,
    read_dutch_csv,
)
from tests.publication.test_exports import World

CODES = ("male", "female", "non_eu", "unknown", "other", "eu")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1504, "1504"),
        (np.int64(-3), "-3"),
        (0.125, "0,125"),
        (-0.05, "-0,05"),
        (42.0, "42,0"),
        (np.float64(2.5), "2,5"),
        (1e-05, "1e-05"),
        (None, ""),
        (math.nan, ""),
        (math.inf, ""),
        ("tekst", "tekst"),
    ],
)
def test_numbers_are_written_as_excel_nl_reads_them(value, text):
    assert dutch_number_text(value) == text
    if isinstance(value, float) and math.isfinite(value):
        assert float_from_dutch_text(text) == value  # nothing lost


def test_a_count_formatted_for_a_page_becomes_a_number():
    assert number_from_dutch_text("1.504") == 1504
    assert number_from_dutch_text("38") == 38
    assert number_from_dutch_text("×") == "×"
    assert number_from_dutch_text("12,5 %") == "12,5 %"


def test_the_csv_has_a_bom_semicolons_and_keeps_the_injection_guard():
    text = dutch_csv_text(
        [["tabel", "waarde", "aandeel"], ["=HYPERLINK(1)", 1504, 0.5], ["a;b", -2, -0.25]]
    )
    assert text.startswith("\ufeff")
    lines = text.removeprefix("\ufeff").splitlines()
    assert lines[0] == "tabel;waarde;aandeel"
    assert lines[1] == "'=HYPERLINK(1);1504;0,5"  # a formula is neutralised, numbers stay numbers
    assert lines[2] == '"a;b";-2;-0,25'  # a semicolon in text is quoted
    assert read_dutch_csv(text.encode("utf-8")) == [
        ["tabel", "waarde", "aandeel"],
        ["'=HYPERLINK(1)", "1504", "0,5"],
        ["a;b", "-2", "-0,25"],
    ]


@pytest.mark.django_db
def test_the_microdata_csv_shows_dutch_words_and_reads_back_to_the_codes(researcher):
    from inbeeld.publication.exports import microdata_table

    World()
    df = microdata_table(researcher)
    buffer = io.BytesIO()
    write_csv(df, buffer)
    content = buffer.getvalue()
    assert content.startswith("\ufeff".encode())
    rows = read_dutch_csv(content)
    header, body = rows[0], rows[1:]
    gender, nationality = header.index("gender"), header.index("nationaliteit")
    assert {row[gender] for row in body} <= {"vrouw", "man", "anders", "onbekend"}
    assert {row[nationality] for row in body} <= {
        "Nederlands",
        "EU (niet Nederlands)",
        "buiten de EU",
        "onbekend",
    }
    assert "buiten de EU" in {row[nationality] for row in body}
    cells = {cell for row in body for cell in row}
    assert not cells & set(CODES), cells & set(CODES)
    # Years and row numbers are plain integers.
    assert all(row[header.index("jaar_instroom")].isdigit() for row in body)
    buffer.seek(0)
    assert_frame_equal(read_csv(buffer), df)


@pytest.mark.django_db
def test_the_microdata_xlsx_sheet_shows_dutch_words_and_the_codebook_the_codes(researcher):
    from inbeeld.publication.exports import microdata_table

    World()
    df = microdata_table(researcher)
    buffer = io.BytesIO()
    write_xlsx(df, buffer)
    book = load_workbook(io.BytesIO(buffer.getvalue()))
    values = {c for row in book["Microdata"].iter_rows(min_row=2, values_only=True) for c in row}
    assert not values & set(CODES)
    assert "man" in values
    # The codebook documents each code with its label (the .sav uses the codes).
    notes = {row[0]: row[2] for row in book["Toelichting"].iter_rows(values_only=True) if row}
    assert "male = man" in notes["gender"] and "non_eu = buiten de EU" in notes["nationaliteit"]
    frame, _ = read_xlsx(io.BytesIO(buffer.getvalue()))
    assert_frame_equal(frame, df)
