"""Synthetic demo data (placeholder until the calibrated generator lands)."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoConfig:
    cases: int
    seed: int


@dataclass(frozen=True)
class GenerateResult:
    cases: int
    events: int
    seconds: float
    skipped: bool = False


def generate(config: DemoConfig, *, if_empty: bool = False, reset: bool = False) -> GenerateResult:
    start = time.perf_counter()
    return GenerateResult(cases=0, events=0, seconds=time.perf_counter() - start)
