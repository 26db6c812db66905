"""Simulated agenda registers with a known truth, to check the interval of the cumulative
incidence of a durable change that ``stats.agenda.durable_share`` publishes (ADR 0024).

Each simulated register has ``n`` recommendations published on days spread uniformly over the
``spread_years`` before the cut-off, so the youngest are followed for days and the oldest for
years (censoring at the cut-off is real). A recommendation never leads to a durable change with
probability ``cure`` (a cure fraction); otherwise the durable change comes after a latent time
``lag + Weibull(shape, scale)`` years (``lag``: a durable change needs an implementation and a
re-verification 24 months later). Independently it is abandoned (or reversed) after a Weibull
time with its own shape and scale; whichever comes first is what the register records, and what
falls after the cut-off is not seen. Times are whole days, as the register's dates.

The truth is computed, not estimated: with S_T the survival function of the durable-change time
among the recommendations that can change, the cause-specific hazards are

    h1(t) = (1 − π) f_T(t) / (π + (1 − π) S_T(t))        (durable change, π the cure fraction)
    h2(t) = the Weibull hazard of abandonment,

with cumulative hazards H1(t) = −log(π + (1 − π) S_T(t)) and H2, and the cumulative incidence of
a durable change by the horizon τ is

    F1(τ) = ∫_0^τ h1(t) exp(−H1(t) − H2(t)) dt,

integrated numerically (scipy.integrate.quad). Every replication goes through ``durable_share``
itself (dates in, the published interval out), so what is checked is what the page shows; a
replication where it publishes no interval (nobody followed to the horizon, or the interval
collapses to a point because no durable change fell before it) is counted apart, not as covered.

Pure numpy/scipy; used by tests/stats/test_agenda_simulation.py and scripts/simulate_agenda.py.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace

import numpy as np
from scipy import integrate, stats

from inbeeld.stats.agenda import (
    DAYS_PER_YEAR,
    MIN_FOLLOWED_TO_HORIZON,
    Outcome,
    durable_share,
)

CUT_OFF = dt.date(2026, 12, 1)


@dataclass(frozen=True)
class AgendaScenario:
    """Recommendations published over ``spread_years`` before the cut-off; durable change never
    (probability ``cure``) or after ``lag`` + Weibull(``shape``, ``scale``) years; abandonment
    after Weibull(``abandon_shape``, ``abandon_scale``) years (shape 1: a constant hazard)."""

    label: str
    cure: float
    shape: float
    scale: float
    abandon_scale: float
    lag: float = 0.0
    abandon_shape: float = 1.0
    spread_years: float = 8.0

    def _durable(self):
        return stats.weibull_min(self.shape, loc=self.lag, scale=self.scale)

    def _abandon(self):
        return stats.weibull_min(self.abandon_shape, scale=self.abandon_scale)

    def hazards(self, years: float) -> tuple[float, float, float, float]:
        """h1, H1, h2, H2 at ``years`` (the cause-specific hazards and their integrals)."""
        durable, abandon = self._durable(), self._abandon()
        alive = self.cure + (1 - self.cure) * float(durable.sf(years))
        h1 = (1 - self.cure) * float(durable.pdf(years)) / alive
        return (
            h1,
            -math.log(alive),
            float(abandon.pdf(years) / abandon.sf(years)),
            -float(abandon.logsf(years)),
        )

    def true_cif(self, horizon_years: float) -> float:
        """F1(horizon) by numerical integration of h1(t) exp(−H1(t) − H2(t))."""

        def integrand(t: float) -> float:
            h1, big_h1, _, big_h2 = self.hazards(t)
            return h1 * math.exp(-big_h1 - big_h2)

        points = [self.lag] if 0 < self.lag < horizon_years else None
        value, _ = integrate.quad(integrand, 0.0, horizon_years, points=points, limit=200)
        return value

    def draw(self, n: int, rng: np.random.Generator) -> list[Outcome]:
        """One register of ``n`` recommendations, as ``durable_share`` reads it."""
        spread = self.spread_years * DAYS_PER_YEAR
        age = np.floor(rng.uniform(0.0, spread, n)).astype(int)  # days before the cut-off
        changes = rng.uniform(size=n) >= self.cure
        durable = np.where(changes, self._durable().rvs(n, random_state=rng), np.inf)
        abandon = self._abandon().rvs(n, random_state=rng)
        rows = []
        for i in range(n):
            published = CUT_OFF - dt.timedelta(days=int(age[i]))
            durable_on = ended_on = None
            if durable[i] <= abandon[i]:
                days = math.floor(durable[i] * DAYS_PER_YEAR)
                if days <= age[i]:
                    durable_on = published + dt.timedelta(days=days)
            else:
                days = math.floor(abandon[i] * DAYS_PER_YEAR)
                if days <= age[i]:
                    ended_on = published + dt.timedelta(days=days)
            rows.append(Outcome(str(i), published, durable_on, ended_on))
        return rows


# The register's size and shape: tens of recommendations published over eight years (as since
# 2018), a durable change takes an implementation and 24 months, the "80 %" claim against a
# lower and a rare truth; then the same over five years, where only a fifth of the register has
# been followed to a four-year horizon (a young register, or a longer horizon chosen on the page).
REGISTER = (
    AgendaScenario(
        "veel verandering (zoals de 80 %-claim)",
        cure=0.15,
        shape=1.5,
        scale=1.5,
        lag=1.0,
        abandon_scale=15.0,
    ),
    AgendaScenario(
        "gemiddeld, verlaten even vaak",
        cure=0.4,
        shape=2.0,
        scale=3.0,
        abandon_scale=8.0,
    ),
    AgendaScenario(
        "zeldzaam, veel verlaten",
        cure=0.7,
        shape=1.0,
        scale=3.0,
        lag=2.0,
        abandon_scale=4.0,
    ),
)
YOUNG = tuple(
    replace(s, label=f"{s.label}, jong register (5 jaar)", spread_years=5.0) for s in REGISTER
)
SCENARIOS = REGISTER + YOUNG
SIZES = (15, 30, 60)


@dataclass(frozen=True)
class CoverageRow:
    scenario: str
    n: int
    replications: int
    truth: float
    published: int  # replications with an interval
    covered: int  # of those, intervals that contain the truth
    mean_estimate: float  # over replications with an interval
    mean_width: float
    indicative: int = 0  # published intervals marked indicative (under half followed)
    covered_indicative: int = 0  # of those, intervals that contain the truth

    @property
    def coverage(self) -> float:
        return self.covered / self.published if self.published else float("nan")

    @property
    def coverage_plain(self) -> float:
        """Coverage of the intervals published without the word "indicative"."""
        plain = self.published - self.indicative
        return (self.covered - self.covered_indicative) / plain if plain else float("nan")

    @property
    def coverage_indicative(self) -> float:
        return self.covered_indicative / self.indicative if self.indicative else float("nan")

    @property
    def without_interval(self) -> float:
        """The share of replications in which no interval is published."""
        return 1 - self.published / self.replications

    @property
    def bias(self) -> float:
        return self.mean_estimate - self.truth

    def band(self, nominal: float = 0.95, z: float = 3.0) -> tuple[float, float]:
        """The Monte-Carlo band around ``nominal`` for this many published intervals."""
        half = z * math.sqrt(nominal * (1 - nominal) / max(self.published, 1))
        return nominal - half, min(1.0, nominal + half)


def simulate(
    scenario: AgendaScenario,
    n: int,
    replications: int,
    *,
    horizon_years: int = 4,
    confidence: float = 0.95,
    min_followed_to_horizon: int = MIN_FOLLOWED_TO_HORIZON,
    seed: int = 20261207,
) -> CoverageRow:
    """Coverage, width and bias of ``durable_share(...).cumulative_incidence`` over
    ``replications`` simulated registers of ``n`` recommendations (``min_followed_to_horizon``
    0: the log(−log) interval whatever the number followed to the horizon)."""
    rng = np.random.default_rng(seed)
    truth = scenario.true_cif(horizon_years)
    estimates, widths, covered, indicative, covered_indicative = [], [], 0, 0, 0
    for _ in range(replications):
        result = durable_share(
            scenario.draw(n, rng),
            cut_off=CUT_OFF,
            horizon_years=horizon_years,
            confidence=confidence,
            min_followed_to_horizon=min_followed_to_horizon,
        )
        interval = result.cumulative_incidence
        if interval is None:
            continue
        estimates.append(interval.estimate)
        widths.append(interval.high - interval.low)
        hit = interval.low <= truth <= interval.high
        covered += hit
        indicative += result.indicative
        covered_indicative += hit and result.indicative
    return CoverageRow(
        scenario=scenario.label,
        n=n,
        replications=replications,
        truth=truth,
        published=len(estimates),
        covered=covered,
        mean_estimate=float(np.mean(estimates)) if estimates else float("nan"),
        mean_width=float(np.mean(widths)) if widths else float("nan"),
        indicative=indicative,
        covered_indicative=covered_indicative,
    )
