"""The report file: the input as it was uploaded, plus two columns ``resultaat`` and ``melding``,
in the input's own format (CSV with the input's separator, or XLSX). Cells are neutralised
against formula injection (inbeeld.spreadsheet_safety) on the way out."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext_lazy as _

from inbeeld.imports.columns import MESSAGE_COLUMN, RESULT_COLUMN
from inbeeld.imports.reading import Table
from inbeeld.spreadsheet_safety import CSV_BOM, neutralise_row

DRY_LABELS = {
    "create": _("wordt aangemaakt"),
    "update": _("wordt bijgewerkt"),
    "unchanged": _("ongewijzigd"),
    "error": _("fout"),
}
COMMIT_LABELS = {
    "create": _("aangemaakt"),
    "update": _("bijgewerkt"),
    "unchanged": _("ongewijzigd"),
    "error": _("fout"),
    "rolled_back": _("niet ingevoerd"),
    "pending": _("nog niet verwerkt"),
}

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def report_rows(table: Table, outcomes: dict[int, str], messages: dict[int, str], *, dry: bool):
    # Translated once per report, not once per row.
    labels = {code: str(label) for code, label in (DRY_LABELS if dry else COMMIT_LABELS).items()}
    yield [*table.header, RESULT_COLUMN, MESSAGE_COLUMN]
    for index, row in enumerate(table.rows):
        number = index + 2
        outcome = outcomes.get(number, "pending")
        yield [*row, labels.get(outcome, outcome), messages.get(number, "")]


def write_table(rows, file_format: str, delimiter: str = ";") -> bytes:
    if file_format == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("import")
        for row in rows:
            sheet.append(neutralise_row(row))
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    buffer = io.StringIO()
    buffer.write(CSV_BOM)
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    for row in rows:
        writer.writerow(neutralise_row(row))
    return buffer.getvalue().encode("utf-8")


def report_file(table: Table, outcomes, messages, *, dry: bool) -> bytes:
    return write_table(
        report_rows(table, outcomes, messages, dry=dry), table.file_format, table.delimiter
    )


def empty_template(columns, file_format: str) -> bytes:
    """The downloadable empty template: the Dutch header row only."""
    return write_table([[c.name for c in columns]], file_format)
