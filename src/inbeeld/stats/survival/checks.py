"""Input checks shared by the survival estimators."""

from __future__ import annotations

import numpy as np
from scipy import stats

from inbeeld.stats.exceptions import StatsInputError


def _rows(mask: np.ndarray, limit: int = 5) -> str:
    bad = np.flatnonzero(mask)
    shown = ", ".join(str(int(i)) for i in bad[:limit])
    more = f" (and {bad.size - limit} more)" if bad.size > limit else ""
    return f"row{'s' if bad.size > 1 else ''} {shown}{more}"


def _durations(values, what: str = "durations") -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"{what} must be numbers: {exc}") from exc
    if arr.ndim != 1:
        raise StatsInputError(f"{what} must be one-dimensional, got shape {arr.shape}")
    finite = np.isfinite(arr)
    if not finite.all():
        raise StatsInputError(f"{what} are missing or not finite in {_rows(~finite)}")
    negative = arr < 0
    if negative.any():
        raise StatsInputError(f"{what} are negative in {_rows(negative)}")
    return arr


def _observed(values, n: int, what: str = "observed") -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise StatsInputError(f"{what} must be one value per duration ({n}), got shape {arr.shape}")
    if arr.dtype == np.bool_:
        return arr
    try:
        num = arr.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"{what} must be booleans or 0/1: {exc}") from exc
    bad = ~((num == 0) | (num == 1))
    if bad.any():
        raise StatsInputError(f"{what} must be 0/1 (or booleans); not so in {_rows(bad)}")
    return num == 1


def _confidence(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise StatsInputError(f"confidence must be between 0 and 1, got {confidence}")
    return float(stats.norm.ppf(1 - (1 - confidence) / 2))


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr
