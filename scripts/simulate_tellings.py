"""Coverage of the tellings interval (stats.safety.welch_difference, ADR 0006 decision 9) in
simulated pilots with a known truth: ``python scripts/simulate_tellings.py [replications]``.
Prints a Markdown table: per scenario the share of pilots with an interval and, among those, how
often the 95 % interval covered the true difference in mean tellings."""

from __future__ import annotations

import sys

import numpy as np

from inbeeld.stats.safety import welch_difference


def _nb(rng, mean: float, k: float, size: int) -> np.ndarray:
    """Negative binomial with this mean and variance mean + mean²/k (overdispersed counts)."""
    return rng.negative_binomial(k, k / (k + mean), size)


SCENARIOS = [
    (
        "1 + Poisson, 2,5 vs 2,0",
        lambda r, n: 1 + r.poisson(1.5, n),
        lambda r, n: 1 + r.poisson(1.0, n),
        0.5,
    ),
    (
        "1 + Poisson, geen verschil",
        lambda r, n: 1 + r.poisson(1.0, n),
        lambda r, n: 1 + r.poisson(1.0, n),
        0.0,
    ),
    (
        "negatief binomiaal k=2, 2,5 vs 2,0",
        lambda r, n: _nb(r, 2.5, 2, n),
        lambda r, n: _nb(r, 2.0, 2, n),
        0.5,
    ),
    (
        "zeldzaam: Poisson 0,3 vs 0,3",
        lambda r, n: r.poisson(0.3, n),
        lambda r, n: r.poisson(0.3, n),
        0.0,
    ),
    (
        "scheef: negatief binomiaal k=0,5, 1,0 vs 0,5",
        lambda r, n: _nb(r, 1.0, 0.5, n),
        lambda r, n: _nb(r, 0.5, 0.5, n),
        0.5,
    ),
]
SIZES = [(10, 10), (18, 18), (40, 40), (12, 50), (18, 72)]


def main(reps: int) -> None:
    rng = np.random.default_rng(2026)
    print("| scenario | cases | reps | with interval | coverage 95 % |")
    print("|---|---:|---:|---:|---:|")
    for name, exposed, unexposed, truth in SCENARIOS:
        for n1, n0 in SIZES:
            shown = hit = 0
            for _ in range(reps):
                result = welch_difference(exposed(rng, n1), unexposed(rng, n0))
                if result.low is None:
                    continue
                shown += 1
                hit += result.low <= truth <= result.high
            coverage = f"{hit / shown:.3f}" if shown else "–"
            print(f"| {name} | {n1} + {n0} | {reps} | {shown / reps:.3f} | {coverage} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
