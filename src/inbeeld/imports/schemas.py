"""The declarative checks of each template (dataframely on polars): one schema per template.

Every cell arrives as text (reading.py); a schema checks presence, length, the shape of dates and
the Dutch values of the coded columns. What needs the database (reference codes, outcomes that
belong to an event type, the workflow, the policy) is checked afterwards by the services
themselves (imports.apply). :func:`problems_of` turns dataframely's failure details into one
:class:`Problem` per failed rule and row, with a Dutch reason and an error code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import dataframely as dy
import polars as pl
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inbeeld.imports.columns import CASE_COLUMNS, SIGNAL_COLUMNS, YES_NO, column

DATE_TEXT = r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}-\d{1,2}-\d{4})$"
ROW = "rij"


@dataclass(frozen=True)
class Problem:
    row: int  # the row number as a spreadsheet shows it (the header is row 1)
    column: str
    value: str
    reason: str  # Dutch
    code: str

    def as_dict(self) -> dict:
        return asdict(self)


def _allowed(kind: str, name: str):
    values = sorted(column(kind, name).values)
    return lambda c: c.str.to_lowercase().str.strip_chars().is_in(values)


def _yes_no(c):
    return c.str.to_lowercase().str.strip_chars().is_in(sorted(YES_NO))


class CaseRowSchema(dy.Schema):
    """One row of the cases template: a case, and optionally one of its events."""

    rij = dy.Int64(nullable=False)
    dossiernummer = dy.String(nullable=False, max_length=100)
    eenheid = dy.String(nullable=False, max_length=40)
    uitbuitingsvormen = dy.String(nullable=False, max_length=200)
    minderjarig = dy.String(nullable=False, check=_yes_no)
    leeftijdscategorie = dy.String(nullable=False, check=_allowed("cases", "leeftijdscategorie"))
    geslacht = dy.String(nullable=False, check=_allowed("cases", "geslacht"))
    nationaliteit = dy.String(nullable=False, check=_allowed("cases", "nationaliteit"))
    datum_instroom = dy.String(nullable=False, regex=DATE_TEXT)
    gebeurtenisnummer = dy.String(nullable=True, max_length=100)
    gebeurtenis = dy.String(nullable=True, max_length=100)
    gebeurtenisdatum = dy.String(nullable=True, regex=DATE_TEXT)
    datumprecisie = dy.String(nullable=True, check=_allowed("cases", "datumprecisie"))
    uitkomst = dy.String(nullable=True, max_length=150)
    notitie = dy.String(nullable=True, max_length=5000)

    @dy.rule()
    def event_needs_type(cls) -> pl.Expr:
        return pl.col("gebeurtenisnummer").is_null() | pl.col("gebeurtenis").is_not_null()

    @dy.rule()
    def event_needs_date(cls) -> pl.Expr:
        return pl.col("gebeurtenisnummer").is_null() | pl.col("gebeurtenisdatum").is_not_null()

    @dy.rule()
    def event_needs_number(cls) -> pl.Expr:
        event = ["gebeurtenis", "gebeurtenisdatum", "uitkomst", "notitie"]
        return pl.col("gebeurtenisnummer").is_not_null() | pl.all_horizontal(
            pl.col(c).is_null() for c in event
        )


class SignalRowSchema(dy.Schema):
    """One row of the signals template: one signal."""

    rij = dy.Int64(nullable=False)
    meldingsnummer = dy.String(nullable=False, max_length=100)
    soort_signaalgever = dy.String(nullable=False, check=_allowed("signals", "soort_signaalgever"))
    eenheid = dy.String(nullable=False, max_length=40)
    signalen = dy.String(nullable=True, max_length=2000)
    leeftijdscategorie = dy.String(nullable=False, check=_allowed("signals", "leeftijdscategorie"))
    geslacht = dy.String(nullable=False, check=_allowed("signals", "geslacht"))
    urgentie = dy.String(nullable=False, check=_allowed("signals", "urgentie"))
    gemeente = dy.String(nullable=True, max_length=100)
    omschrijving = dy.String(nullable=True, max_length=5000)

    @dy.rule()
    def signals_or_description(cls) -> pl.Expr:
        return pl.col("signalen").is_not_null() | pl.col("omschrijving").is_not_null()


SCHEMAS = {"cases": CaseRowSchema, "signals": SignalRowSchema}
COLUMNS = {"cases": CASE_COLUMNS, "signals": SIGNAL_COLUMNS}

# Row-level rules: the column a problem is reported on, its code and Dutch reason.
RULES = {
    "event_needs_type": (
        "gebeurtenis",
        "gebeurtenis_ontbreekt",
        gettext_lazy("Vul de soort gebeurtenis in."),
    ),
    "event_needs_date": (
        "gebeurtenisdatum",
        "gebeurtenisdatum_ontbreekt",
        gettext_lazy("Vul de datum van de gebeurtenis in."),
    ),
    "event_needs_number": (
        "gebeurtenisnummer",
        "gebeurtenisnummer_ontbreekt",
        gettext_lazy("Een gebeurtenis heeft een gebeurtenisnummer nodig."),
    ),
    "signals_or_description": (
        "signalen",
        "signalen_ontbreken",
        gettext_lazy("Vul signalen in of beschrijf in de omschrijving wat opviel."),
    ),
}


def _reason(kind: str, name: str, rule: str) -> tuple[str, str]:
    if rule == "nullability":
        return "verplicht", _("Dit veld is verplicht.")
    if rule in ("max_length", "min_length"):
        return "te_lang", _("De waarde is te lang (maximaal %(n)d tekens).") % {
            "n": column(kind, name).max_length
        }
    if rule == "regex":
        return "datum_ongeldig", _("Dit is geen datum. Gebruik 2024-03-31 of 31-03-2024.")
    if rule == "check":
        allowed = sorted({v for v in column(kind, name).values if v == v.lower()})
        return "waarde_onbekend", _("Onbekende waarde. Toegestaan: %(values)s.") % {
            "values": ", ".join(allowed[:12])
        }
    return "ongeldig", _("Deze waarde is niet geldig.")


def frame_of(kind: str, header: list[str], rows: list[list[str]], positions: dict[str, int]):
    """The template's columns as a polars frame of text (empty cells: null), with the row
    number in ``rij``. ``positions``: template column → index in the file's header."""
    data = {ROW: [i + 2 for i in range(len(rows))]}
    for col in COLUMNS[kind]:
        index = positions.get(col.name)
        data[col.name] = [
            (row[index].strip() or None) if index is not None else None for row in rows
        ]
    return pl.DataFrame(data, schema={ROW: pl.Int64, **{c.name: pl.String for c in COLUMNS[kind]}})


def validate(kind: str, frame: pl.DataFrame) -> tuple[pl.DataFrame, list[Problem]]:
    """The rows that pass the template's schema, and a Problem for every failed rule."""
    good, failure = SCHEMAS[kind].filter(frame)
    problems: list[Problem] = []
    details = failure.details()
    rule_columns = [c for c in details.columns if c not in frame.columns]
    for record in details.iter_rows(named=True):
        for rule_column in rule_columns:
            if record[rule_column] != "invalid":
                continue
            if "|" in rule_column:
                name, rule = rule_column.split("|", 1)
                code, reason = _reason(kind, name, rule)
            else:
                name, code, reason = RULES[rule_column]
                reason = str(reason)
            problems.append(Problem(record[ROW], name, record.get(name) or "", reason, code))
    problems.sort(key=lambda p: (p.row, p.column))
    return good, problems
