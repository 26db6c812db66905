"""Capture histories: validation, the complete observable table, and model terms."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from inbeeld.stats.exceptions import StatsInputError

INTERCEPT = "intercept"
MAX_LISTS = 15  # 2^15 - 1 = 32,767 cells; beyond that the complete table is not the right tool

Criterion = Literal["bic", "aic"]
EmptyOverlaps = Literal["exclude", "extended"]
Term = tuple[str, str]

# Status of a candidate model in the table.
OK = "ok"
EMPTY_OVERLAP = "excluded: a pair of lists in it has no one in common"
NO_MLE = "skipped: the maximum-likelihood estimate does not exist (linear programme)"
NOT_IDENTIFIABLE = "skipped: not identifiable (design matrix not of full rank)"
NOT_CONVERGED = "not converged"


# --- input ------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CaptureHistories:
    """The complete observable table: every one of the 2^k - 1 non-empty patterns once (in the
    order of their binary code, the first list being the lowest bit), with its count (0 if not
    observed)."""

    lists: tuple[str, ...]
    patterns: np.ndarray  # (2^k - 1, k) of 0/1, int8
    counts: np.ndarray  # (2^k - 1,) int64

    @property
    def k(self) -> int:
        return len(self.lists)

    @property
    def observed(self) -> int:
        return int(self.counts.sum())

    def list_totals(self) -> dict[str, int]:
        return {name: int(self.counts @ self.patterns[:, j]) for j, name in enumerate(self.lists)}

    def overlap(self, a: str, b: str) -> int:
        """The number of people on both lists (whatever other lists they are on)."""
        i, j = self.lists.index(a), self.lists.index(b)
        return int(self.counts @ (self.patterns[:, i] * self.patterns[:, j]))


def _rows(idx: Iterable[int], limit: int = 10) -> str:
    idx = [int(i) for i in idx]
    shown = ", ".join(str(i) for i in idx[:limit])
    return shown + (f" (and {len(idx) - limit} more)" if len(idx) > limit else "")


def _as_float_matrix(values: object, what: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"{what} must be numeric: {exc}") from None
    return array


def capture_histories(
    data: pl.DataFrame | np.ndarray | Sequence[Sequence[int]],
    counts: Sequence[float] | np.ndarray | None = None,
    *,
    lists: Sequence[str] | None = None,
    frequency: str = "frequency",
) -> CaptureHistories:
    """Validate capture histories and expand them to the complete observable table.

    ``data`` is either a polars DataFrame (list columns ``lists``, default every column except
    ``frequency``, and the count column ``frequency``; ``counts`` must then be None) or a 0/1
    matrix with one row per pattern and one column per list, with ``counts`` one per row
    (``lists`` names the columns, default ``L1, L2, ...``). Values may be int, bool or float with
    an integral value. Errors name the rows (0-based) that are wrong.
    """
    if isinstance(data, pl.DataFrame):
        if counts is not None:
            raise StatsInputError("give the counts as the frequency column of the DataFrame")
        names, matrix, freq = _from_frame(data, lists, frequency)
    else:
        names, matrix, freq = _from_matrix(data, counts, lists)
    _check(names, matrix, freq)
    return _expand(names, matrix, freq)


def _from_frame(data: pl.DataFrame, lists, frequency: str):
    """List names, 0/1 matrix and counts from a DataFrame with a frequency column."""
    if frequency not in data.columns:
        raise StatsInputError(f"no frequency column {frequency!r} in the table")
    names = (
        [c for c in data.columns if c != frequency] if lists is None else [str(c) for c in lists]
    )
    missing = [c for c in names if c not in data.columns]
    if missing:
        raise StatsInputError(f"list column(s) not in the table: {', '.join(missing)}")
    if frequency in names:
        raise StatsInputError(f"{frequency!r} cannot be both a list and the frequency column")
    bad_types = [
        c
        for c in [*names, frequency]
        if not (data[c].dtype.is_numeric() or data[c].dtype == pl.Boolean)
    ]
    if bad_types:
        raise StatsInputError(f"column(s) not numeric or boolean: {', '.join(bad_types)}")
    nulls = [c for c in [*names, frequency] if data[c].null_count()]
    if nulls:
        rows = np.flatnonzero(
            data.select(pl.any_horizontal([pl.col(c).is_null() for c in nulls])).to_series()
        )
        raise StatsInputError(
            f"missing values in column(s) {', '.join(nulls)} at rows {_rows(rows)}"
        )
    matrix = (
        data.select([pl.col(c).cast(pl.Float64) for c in names]).to_numpy()
        if names
        else np.zeros((data.height, 0))
    )
    freq = data[frequency].cast(pl.Float64).to_numpy()
    return names, matrix, freq


def _from_matrix(data, counts, lists):
    """List names, 0/1 matrix and counts from a pattern matrix and a count vector."""
    if counts is None:
        raise StatsInputError("give the counts: one per row of the pattern matrix")
    matrix = _as_float_matrix(data, "the capture patterns")
    freq = _as_float_matrix(counts, "the counts")
    if matrix.ndim != 2:
        raise StatsInputError(
            "the capture patterns must be a 2-D matrix: one row per pattern, one column per list"
        )
    if freq.ndim != 1 or freq.shape[0] != matrix.shape[0]:
        raise StatsInputError(
            f"{freq.size} count(s) for {matrix.shape[0]} pattern row(s): give one count per row"
        )
    if lists is None:
        names = [f"L{j + 1}" for j in range(matrix.shape[1])]
    else:
        names = [str(c) for c in lists]
        if len(names) != matrix.shape[1]:
            raise StatsInputError(
                f"{len(names)} list name(s) for {matrix.shape[1]} pattern column(s)"
            )
    return names, matrix, freq


def _check(names: list[str], matrix: np.ndarray, freq: np.ndarray) -> None:
    """Refuse duplicate or too few/many lists, non-0/1 membership, bad counts and the
    all-zero pattern, naming the rows."""
    k = len(names)
    if len(set(names)) != k:
        dupes = sorted({c for c in names if names.count(c) > 1})
        raise StatsInputError(f"list name(s) given more than once: {', '.join(dupes)}")
    if k < 2:
        raise StatsInputError(f"multiple-systems estimation needs at least 2 lists, got {k}")
    if k > MAX_LISTS:
        raise StatsInputError(f"at most {MAX_LISTS} lists are supported, got {k}")
    if matrix.shape[0] == 0:
        raise StatsInputError("no capture patterns given")
    bad = ~np.isin(matrix, (0.0, 1.0))
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        cols = sorted({names[j] for j in np.flatnonzero(bad.any(axis=0))})
        raise StatsInputError(
            f"list membership must be 0 or 1 (column(s) {', '.join(cols)}, rows {_rows(rows)})"
        )
    bad = ~np.isfinite(freq) | (freq < 0) | (freq != np.round(freq))
    if bad.any():
        raise StatsInputError(
            f"counts must be non-negative whole numbers (rows {_rows(np.flatnonzero(bad))})"
        )
    empty = np.flatnonzero(matrix.sum(axis=1) == 0)
    if empty.size:
        raise StatsInputError(
            "the all-zero pattern (on no list) must not be given: it is the unobserved cell that "
            f"is estimated (rows {_rows(empty)})"
        )


def _expand(names: list[str], matrix: np.ndarray, freq: np.ndarray) -> CaptureHistories:
    """The complete observable table (every non-empty pattern once, duplicates summed); refuses
    a table with no one observed or a list with no one on it."""
    k = len(names)
    code = (matrix.astype(np.int64) << np.arange(k, dtype=np.int64)).sum(axis=1)
    full = np.zeros(2**k, dtype=np.int64)
    np.add.at(full, code, np.round(freq).astype(np.int64))
    cells = np.arange(1, 2**k, dtype=np.int64)
    patterns = ((cells[:, None] >> np.arange(k)) & 1).astype(np.int8)
    table = CaptureHistories(lists=tuple(names), patterns=patterns, counts=full[1:])
    if table.observed == 0:
        raise StatsInputError("no one observed: every count is zero")
    totals = table.list_totals()
    nobody = [name for name, total in totals.items() if total == 0]
    if nobody:
        raise StatsInputError(
            f"list(s) with no one on them carry no information, leave them out: {', '.join(nobody)}"
        )
    return table


# --- terms ------------------------------------------------------------------------------------


def _term_name(term: Term) -> str:
    return f"{term[0]}:{term[1]}"


def _parse_term(term: object, lists: tuple[str, ...]) -> Term:
    if isinstance(term, str):
        matches = [
            (a, b) for a, b in itertools.permutations(lists, 2) if term in (f"{a}:{b}", f"{a}*{b}")
        ]
        if not matches:
            raise StatsInputError(
                f"unknown interaction {term!r}: write it as 'A:B' with A and B among {', '.join(lists)}"
            )
        a, b = matches[0]
    elif isinstance(term, Sequence) and len(term) == 2:
        a, b = str(term[0]), str(term[1])
    else:
        raise StatsInputError(f"an interaction is 'A:B' or a pair ('A', 'B'), got {term!r}")
    if a not in lists or b not in lists:
        raise StatsInputError(
            f"interaction {a}:{b} names a list that is not among {', '.join(lists)}"
        )
    if a == b:
        raise StatsInputError(f"interaction {a}:{b} needs two different lists")
    i, j = sorted((lists.index(a), lists.index(b)))
    return (lists[i], lists[j])


def _parse_model(model: object, lists: tuple[str, ...]) -> tuple[Term, ...]:
    if isinstance(model, str):
        model = [model] if model else []
    if not isinstance(model, Iterable):
        raise StatsInputError(f"a model is a list of interactions, got {model!r}")
    terms = {_parse_term(t, lists) for t in model}
    return tuple(sorted(terms, key=lambda t: (lists.index(t[0]), lists.index(t[1]))))


def _all_pairs(lists: tuple[str, ...]) -> list[Term]:
    return [(a, b) for a, b in itertools.combinations(lists, 2)]
