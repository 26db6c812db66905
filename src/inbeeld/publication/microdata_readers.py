"""Reading microdata files back (CSV, XLSX, SPSS .sav) into the frame they were written from, for
the researcher's own checks and the round-trip tests (the writers are in exports).

Types are restored from the variables; a year column generalised to periods by the disclosure
control ("2020-2021") stays text.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from typing import IO

import polars as pl

from inbeeld.publication.exports import (
    MICRODATA_SHEET,
    NOTES_SHEET,
    dutch_labels,
    microdata_variables,
)
from inbeeld.spreadsheet_safety import CSV_BOM, CSV_DELIMITER


def codes_from_labels(frame: pl.DataFrame) -> pl.DataFrame:
    """The Dutch labels the CSV and XLSX show ("man") back to the frame's codes ("male")."""
    variables = {v.name: v for v in microdata_variables()}
    return frame.with_columns(
        pl.col(name).cast(pl.String).replace({lab: code for code, lab in dutch_labels(v).items()})
        for name, v in variables.items()
        if name in frame.columns and v.categorical
    )


def _restore_types(frame: pl.DataFrame) -> pl.DataFrame:
    """Cast text read from a file to the variables' types; a year column that holds periods
    (generalised by the disclosure control) stays text."""
    frame = codes_from_labels(frame)
    variables = {v.name: v for v in microdata_variables()}
    columns = []
    for name in frame.columns:
        column = frame.get_column(name)
        dtype = variables[name].dtype if name in variables else column.dtype
        if column.dtype == dtype:
            columns.append(column)
            continue
        text = column.cast(pl.String)
        cast = text.cast(dtype, strict=False)
        columns.append(cast if cast.null_count() == text.null_count() else text)
    return pl.DataFrame(columns, schema={c.name: c.dtype for c in columns})


def read_csv(source: str | os.PathLike | IO) -> pl.DataFrame:
    """Read a microdata CSV back into the frame it was written from (types restored)."""
    header = _csv_header(source)
    return _restore_types(
        pl.read_csv(
            source,
            separator=CSV_DELIMITER,
            decimal_comma=True,
            schema_overrides={name: pl.String for name in header},
        )
    )


def _csv_header(source) -> list[str]:
    if isinstance(source, str | os.PathLike):
        with open(source, encoding="utf-8-sig", newline="") as stream:
            return next(csv.reader(stream, delimiter=CSV_DELIMITER))
    position = source.tell()
    first = source.readline()
    source.seek(position)
    if isinstance(first, bytes):
        first = first.decode("utf-8-sig")
    return next(csv.reader([first.removeprefix(CSV_BOM)], delimiter=CSV_DELIMITER))


def read_xlsx(source: str | os.PathLike | IO) -> tuple[pl.DataFrame, dict[str, str]]:
    """Read a microdata workbook back: the frame (types restored) and {variable: label} from the
    sheet "Toelichting"."""
    from openpyxl import load_workbook

    workbook = load_workbook(source, read_only=True, data_only=True)
    rows = list(workbook[MICRODATA_SHEET].iter_rows(values_only=True))
    header, body = list(rows[0]), rows[1:]
    variables = {v.name: v for v in microdata_variables()}
    # Trailing empty cells may be left out of a row: pad to the header.
    padded = [[*r, *([None] * (len(header) - len(r)))][: len(header)] for r in body]
    columns = list(zip(*padded, strict=True)) if padded else [() for _ in header]
    frame = _restore_types(
        pl.DataFrame(
            [
                pl.Series(name, [None if v is None else str(v) for v in values], dtype=pl.String)
                for name, values in zip(header, columns, strict=True)
            ]
        )
    )
    labels = {}
    for row in workbook[NOTES_SHEET].iter_rows(min_row=2, values_only=True):
        if row and row[0] in variables:
            labels[row[0]] = row[1]
    workbook.close()
    return frame, labels


@dataclass(frozen=True)
class SavContents:
    frame: pl.DataFrame  # decoded back to the frame's codes and types
    variable_labels: dict[str, str]
    value_labels: dict[str, dict[int, str]]
    raw: pl.DataFrame = field(repr=False)  # as stored: numeric codes


def read_sav(source: str | os.PathLike) -> SavContents:
    """Read a microdata .sav back: the numeric codes decoded to the frame's codes (through the
    fixed code tables), and the variable and value labels stored in the file."""
    import pyreadstat

    raw, meta = pyreadstat.read_sav(os.fspath(source), output_format="polars")
    variables = {v.name: v for v in microdata_variables()}
    decoded = raw.select(
        (
            pl.col(name)
            .cast(pl.Int64)
            .replace_strict(variables[name].from_number(), default=None, return_dtype=pl.String)
            if variables[name].categorical
            else pl.col(name).cast(
                pl.String if raw.schema[name] == pl.String else variables[name].dtype
            )
        )
        for name in raw.columns
    )
    value_labels = {
        name: {int(k): v for k, v in labels.items()}
        for name, labels in meta.variable_value_labels.items()
    }
    return SavContents(
        frame=decoded,
        variable_labels=dict(meta.column_names_to_labels),
        value_labels=value_labels,
        raw=raw,
    )
