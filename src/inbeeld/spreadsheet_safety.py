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
