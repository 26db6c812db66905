"""Formula injection (CSV injection) out of every spreadsheet-bound export.

A spreadsheet that opens a CSV (or an XLSX cell holding such text) reads a cell starting with
``=``, ``+``, ``-`` or ``@`` as a formula, and a tab or carriage return at the start can smuggle
one past a check; ``=HYPERLINK(...)`` or ``=cmd|...`` in a unit's name would then run on the
researcher's computer. Every CSV the product writes (microdata, CTDC, monitor tables, the
evaluation) passes its cells through :func:`neutralise_cell`; the XLSX writers do too, since
openpyxl stores text starting with ``=`` as a formula.

The rule (OWASP's): a *text* cell starting with one of those characters (or their full-width
forms, which some spreadsheets accept as well) gets a leading apostrophe, which spreadsheets show
as text and never evaluate. Numbers stay numbers: an ``int`` or ``float`` is never touched, and
neither is text that is exactly a plain number (``"-5"``, ``"+3"``, ``"-1.5"``, ``"-2,5"``,
``"1e-3"``): it cannot be a formula, and prefixing it would turn a number read back from the file
into text. Anything else that starts with a minus (``"-5+cmd|..."``) is neutralised.

Pure Python (no Django), so the statistics, analysis and publication layers can all import it.
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import re
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d+)?|[.,]\d+)([eE][+-]?\d+)?")
QUOTE = "'"


def neutralise_cell(value):
    """``value`` safe for a spreadsheet: text that would start a formula gets a leading
    apostrophe; numbers, plain-number text, None and other text are returned unchanged."""
    if not isinstance(value, str) or not value or not value.startswith(FORMULA_STARTS):
        return value
    if PLAIN_NUMBER.fullmatch(value):
        return value
    return QUOTE + value


def neutralise_row(row: Iterable) -> list:
    return [neutralise_cell(value) for value in row]


def neutralise_rows(rows: Iterable[Iterable]) -> list[list]:
    return [neutralise_row(row) for row in rows]


def neutralise_frame(frame):
    """A polars DataFrame with every text column (and the header) neutralised; number columns
    are left as they are."""
    import polars as pl

    safe_names = {name: neutralise_cell(name) for name in frame.columns}
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    starts = "^[" + re.escape("".join(FORMULA_STARTS)) + "]"
    number = "^" + PLAIN_NUMBER.pattern + "$"
    if text_columns:
        frame = frame.with_columns(
            pl.when(pl.col(name).str.contains(starts) & ~pl.col(name).str.contains(number))
            .then(pl.lit(QUOTE) + pl.col(name))
            .otherwise(pl.col(name))
            .alias(name)
            for name in text_columns
        )
    if any(safe_names[name] != name for name in frame.columns):
        frame = frame.rename(safe_names)
    return frame


# --- CSV as Excel in a Dutch locale opens it (issue 14 item 16) ----------------------------------
#
# Excel-NL splits a CSV on the list separator of the locale, a semicolon, and reads a decimal
# comma; without a byte-order mark it takes the file for Windows-1252 ("één" becomes "Ã©Ã©n").
# So every CSV for users (microdata, monitor tables, evaluation) is semicolon-separated UTF-8 with
# a BOM, integers plain (no thousands separator: "1.504" would be read as 1,504) and decimals with
# a comma. Python's csv module and polars read such a file back with ``delimiter=";"`` and the
# "utf-8-sig" encoding (see :func:`read_dutch_csv`).

CSV_DELIMITER = ";"
CSV_BOM = "\ufeff"
DUTCH_INTEGER = re.compile(r"-?\d{1,3}(\.\d{3})+|-?\d+")


def dutch_number_text(value) -> str:
    """A number as Excel-NL reads it: integers plain, decimals with a comma; ``None`` and
    non-finite floats (no number at all) as an empty cell. Other values as ``str``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            return ""
        return repr(number).replace(".", ",")  # shortest exact form: "0,125", "42,0", "1e-05"
    return str(value)


def number_from_dutch_text(text: str):
    """A count shown the Dutch way ("1.504", "38") as an int; anything else unchanged. For cells
    formatted for a page (thousands separator) that go into a spreadsheet."""
    if isinstance(text, str) and DUTCH_INTEGER.fullmatch(text):
        return int(text.replace(".", ""))
    return text


def dutch_csv_text(rows: Iterable[Iterable]) -> str:
    """The rows as CSV for Excel-NL (with the BOM): text cells neutralised against formula
    injection first, then numbers written as Excel-NL reads them."""
    buffer = io.StringIO()
    buffer.write(CSV_BOM)
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\n")
    for row in rows:
        writer.writerow([dutch_number_text(value) for value in neutralise_row(row)])
    return buffer.getvalue()


def read_dutch_csv(text: str | bytes) -> list[list[str]]:
    """The cells of a CSV written by :func:`dutch_csv_text` (or the microdata writer), as text."""
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    text = text.removeprefix(CSV_BOM)
    return list(csv.reader(io.StringIO(text), delimiter=CSV_DELIMITER))


def float_from_dutch_text(text: str) -> float:
    """A decimal written by :func:`dutch_number_text` ("-0,125") back as a float."""
    return float(text.replace(",", "."))


def tables_file(rows: Iterable[Iterable], fmt: str, *, sheet_title: str, notes: list[str]) -> bytes:
    """Published table rows as CSV (Excel-NL) or XLSX, every cell neutralised; the XLSX has a
    second sheet "Toelichting" with ``notes`` (one per row). Used by the monitor's and the
    perpetrator report's tables files."""
    rows = neutralise_rows(rows)
    if fmt == "csv":
        return dutch_csv_text(rows).encode("utf-8")
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    for row in rows:
        sheet.append(row)
    note = book.create_sheet("Toelichting")
    for text in notes:
        note.append([text])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
