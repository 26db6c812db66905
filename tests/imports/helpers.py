"""Files in the import templates, built in the tests (no fixtures on disk)."""

from __future__ import annotations

import csv
import io

CASE_HEADER = [
    "dossiernummer",
    "eenheid",
    "uitbuitingsvormen",
    "minderjarig",
    "leeftijdscategorie",
    "geslacht",
    "nationaliteit",
    "datum_instroom",
    "gebeurtenisnummer",
    "gebeurtenis",
    "gebeurtenisdatum",
    "datumprecisie",
    "uitkomst",
    "notitie",
]
SIGNAL_HEADER = [
    "meldingsnummer",
    "soort_signaalgever",
    "eenheid",
    "signalen",
    "leeftijdscategorie",
    "geslacht",
    "urgentie",
    "gemeente",
    "omschrijving",
]


def case_row(dossier="D-1", event_no="", event="", date="", outcome="", note="", **case):
    values = {
        "eenheid": "amsterdam",
        "uitbuitingsvormen": "sexual",
        "minderjarig": "nee",
        "leeftijdscategorie": "18-22",
        "geslacht": "vrouw",
        "nationaliteit": "nederlands",
        "datum_instroom": "2024-03-01",
        **case,
    }
    return [
        dossier,
        values["eenheid"],
        values["uitbuitingsvormen"],
        values["minderjarig"],
        values["leeftijdscategorie"],
        values["geslacht"],
        values["nationaliteit"],
        values["datum_instroom"],
        event_no,
        event,
        date,
        "",
        outcome,
        note,
    ]


def csv_bytes(rows, header=CASE_HEADER, delimiter=";", bom=True) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(rows, header=CASE_HEADER) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def good_rows(dossiers=("D-1", "D-2")):
    """Two cases of a coordinator in Amsterdam, each with two care events."""
    rows = []
    for d in dossiers:
        rows.append(case_row(d, "E1", "signal_received", "2024-03-02", note=f"notitie {d}"))
        rows.append(case_row(d, "E2", "Veiligheidsinschatting", "2024-03-05"))
    return rows
