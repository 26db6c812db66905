"""Frozen results of the multiple-systems estimation."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from inbeeld.stats.mse.table import Criterion, Term, _term_name
from inbeeld.stats.results import Interval


@dataclass(frozen=True, eq=False)
class LoglinearFit:
    """One log-linear model fitted to the observable cells.

    ``terms`` are the interactions fitted with a finite coefficient, ``empty_terms`` those at
    minus infinity (extended MLE: their cells are fixed at 0). ``fitted`` has one value per
    observable cell, in the order of ``CaptureHistories.patterns`` (0 for fixed cells).
    """

    lists: tuple[str, ...]
    terms: tuple[Term, ...]
    empty_terms: tuple[Term, ...]
    names: tuple[str, ...]
    coefficients: tuple[float, ...]
    observed: int
    unobserved: float  # the dark figure exp(intercept)
    estimate: float  # N = observed + unobserved
    deviance: float
    df_resid: int
    log_likelihood: float
    n_params: int  # including the interactions at minus infinity
    n_cells: int  # 2^k - 1
    aic: float
    bic: float
    converged: bool
    iterations: int
    fitted: np.ndarray = field(repr=False)

    @property
    def hidden(self) -> float:
        return self.unobserved

    @property
    def ratio(self) -> float:
        return self.estimate / self.observed

    @property
    def model(self) -> tuple[str, ...]:
        """The interactions of the model as 'A:B' names (finite and extended ones)."""
        order = {name: j for j, name in enumerate(self.lists)}
        terms = sorted((*self.terms, *self.empty_terms), key=lambda t: (order[t[0]], order[t[1]]))
        return tuple(_term_name(t) for t in terms)

    def coefficient(self, name: str) -> float:
        try:
            return self.coefficients[self.names.index(name)]
        except ValueError:
            raise KeyError(f"no coefficient {name!r}; known: {', '.join(self.names)}") from None

    def criterion(self, which: Criterion) -> float:
        return self.bic if which == "bic" else self.aic


@dataclass(frozen=True)
class CandidateModel:
    """One row of the table of models considered: its interactions, criteria and estimate
    (NaN where it was not fitted), the stepwise step at which it was considered (0 = the
    independence model; -1 with an explicit list of models) and whether it was chosen."""

    terms: tuple[str, ...]
    status: str
    step: int
    n_params: int = 0
    deviance: float = math.nan
    df_resid: int = 0
    aic: float = math.nan
    bic: float = math.nan
    criterion: float = math.nan
    estimate: float = math.nan
    converged: bool = False
    chosen: bool = False


@dataclass(frozen=True, eq=False)
class MSEResult:
    """The multiple-systems estimate.

    ``estimate`` is N (observed + hidden), ``interval`` its profile-likelihood interval (its
    ``estimate`` is N too), ``ratio`` N / observed. ``model`` names the chosen interactions ('A:B',
    main effects are always in); ``candidates`` is every model considered, in the order fitted.
    """

    lists: tuple[str, ...]
    observed: int
    model: tuple[str, ...]
    empty_terms: tuple[str, ...]
    estimate: float
    hidden: float
    ratio: float
    interval: Interval
    criterion: str  # "BIC" or "AIC"
    criterion_value: float
    selection: str  # "stepwise forward" or "given models"
    candidates: tuple[CandidateModel, ...]
    fit: LoglinearFit
    converged: bool
    iterations: int
    warnings: tuple[str, ...] = ()
    bootstrap: Interval | None = None
    bootstrap_failures: int = 0
