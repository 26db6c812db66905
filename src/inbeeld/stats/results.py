"""Result types shared by the estimators: frozen, so every renderer shows the same numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Interval:
    """A point estimate with a confidence (or credible) interval."""

    estimate: float
    low: float
    high: float
    confidence: float = 0.95
    method: str = ""

    @property
    def width(self) -> float:
        return self.high - self.low

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def is_finite(self) -> bool:
        return all(math.isfinite(v) for v in (self.estimate, self.low, self.high))


@dataclass(frozen=True)
class TestResult:
    statistic: float
    p_value: float
    method: str = ""
