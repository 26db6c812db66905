"""Statistical disclosure control for every table that leaves the platform.

Every count that reaches a page for external users, a PDF or a CSV/XLSX export goes through
:func:`protect_table` (a two-way table) or :func:`protect_one_way` (one row of counts with its
total). The result holds only what may be published: the published numbers (``None`` where a
number is suppressed), a status per number, and an audit; the true counts are not kept in it.

The rules (all in :class:`DisclosurePolicy`, configurable):

1. **Minimum cell size** (``min_cell``, default 10). A count with ``0 < n < min_cell`` is
   *primary suppressed*. This holds for the row totals, the column totals and the grand total as
   well: a total below the threshold is suppressed like a cell, and its own line (the column of
   row totals or the row of column totals) then needs protection too.
2. **Zeros** (``publish_zeros``, default True). A true 0 is published as 0: it is almost always a
   structural or genuinely empty category and hiding it would cost much readability. A published
   0 can tell that *nobody* in a group has a property (group disclosure); for tables where that
   matters, ``publish_zeros=False`` makes every 0 (cells and totals) primary suppressed.
3. **Secondary suppression.** The table is seen as the extended table: the cells, plus the column
   of row totals, the row of column totals and the grand total. Every row and every column of that
   extended table (a "line": its cells plus its total) is an additive constraint. First, every line
   that contains a suppressed number gets at least two: while a line has exactly one, the smallest
   published number in that line is suppressed as well, repeated to a fixpoint. The partner of a
   number below the protection width is at least as large as the missing width where possible (a
   0 cannot give way when the small number grows, so it is taken only when nothing else is left);
   among equals, a number that also completes another line, then an interior cell, comes first.
4. **Verification by linear programming** (the attacker's view). For every suppressed number the
   smallest and the largest value it can take are computed with :func:`scipy.optimize.linprog`,
   given every published number, the additivity of every line and non-negativity. The rule:
   **the feasible interval of every suppressed number is at least ``min_cell`` wide**
   (``protection_width``, which may only be raised). Since the interval starts at 0 or higher,
   its upper end is then at least ``min_cell``: an attacker can neither pin a suppressed count
   down nor prove that it is below the threshold, nor that it is 0. When a number is still exposed,
   the next cell in its row or column is suppressed (the smallest published one that is at least as
   large as the missing width, otherwise the largest smaller one; interior cells before totals),
   step 3 runs again, and the audit is repeated until every interval is wide enough. The loop ends:
   each round suppresses at least one more number, and with everything suppressed every interval
   is unbounded.
   The constraint matrix of a table with its margins is totally unimodular (a network matrix), so
   the LP bounds are integers and an attacker who knows the counts are integers learns nothing
   more. The audit (per suppressed number its feasible interval) is returned with the result: it
   is for the platform's own log and tests, not for the published table.
5. **Rounding** (``rounding_base``, default None = no rounding; e.g. 5). Conventional rounding to
   the nearest multiple of the base, halves upwards, of every published number. Totals are
   computed from the *unrounded* data and rounded independently, so **the rounded cells of a line
   need not add up to its rounded total**; the table should say so. Suppression (steps 1-4) is
   decided on the unrounded counts and the audit assumes the attacker knows the published numbers
   exactly, which is conservative: rounding only widens what the attacker can infer. ``min_cell``
   must be a multiple of the base, so no published number rounds to below the threshold.
6. **Percentages** (``min_denominator``, default 50). :meth:`ProtectedTable.percent` gives a
   percentage only when both numbers are published and the (published) denominator is at least
   ``min_denominator``; it is computed from the published, possibly rounded, numbers, so it reveals
   nothing beyond the table. With 50 in the denominator one person moves a percentage by at most
   2 points (a 95% interval of about +/- 14 points at 50%); below that a percentage suggests a
   precision the data do not have. Below the threshold the count itself is still shown.

Minimising the total suppressed is done greedily (smallest numbers first), not optimally; the
protection itself does not depend on the greedy choices, only on the LP verification.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

import numpy as np
import polars as pl
from scipy.optimize import linprog

from inbeeld.stats.exceptions import StatsInputError

__all__ = [
    "MISSING_LABEL",
    "TOTAL_LABEL",
    "CellStatus",
    "DisclosurePolicy",
    "ProtectedSeries",
    "ProtectedTable",
    "SuppressionAudit",
    "crosstab",
    "frequencies",
    "protect_one_way",
    "protect_table",
]

MISSING_LABEL = "onbekend"
TOTAL_LABEL = "totaal"
_TOL = 1e-6  # LP tolerance when comparing an interval width with the required width

# A row or column: an int is its index, a str its label (so a year label is "2019"), None the
# totals.
Key = int | str | None


class CellStatus(StrEnum):
    PUBLISHED = "published"  # published exactly
    ROUNDED = "rounded"  # published, rounded to the policy's base
    PRIMARY = "primary"  # suppressed: below the threshold itself
    SECONDARY = "secondary"  # suppressed: to protect a primary suppressed number

    @property
    def suppressed(self) -> bool:
        return self in (CellStatus.PRIMARY, CellStatus.SECONDARY)


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


@dataclass(frozen=True)
class DisclosurePolicy:
    """The publication rules; see the module documentation for what each one means and why."""

    min_cell: int = 10
    rounding_base: int | None = None
    min_denominator: int = 50
    publish_zeros: bool = True
    protection_width: int | None = None  # None: min_cell; may only be raised above it

    def __post_init__(self) -> None:
        if not _is_int(self.min_cell) or self.min_cell < 1:
            raise StatsInputError(f"min_cell must be an integer >= 1, not {self.min_cell!r}")
        if self.rounding_base is not None:
            if not _is_int(self.rounding_base) or self.rounding_base < 2:
                raise StatsInputError(
                    f"rounding_base must be None or an integer >= 2, not {self.rounding_base!r}"
                )
            if self.min_cell % self.rounding_base:
                raise StatsInputError(
                    f"min_cell ({self.min_cell}) must be a multiple of rounding_base "
                    f"({self.rounding_base}), or a count above the threshold could round below it"
                )
        if not _is_int(self.min_denominator) or self.min_denominator < 1:
            raise StatsInputError(
                f"min_denominator must be an integer >= 1, not {self.min_denominator!r}"
            )
        if not isinstance(self.publish_zeros, bool):
            raise StatsInputError(f"publish_zeros must be a bool, not {self.publish_zeros!r}")
        if self.protection_width is not None and (
            not _is_int(self.protection_width) or self.protection_width < self.min_cell
        ):
            raise StatsInputError(
                f"protection_width must be None or an integer >= min_cell ({self.min_cell}), "
                f"not {self.protection_width!r}"
            )

    @property
    def required_width(self) -> int:
        """How wide the attacker's interval of every suppressed number must be."""
        return self.min_cell if self.protection_width is None else self.protection_width

    def round(self, value: int) -> int:
        """A published count as it is shown: rounded to the base (halves upwards) or unchanged."""
        base = self.rounding_base
        return value if base is None else (2 * value + base) // (2 * base) * base


@dataclass(frozen=True)
class SuppressionAudit:
    """The attacker's feasible interval of one suppressed number.

    ``key`` is ``(row, col)`` for a table (``None`` standing for the totals row or column) and
    ``(index,)`` for a one-way table (``(None,)`` for its total). ``high`` is ``math.inf`` when
    the published numbers do not bound it. Internal: not for publication (with rounding it is
    computed from the unrounded numbers).
    """

    key: tuple[int | None, ...]
    label: str
    status: CellStatus
    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low


# --- the engine: numbers linked by additive lines --------------------------------------------


def _primary(values: np.ndarray, policy: DisclosurePolicy) -> np.ndarray:
    primary = (values > 0) & (values < policy.min_cell)
    if not policy.publish_zeros:
        primary |= values == 0
    return primary


def _intervals(
    values: np.ndarray,
    lines: Sequence[tuple[int, ...]],
    suppressed: np.ndarray,
    order: Sequence[int],
    width: int,
    stop_at_exposed: bool,
) -> tuple[dict[int, tuple[float, float]], int | None]:
    """Min and max of each suppressed number (in ``order``) given the published ones. Returns the
    intervals and, with ``stop_at_exposed``, the first number whose interval is too narrow."""
    unknown = np.flatnonzero(suppressed)
    position = {int(c): k for k, c in enumerate(unknown)}
    rows, rhs = [], []
    for line in lines:  # members ... total: sum(members) - total = 0
        coef = np.zeros(len(unknown))
        known = 0.0
        for cell, sign in [(m, 1.0) for m in line[:-1]] + [(line[-1], -1.0)]:
            if suppressed[cell]:
                coef[position[cell]] += sign
            else:
                known += sign * float(values[cell])
        if coef.any():
            rows.append(coef)
            rhs.append(-known)
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    result: dict[int, tuple[float, float]] = {}
    for cell in order:
        objective = np.zeros(len(unknown))
        objective[position[cell]] = 1.0
        bounds = []
        for sense in (1.0, -1.0):
            res = linprog(sense * objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
            if res.status == 3 and sense < 0:  # unbounded above
                bounds.append(math.inf)
            elif res.status == 0:
                bounds.append(round(sense * float(res.fun), 6) + 0.0)
            else:  # the true values are feasible, so this is a solver failure
                raise RuntimeError(f"disclosure audit: linprog failed ({res.message})")
        low, high = max(bounds[0], 0.0), bounds[1]
        result[cell] = (low, high)
        if stop_at_exposed and high - low < width - _TOL:
            return result, cell
    return result, None


def _suppress(
    values: np.ndarray,
    lines: Sequence[tuple[int, ...]],
    is_total: np.ndarray,
    policy: DisclosurePolicy,
) -> tuple[np.ndarray, np.ndarray, dict[int, tuple[float, float]]]:
    """Primary suppression, secondary suppression to the line rule and the LP rule. Returns the
    primary mask, the suppressed mask and the audit intervals of the suppressed numbers."""
    n = len(values)
    width = policy.required_width
    lines_of: list[list[int]] = [[] for _ in range(n)]
    for index, line in enumerate(lines):
        for cell in line:
            lines_of[cell].append(index)
    primary = _primary(values, policy)
    suppressed = primary.copy()
    count = np.array([int(suppressed[list(line)].sum()) for line in lines])

    def suppress(cell: int) -> None:
        suppressed[cell] = True
        for index in lines_of[cell]:
            count[index] += 1

    def complete_lines() -> None:
        changed = True
        while changed:
            changed = False
            for index, line in enumerate(lines):
                if count[index] != 1:
                    continue
                alone = next(c for c in line if suppressed[c])
                # a partner of a small number must be able to give way when it grows: not a 0
                need = width - int(values[alone])
                candidates = [c for c in line if not suppressed[c]]

                def closes(c: int, index: int = index) -> bool:
                    return any(count[o] == 1 for o in lines_of[c] if o != index)

                suppress(
                    min(
                        candidates,
                        key=lambda c, need=need: (
                            values[c] < need,
                            int(values[c]),
                            not closes(c),
                            bool(is_total[c]),
                            c,
                        ),
                    )
                )
                changed = True

    while True:
        complete_lines()
        order = sorted(np.flatnonzero(suppressed).tolist(), key=lambda c: (not primary[c], c))
        audit, exposed = _intervals(values, lines, suppressed, order, width, stop_at_exposed=True)
        if exposed is None:
            return primary, suppressed, audit
        low, high = audit[exposed]
        need = width - (high - low)
        neighbours = {c for i in lines_of[exposed] for c in lines[i] if not suppressed[c]}
        candidates = neighbours or set(np.flatnonzero(~suppressed).tolist())
        if not candidates:  # cannot happen: with everything suppressed nothing is bounded
            raise RuntimeError("disclosure: no number left to suppress")
        suppress(
            min(
                candidates,
                key=lambda c: (
                    bool(is_total[c]),
                    values[c] < need,
                    int(values[c]) if values[c] >= need else -int(values[c]),
                    c,
                ),
            )
        )


def _statuses(
    values: np.ndarray, primary: np.ndarray, suppressed: np.ndarray, policy: DisclosurePolicy
) -> tuple[list[CellStatus], list[int | None]]:
    shown = CellStatus.PUBLISHED if policy.rounding_base is None else CellStatus.ROUNDED
    status, published = [], []
    for value, is_primary, is_suppressed in zip(values, primary, suppressed, strict=True):
        if is_suppressed:
            status.append(CellStatus.PRIMARY if is_primary else CellStatus.SECONDARY)
            published.append(None)
        else:
            status.append(shown)
            published.append(policy.round(int(value)))
    return status, published


def _percent(
    numerator: int | None, denominator: int | None, policy: DisclosurePolicy
) -> float | None:
    if numerator is None or denominator is None or denominator < policy.min_denominator:
        return None
    return 100.0 * numerator / denominator


# --- input validation ------------------------------------------------------------------------


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


# --- from a polars DataFrame to counts -------------------------------------------------------


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
