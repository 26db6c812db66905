"""The reference set: every distinct assignment of the adoption patterns to the units, or the
observed one plus seeded draws."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

SEED = 20261206
MAX_ENUMERATED = 2000  # enumerate every distinct assignment up to this many
N_SAMPLED = 1999  # otherwise the observed assignment plus this many seeded draws


def _multinomial(counts: tuple[int, ...]) -> int:
    total = math.factorial(sum(counts))
    for c in counts:
        total //= math.factorial(c)
    return total


@lru_cache(maxsize=64)
def _distinct_permutations(counts: tuple[int, ...]) -> np.ndarray:
    """Every distinct arrangement of a multiset with ``counts[k]`` copies of label k, one per
    row, in lexicographic order."""
    n = sum(counts)
    out: list[list[int]] = []
    left = list(counts)
    prefix: list[int] = []

    def extend() -> None:
        if len(prefix) == n:
            out.append(prefix.copy())
            return
        for k, c in enumerate(left):
            if c:
                left[k] -= 1
                prefix.append(k)
                extend()
                prefix.pop()
                left[k] += 1

    extend()
    result = np.array(out, dtype=np.int64).reshape(len(out), n)
    result.flags.writeable = False
    return result


def assignments(labels: np.ndarray, *, seed: int = SEED) -> tuple[np.ndarray, bool]:
    """Re-assignments of ``labels`` (one pattern label per unit) to the units: every distinct one
    when there are at most ``MAX_ENUMERATED`` (the observed among them), else the observed first
    and ``N_SAMPLED`` seeded uniform draws. Returns (rows of labels, enumerated?)."""
    values, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if _multinomial(tuple(int(c) for c in counts)) <= MAX_ENUMERATED:
        return values[_distinct_permutations(tuple(int(c) for c in counts))], True
    rng = np.random.default_rng(seed)
    draws = rng.permuted(np.tile(labels, (N_SAMPLED, 1)), axis=1)
    return np.vstack([labels[None, :], draws]), False
