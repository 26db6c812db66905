"""Protected two-way tables and one-way series, with their input validation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl

from inbeeld.stats.disclosure.engine import _percent, _statuses, _suppress
from inbeeld.stats.disclosure.policy import (
    TOTAL_LABEL,
    CellStatus,
    DisclosurePolicy,
    Key,
    SuppressionAudit,
    _is_int,
)
from inbeeld.stats.exceptions import StatsInputError


def _counts(counts: object, ndim: int) -> np.ndarray:
    what = "a 2-D table (rows x columns)" if ndim == 2 else "one row of counts"
    try:
        array = np.asarray(counts)
    except (ValueError, TypeError) as exc:
        raise StatsInputError(f"counts must be {what} of integers ({exc})") from exc
    if array.ndim != ndim:
        raise StatsInputError(f"counts must be {what}; got {array.ndim} dimension(s)")
    if array.size == 0:
        raise StatsInputError(
            f"counts must be {what} with at least one cell; got shape {array.shape}"
        )
    if array.dtype.kind in "iu":
        integral = array.astype(np.int64)
    elif array.dtype.kind == "f":
        bad = ~np.isfinite(array) | (array != np.round(array))
        if bad.any():
            where = [tuple(int(i) for i in w) for w in np.argwhere(bad)[:5]]
            raise StatsInputError(
                f"counts must be whole numbers; {int(bad.sum())} are not, e.g. at {where}"
            )
        integral = array.astype(np.int64)
    else:
        raise StatsInputError(f"counts must be integers, not {array.dtype}")
    negative = integral < 0
    if negative.any():
        where = [tuple(int(i) for i in w) for w in np.argwhere(negative)[:5]]
        raise StatsInputError(
            f"counts cannot be negative; {int(negative.sum())} are, e.g. at {where}"
        )
    return integral


def _labels(labels: Sequence[object], n: int, what: str, noun: str) -> tuple[str, ...]:
    if isinstance(labels, str):
        raise StatsInputError(f"{what} must be a sequence of labels, not one string")
    result = tuple(str(label) for label in labels)
    if len(result) != n:
        raise StatsInputError(f"{what}: {len(result)} labels for {n} {noun} of counts")
    duplicates = sorted({label for label in result if result.count(label) > 1})
    if duplicates:
        raise StatsInputError(f"{what} must be unique; repeated: {duplicates}")
    return result


def _index(labels: tuple[str, ...], key: Key, what: str) -> int | None:
    if key is None:
        return None
    if _is_int(key):
        if not 0 <= int(key) < len(labels):
            raise IndexError(f"{what} index {key} out of range 0..{len(labels) - 1}")
        return int(key)
    try:
        return labels.index(str(key))
    except ValueError:
        raise KeyError(f"no {what} labelled {key!r}") from None


# --- two-way tables --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProtectedTable:
    """A two-way table as it may be published. ``values[i][j]`` is the published count of row i,
    column j (``None``: suppressed), with its status in ``status[i][j]``; the same for the totals.
    Accessors take a row and a column as index, label or ``None`` (the totals)."""

    row_labels: tuple[str, ...]
    col_labels: tuple[str, ...]
    values: tuple[tuple[int | None, ...], ...]
    status: tuple[tuple[CellStatus, ...], ...]
    row_totals: tuple[int | None, ...]
    row_total_status: tuple[CellStatus, ...]
    col_totals: tuple[int | None, ...]
    col_total_status: tuple[CellStatus, ...]
    grand_total: int | None
    grand_total_status: CellStatus
    policy: DisclosurePolicy
    audit: tuple[SuppressionAudit, ...] = field(repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.row_labels), len(self.col_labels)

    def _ij(self, row: Key, col: Key) -> tuple[int | None, int | None]:
        return _index(self.row_labels, row, "row"), _index(self.col_labels, col, "column")

    def value(self, row: Key, col: Key) -> int | None:
        """The published number (``None`` where suppressed); ``None`` as row or column selects
        the totals: ``value(i, None)`` is row i's total, ``value(None, None)`` the grand total."""
        i, j = self._ij(row, col)
        if i is None and j is None:
            return self.grand_total
        if i is None:
            return self.col_totals[j]
        if j is None:
            return self.row_totals[i]
        return self.values[i][j]

    def status_of(self, row: Key, col: Key) -> CellStatus:
        i, j = self._ij(row, col)
        if i is None and j is None:
            return self.grand_total_status
        if i is None:
            return self.col_total_status[j]
        if j is None:
            return self.row_total_status[i]
        return self.status[i][j]

    def percent(
        self, row: Key, col: Key, of: Literal["row", "col", "total"] = "row"
    ) -> float | None:
        """The number as a percentage of its row total (``of="row"``), its column total
        (``"col"``) or the grand total (``"total"``), from the published numbers; ``None`` when
        either is suppressed or the denominator is below ``policy.min_denominator``."""
        if of not in ("row", "col", "total"):
            raise StatsInputError(f"of must be 'row', 'col' or 'total', not {of!r}")
        denominator = {
            "row": lambda: self.value(row, None),
            "col": lambda: self.value(None, col),
            "total": lambda: self.grand_total,
        }[of]()
        return _percent(self.value(row, col), denominator, self.policy)

    @property
    def n_suppressed(self) -> int:
        """How many numbers (cells and totals) are suppressed."""
        return len(self.audit)

    def to_frame(self, index_name: str = "", total_label: str = TOTAL_LABEL) -> pl.DataFrame:
        """The published table with its totals row and column; suppressed numbers are null."""
        columns: dict[str, list] = {index_name: [*self.row_labels, total_label]}
        for j, label in enumerate(self.col_labels):
            columns[label] = [*(row[j] for row in self.values), self.col_totals[j]]
        columns[total_label] = [*self.row_totals, self.grand_total]
        if len(columns) != len(self.col_labels) + 2:
            raise StatsInputError("index_name and total_label must differ from the column labels")
        return pl.DataFrame(
            columns, schema={name: pl.Int64 for name in columns} | {index_name: pl.String}
        )


def protect_table(
    counts: object,
    row_labels: Sequence[object],
    col_labels: Sequence[object],
    policy: DisclosurePolicy | None = None,
) -> ProtectedTable:
    """Protect a two-way table of counts (rows x columns) for publication under ``policy``."""
    policy = DisclosurePolicy() if policy is None else policy
    matrix = _counts(counts, 2)
    n_rows, n_cols = matrix.shape
    rows = _labels(row_labels, n_rows, "row_labels", "rows")
    cols = _labels(col_labels, n_cols, "col_labels", "columns")
    # The extended table as one vector: cells (row-major), row totals, column totals, grand total.
    row_total = n_rows * n_cols
    col_total = row_total + n_rows
    grand = col_total + n_cols
    values = np.concatenate(
        [matrix.ravel(), matrix.sum(axis=1), matrix.sum(axis=0), [matrix.sum()]]
    ).astype(np.int64)
    lines: list[tuple[int, ...]] = [
        *(tuple(i * n_cols + j for j in range(n_cols)) + (row_total + i,) for i in range(n_rows)),
        *(tuple(i * n_cols + j for i in range(n_rows)) + (col_total + j,) for j in range(n_cols)),
        tuple(col_total + j for j in range(n_cols)) + (grand,),
        tuple(row_total + i for i in range(n_rows)) + (grand,),
    ]
    is_total = np.arange(len(values)) >= row_total
    primary, suppressed, intervals = _suppress(values, lines, is_total, policy)
    status, published = _statuses(values, primary, suppressed, policy)

    def key(cell: int) -> tuple[int | None, int | None]:
        if cell < row_total:
            return divmod(cell, n_cols)
        if cell < col_total:
            return cell - row_total, None
        if cell < grand:
            return None, cell - col_total
        return None, None

    def label(cell: int) -> str:
        i, j = key(cell)
        return f"{TOTAL_LABEL if i is None else rows[i]} × {TOTAL_LABEL if j is None else cols[j]}"

    audit = tuple(
        SuppressionAudit(key(c), label(c), status[c], *intervals[c]) for c in sorted(intervals)
    )
    return ProtectedTable(
        row_labels=rows,
        col_labels=cols,
        values=tuple(tuple(published[i * n_cols : (i + 1) * n_cols]) for i in range(n_rows)),
        status=tuple(tuple(status[i * n_cols : (i + 1) * n_cols]) for i in range(n_rows)),
        row_totals=tuple(published[row_total:col_total]),
        row_total_status=tuple(status[row_total:col_total]),
        col_totals=tuple(published[col_total:grand]),
        col_total_status=tuple(status[col_total:grand]),
        grand_total=published[grand],
        grand_total_status=status[grand],
        policy=policy,
        audit=audit,
    )


# --- one-way tables --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProtectedSeries:
    """One row of counts with its total as it may be published (``None``: suppressed).
    Accessors take an index, a label or ``None`` (the total)."""

    labels: tuple[str, ...]
    values: tuple[int | None, ...]
    status: tuple[CellStatus, ...]
    total: int | None
    total_status: CellStatus
    policy: DisclosurePolicy
    audit: tuple[SuppressionAudit, ...] = field(repr=False)

    def value(self, key: Key) -> int | None:
        index = _index(self.labels, key, "category")
        return self.total if index is None else self.values[index]

    def status_of(self, key: Key) -> CellStatus:
        index = _index(self.labels, key, "category")
        return self.total_status if index is None else self.status[index]

    def percent(self, key: Key) -> float | None:
        """The number as a percentage of the total, or ``None`` (see ProtectedTable.percent)."""
        return _percent(self.value(key), self.total, self.policy)

    @property
    def n_suppressed(self) -> int:
        return len(self.audit)

    def to_frame(
        self, label_name: str = "", count_name: str = "aantal", total_label: str = TOTAL_LABEL
    ) -> pl.DataFrame:
        return pl.DataFrame(
            {label_name: [*self.labels, total_label], count_name: [*self.values, self.total]},
            schema={label_name: pl.String, count_name: pl.Int64},
        )


def protect_one_way(
    counts: object, labels: Sequence[object], policy: DisclosurePolicy | None = None
) -> ProtectedSeries:
    """Protect one row of counts and its total: primary suppression, then at least two suppressed
    numbers (cells or the total) whenever one is, verified by the same LP rule as tables."""
    policy = DisclosurePolicy() if policy is None else policy
    vector = _counts(counts, 1)
    names = _labels(labels, len(vector), "labels", "categories")
    k = len(vector)
    values = np.concatenate([vector, [vector.sum()]]).astype(np.int64)
    is_total = np.arange(k + 1) == k
    primary, suppressed, intervals = _suppress(values, [tuple(range(k + 1))], is_total, policy)
    status, published = _statuses(values, primary, suppressed, policy)
    audit = tuple(
        SuppressionAudit(
            (None,) if c == k else (c,),
            TOTAL_LABEL if c == k else names[c],
            status[c],
            *intervals[c],
        )
        for c in sorted(intervals)
    )
    return ProtectedSeries(
        labels=names,
        values=tuple(published[:k]),
        status=tuple(status[:k]),
        total=published[k],
        total_status=status[k],
        policy=policy,
        audit=audit,
    )
