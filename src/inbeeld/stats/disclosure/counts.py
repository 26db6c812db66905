"""From a polars DataFrame to the counts the protection takes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from inbeeld.stats.disclosure.policy import MISSING_LABEL
from inbeeld.stats.exceptions import StatsInputError


def _label_series(df: pl.DataFrame, column: str, missing: str) -> tuple[pl.Series, list[str]]:
    """The column as string labels (null and blank become ``missing``) and the labels in the
    column's own sort order (numbers as numbers), ``missing`` last."""
    if column not in df.columns:
        raise StatsInputError(f"the table has no column {column!r}; it has {df.columns}")
    native = df.get_column(column)
    try:
        text = native.cast(pl.String)
    except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError) as exc:
        raise StatsInputError(f"column {column!r} cannot be used as categories ({exc})") from exc
    stripped = text.str.strip_chars()
    labels = (
        pl.select(
            pl.when(stripped.is_null() | (stripped == ""))
            .then(pl.lit(missing))
            .otherwise(stripped)
            .alias(column)
        )
        .to_series()
        .rename(column)
    )
    known = (
        pl.DataFrame({"native": native, "label": labels})
        .filter(pl.col("label") != missing)
        .unique()
        .sort(["native", "label"], nulls_last=True)
        .get_column("label")
        .to_list()
    )
    order = list(dict.fromkeys(known))
    if (labels == missing).any():
        order.append(missing)
    return labels, order


def _ordered(found: list[str], order: Sequence[object] | None, column: str) -> list[str]:
    if order is None:
        return found
    wanted = [str(label) for label in order]
    if len(set(wanted)) != len(wanted):
        raise StatsInputError(f"the order given for {column!r} repeats a label")
    unknown = [label for label in found if label not in wanted]
    if unknown:
        raise StatsInputError(f"column {column!r} has values not in the order given: {unknown}")
    return wanted


def crosstab(
    df: pl.DataFrame,
    row: str,
    col: str,
    *,
    missing: str = MISSING_LABEL,
    row_order: Sequence[object] | None = None,
    col_order: Sequence[object] | None = None,
) -> tuple[np.ndarray, tuple[str, ...], tuple[str, ...]]:
    """Counts of ``df`` by two categorical columns (or a category and a year): the matrix (rows x
    columns, int64) and the row and column labels. Null and blank values count as ``missing``
    (listed last); labels follow the column's own sort order unless ``row_order``/``col_order``
    fix them (which also brings in categories that do not occur, as rows or columns of 0)."""
    if not isinstance(df, pl.DataFrame):
        raise StatsInputError(f"crosstab needs a polars DataFrame, not {type(df).__name__}")
    if row == col:
        raise StatsInputError(f"row and column must be different columns, both are {row!r}")
    row_series, row_found = _label_series(df, row, missing)
    col_series, col_found = _label_series(df, col, missing)
    rows = _ordered(row_found, row_order, row)
    cols = _ordered(col_found, col_order, col)
    if not rows or not cols:
        raise StatsInputError("crosstab of an empty table: give row_order and col_order")
    grouped = pl.DataFrame({"r": row_series, "c": col_series}).group_by(["r", "c"]).len()
    counts = np.zeros((len(rows), len(cols)), dtype=np.int64)
    row_index = {label: i for i, label in enumerate(rows)}
    col_index = {label: j for j, label in enumerate(cols)}
    for r, c, n in grouped.iter_rows():
        counts[row_index[r], col_index[c]] = n
    return counts, tuple(rows), tuple(cols)


def frequencies(
    df: pl.DataFrame,
    column: str,
    *,
    missing: str = MISSING_LABEL,
    order: Sequence[object] | None = None,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Counts of ``df`` by one column, for :func:`protect_one_way` (same conventions as
    :func:`crosstab`)."""
    if not isinstance(df, pl.DataFrame):
        raise StatsInputError(f"frequencies needs a polars DataFrame, not {type(df).__name__}")
    series, found = _label_series(df, column, missing)
    labels = _ordered(found, order, column)
    if not labels:
        raise StatsInputError("frequencies of an empty table: give order")
    index = {label: i for i, label in enumerate(labels)}
    counts = np.zeros(len(labels), dtype=np.int64)
    for label, n in series.value_counts().iter_rows():
        counts[index[label]] = n
    return counts, tuple(labels)
