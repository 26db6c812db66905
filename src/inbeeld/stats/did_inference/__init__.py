"""Inference for the staggered group-time aggregate (``stats.did``) that holds with few units.

Published: randomisation inference over units and start periods, a studentised statistic
inverted exactly into an interval; no interval (a reason from ``NO_INTERVAL_REASONS``) when the
design cannot support one. Sensitivity only: the analytic linearised interval and two-way fixed
effects. The method and its references: docs/methods/did_inference.md. Checked in
tests/stats/test_did_inference.py.
"""

from inbeeld.stats.did_inference.aggregates import group_time_aggregates
from inbeeld.stats.did_inference.assignments import (
    MAX_ENUMERATED,
    N_SAMPLED,
    SEED,
    assignments,
)
from inbeeld.stats.did_inference.randomisation import (
    NO_INTERVAL_REASONS,
    TRANSITION_EXPOSURE,
    VARIANCE_FLOOR,
    Randomisation,
    randomisation_inference,
)
from inbeeld.stats.did_inference.sensitivity import analytic_summary, twfe_estimate

__all__ = [
    "MAX_ENUMERATED",
    "NO_INTERVAL_REASONS",
    "N_SAMPLED",
    "SEED",
    "TRANSITION_EXPOSURE",
    "VARIANCE_FLOOR",
    "Randomisation",
    "analytic_summary",
    "assignments",
    "group_time_aggregates",
    "randomisation_inference",
    "twfe_estimate",
]
