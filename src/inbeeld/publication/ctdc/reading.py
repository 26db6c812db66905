"""Reading CTDC files of either generation into one internal schema, and the read-only import
summary. See the package docstring."""

from __future__ import annotations

import io
import logging
import os
from collections import Counter
from collections.abc import Iterable
from typing import IO

import polars as pl

from inbeeld.publication.ctdc.fields import (
    CANONICAL_COLUMNS,
    CANONICAL_SCHEMA,
    FIELDS,
    FLAG,
    MULTI,
    MULTI_SEPARATOR,
    REQUIRED,
    REQUIRED_FIELDS,
    ColumnReport,
    CtdcFormatError,
)

# The package's logger, as before the split.
logger = logging.getLogger("inbeeld.publication.ctdc")

# --- reading ------------------------------------------------------------------------------------

_GENDER = {
    "female": "female",
    "woman": "female",
    "f": "female",
    "vrouw": "female",
    "male": "male",
    "man": "male",
    "m": "male",
    "trans/transgender/nonconforming": "other",
    "transgender/nonconforming": "other",
    "transgender": "other",
    "trans": "other",
    "nonconforming": "other",
    "other": "other",
}
_MAJORITY = {"adult": "adult", "minor": "minor", "meerderjarig": "adult", "minderjarig": "minor"}
_TRUE = {"1", "1.0", "true", "yes", "ja"}
_FALSE = {"0", "0.0", "false", "no", "nee"}


def _dashes(expr: pl.Expr) -> pl.Expr:
    """'0--8', '0—8' and '0–8' all become '0-8' (the codebook and the file differ)."""
    return expr.str.replace_all(r"\s*(?:--|—|–)\s*", "-")


def _year(expr: pl.Expr) -> pl.Expr:
    return _dashes(expr).str.replace(r"^(\d{4})\.0+$", "${1}")


def _minor_from_age(expr: pl.Expr) -> pl.Expr:
    """'0-8', '9-17' → minor; any band starting at 18 or later → adult."""
    upper = expr.str.extract(r"^\d+-(\d+)$", 1).cast(pl.Int32, strict=False)
    lower = expr.str.extract(r"^(\d+)", 1).cast(pl.Int32, strict=False)
    return (
        pl.when(upper <= 17)
        .then(pl.lit("minor"))
        .when(lower >= 18)
        .then(pl.lit("adult"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def _read_raw(source: str | os.PathLike | IO) -> pl.DataFrame:
    if isinstance(source, io.TextIOBase):
        source = io.BytesIO(source.read().encode("utf-8"))
    # Everything as text first (blanks are missing); types come from the alias table.
    return pl.read_csv(
        source,
        infer_schema=False,
        empty_string_is_null=True,
        encoding="utf8-lossy",
    )


def inspect_columns(columns: Iterable[str]) -> tuple[dict[str, str], list[str], str]:
    """Match file columns to canonical ones (case-insensitive): (mapping, unknown, generation).

    Raises CtdcFormatError when the required columns of neither generation are there."""
    columns = list(columns)
    lookup: dict[str, str] = {}
    for f in FIELDS:
        for alias in (*f.aliases, *f.merged_from):
            lookup.setdefault(alias.lower(), f.name)
    mapped = {c: lookup[c.strip().lower()] for c in columns if c.strip().lower() in lookup}
    unknown = [c for c in columns if c not in mapped]
    present = set(mapped.values())
    lowered = {c.strip().lower() for c in columns}
    if not all(any(name in present for name in need) for need in REQUIRED_FIELDS):
        missing = {
            generation: [name for name in names if name.lower() not in lowered]
            for generation, names in REQUIRED.items()
        }
        raise CtdcFormatError(missing, columns)
    complete = [g for g, names in REQUIRED.items() if all(n.lower() in lowered for n in names)]
    generation = complete[0] if len(complete) == 1 else "gemengd"
    return mapped, unknown, generation


def read_ctdc_with_report(source: str | os.PathLike | IO) -> tuple[pl.DataFrame, ColumnReport]:
    """Read a CTDC CSV of either generation into the internal schema (see the module docstring),
    with a report of the columns and of values that could not be recognised."""
    raw = _read_raw(source)
    raw = raw.rename({c: c.strip().lstrip("\ufeff") for c in raw.columns})
    mapped, unknown, generation = inspect_columns(raw.columns)
    by_field: dict[str, list[str]] = {}
    for column, name in mapped.items():
        by_field.setdefault(name, []).append(column)
    stripped = raw.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in raw.columns)

    expressions: list[pl.Expr] = []
    unrecognised: dict[str, dict[str, int]] = {}
    for f in FIELDS:
        columns = by_field.get(f.name, [])
        if not columns:
            expressions.append(pl.lit(None, dtype=CANONICAL_SCHEMA[f.name]).alias(f.name))
            continue
        direct = [c for c in columns if c.lower() in {a.lower() for a in f.aliases}]
        if f.kind == FLAG:
            flags = [
                pl.when(pl.col(c).str.to_lowercase().is_in(_TRUE))
                .then(True)
                .when(pl.col(c).str.to_lowercase().is_in(_FALSE))
                .then(False)
                .otherwise(None)
                for c in (direct or columns)
            ]
            # A merged field is 1 when any of its parts is 1, 0 when all known parts are 0.
            expressions.append(pl.any_horizontal(flags).alias(f.name))
            bad = _unrecognised(stripped, columns, _TRUE | _FALSE)
        elif f.kind == MULTI:
            expressions.append(
                pl.col(columns[0])
                .str.split(MULTI_SEPARATOR)
                .list.eval(_dashes(pl.element().str.strip_chars()))
                .list.eval(pl.element().filter(pl.element() != ""))
                .alias(f.name)
            )
            bad = {}
        else:
            expressions.append(pl.col(columns[0]).alias(f.name))
            bad = {}
        if bad:
            unrecognised[f.name] = bad
    frame = stripped.select(*expressions, *(pl.col(c) for c in unknown))

    frame = frame.with_columns(
        _year(pl.col("year_register")).alias("year_register"),
        _dashes(pl.col("age_broad")).alias("age_broad"),
        _dashes(pl.col("traffick_months")).alias("traffick_months"),
        pl.col("gender")
        .str.to_lowercase()
        .replace_strict(_GENDER, default=None, return_dtype=pl.String)
        .alias("gender"),
        pl.col("majority_status")
        .str.to_lowercase()
        .replace_strict(_MAJORITY, default=None, return_dtype=pl.String)
        .alias("majority_status"),
    )
    for name, table, column in (
        ("gender", _GENDER, "gender"),
        ("majority_status", _MAJORITY, "majority_status"),
    ):
        if by_field.get(name):
            bad = _unrecognised(stripped, by_field[name][:1], set(table))
            if bad:
                unrecognised[column] = bad
    # The 2024 generation has no majority status: derive it from the age band.
    frame = frame.with_columns(
        pl.coalesce(pl.col("majority_status"), _minor_from_age(pl.col("age_broad"))).alias(
            "majority_status"
        )
    )
    report = ColumnReport(
        generation=generation,
        mapped=mapped,
        unknown=unknown,
        absent=[name for name in CANONICAL_COLUMNS if name not in by_field],
        unrecognised_values=unrecognised,
    )
    if unknown:
        logger.warning("CTDC-bestand: onbekende kolommen behouden: %s", ", ".join(unknown))
    return frame, report


def _unrecognised(frame: pl.DataFrame, columns: list[str], allowed: set[str]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for column in columns:
        values = frame.get_column(column).drop_nulls()
        for value, n in values.value_counts().iter_rows():
            if value.lower() not in allowed:
                counts[value] += n
    return dict(counts)


def read_ctdc(source: str | os.PathLike | IO) -> pl.DataFrame:
    """A CTDC CSV of either generation in the internal schema: the canonical columns in the order
    of FIELDS (missing ones all null), then the file's unknown columns as text."""
    frame, _ = read_ctdc_with_report(source)
    return frame


def ctdc_import_summary(df: pl.DataFrame) -> dict:
    """Counts for a read-only look at a CTDC file: rows, by gender, majority status, year and
    exploitation form; plus the unknown columns. Missing values are counted as 'missing'."""

    def counts(column: str) -> dict[str, int]:
        series = df.get_column(column).fill_null("missing")
        return dict(
            sorted(series.value_counts().iter_rows(), key=lambda kv: (kv[0] == "missing", kv[0]))
        )

    return {
        "rows": df.height,
        "gender": counts("gender"),
        "majority_status": counts("majority_status"),
        "year_register": counts("year_register"),
        "forms": {
            name: int(df.get_column(name).sum())
            for name in ("is_forced_labour", "is_sexual_exploit", "is_other_exploit")
        },
        "forms_known": int(
            df.select(
                pl.any_horizontal(
                    pl.col(
                        "is_forced_labour", "is_sexual_exploit", "is_other_exploit"
                    ).is_not_null()
                ).sum()
            ).item()
        ),
        "unknown_columns": [c for c in df.columns if c not in CANONICAL_SCHEMA],
    }
