"""Cases needed, planned for a stated minimal important difference (MID) with the uncertainty of
the control group's rate (assurance, also called expected power; O'Hagan, Stevens & Campbell
2005).

Planning from the *observed* difference of a small pilot (18 + 18 cases) is off by a factor of
three or more in most pilots: the observed difference has a standard error of about 15 points, and
the cases needed go with 1 / difference². Here the difference is the pilot design's MID (what the
pilot wants to be able to show), and only the control rate comes from the data, with its
uncertainty: p0 ~ Beta(1 + x0, 1 + n0 - x0) (uniform prior), p1 = p0 + MID.

The test planned for is the evaluation's primary comparison, Fisher's exact test (two-sided,
level alpha). Its power is the arcsine z-test power of :mod:`inbeeld.stats.power` with the
continuity correction of Casagrande, Pike & Smith (1978) as simplified by Fleiss, Tytun & Ury
(1980): n_cc = n/4 (1 + sqrt(1 + 4 / (n d)))², d = |p1 - p0|, per group; equivalently, the power
with n_cc cases per group is the uncorrected power with (n_cc - 1/d)² / n_cc cases. The correction
is the standard approximation of Fisher's test (tests/stats/test_assurance.py checks it against
the exact power of scipy's fisher_exact by enumeration).

- ``assurance(n)``: the power with n cases per group averaged over the control-rate posterior
  (quantile nodes of the Beta distribution);
- the figure shown is the n per group with 80 % assurance, with a range: the 10th and 90th
  percentiles, over the same posterior, of the n that would give 80 % power at that control rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy import stats as sps

from inbeeld.stats.exceptions import StatsInputError
from inbeeld.stats.power import DEFAULT_ALPHA, DEFAULT_POWER, _required_shift

__all__ = [
    "DEFAULT_MID",
    "Planning",
    "assurance",
    "fisher_power",
    "n_for_power",
    "planning_summary",
]

# The pilot's stated aim when its design data give no MID: 10 percentage points more victims
# reporting (pilot design, DESIGN §6).
DEFAULT_MID = 0.10
NODES = 400
BAND = (0.10, 0.90)
_TOP = 1.0 - 1e-9


def _arcsine(p: np.ndarray) -> np.ndarray:
    return 2.0 * np.arcsin(np.sqrt(np.clip(p, 0.0, 1.0)))


def _mid(mid: float) -> float:
    value = float(mid)
    if not (math.isfinite(value) and 0.0 < value < 1.0):
        raise StatsInputError(f"the minimal important difference must lie in (0, 1), got {mid!r}")
    return value


def fisher_power(p0, p1, n, alpha: float = DEFAULT_ALPHA) -> np.ndarray:
    """Approximate power of the two-sided Fisher exact test with ``n`` cases in each group
    (arcsine z-test power, continuity corrected); vectorised over p0, p1 and n."""
    p0, p1, n = np.broadcast_arrays(
        np.asarray(p0, float), np.asarray(p1, float), np.asarray(n, float)
    )
    d = np.abs(p1 - p0)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_z = np.where(d > 0, np.clip(n - 1.0 / d, 0.0, None) ** 2 / n, 0.0)
    shift = np.abs(_arcsine(p1) - _arcsine(p0)) * np.sqrt(n_z / 2.0)
    z = sps.norm.isf(alpha / 2.0)
    return sps.norm.sf(z - shift) + sps.norm.cdf(-z - shift)


def n_for_power(p0, p1, power: float = DEFAULT_POWER, alpha: float = DEFAULT_ALPHA) -> np.ndarray:
    """The (fractional) cases per group at which :func:`fisher_power` equals ``power``."""
    p0, p1 = np.broadcast_arrays(np.asarray(p0, float), np.asarray(p1, float))
    h = np.abs(_arcsine(p1) - _arcsine(p0))
    d = np.abs(p1 - p0)
    if np.any(h == 0):
        raise StatsInputError("p0 equals p1: no number of cases detects no difference")
    n_z = 2.0 * (_required_shift(power, alpha) / h) ** 2
    return n_z / 4.0 * (1.0 + np.sqrt(1.0 + 4.0 / (n_z * d))) ** 2


def _nodes(x0: int, n0: int, nodes: int) -> np.ndarray:
    if not (0 <= x0 <= n0):
        raise StatsInputError(f"need 0 <= x0 <= n0, got x0={x0}, n0={n0}")
    q = (np.arange(nodes) + 0.5) / nodes
    return sps.beta.ppf(q, 1 + x0, 1 + n0 - x0)


def assurance(
    n, x0: int, n0: int, mid: float = DEFAULT_MID, alpha: float = DEFAULT_ALPHA, nodes: int = NODES
) -> float:
    """The probability of a significant result with ``n`` cases per group, averaged over the
    control rate's posterior given x0 of n0 control cases, for a true difference of ``mid``."""
    p0 = _nodes(x0, n0, nodes)
    return float(np.mean(fisher_power(p0, np.minimum(p0 + _mid(mid), _TOP), n, alpha)))


@dataclass(frozen=True)
class Planning:
    """Cases per group needed to show ``mid`` with ``target`` assurance, and a range."""

    mid: float
    n_per_group: int  # cases per group for `target` assurance
    low: int  # 10th percentile (over the control-rate posterior) of the cases needed
    high: int  # 90th percentile
    n1: int  # cases now
    n0: int
    x0: int
    target: float = DEFAULT_POWER
    alpha: float = DEFAULT_ALPHA

    @property
    def settled(self) -> bool:
        return min(self.n1, self.n0) >= self.n_per_group


def planning_summary(
    x0: int,
    n0: int,
    n1: int,
    mid: float = DEFAULT_MID,
    target: float = DEFAULT_POWER,
    alpha: float = DEFAULT_ALPHA,
    nodes: int = NODES,
) -> Planning:
    """Plan for a true difference ``mid`` around the observed control rate x0 / n0 (with its
    uncertainty): the cases per group for ``target`` assurance and the 10th-90th percentile range
    of the cases needed over the control-rate posterior."""
    m = _mid(mid)
    p0 = _nodes(int(x0), int(n0), nodes)
    p1 = np.minimum(p0 + m, _TOP)
    needed = n_for_power(p0, p1, target, alpha)
    upper = float(needed.max()) + 1.0  # every node has at least `target` power there

    def gap(n: float) -> float:
        return float(np.mean(fisher_power(p0, p1, n, alpha))) - target

    n_star = math.ceil(optimize.brentq(gap, 1.0 / m, upper, xtol=1e-6) - 1e-9)
    low, high = np.quantile(needed, BAND)
    return Planning(
        mid=m,
        n_per_group=int(n_star),
        low=math.ceil(low - 1e-9),
        high=math.ceil(high - 1e-9),
        n1=int(n1),
        n0=int(n0),
        x0=int(x0),
        target=target,
        alpha=alpha,
    )
