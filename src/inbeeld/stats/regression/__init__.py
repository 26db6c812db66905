"""Logistic regression of a binary outcome on the exposure, adjusted for covariates, that stays
sound with small samples and separation: Firth's penalised likelihood by default (ML on request),
with profile penalised-likelihood intervals (``stats.firth_profile``).

Why Firth, how separation is detected and reported, and the references: docs/methods/regression.md.
Checked in tests/stats/test_regression.py against statsmodels' Logit and a direct Firth fit.
"""

from inbeeld.stats.design import INTERCEPT, DesignMatrix, design_matrix
from inbeeld.stats.firth_profile import ProfileInterval
from inbeeld.stats.regression.estimator import logistic_regression
from inbeeld.stats.regression.results import LogisticResult

__all__ = [
    "INTERCEPT",
    "DesignMatrix",
    "LogisticResult",
    "ProfileInterval",
    "design_matrix",
    "logistic_regression",
]
