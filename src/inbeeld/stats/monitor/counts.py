"""Yearly counts of registered cases per breakdown (:func:`yearly_counts`, :class:`CountTable`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from inbeeld.stats.exceptions import StatsInputError
from inbeeld.stats.monitor.tables import (
    AGE_GROUPS,
    BREAKDOWNS,
    MONITOR_FORMS,
    NATIONALITY_GROUPS,
    TOTAL_CASES_LABEL,
    MonitorTables,
)

# --- yearly counts --------------------------------------------------------------------------------


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class CountTable:
    """Registered cases by one breakdown (rows) and intake year (columns).

    ``counts`` (int64, rows × years, read-only) is the table for disclosure control:
    ``protect_table(t.counts, t.row_labels, t.col_labels)``; ``row_totals`` and
    ``column_totals`` are its margins. When ``overlapping`` (exploitation form: a case with
    several forms counts in each) the margins count case-forms, not cases; ``cases_per_year`` is
    always the number of distinct cases per year (the ``total_cases`` line, to be protected on its
    own, e.g. with ``protect_one_way``). Otherwise ``cases_per_year == column_totals``.
    """

    by: str
    row_labels: tuple[str, ...]
    years: tuple[int, ...]
    counts: np.ndarray
    cases_per_year: np.ndarray
    overlapping: bool
    note: str = ""

    @property
    def col_labels(self) -> tuple[str, ...]:
        return tuple(str(year) for year in self.years)

    @property
    def row_totals(self) -> np.ndarray:
        return self.counts.sum(axis=1)

    @property
    def column_totals(self) -> np.ndarray:
        return self.counts.sum(axis=0)

    @property
    def grand_total(self) -> int:
        return int(self.counts.sum())

    @property
    def total_cases(self) -> int:
        return int(self.cases_per_year.sum())

    def count(self, row: str, year: int | None = None) -> int:
        """One cell; ``year=None`` gives the row total."""
        if row not in self.row_labels:
            raise StatsInputError(f"no row {row!r}; rows: {', '.join(self.row_labels)}")
        i = self.row_labels.index(row)
        if year is None:
            return int(self.counts[i].sum())
        if year not in self.years:
            raise StatsInputError(f"no year {year!r}; years: {self.years}")
        return int(self.counts[i, self.years.index(year)])

    def to_frame(self, total_label: str = "total") -> pl.DataFrame:
        """The table with a row-total column; for an overlapping breakdown a last line
        ``total_cases`` counts each case once."""
        columns: dict[str, list] = {self.by: list(self.row_labels)}
        for j, label in enumerate(self.col_labels):
            columns[label] = [int(v) for v in self.counts[:, j]]
        columns[total_label] = [int(v) for v in self.row_totals]
        frame = pl.DataFrame(
            columns, schema={self.by: pl.String} | {c: pl.Int64 for c in list(columns)[1:]}
        )
        if self.overlapping:
            last = {self.by: [TOTAL_CASES_LABEL]}
            last |= {
                label: [int(v)]
                for label, v in zip(self.col_labels, self.cases_per_year, strict=True)
            }
            last[total_label] = [self.total_cases]
            frame = pl.concat([frame, pl.DataFrame(last, schema=frame.schema)])
        return frame


def _years(tables: MonitorTables, *, with_signals: bool = False) -> tuple[int, ...]:
    found = set(tables.cases.get_column("intake_date").dt.year().unique().to_list())
    if with_signals and tables.signals is not None:
        found |= set(tables.signals.get_column("received_date").dt.year().unique().to_list())
    if not found:
        return ()
    return tuple(range(min(found), max(found) + 1))


def _matrix(long: pl.DataFrame, rows: Sequence[str], years: Sequence[int]) -> np.ndarray:
    """Counts of (label, year) pairs as a rows × years matrix."""
    out = np.zeros((len(rows), len(years)), dtype=np.int64)
    if long.height == 0 or not rows or not years:
        return out
    grouped = long.group_by("label", "year").len()
    row_index = {label: i for i, label in enumerate(rows)}
    first = years[0]
    labels = grouped.get_column("label").to_list()
    i = np.fromiter((row_index[label] for label in labels), dtype=np.int64, count=len(labels))
    j = grouped.get_column("year").to_numpy().astype(np.int64) - first
    out[i, j] = grouped.get_column("len").to_numpy()
    return out


def yearly_counts(tables: MonitorTables, by: str) -> CountTable:
    """Registered cases per intake year by ``by``: 'form' (exploitation form; a case counts once
    per form), 'minor' (minor/adult at intake), 'nationality' (nationality group) or
    'police_unit'. See the module docstring for the conventions."""
    if by not in BREAKDOWNS:
        raise StatsInputError(f"by must be one of {', '.join(BREAKDOWNS)}, got {by!r}")
    years = _years(tables)
    cases = tables.cases.with_columns(pl.col("intake_date").dt.year().alias("year"))
    overlapping, note = False, ""
    if by == "form":
        rows: tuple[str, ...] = MONITOR_FORMS
        no_form = ~pl.any_horizontal(*(pl.col(f"form_{form}") for form in MONITOR_FORMS))
        parts = []
        for form in MONITOR_FORMS:
            member = pl.col(f"form_{form}")
            if form == "unknown":
                member = member | no_form
            parts.append(cases.filter(member).select(pl.lit(form).alias("label"), "year"))
        long = pl.concat(parts)
        overlapping = True
        note = (
            "A case with several exploitation forms counts once in each of its forms: the rows "
            "add up to more than the number of cases. The line 'total_cases' counts each case "
            "once. 'unknown' includes cases without a recorded form."
        )
    elif by == "minor":
        rows = AGE_GROUPS
        long = cases.select(
            pl.when(pl.col("minor"))
            .then(pl.lit("minor"))
            .otherwise(pl.lit("adult"))
            .alias("label"),
            "year",
        )
    elif by == "nationality":
        rows = NATIONALITY_GROUPS
        long = cases.select(pl.col("nationality_group").alias("label"), "year")
    else:
        rows = tuple(sorted(cases.get_column("police_unit").unique().to_list()))
        long = cases.select(pl.col("police_unit").alias("label"), "year")
    counts = _matrix(long, rows, years)
    per_year = _matrix(cases.select(pl.lit("all").alias("label"), "year"), ("all",), years)[0]
    return CountTable(
        by=by,
        row_labels=tuple(rows),
        years=years,
        counts=_frozen(counts),
        cases_per_year=_frozen(per_year),
        overlapping=overlapping,
        note=note,
    )
