"""Input: validate the case table, aggregate it to (unit, period) cells and lay those out as
(unit x period) matrices with each unit's adoption pattern."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from inbeeld.stats.exceptions import NotEstimable, StatsInputError


def _rows(idx: np.ndarray, limit: int = 10) -> str:
    shown = ", ".join(str(int(i)) for i in idx[:limit])
    return shown + (f" (and {len(idx) - limit} more)" if len(idx) > limit else "")


def _zero_one(values: np.ndarray, column: str) -> None:
    bad = (values != 0) & (values != 1)
    if bad.any():
        raise StatsInputError(
            f"column {column!r} must be 0/1; rows {_rows(np.flatnonzero(bad))} are not"
        )


def _validate(
    df: pl.DataFrame, unit: str, period: str, treated: str, outcome: str, transition: str | None
) -> None:
    """Refuse a table the estimator cannot read, naming the columns and rows that are wrong."""
    if not isinstance(df, pl.DataFrame):
        raise StatsInputError("staggered_did expects a polars DataFrame")
    extra = [transition] if transition is not None else []
    missing = [c for c in (unit, period, treated, outcome, *extra) if c not in df.columns]
    if missing:
        raise StatsInputError(f"column(s) not in the table: {', '.join(missing)}")
    if len({unit, period, treated, outcome, *extra}) < 4 + len(extra):
        raise StatsInputError(
            "unit, period, treated, outcome (and transition) must be different columns"
        )
    if df.height == 0:
        raise StatsInputError("the table has no rows")
    for col in (unit, period, treated, outcome, *extra):
        nulls = df[col].is_null()
        if nulls.any():
            raise StatsInputError(
                f"column {col!r} has missing values in rows {_rows(np.flatnonzero(nulls.to_numpy()))}"
            )
    for col in (treated, outcome, *extra):
        if not (df[col].dtype.is_numeric() or df[col].dtype == pl.Boolean):
            raise StatsInputError(f"column {col!r} must be numeric or boolean, not {df[col].dtype}")
    d = df[treated].cast(pl.Float64).to_numpy()
    _zero_one(d, treated)
    if transition is not None:
        r = df[transition].cast(pl.Float64).to_numpy()
        _zero_one(r, transition)
        bad = (r == 1) & (d == 1)
        if bad.any():
            raise StatsInputError(
                f"rows {_rows(np.flatnonzero(bad))} are marked both treated and transition"
            )
    y = df[outcome].cast(pl.Float64).to_numpy()
    bad = ~np.isfinite(y)
    if bad.any():
        raise StatsInputError(
            f"column {outcome!r} is not finite in rows {_rows(np.flatnonzero(bad))}"
        )


def _cells(
    df: pl.DataFrame, unit: str, period: str, treated: str, outcome: str, transition: str | None
) -> pl.DataFrame:
    """One row per (unit, period): number of cases, outcome sum, the range of the treatment and
    transition marks (to check they are constant per cell) and whether every outcome is 0/1."""
    _validate(df, unit, period, treated, outcome, transition)
    return (
        df.lazy()
        .select(
            pl.col(unit).alias("unit"),
            pl.col(period).alias("period"),
            pl.col(treated).cast(pl.Int8).alias("d"),
            pl.col(outcome).cast(pl.Float64).alias("y"),
            (
                pl.col(transition).cast(pl.Int8) if transition is not None else pl.lit(0, pl.Int8)
            ).alias("r"),
        )
        .group_by("unit", "period")
        .agg(
            n=pl.len(),
            s=pl.col("y").sum(),
            d_min=pl.col("d").min(),
            d_max=pl.col("d").max(),
            r_min=pl.col("r").min(),
            r_max=pl.col("r").max(),
            binary=((pl.col("y") == 0) | (pl.col("y") == 1)).all(),
        )
        .collect()
    )


def _index(values: pl.Series, name: str) -> tuple[list, pl.DataFrame]:
    levels = values.unique().sort()
    return levels.to_list(), pl.DataFrame({name: levels, f"{name}_i": np.arange(len(levels))})


# --- the panel --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Panel:
    """The cells as (unit x period) matrices, with each unit's adoption pattern."""

    units: list
    periods: list
    N: np.ndarray  # cases per cell; transition cells set to 0 (neither control nor treated)
    S: np.ndarray  # outcome sum per cell; transition cells set to 0
    N_all: np.ndarray  # cases per cell with the transition cells (the randomisation uses them)
    S_all: np.ndarray
    R: np.ndarray  # transition cells
    D: np.ndarray  # 1 from a unit's start on (filled in for cells without cases)
    ever: np.ndarray  # the unit is treated in some period
    start: np.ndarray  # period index of the unit's first treated period; T when never
    until: np.ndarray  # first period that is no longer a clean control period
    started_late: np.ndarray  # transition cases and no treated case: started at the data's end
    binary: bool  # every outcome is 0 or 1


def _check_constant_per_cell(cells: pl.DataFrame, treated: str) -> None:
    mixed = cells.filter(
        (pl.col("d_min") != pl.col("d_max")) | (pl.col("r_min") != pl.col("r_max"))
    )
    if mixed.height:
        shown = ", ".join(
            f"({r['unit']}, {r['period']})" for r in mixed.head(10).iter_rows(named=True)
        )
        raise StatsInputError(
            f"{treated!r} (or the transition mark) differs between cases of the same unit and "
            f"period: {shown}; the intervention starts per unit and period"
        )


def _adoption(Dobs: np.ndarray, R: np.ndarray, units: list, periods: list, treated: str):
    """Each unit's start, clean-control limit, filled treatment matrix, ever-treated and
    started-late flags; refuses a treatment that switches off or a misplaced transition."""
    T = Dobs.shape[1]
    D0 = np.nan_to_num(Dobs, nan=0.0)
    switched_off = ~np.isnan(Dobs) & (np.maximum.accumulate(D0, axis=1) > Dobs)
    if switched_off.any():
        bad = [
            f"{units[u]} (period {periods[int(np.argmax(switched_off[u]))]})"
            for u in np.flatnonzero(switched_off.any(axis=1))[:10]
        ]
        raise StatsInputError(
            f"{treated!r} switches back to 0 after the start in unit(s) {', '.join(bad)}: "
            "a staggered rollout stays on once started"
        )
    ever = D0.any(axis=1)
    start = np.where(ever, np.argmax(D0 == 1, axis=1), T)
    D = (np.arange(T)[None, :] >= start[:, None]).astype(float)  # fills unobserved cells
    # transition periods: from a unit's first transition cell up to its start, none of them clean
    until = np.where(R.any(axis=1), np.argmax(R, axis=1), start)
    observed = ~np.isnan(Dobs)
    # a unit with transition cases and no treated case started at the end of the data: it is a
    # clean control up to its transition (start = T, until = its first transition period)
    started_late = R.any(axis=1) & ~ever
    stray = observed & ~R & (np.arange(T)[None, :] >= until[:, None]) & (D == 0)
    if stray.any():
        bad = [str(units[u]) for u in np.flatnonzero(stray.any(axis=1))[:10]]
        raise StatsInputError(
            "transition periods must lie directly before a unit's first treated period, in "
            f"unit(s) {', '.join(bad)}"
        )
    return start, until, D, ever, started_late


def _panel(cells: pl.DataFrame, treated: str) -> _Panel:
    """Lay the cells out as (unit x period) matrices; refuses a design the estimator cannot use
    (one period, one unit, no unit ever treated)."""
    _check_constant_per_cell(cells, treated)
    units, unit_idx = _index(cells["unit"], "unit")
    periods, period_idx = _index(cells["period"], "period")
    U, T = len(units), len(periods)
    if T < 2:
        raise NotEstimable("a single period: no before and after to compare")
    if U < 2:
        raise NotEstimable("a single unit: nothing to compare with")
    cells = cells.join(unit_idx, on="unit").join(period_idx, on="period")
    ui, ti = cells["unit_i"].to_numpy(), cells["period_i"].to_numpy()
    N = np.zeros((U, T))
    S = np.zeros((U, T))
    Dobs = np.full((U, T), np.nan)
    N[ui, ti] = cells["n"].to_numpy()
    S[ui, ti] = cells["s"].to_numpy()
    Dobs[ui, ti] = cells["d_min"].to_numpy()
    R = np.zeros((U, T), dtype=bool)
    R[ui, ti] = cells["r_min"].to_numpy() == 1
    start, until, D, ever, started_late = _adoption(Dobs, R, units, periods, treated)
    N_all, S_all = N.copy(), S.copy()  # the randomisation's other assignments use them
    N[R] = 0.0  # transition cases count neither as control nor as treated
    S[R] = 0.0
    if not ever.any():
        raise NotEstimable("no unit is ever treated: nothing to evaluate")
    return _Panel(
        units=units,
        periods=periods,
        N=N,
        S=S,
        N_all=N_all,
        S_all=S_all,
        R=R,
        D=D,
        ever=ever,
        start=start,
        until=until,
        started_late=started_late,
        binary=bool(cells["binary"].all()),
    )
