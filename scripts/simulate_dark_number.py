"""Coverage of the dark number's intervals on simulated capture-recapture data with a known
population size N (issue 12 item 6): the profile-likelihood interval of the BIC-selected model,
the selection bootstrap (stats.mse_uncertainty) and their union.

    .venv/bin/python scripts/simulate_dark_number.py --lists 5 --reps 120 --replicates 40 --size 10000

Lists get main effects and two positive pairwise dependences (A:B, C:D) that the selection has to
find. Prints one line per interval: coverage, its Monte-Carlo standard error and the runtime.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from inbeeld.stats.mse import CaptureHistories, estimate_population
from inbeeld.stats.mse_uncertainty import selection_bootstrap

MAIN = [-2.0, -2.3, -1.8, -2.6, -2.2, -2.9]


def population(rng, n: int, k: int) -> CaptureHistories:
    patterns = np.array([[(c >> j) & 1 for j in range(k)] for c in range(2**k)])
    pairs = {(0, 1): 0.8, (2, 3): 0.5} if k >= 4 else {(0, 1): 0.8}
    logit = patterns @ np.asarray(MAIN[:k])
    for (a, b), v in pairs.items():
        logit = logit + v * patterns[:, a] * patterns[:, b]
    probs = np.exp(logit) / np.exp(logit).sum()
    counts = rng.multinomial(n, probs)
    return CaptureHistories(
        tuple("ABCDEF"[:k]), patterns[1:].astype(np.int8), counts[1:].astype(np.int64)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lists", type=int, default=4)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--replicates", type=int, default=40)
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    n = args.size
    hits = {"profile": 0, "bootstrap": 0, "union": 0}
    done, start = 0, time.time()
    for _ in range(args.reps):
        table = population(rng, n, args.lists)
        result = estimate_population(table)
        boot = selection_bootstrap(
            table, result.fit, replicates=args.replicates, seed=1, max_seconds=None
        )
        if boot.interval is None or result.interval is None:
            continue
        done += 1
        p, b = result.interval, boot.interval
        hits["profile"] += p.low <= n <= p.high
        hits["bootstrap"] += b.low <= n <= b.high
        hits["union"] += min(p.low, b.low) <= n <= max(p.high, b.high)
    print(
        f"{args.lists} lists, N = {n}, B = {args.replicates}, {done} data sets, "
        f"{time.time() - start:.0f} s"
    )
    for name, k in hits.items():
        rate = k / done
        print(f"  {name:9s} coverage {rate:.3f} (± {math.sqrt(rate * (1 - rate) / done):.3f})")


if __name__ == "__main__":
    main()
