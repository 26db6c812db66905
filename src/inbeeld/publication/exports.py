"""Pseudonymised microdata for researchers: CSV, XLSX and SPSS (.sav), consent-filtered and audited.

One row per case in the user's export scope (``case_selectors.cases_in_microdata_scope(user)``: for a
researcher the cases whose victim gave research consent, ADR 0004). What a row holds, and what it
never holds:

- ``rij_id``: a row number drawn at random for every export (a random permutation of 1..n). It is
  not the case code and not the database id, and the same case gets another number in the next
  export, so two exports cannot be joined on it. The rows are written in ``rij_id`` order, so the
  file order says nothing about registration order either.
- Dates are coarsened to years (intake, first police contact, complaint, prosecution decision,
  verdict); the police unit is the registering unit; age only as the registered band.
- The chain outcomes come from the *effective* events only: an event that was corrected is
  replaced by its correction (superseded events never count).
- Never: case codes, database ids, free text (notes), names of professionals or organisations,
  linkage keys, consent history, signals.

Categorical variables are held as the platform's stable codes ("female", "18-22", "amsterdam")
in the frame; the files a person reads show their Dutch labels instead ("vrouw", "18–22 jaar",
the unit's name: the CSV and the XLSX sheet "Microdata", issue 14 item 13), and the readers
(microdata_readers) map them back. The .sav file stores them as numeric codes with Dutch value
labels (``gender`` 1 = vrouw, 2 = man, ...) and every variable carries a Dutch variable label,
which the XLSX repeats on its sheet "Toelichting" with every code and its label. The numeric codes are fixed (see ``Variable.codes``), so
syntax written for one export works on the next.

The service ``export_microdata`` checks the policy (``EXPORT_MICRODATA``: researchers only) and
the researcher's acceptance of the data-use agreement, builds the table, applies disclosure control
(k-anonymity and l-diversity with the administrator's k and l, publication.microdata_anonymity:
generalised columns hold their group's code, e.g. "2020-2021", "hof-amsterdam", "18+"; a blank
quasi-identifier cell is suppressed), writes the file with what the control did in its codebook,
and the audit row (format, rows, columns, SHA-256, achieved k and l; publication.release) in one
transaction. Text cells of the CSV and XLSX are neutralised against formula injection (inbeeld.spreadsheet_safety).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import random
import tempfile
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

import polars as pl
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from inbeeld import policy
from inbeeld.analysis import builders
from inbeeld.cases import selectors as case_selectors
from inbeeld.cases.models import AgeBand, Gender, NationalityGroup
from inbeeld.publication import microdata_anonymity as anonymity
from inbeeld.publication import release as releases
from inbeeld.reference.models import ExploitationForm, PoliceUnit
from inbeeld.spreadsheet_safety import CSV_DELIMITER, neutralise_cell, neutralise_frame
from inbeeld.stats import vocabulary as ev

ExportFormat = Literal["csv", "xlsx", "sav", "ctdc"]
FORMATS: tuple[str, ...] = ("csv", "xlsx", "sav", "ctdc")

FLAG_CODES = ((0, 0, "nee"), (1, 1, "ja"))
UNKNOWN_CODE = 9

# The case columns of analysis.builders.CASE_COLUMNS a row starts from.
MICRODATA_CASE_COLUMNS = (
    "intake_date",
    "police_unit",
    "age_band",
    "minor",
    "gender",
    "nationality_group",
)
# The chain events the outcome columns are read from (effective events only).
OUTCOME_EVENTS = (ev.FIRST_POLICE_CONTACT, ev.COMPLAINT_FILED, ev.PROSECUTION_DECISION, ev.VERDICT)
# Outcome codes of the catalogue, summarised: every kind of dismissal is a dismissal.
PROSECUTION_SUMMARY = {
    "summons": "summons",
    "dismissal_technical": "dismissal",
    "dismissal_policy": "dismissal",
    "dismissal_conditional": "dismissal",
}
VERDICT_SUMMARY = {"conviction": "conviction", "acquittal": "acquittal", "discharge": "discharge"}


@dataclass(frozen=True)
class Variable:
    """One column of the microdata: its name, Dutch label, polars type and, for categorical and
    yes/no variables, its codes as (value in the frame, numeric code in .sav, Dutch label)."""

    name: str
    label: str
    dtype: pl.DataType
    codes: tuple[tuple[str | int, int, str], ...] = ()
    measure: str = "scale"  # SPSS measurement level: nominal, ordinal or scale
    spss_format: str = "F8.0"

    @property
    def categorical(self) -> bool:
        return bool(self.codes) and self.dtype == pl.String

    def to_number(self) -> dict[str | int, int]:
        return {value: number for value, number, _ in self.codes}

    def from_number(self) -> dict[int, str | int]:
        return {number: value for value, number, _ in self.codes}

    def value_labels(self) -> dict[int, str]:
        return {number: label for _, number, label in self.codes}


def _choice_codes(choices, numbers: dict[str, int]) -> tuple[tuple[str, int, str], ...]:
    return tuple((str(value), numbers[str(value)], str(label)) for value, label in choices)


def _ordered(choices) -> dict[str, int]:
    """1, 2, 3, ... in the order of the choices; 'unknown' is always 9."""
    numbers, n = {}, 0
    for value, _ in choices:
        if value == "unknown":
            numbers[value] = UNKNOWN_CODE
        else:
            n += 1
            numbers[value] = n
    return numbers


def _unit_codes() -> tuple[tuple[str, int, str], ...]:
    units = list(PoliceUnit.objects.order_by("order", "code").values_list("code", "order", "name"))
    orders = [order for _, order, _ in units]
    if len(set(orders)) != len(orders) or any(o is None or o < 1 for o in orders):
        return tuple((code, i, name) for i, (code, _, name) in enumerate(units, start=1))
    return tuple((code, order, name) for code, order, name in units)


def _forms() -> list[tuple[str, str]]:
    return list(ExploitationForm.objects.order_by("order", "code").values_list("code", "label"))


def _year(name: str, label: str) -> Variable:
    return Variable(name, label, pl.Int32(), spss_format="F4.0")


def _flag(name: str, label: str) -> Variable:
    return Variable(name, label, pl.Int8(), FLAG_CODES, measure="nominal", spss_format="F1.0")


def microdata_variables(forms: Sequence[tuple[str, str]] | None = None) -> list[Variable]:
    """The columns of the microdata, in order (one ``vorm_<code>`` per exploitation form)."""
    forms = _forms() if forms is None else forms
    return [
        Variable(
            "rij_id",
            "Rijnummer: willekeurig per export, geen casuscode of database-id",
            pl.Int32(),
            spss_format="F8.0",
        ),
        _year("jaar_instroom", "Jaar van instroom"),
        Variable(
            "eenheid",
            "Politie-eenheid van registratie",
            pl.String(),
            (*_unit_codes(), *anonymity.region_codes()),
            measure="nominal",
            spss_format="F2.0",
        ),
        Variable(
            "leeftijd",
            "Leeftijdscategorie bij instroom",
            pl.String(),
            (
                *_choice_codes(AgeBand.choices, _ordered(AgeBand.choices)),
                *anonymity.AGE_GROUP_CODES,
            ),
            measure="ordinal",
            spss_format="F1.0",
        ),
        _flag("minderjarig", "Minderjarig bij instroom"),
        Variable(
            "gender",
            "Gender",
            pl.String(),
            _choice_codes(Gender.choices, _ordered(Gender.choices)),
            measure="nominal",
            spss_format="F1.0",
        ),
        Variable(
            "nationaliteit",
            "Nationaliteitsgroep",
            pl.String(),
            (
                *_choice_codes(NationalityGroup.choices, _ordered(NationalityGroup.choices)),
                *anonymity.NATIONALITY_GROUP_CODES,
            ),
            measure="nominal",
            spss_format="F1.0",
        ),
        *(_flag(f"vorm_{code}", f"Uitbuitingsvorm: {label}") for code, label in forms),
        _year("jaar_eerste_politiecontact", "Jaar van het eerste politiecontact (leeg: geen)"),
        _flag("aangifte", "Aangifte gedaan"),
        _year("jaar_aangifte", "Jaar van de eerste aangifte (leeg: geen aangifte)"),
        Variable(
            "vervolgingsbeslissing",
            "Vervolgingsbeslissing OM, laatste geldende (leeg: nog geen)",
            pl.String(),
            (("summons", 1, "dagvaarding"), ("dismissal", 2, "sepot")),
            measure="nominal",
            spss_format="F1.0",
        ),
        _year("jaar_vervolgingsbeslissing", "Jaar van de vervolgingsbeslissing"),
        Variable(
            "vonnis",
            "Uitspraak rechtbank in eerste aanleg, laatste geldende (leeg: nog geen)",
            pl.String(),
            (
                ("conviction", 1, "veroordeling"),
                ("acquittal", 2, "vrijspraak"),
                ("discharge", 3, "ontslag van alle rechtsvervolging"),
            ),
            measure="nominal",
            spss_format="F1.0",
        ),
        _year("jaar_vonnis", "Jaar van de uitspraak"),
    ]


def microdata_schema(variables: Sequence[Variable]) -> dict[str, pl.DataType]:
    return {v.name: v.dtype for v in variables}


# --- the table ----------------------------------------------------------------------------------


def microdata_table(
    user, *, rng: random.Random | None = None, keep_case_id: bool = False
) -> pl.DataFrame:
    """One pseudonymised row per case ``user`` may export (see the module docstring).

    The tables come from analysis.builders (the cases of policy.microdata_scope, their forms,
    their effective outcome events); here they are only coarsened and renamed. A constant number
    of queries whatever the number of cases.
    """
    rng = rng or random.SystemRandom()
    forms = _forms()
    variables = microdata_variables(forms)
    cases = case_selectors.cases_in_microdata_scope(user)
    base = builders.case_table(cases, MICRODATA_CASE_COLUMNS, ordered=False).rename(
        {"police_unit": "eenheid", "age_band": "leeftijd", "nationality_group": "nationaliteit"}
    )
    form_rows = builders.form_rows(cases)
    events = builders.event_rows(cases, OUTCOME_EVENTS).with_columns(
        pl.col("date").dt.year().cast(pl.Int32).alias("year")
    )

    def first_year(code: str, alias: str) -> pl.DataFrame:
        return (
            events.filter(pl.col("event") == code)
            .group_by("case_id")
            .agg(pl.col("year").min().alias(alias))
        )

    def last_outcome(code: str, summary: dict[str, str], name: str) -> pl.DataFrame:
        # Rows are in (date, id) order per case: the last one is the decision that stands.
        return (
            events.filter(pl.col("event") == code)
            .group_by("case_id", maintain_order=True)
            .agg(pl.col("outcome").last().alias(name), pl.col("year").last().alias(f"jaar_{name}"))
            .with_columns(pl.col(name).replace_strict(summary, default=None))
        )

    table = builders.with_form_flags(
        base.with_columns(
            pl.col("intake_date").dt.year().cast(pl.Int32).alias("jaar_instroom"),
            pl.col("minor").cast(pl.Int8).alias("minderjarig"),
        ),
        form_rows,
        (code for code, _ in forms),
        prefix="vorm_",
        dtype=pl.Int8,
    )
    for part in (
        first_year(ev.FIRST_POLICE_CONTACT, "jaar_eerste_politiecontact"),
        first_year(ev.COMPLAINT_FILED, "jaar_aangifte"),
        last_outcome(ev.PROSECUTION_DECISION, PROSECUTION_SUMMARY, "vervolgingsbeslissing"),
        last_outcome(ev.VERDICT, VERDICT_SUMMARY, "vonnis"),
    ):
        table = table.join(part, on="case_id", how="left")
    table = table.with_columns(
        pl.col("jaar_aangifte").is_not_null().cast(pl.Int8).alias("aangifte"),
    )
    # The pseudonymous row number: a fresh random permutation for every export.
    row_ids = list(range(1, table.height + 1))
    rng.shuffle(row_ids)
    table = table.with_columns(pl.Series("rij_id", row_ids, dtype=pl.Int32)).sort("rij_id")
    schema = microdata_schema(variables)
    columns = [pl.col(name).cast(dtype) for name, dtype in schema.items()]
    # keep_case_id: only for joining within the server (ctdc.source), never written out.
    return table.select(*columns, *([pl.col("case_id")] if keep_case_id else []))


def _variables_for(df: pl.DataFrame) -> list[Variable]:
    """The Variable of every column of ``df`` (the forms follow the reference rows)."""
    known = {v.name: v for v in microdata_variables()}
    missing = [c for c in df.columns if c not in known]
    if missing:
        raise ValueError(f"Onbekende kolommen voor microdata: {', '.join(missing)}.")
    return [_as_in(known[c], df.schema[c]) for c in df.columns]


def _as_in(variable: Variable, dtype: pl.DataType) -> Variable:
    """A year generalised to periods ("2020-2021") is text in the released frame."""
    if dtype == pl.String and variable.dtype != pl.String:
        return Variable(variable.name, variable.label, pl.String(), variable.codes, "ordinal", "A9")
    return variable


# --- writers (readers: microdata_readers) --------------------------------------------------------


def dutch_labels(variable: Variable) -> dict[str, str]:
    """{code: Dutch label} of a categorical variable (labels are unique within a variable)."""
    return {str(value): label for value, _, label in variable.codes}


def with_dutch_labels(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with every categorical code replaced by its Dutch label ("male" → "man"), for the
    files a person reads; flags stay 0/1 and years stay numbers."""
    return df.with_columns(
        pl.col(v.name).replace(dutch_labels(v)) for v in _variables_for(df) if v.categorical
    )


def write_csv(df: pl.DataFrame, target: str | os.PathLike | IO) -> None:
    """CSV as Excel opens it in columns in a Dutch locale (spreadsheet_safety): semicolons,
    UTF-8 with a byte-order mark, decimals with a comma; a header row; empty fields are missing
    values; categories as their Dutch labels; text cells that a spreadsheet would read as a
    formula are neutralised."""
    df = neutralise_frame(with_dutch_labels(df))
    options = {"separator": CSV_DELIMITER, "decimal_comma": True, "include_bom": True}
    if isinstance(target, io.TextIOBase):
        target.write(df.write_csv(**options))
    else:
        df.write_csv(target, **options)


MICRODATA_SHEET = "Microdata"
NOTES_SHEET = "Toelichting"
DISCLOSURE_SHEET = "Onthullingscontrole"


def _codes_text(variable: Variable) -> str:
    return "; ".join(f"{value} = {label}" for value, _, label in variable.codes)


def write_xlsx(
    df: pl.DataFrame, target: str | os.PathLike | IO, disclosure: Sequence[str] = ()
) -> None:
    """An XLSX workbook: sheet "Microdata" (a header row, then one row per case), sheet
    "Toelichting" with every variable's Dutch label and its codes, and, given the lines of the
    disclosure control, sheet "Onthullingscontrole" with them."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    variables = _variables_for(df)
    # Write-only mode streams the rows: a national export does not sit in memory twice.
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    def header(sheet, names):
        cells = []
        for name in names:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)

    sheet = workbook.create_sheet(MICRODATA_SHEET)
    sheet.freeze_panes = "A2"
    header(sheet, df.columns)
    for row in with_dutch_labels(df).iter_rows():
        sheet.append([neutralise_cell(value) for value in row])

    notes = workbook.create_sheet(NOTES_SHEET)
    notes.column_dimensions["A"].width = 28
    notes.column_dimensions["B"].width = 70
    notes.column_dimensions["C"].width = 80
    header(notes, ["Variabele", "Omschrijving", "Codes"])
    for variable in variables:
        notes.append([variable.name, variable.label, _codes_text(variable)])
    notes.append([])
    for line in NOTES:
        notes.append([line])
    if disclosure:
        control = workbook.create_sheet(DISCLOSURE_SHEET)
        control.column_dimensions["A"].width = 120
        header(control, ["Onthullingscontrole"])
        for line in disclosure:
            control.append([neutralise_cell(line)])
    workbook.save(target)


NOTES = (
    "Gepseudonimiseerde microdata uit InBeeld: één rij per casus met toestemming voor onderzoek.",
    "Rijnummers zijn per export willekeurig: ze verwijzen niet naar een casus en verschillen per "
    "export.",
    "Datums zijn afgerond op jaren; geen namen, casuscodes, vrije tekst of koppelsleutels.",
    "Categorieën staan er als Nederlandse omschrijving in; de codes ernaast gebruikt het "
    "SPSS-bestand.",
    "Uitkomsten tellen alleen geldende ketengebeurtenissen (een correctie vervangt het origineel).",
    "Publiceer alleen tabellen die de onthullingscontrole doorstaan (minimale celgrootte).",
)


def write_sav(df: pl.DataFrame, target: str | os.PathLike, disclosure: Sequence[str] = ()) -> None:
    """An SPSS .sav: categorical variables as fixed numeric codes with Dutch value labels, yes/no
    variables as 0/1 (nee/ja), every variable with its Dutch variable label."""
    import pyreadstat

    variables = _variables_for(df)
    numeric = df.with_columns(
        pl.col(v.name).replace_strict(v.to_number(), default=None, return_dtype=pl.Int32)
        for v in variables
        if v.categorical
    )
    pyreadstat.write_sav(
        numeric,
        os.fspath(target),
        file_label="InBeeld microdata (gepseudonimiseerd)",
        column_labels={v.name: v.label for v in variables},
        variable_value_labels={v.name: v.value_labels() for v in variables if v.codes},
        variable_measure={v.name: v.measure for v in variables},
        variable_format={v.name: v.spss_format for v in variables},
        note=_document_lines((*NOTES, *disclosure)),
    )


def _document_lines(notes: Sequence[str], limit: int = 80) -> list[str]:
    """SPSS document lines hold at most 80 bytes (UTF-8: 'één' counts 5)."""
    lines = []
    for note in notes:
        width = limit
        while any(len(line.encode()) > limit for line in textwrap.wrap(note, width)):
            width -= 4
        lines.extend(textwrap.wrap(note, width))
    return lines


# --- the service --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    filename: str
    content_type: str


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
    "ctdc": "text/csv; charset=utf-8",
}


class DataUseAgreementRequired(PermissionDenied):
    """The researcher has not accepted the current data-use agreement for microdata."""


@dataclass(frozen=True)
class ReleasedMicrodata:
    """What leaves the platform for one format: the released (disclosure-controlled) frame and
    the Dutch lines of its codebook section."""

    frame: pl.DataFrame
    release: object  # inbeeld.stats.anonymity.Release
    lines: tuple[str, ...]


def released_microdata(user, format: str, *, rng: random.Random | None = None) -> ReleasedMicrodata:
    """``user``'s microdata for ``format`` after disclosure control: the microdata columns for
    csv/xlsx/sav, the CTDC columns for ctdc (each controlled on its own quasi-identifiers)."""
    df = microdata_table(user, rng=rng)
    if format == "ctdc":
        from inbeeld.publication.ctdc.source import ctdc_frame

        release = anonymity.release_ctdc(ctdc_frame(user, rng=rng))
        frame = release.frame
    else:
        release = anonymity.release_microdata(df)
        # Renumber 1..n in the (random) order: dropped records leave no gaps.
        frame = release.frame.with_columns(
            pl.int_range(1, release.frame.height + 1, dtype=pl.Int32).alias("rij_id")
        )
    return ReleasedMicrodata(frame, release, tuple(anonymity.codebook_lines(release)))


def _render(released: ReleasedMicrodata, format: str) -> bytes:
    df, lines = released.frame, released.lines
    if format == "csv":
        buffer = io.BytesIO()
        write_csv(df, buffer)
        return buffer.getvalue()
    if format == "xlsx":
        buffer = io.BytesIO()
        write_xlsx(df, buffer, lines)
        return buffer.getvalue()
    if format == "ctdc":
        from inbeeld.publication.ctdc import write_ctdc

        buffer = io.BytesIO()
        write_ctdc(df, buffer)
        return buffer.getvalue()
    # pyreadstat writes to a path only.
    with tempfile.TemporaryDirectory(prefix="inbeeld-export-") as directory:
        path = Path(directory) / "microdata.sav"
        write_sav(df, path, lines)
        return path.read_bytes()


def export_filename(format: str, today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    if format == "ctdc":
        return f"inbeeld-ctdc-{today:%Y-%m-%d}.csv"
    return f"inbeeld-microdata-{today:%Y-%m-%d}.{format}"


def _check_export(actor, format: str) -> None:
    from inbeeld.publication.services import data_use_agreement_accepted

    if format not in FORMATS:
        raise ValueError(f"Onbekend formaat {format!r}: kies uit {', '.join(FORMATS)}.")
    policy.require(
        actor, policy.Action.EXPORT_MICRODATA, "Alleen onderzoekers mogen microdata exporteren."
    )
    if not data_use_agreement_accepted(actor):
        raise DataUseAgreementRequired(
            "Aanvaard eerst de gebruiksvoorwaarden voor microdata (Rapporten → Microdata)."
        )


@dataclass(frozen=True)
class BuiltExport:
    file: ExportFile
    release_extra: dict  # what the release's audit row records about the file


def build_microdata(*, actor, format: str) -> BuiltExport:
    """Build (not yet release) ``actor``'s microdata file: the checks of export_microdata, the
    disclosure control, the file and what its audit row will say. The background job keeps it
    until the researcher fetches it (publication.job_kinds); that fetch is the release."""
    _check_export(actor, format)
    released = released_microdata(actor, format)
    df = released.frame
    content = _render(released, format)
    filename = export_filename(format)
    extra = {
        "format": format,
        "rows": df.height,
        "columns": list(df.columns),
        "filename": filename,
        "bytes": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "disclosure_control": anonymity.release_summary(released.release),
    }
    return BuiltExport(ExportFile(content, filename, CONTENT_TYPES[format]), extra)


def microdata_released(*, actor, format: str, extra: dict) -> None:
    """The audit row of handing a built microdata file to ``actor`` (in the caller's transaction):
    the checks again (rights or the agreement may have changed since it was built), then the row."""
    _check_export(actor, format)
    releases.release_record(
        user=actor, kind=releases.ReleaseKind.MICRODATA, subject_ref=format, extra=extra
    )


def export_microdata(*, actor, format: str) -> ExportFile:
    """Build, write and audit a microdata export for ``actor`` (a researcher), at once (the CLI
    `inbeeld export`; the pages make it on the background).

    ``format``: csv, xlsx, sav, or ctdc (the CTDC/HTCDS-compatible CSV of the same cases).
    Raises PermissionDenied (nothing built, nothing logged as an export) for anyone without
    EXPORT_MICRODATA, DataUseAgreementRequired (a PermissionDenied) when the researcher has not
    accepted the current data-use agreement, ValueError for an unknown format. The file is
    disclosure-controlled (k-anonymous, l-diverse) and says so in its codebook.
    """
    with transaction.atomic():
        built = build_microdata(actor=actor, format=format)
        microdata_released(actor=actor, format=format, extra=built.release_extra)
    return built.file
