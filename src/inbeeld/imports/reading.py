"""Reading an uploaded CSV or XLSX file safely into rows of text.

Limits first (size, rows, columns, cell length), then the content: CSV as UTF-8 (with or without
a BOM), separated by ``;`` or ``,`` (the header line decides); XLSX with openpyxl in read-only
mode and ``data_only=False``, so a formula cell is read as its text (``=...``) and never
evaluated — it then fails validation like any other wrong value. Every cell becomes text: dates
in an XLSX cell become ``YYYY-MM-DD``, whole numbers lose their ``.0``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 60
MAX_CELL = 5_000
# An XLSX is a zip: refuse one that unpacks to far more than it weighs (a zip bomb).
MAX_XLSX_UNPACKED = 200 * 1024 * 1024


class ImportFileError(Exception):
    """The file as a whole cannot be read; ``message`` is Dutch."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message, self.code = message, code


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]  # every row as long as the header
    file_format: str  # "csv" | "xlsx"
    delimiter: str = ";"


def file_format_of(name: str, data: bytes) -> str:
    if data[:4] == b"PK\x03\x04" or name.lower().endswith(".xlsx"):
        return "xlsx"
    return "csv"


def read_table(data: bytes, name: str) -> Table:
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            _("Het bestand is te groot (maximaal %(mb)d MB).") % {"mb": MAX_FILE_BYTES // 2**20},
            "bestand_te_groot",
        )
    if not data.strip():
        raise ImportFileError(_("Het bestand is leeg."), "bestand_leeg")
    fmt = file_format_of(name, data)
    table = _read_xlsx(data) if fmt == "xlsx" else _read_csv(data)
    if not any(cell for cell in table.header):
        raise ImportFileError(_("De eerste rij bevat geen kolomnamen."), "geen_kopregel")
    if len(table.header) > MAX_COLUMNS:
        raise ImportFileError(
            _("Het bestand heeft te veel kolommen (maximaal %(n)d).") % {"n": MAX_COLUMNS},
            "te_veel_kolommen",
        )
    if len(table.rows) > MAX_ROWS:
        raise ImportFileError(
            _("Het bestand heeft te veel rijen (maximaal %(n)s).")
            % {"n": f"{MAX_ROWS:,}".replace(",", ".")},
            "te_veel_rijen",
        )
    return table


def _pad(row: list[str], width: int) -> list[str]:
    row = [_cell_text(c) for c in row[:width]]
    return row + [""] * (width - len(row))


def _read_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _(
                "Het bestand is geen UTF-8-tekst. Sla het op als 'CSV UTF-8' en probeer het opnieuw."
            ),
            "geen_utf8",
        ) from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    csv.field_size_limit(MAX_CELL * 2)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ImportFileError(
            _("Het bestand is geen leesbaar CSV-bestand."),
            "geen_csv",
        ) from exc
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise ImportFileError(_("Het bestand is leeg."), "bestand_leeg")
    header = [c.strip() for c in rows[0]]
    return Table(header, [_pad(r, len(header)) for r in rows[1:]], "csv", delimiter)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNPACKED:
                raise ImportFileError(
                    _("Het Excel-bestand is uitgepakt te groot."), "bestand_te_groot"
                )
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise ImportFileError(
            _("Het bestand is geen leesbaar Excel-bestand (.xlsx)."), "geen_xlsx"
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            if len(rows) > MAX_ROWS + 1:
                break
            row = [_cell_text(v) for v in values[: MAX_COLUMNS + 1]]
            if any(row):
                rows.append(row)
    finally:
        workbook.close()
    if not rows:
        raise ImportFileError(_("Het bestand is leeg."), "bestand_leeg")
    header = [c.strip() for c in rows[0]]
    while header and not header[-1]:
        header.pop()
    return Table(header, [_pad(r, len(header)) for r in rows[1:]], "xlsx")


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text[: MAX_CELL + 1]
