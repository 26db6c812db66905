"""Precision and power for comparing two proportions: how sure the current data make us, and how
many more cases would settle the question.

Group 1 is the exposed group (the intervention), group 0 the comparison group, as in
:mod:`inbeeld.stats.proportions`. Allocation ratios are always ``ratio = n1 / n0``.

Power is that of the two-sided z-test on Cohen's effect size for proportions (the arcsine
transformation, Cohen 1988)::

    h = 2 asin(sqrt(p1)) - 2 asin(sqrt(p0))
    power = Phi(|h| sqrt(n_eff) - z) + Phi(-|h| sqrt(n_eff) - z),  n_eff = 1 / (1/n1 + 1/n0)

with z = Phi^-1(1 - alpha / 2): the same formula as statsmodels' ``NormalIndPower`` with
``proportion_effectsize`` (the oracle of tests/stats/test_power.py). The arcsine transformation
stabilises the variance, so the power depends on p0 and p1 only through h. Sample sizes are
solved exactly (Brent's method on the power formula, both tails included) and then rounded up.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from scipy import optimize
from scipy import stats as sps

from inbeeld.stats.exceptions import NotEstimable, StatsInputError
from inbeeld.stats.proportions import _count, risk_difference

__all__ = [
    "Precision",
    "additional_cases_needed",
    "cohen_h",
    "expected_wald_width",
    "n_for_interval_width",
    "n_per_group",
    "n_per_group_exact",
    "power_two_proportions",
    "precision_summary",
]

DEFAULT_POWER = 0.8
DEFAULT_ALPHA = 0.05
# Rounding up: a required size within this of an integer is that integer (floating-point noise).
_ROUND_SLACK = 1e-9


# --- validation -------------------------------------------------------------------------------


def _real(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise StatsInputError(f"{name} must be a number, got {value!r}")
    result = float(value)
    if not math.isfinite(result):
        raise StatsInputError(f"{name} must be finite, got {value!r}")
    return result


def _proportion(name: str, value: object) -> float:
    result = _real(name, value)
    if not 0.0 <= result <= 1.0:
        raise StatsInputError(f"{name} must be a proportion between 0 and 1, got {result}")
    return result


def _open_unit(name: str, value: object) -> float:
    result = _real(name, value)
    if not 0.0 < result < 1.0:
        raise StatsInputError(f"{name} must lie strictly between 0 and 1, got {result}")
    return result


def _size(name: str, value: object, *, allow_zero: bool = False) -> float:
    result = _real(name, value)
    if result < 0 or (result == 0 and not allow_zero):
        bound = "not be negative" if allow_zero else "be positive"
        raise StatsInputError(f"{name} must {bound}, got {result}")
    return result


def _ratio(value: object) -> float:
    result = _real("ratio", value)
    if result <= 0:
        raise StatsInputError(f"ratio (n1 / n0) must be positive, got {result}")
    return result


def _targets(power: object, alpha: object) -> tuple[float, float]:
    alpha_ = _open_unit("alpha", alpha)
    power_ = _open_unit("power", power)
    if power_ <= alpha_:
        raise StatsInputError(
            f"power ({power_}) must exceed alpha ({alpha_}): a test has power alpha with no data"
        )
    return power_, alpha_


def _round_up(value: float) -> int:
    return max(1, math.ceil(value - _ROUND_SLACK))


# --- power ------------------------------------------------------------------------------------


def cohen_h(p1: float, p0: float) -> float:
    """Cohen's effect size for two proportions: 2 asin(sqrt(p1)) - 2 asin(sqrt(p0))."""
    a, b = _proportion("p1", p1), _proportion("p0", p0)
    return 2.0 * math.asin(math.sqrt(a)) - 2.0 * math.asin(math.sqrt(b))


def _power_at(shift: float, alpha: float) -> float:
    """Two-sided power of a z-test whose statistic is shifted by ``shift`` (>= 0)."""
    z = float(sps.norm.isf(alpha / 2.0))
    return float(sps.norm.sf(z - shift) + sps.norm.cdf(-z - shift))


def _effective_n(n1: float, n0: float) -> float:
    return 0.0 if n1 == 0 or n0 == 0 else 1.0 / (1.0 / n1 + 1.0 / n0)


def power_two_proportions(
    p0: float, p1: float, n1: float, n0: float, alpha: float = DEFAULT_ALPHA
) -> float:
    """The power of the two-sided test at level ``alpha`` to detect p1 versus p0 with n1 and n0
    cases (sizes may be fractional, for planning). With p0 == p1 it is alpha."""
    h = abs(cohen_h(p1, p0))
    m1, m0 = _size("n1", n1), _size("n0", n0)
    alpha_ = _open_unit("alpha", alpha)
    return _power_at(h * math.sqrt(_effective_n(m1, m0)), alpha_)


def _required_shift(power: float, alpha: float) -> float:
    """The shift h sqrt(n_eff) at which the two-sided power equals ``power``.

    Ignoring the far tail, the shift is z_(alpha/2) + z_power; the far tail only adds power, so
    the exact shift lies in [0, that]: Brent's method to machine precision.
    """
    upper = float(sps.norm.isf(alpha / 2.0) + sps.norm.ppf(power))
    return float(
        optimize.brentq(lambda s: _power_at(s, alpha) - power, 0.0, upper, xtol=1e-15, rtol=1e-15)
    )


def _required_effective_n(p0: float, p1: float, power: float, alpha: float) -> float:
    h = abs(cohen_h(p1, p0))
    if h == 0.0:
        raise NotEstimable(
            "p0 equals p1: there is no difference to detect, so no number of cases gives power"
        )
    return (_required_shift(power, alpha) / h) ** 2


def n_per_group_exact(
    p0: float,
    p1: float,
    power: float = DEFAULT_POWER,
    alpha: float = DEFAULT_ALPHA,
    ratio: float = 1.0,
) -> tuple[float, float]:
    """The (fractional) n1 and n0 with n1 / n0 = ``ratio`` at which the power equals ``power``,
    before rounding. Raises :class:`NotEstimable` when p0 == p1."""
    power_, alpha_ = _targets(power, alpha)
    r = _ratio(ratio)
    n_eff = _required_effective_n(p0, p1, power_, alpha_)
    # 1/n1 + 1/n0 = (1 + r) / n1 with n0 = n1 / r
    n1 = n_eff * (1.0 + r)
    return n1, n1 / r


def n_per_group(
    p0: float,
    p1: float,
    power: float = DEFAULT_POWER,
    alpha: float = DEFAULT_ALPHA,
    ratio: float = 1.0,
) -> tuple[int, int]:
    """Cases needed per group (n1, n0), each rounded up, to detect p1 versus p0 with the given
    two-sided power at level ``alpha``, with n1 / n0 = ``ratio`` (before rounding)."""
    n1, n0 = n_per_group_exact(p0, p1, power, alpha, ratio)
    return _round_up(n1), _round_up(n0)


def additional_cases_needed(
    p0: float,
    p1: float,
    n1: float,
    n0: float,
    power: float = DEFAULT_POWER,
    alpha: float = DEFAULT_ALPHA,
    ratio: float | None = None,
) -> int:
    """The smallest number k of additional cases, in total over both groups, after which the
    power to detect p1 versus p0 reaches ``power``.

    The new cases are split between the groups as ``ratio : 1`` (group 1 : group 0), by default
    the current allocation n1 / n0 (equal allocation when a group is still empty); the split
    is taken as expected (fractional) numbers, k itself is a whole number. 0 when the power is
    already reached. Raises :class:`NotEstimable` when p0 == p1: there is no difference to
    detect and no number of cases reaches the power.
    """
    power_, alpha_ = _targets(power, alpha)
    m1 = _size("n1", n1, allow_zero=True)
    m0 = _size("n0", n0, allow_zero=True)
    if ratio is None:
        r = m1 / m0 if m1 > 0 and m0 > 0 else 1.0
    else:
        r = _ratio(ratio)
    target = _required_effective_n(p0, p1, power_, alpha_)
    share1 = r / (1.0 + r)

    def gap(k: float) -> float:
        return _effective_n(m1 + share1 * k, m0 + (1.0 - share1) * k) - target

    h = abs(cohen_h(p1, p0))

    def reached(k: int) -> bool:
        n_eff = _effective_n(m1 + share1 * k, m0 + (1.0 - share1) * k)
        return _power_at(h * math.sqrt(n_eff), alpha_) >= power_

    if gap(0.0) >= 0.0 or reached(0):
        return 0
    high = 1.0
    while gap(high) < 0.0:
        high *= 2.0
    k = math.ceil(optimize.brentq(gap, 0.0, high, xtol=1e-9, rtol=1e-15) - _ROUND_SLACK)
    # Guard the rounding against floating-point noise: k is the smallest whole number reaching it.
    while not reached(k):
        k += 1
    while k > 0 and reached(k - 1):
        k -= 1
    return k


# --- interval width ---------------------------------------------------------------------------


def expected_wald_width(
    p0: float, p1: float, n1: float, n0: float, confidence: float = 0.95
) -> float:
    """The expected width of the Wald interval of p1 - p0 with n1 and n0 cases:
    2 z sqrt(p1 (1 - p1) / n1 + p0 (1 - p0) / n0)."""
    a, b = _proportion("p1", p1), _proportion("p0", p0)
    m1, m0 = _size("n1", n1), _size("n0", n0)
    z = float(sps.norm.isf((1.0 - _open_unit("confidence", confidence)) / 2.0))
    return 2.0 * z * math.sqrt(a * (1.0 - a) / m1 + b * (1.0 - b) / m0)


def n_for_interval_width(
    p0: float, p1: float, width: float, confidence: float = 0.95, ratio: float = 1.0
) -> tuple[int, int]:
    """Cases per group (n1, n0), each rounded up, so that the expected width of the interval of
    p1 - p0 is at most ``width``.

    Planning uses the Wald approximation (see :func:`expected_wald_width`); with n1 = ratio n0 it
    solves to n0 = (2 z / width)^2 (p1 (1 - p1) / ratio + p0 (1 - p0)). For proportions away
    from 0 and 1 the Newcombe interval that is reported has nearly the same width. Raises
    :class:`NotEstimable` when p0 and p1 are both 0 or 1 (the Wald width is then 0 for any n).
    """
    a, b = _proportion("p1", p1), _proportion("p0", p0)
    w = _real("width", width)
    if not 0.0 < w <= 2.0:
        raise StatsInputError(f"width must lie in (0, 2], got {w}")
    z = float(sps.norm.isf((1.0 - _open_unit("confidence", confidence)) / 2.0))
    r = _ratio(ratio)
    spread = a * (1.0 - a) / r + b * (1.0 - b)
    if spread == 0.0:
        raise NotEstimable(
            "with planning proportions of 0 or 1 the Wald width is 0: choose values inside (0, 1)"
        )
    n0 = (2.0 * z / w) ** 2 * spread
    return _round_up(r * n0), _round_up(n0)


# --- the summary ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Precision:
    """How precise a comparison is now and what would settle it.

    - ``interval_width``: width of the current interval of p1 - p0: the Newcombe interval of
      the data when the counts were given (``width_method`` says which), else the expected Wald
      width at p0, p1 with the current n1, n0;
    - ``power_now``: power of the current n1, n0 to detect p1 versus p0;
    - ``additional_cases``: extra cases in total (current allocation) for ``target_power``,
      ``None`` when p0 == p1 (nothing to detect);
    - ``n_needed``: (n1, n0) per group for ``target_power`` with the current allocation,
      ``None`` when p0 == p1.
    """

    p0: float
    p1: float
    n1: int
    n0: int
    interval_width: float
    width_method: str
    power_now: float
    additional_cases: int | None
    n_needed: tuple[int, int] | None
    target_power: float = DEFAULT_POWER
    alpha: float = DEFAULT_ALPHA
    confidence: float = 0.95

    @property
    def settled(self) -> bool:
        """The current cases already give the target power."""
        return self.additional_cases == 0


def precision_summary(
    p0: float,
    p1: float,
    n1: int,
    n0: int,
    power: float = DEFAULT_POWER,
    alpha: float = DEFAULT_ALPHA,
    confidence: float = 0.95,
    *,
    x1: int | None = None,
    x0: int | None = None,
) -> Precision:
    """Summarise precision for planning proportions p0, p1 (observed or stated) with the current
    n1, n0 cases; pass the event counts x1, x0 to report the width of the data's own Newcombe
    interval rather than the expected Wald width."""
    power_, alpha_ = _targets(power, alpha)
    m1, m0 = _count("n1", n1), _count("n0", n0)
    if m1 == 0 or m0 == 0:
        raise NotEstimable("precision needs at least one case in each group")
    if (x1 is None) != (x0 is None):
        raise StatsInputError("give both x1 and x0, or neither")
    if x1 is not None and x0 is not None:
        width = risk_difference(x1, m1, x0, m0, confidence).width
        width_method = "Newcombe hybrid score interval of the data"
    else:
        width = expected_wald_width(p0, p1, m1, m0, confidence)
        width_method = "expected Wald width at the planning proportions"
    power_now = power_two_proportions(p0, p1, m1, m0, alpha_)
    if cohen_h(p1, p0) == 0.0:
        extra, needed = None, None
    else:
        ratio = m1 / m0
        extra = additional_cases_needed(p0, p1, m1, m0, power_, alpha_)
        needed = n_per_group(p0, p1, power_, alpha_, ratio)
    return Precision(
        p0=float(p0),
        p1=float(p1),
        n1=m1,
        n0=m0,
        interval_width=width,
        width_method=width_method,
        power_now=power_now,
        additional_cases=extra,
        n_needed=needed,
        target_power=power_,
        alpha=alpha_,
        confidence=float(confidence),
    )
