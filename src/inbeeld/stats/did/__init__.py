"""Staggered rollout: difference-in-differences across units and periods, for an intervention that
starts in different units at different times and stays on.

Published: the group-time aggregate (Callaway & Sant'Anna 2021) with randomisation inference
(``stats.did_inference``); sensitivity only: two-way fixed effects and the analytic interval.
The method, its assumptions and its references: docs/methods/did.md. Checked in
tests/stats/test_did.py and tests/stats/test_did_inference.py.
"""

from inbeeld.stats.did.estimator import FEW_UNITS, staggered_did
from inbeeld.stats.did.estimator import _design_patterns as _design_patterns
from inbeeld.stats.did.group_time import _cohort_keys as _cohort_keys
from inbeeld.stats.did.group_time import _Comparison as _Comparison
from inbeeld.stats.did.group_time import _group_time as _group_time
from inbeeld.stats.did.results import Cohort, DidResult, GroupTimeEffect
from inbeeld.stats.did_inference import NO_INTERVAL_REASONS

__all__ = [
    "FEW_UNITS",
    "NO_INTERVAL_REASONS",
    "Cohort",
    "DidResult",
    "GroupTimeEffect",
    "staggered_did",
]
