"""The frozen result of a logistic regression."""

from __future__ import annotations

from dataclasses import dataclass

from inbeeld.stats.firth_profile import ProfileInterval
from inbeeld.stats.results import Interval


@dataclass(frozen=True)
class LogisticResult:
    """A fitted logistic regression. Per-coefficient values are tuples in the order of ``names``;
    ``ci_low``/``ci_high`` bound the odds ratio and ``p`` tests it (Wald unless ``ci_method`` says "profile")."""

    names: tuple[str, ...]
    coef: tuple[float, ...]
    se: tuple[float, ...]
    odds_ratio: tuple[float, ...]
    ci_low: tuple[float, ...]
    ci_high: tuple[float, ...]
    z: tuple[float, ...]
    p: tuple[float, ...]
    log_likelihood: float  # penalised (l + 1/2 log det I) when method == "Firth"
    converged: bool
    iterations: int
    method: str  # "Firth" or "ML"
    n: int
    n_events: int
    separation_detected: bool
    warnings: tuple[str, ...] = ()
    confidence: float = 0.95
    ci_method: tuple[str, ...] = ()
    profile: tuple[ProfileInterval, ...] = ()
    separation_columns: tuple[str, ...] = ()
    cov: tuple[tuple[float, ...], ...] = ()

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(
                f"no coefficient named {name!r}; known: {', '.join(self.names)}"
            ) from None

    def odds_ratio_interval(self, name: str) -> Interval:
        """The odds ratio of one coefficient with its interval (the profile one if computed)."""
        i = self.index(name)
        return Interval(
            estimate=self.odds_ratio[i],
            low=self.ci_low[i],
            high=self.ci_high[i],
            confidence=self.confidence,
            method=f"{self.method} logistic regression, {self.ci_method[i]} interval",
        )

    def profile_for(self, name: str) -> ProfileInterval | None:
        return next((pr for pr in self.profile if pr.name == name), None)
