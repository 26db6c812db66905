"""Simulated chain stages with a known truth, to check the lead-time estimands (issue 12 item 3).

Each simulated case enters the stage on a day spread uniformly over an accrual period; the data
cut-off lies ``min_followup`` days after the last entry, so follow-up is staggered. The step takes a
gamma-distributed time T (shape 1: exponential); the case is closed after an exponential time C
(the competing, terminal event). The case reaches the next step when T ≤ C and T falls before the
cut-off; it is closed first when C < T and C falls before the cut-off; otherwise it is censored.

Truth: with closure hazard λ, the times of the cases that do reach the step have density
∝ f_T(t) e^(−λt), which for T ~ Gamma(k, θ) is Gamma(k, θ') with 1/θ' = 1/θ + λ; the share that
ever reaches it is (θ'/θ)^k. The conditional median (how long the step takes when it happens)
is the median of Gamma(k, θ'); Kaplan–Meier with closures censored estimates the median of T
itself, which is longer by the factor θ/θ' for k = 1 (1 + λθ).

Pure numpy/scipy; used by tests/stats/test_lead_times.py and scripts/simulate_lead_times.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from inbeeld.stats.lead_times import estimate_lead_time
from inbeeld.stats.survival import lead_time_summary


@dataclass(frozen=True)
class StageScenario:
    """A stage: step time Gamma(shape, mean ``step_mean`` days), closure after an exponential
    time of mean ``closure_mean`` days, entries over ``accrual`` days, cut-off ``min_followup``
    days after the last possible entry; ``whole_days`` rounds the times up to days (as the data)."""

    label: str
    shape: float
    step_mean: float
    closure_mean: float
    accrual: float = 730.0
    min_followup: float = 365.0
    whole_days: bool = False

    @property
    def _scale(self) -> float:
        return self.step_mean / self.shape

    @property
    def _conditional_scale(self) -> float:
        return 1.0 / (1.0 / self._scale + 1.0 / self.closure_mean)

    def true_conditional_quantile(self, q: float) -> float:
        """The q-quantile of the time among the cases that reach the step (within the longest
        possible follow-up, accrual + min_followup days)."""
        dist = stats.gamma(self.shape, scale=self._conditional_scale)
        horizon = self.accrual + self.min_followup
        value = float(dist.ppf(q * dist.cdf(horizon)))
        return float(np.ceil(value)) if self.whole_days else value

    def true_share(self, days: float) -> float:
        """The share of the stage's cases that reach the next step within ``days`` days."""
        factor = (self._conditional_scale / self._scale) ** self.shape
        return factor * float(stats.gamma(self.shape, scale=self._conditional_scale).cdf(days))

    def latent_median(self) -> float:
        """The median of T itself: what Kaplan–Meier with closures censored estimates."""
        return float(stats.gamma(self.shape, scale=self._scale).median())

    def draw(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Days and event codes (1 reached, 2 closed first, 0 censored) of ``n`` cases."""
        entry = rng.uniform(0.0, self.accrual, n)
        followup = self.accrual + self.min_followup - entry
        step = rng.gamma(self.shape, self._scale, n)
        closure = rng.exponential(self.closure_mean, n)
        if self.whole_days:
            step, closure, followup = np.ceil(step), np.ceil(closure), np.floor(followup)
        reached = (step <= closure) & (step <= followup)
        closed = ~reached & (closure <= followup)
        days = np.where(reached, step, np.where(closed, closure, followup))
        events = np.where(reached, 1, np.where(closed, 2, 0))
        return days, events


SCENARIOS = (
    StageScenario("exponentieel, sluiting 0,5× zo snel", 1.0, 120.0, 240.0),
    StageScenario("gamma(2), sluiting even snel", 2.0, 120.0, 120.0),
    StageScenario("gamma(2), hele dagen", 2.0, 90.0, 180.0, whole_days=True),
)


@dataclass(frozen=True)
class SimulationRow:
    scenario: str
    n: int
    replications: int
    true_median: float
    latent_median: float
    mean_median: float  # conditional median, mean over replications with a median
    mean_km_median: float  # the first definition (Kaplan–Meier with closures censored)
    coverage: float  # of the truth by the 95 % interval of the conditional median
    km_coverage: float  # of the truth by the Kaplan–Meier median's interval
    determinable: float  # share of replications with a median

    @property
    def bias(self) -> float:
        return self.mean_median - self.true_median

    @property
    def km_bias(self) -> float:
        return self.mean_km_median - self.true_median


def simulate(
    scenario: StageScenario, n: int, replications: int, *, seed: int = 20261206
) -> SimulationRow:
    """Bias and coverage of the conditional median and of the Kaplan–Meier median over
    ``replications`` simulated stages of ``n`` cases."""
    rng = np.random.default_rng(seed)
    truth = scenario.true_conditional_quantile(0.5)
    medians, km_medians, covered, km_covered = [], [], 0, 0
    for _ in range(replications):
        days, events = scenario.draw(n, rng)
        estimate = estimate_lead_time(days, events)
        if estimate.median is not None:
            medians.append(estimate.median)
            low = estimate.median_low if estimate.median_low is not None else 0.0
            high = estimate.median_high if estimate.median_high is not None else np.inf
            covered += low <= truth <= high
        km = lead_time_summary(days, events == 1)
        if km.median is not None:
            km_medians.append(km.median)
            low = km.median_low if km.median_low is not None else 0.0
            high = km.median_high if km.median_high is not None else np.inf
            km_covered += low <= truth <= high
    done = max(len(medians), 1)
    return SimulationRow(
        scenario=scenario.label,
        n=n,
        replications=replications,
        true_median=truth,
        latent_median=scenario.latent_median(),
        mean_median=float(np.mean(medians)) if medians else float("nan"),
        mean_km_median=float(np.mean(km_medians)) if km_medians else float("nan"),
        coverage=covered / done,
        km_coverage=km_covered / max(len(km_medians), 1),
        determinable=len(medians) / replications,
    )
