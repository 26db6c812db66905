"""Safety and secondary victimisation per intervention (issue 17 item 5; ADR 0006 decision 9).

Two things, on the same cases, window and follow-up as the intervention's other comparisons
(``stats.evaluation``):

- **Times the victim told the story** (informative interview, complaint, studio interview, RC
  hearing, trial) as an outcome: per case the number of tellings recorded from the anchor up to
  the anchor + horizon (the anchor is the index date; for an intervention acting after the
  complaint the complaint date, and then only the tellings *after* it, the complaint itself being
  the entry into the comparison). Mean per group and the Welch difference in means with its
  Welch–Satterthwaite t interval (``welch_difference``).
- **Threats, protective measures and release from custody**: only described, per fact the cases
  with it in the same window among exposed and not exposed (``FactBalance``). They happen after
  the exposure (a threat *after the complaint*, a measure or a release in the proceedings), so
  adjusting an effect for them would block part of the effect or open a collider path; they are
  never a covariate of an adjusted estimate.

Pure: polars tables in, frozen dataclasses out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats as sps

from inbeeld.stats.comparisons import ALPHA
from inbeeld.stats.tables import SAFETY_FACTS, STORY_TOLD_FACTS

# Below this many cases in a group no interval is given (simulation, ADR 0006 decision 9).
MIN_PER_GROUP = 10
# Fewer cases than this in a group: the comparison is indicative (ADR 0006 decision 7).
INDICATIVE_PER_GROUP = 30

TOO_FEW = "too_few_cases"
NO_VARIATION = "no_variation"
NONE_RECORDED = "none_recorded"


@dataclass(frozen=True)
class MeanDifference:
    """Mean count per group and the difference exposed − not exposed with its 95 % interval;
    ``reason`` says why there is no interval (``low``/``high`` None)."""

    n1: int
    n0: int
    total1: int
    total0: int
    mean1: float | None
    mean0: float | None
    difference: float | None
    low: float | None
    high: float | None
    df: float | None
    p_value: float | None
    reason: str | None = None

    @property
    def indicative(self) -> bool:
        return min(self.n1, self.n0) < INDICATIVE_PER_GROUP


def welch_difference(
    exposed, unexposed, *, alpha: float = ALPHA, min_per_group: int = MIN_PER_GROUP
) -> MeanDifference:
    """Welch's unequal-variance t interval for the difference in means (as
    scipy.stats.ttest_ind(equal_var=False).confidence_interval()). No interval with fewer than
    ``min_per_group`` cases in a group, when nothing was counted in either group, or when a group
    does not vary (its variance 0 makes the interval too short: simulation, ADR 0006)."""
    a = np.asarray(exposed, dtype=float)
    b = np.asarray(unexposed, dtype=float)
    n1, n0 = a.size, b.size
    mean1 = float(a.mean()) if n1 else None
    mean0 = float(b.mean()) if n0 else None
    base = dict(n1=n1, n0=n0, total1=int(a.sum()), total0=int(b.sum()), mean1=mean1, mean0=mean0)
    difference = None if mean1 is None or mean0 is None else mean1 - mean0
    empty = dict(difference=difference, low=None, high=None, df=None, p_value=None)
    if min(n1, n0) < max(min_per_group, 2):
        return MeanDifference(**base, **empty, reason=TOO_FEW)
    if a.sum() + b.sum() == 0:
        return MeanDifference(**base, **empty, reason=NONE_RECORDED)
    v1, v0 = a.var(ddof=1) / n1, b.var(ddof=1) / n0
    if v1 == 0 or v0 == 0:
        return MeanDifference(**base, **empty, reason=NO_VARIATION)
    se = math.sqrt(v1 + v0)
    df = (v1 + v0) ** 2 / (v1**2 / (n1 - 1) + v0**2 / (n0 - 1))
    q = float(sps.t.ppf(1 - alpha / 2, df))
    p_value = float(2 * sps.t.sf(abs(difference) / se, df))
    return MeanDifference(
        **base,
        difference=difference,
        low=difference - q * se,
        high=difference + q * se,
        df=float(df),
        p_value=p_value,
    )


@dataclass(frozen=True)
class FactBalance:
    """Cases with the fact in the window: ``x1`` of ``n1`` exposed, ``x0`` of ``n0`` not."""

    fact: str
    x1: int
    n1: int
    x0: int
    n0: int


@dataclass(frozen=True)
class SafetyComparison:
    """An intervention's tellings outcome and the description of its safety facts."""

    anchor: str  # "index_date", or the complaint event code for after-complaint interventions
    tellings: MeanDifference
    balance: tuple[FactBalance, ...]


def _in_window(safety: pl.DataFrame, rows: pl.DataFrame, anchor: str, horizon_days: int):
    """The facts of ``rows``' cases dated in the window of each case: from the anchor (after it
    when the anchor is the complaint) up to and including anchor + horizon."""
    joined = safety.join(rows.select("case_id", pl.col(anchor).alias("_anchor")), on="case_id")
    start = (
        pl.col("date") >= pl.col("_anchor")
        if anchor == "index_date"
        else pl.col("date") > pl.col("_anchor")
    )
    return joined.filter(
        start & (pl.col("date") <= pl.col("_anchor") + pl.duration(days=horizon_days))
    )


def compare_safety(
    rows: pl.DataFrame,
    safety: pl.DataFrame,
    *,
    anchor: str,
    horizon_days: int,
    exposure: str = "itt",
) -> SafetyComparison:
    """``rows``: the compared cases (one per case, complete follow-up) with ``case_id``, the
    ``anchor`` date and the boolean ``exposure``; ``safety``: case_id, fact, date."""
    facts = _in_window(safety, rows, anchor, horizon_days)
    counts = (
        facts.filter(pl.col("fact").is_in(STORY_TOLD_FACTS))
        .group_by("case_id")
        .agg(pl.len().alias("_tellings"))
    )
    frame = rows.select("case_id", exposure).join(counts, on="case_id", how="left")
    told = frame.get_column("_tellings").fill_null(0).to_numpy()
    exposed = frame.get_column(exposure).fill_null(False).to_numpy().astype(bool)
    tellings = welch_difference(told[exposed], told[~exposed])
    n1, n0 = int(exposed.sum()), int((~exposed).sum())
    flags = rows.select("case_id", exposure)
    balance = []
    for fact in SAFETY_FACTS:
        cases = facts.filter(pl.col("fact") == fact).select("case_id").unique()
        marked = flags.join(cases, on="case_id", how="semi").get_column(exposure)
        x1 = int(marked.fill_null(False).sum())
        balance.append(FactBalance(fact, x1=x1, n1=n1, x0=marked.len() - x1, n0=n0))
    return SafetyComparison(anchor=anchor, tellings=tellings, balance=tuple(balance))
