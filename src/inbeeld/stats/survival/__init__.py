"""Survival estimators: Kaplan–Meier, the log-rank test, Cox regression and censored lead-time
summaries.

Everything here is vectorised numpy (one sort, then cumulative sums and ``bincount``/``reduceat``
per distinct time), so 1,000,000 cases take well under a second per estimator. The conventions
are those of lifelines (the test oracle, never imported here):

* Kaplan–Meier: product-limit estimate, computed as ``exp(cumsum(log(n - d) - log(n)))``; the
  confidence band is the exponential Greenwood ("log(-log)") interval,
  ``exp(-exp(log(-log S) ± z·sqrt(Σ d/(n(n-d))) / log S))``, with 1 where ``S == 1``.
* Quantiles: the ``q``-quantile of the time to event is the first time at which the survival
  curve drops to or below ``1 - q`` (so the median is the first time with ``S(t) <= 0.5``); None
  when the curve never gets there because of censoring. Without censoring this is the empirical
  lower quantile (numpy's ``inverted_cdf``). Unlike lifelines, the comparison allows for
  floating-point rounding of ``S`` (a curve that is exactly 0.75 in exact arithmetic but comes out
  as 0.7500000000000001 still counts as having reached 0.75).
* Log-rank: the two-group Mantel–Haenszel test with the hypergeometric variance, chi-squared with
  one degree of freedom.
* Cox: Efron's method for ties, Newton–Raphson with step-halving on standardised covariates;
  standard errors from the observed information; Wald z, chi-squared p-values and Wald intervals
  for the hazard ratio.
"""

from inbeeld.stats.survival.cox import CoxResult, cox_ph
from inbeeld.stats.survival.kaplan_meier import (
    KaplanMeier,
    LeadTimeSummary,
    cumulative_incidence_at,
    kaplan_meier,
    lead_time_summary,
    logrank_test,
)

__all__ = [
    "CoxResult",
    "KaplanMeier",
    "LeadTimeSummary",
    "cox_ph",
    "cumulative_incidence_at",
    "kaplan_meier",
    "lead_time_summary",
    "logrank_test",
]
