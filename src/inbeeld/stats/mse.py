"""The dark number: multiple-systems estimation (MSE) of the size of a closed population from the
overlap of k registration lists ("capture-recapture" with lists instead of trapping occasions).

Input. For every capture pattern (which of the k lists registered a person) the number of people
with that pattern: a polars DataFrame with one 0/1 column per list and a frequency column, or a
0/1 numpy matrix (one row per pattern, one column per list) plus a vector of counts. Patterns that
are not given have count 0; a pattern given twice is summed. The all-zero pattern must not be
given: it is the unobserved cell (the people on no list), which is what is estimated.

Model. Log-linear Poisson models over the 2^k - 1 observable cells (Fienberg 1972; Bishop,
Fienberg & Holland 1975; International Working Group for Disease Monitoring and Forecasting 1995):
``log mu_h = b0 + sum_j b_j h_j + sum_{(i,j) in M} b_ij h_i h_j`` with all main effects and a
chosen set ``M`` of two-way interactions (hierarchical by construction: every interaction's main
effects are in). The model is fitted by Poisson IRLS (Fisher scoring for the canonical log link,
vectorised numpy, step halving if the deviance would rise) to the observed cells; the all-zero
pattern has every covariate 0, so its expected count, the dark figure, is ``exp(b0)`` and the
population estimate is ``N = observed + exp(b0)``. "No three-way (or higher) interaction" is the
identifying assumption: the dependence between lists seen in the observed cells is assumed to
hold in the unobserved one too. Nothing in the data can check that.

Model choice. By default forward stepwise selection on an information criterion, BIC by default
(``criterion="aic"`` for AIC): start from the independence model (main effects only); at each
step fit every model that adds one two-way interaction not yet in, and keep the one with the
lowest criterion if it is lower than the current model's; stop when no addition lowers it. Every
model fitted on the way is in ``MSEResult.candidates`` with its criterion and its estimate, so the
sensitivity of the dark figure to the model is visible. ``models=`` replaces the search by an
explicit list of models (each a set of interactions), of which the one with the lowest criterion
is chosen. ``AIC = -2 l + 2 p`` and ``BIC = -2 l + p log(2^k - 1)``, with ``l`` the Poisson
log-likelihood (with the ``-log y!`` terms) and ``p`` the number of parameters: the conventions of
R's ``glm`` and of statsmodels' ``GLMResults.aic`` / ``bic_llf`` (the number of observations in
BIC is the number of cells, not the number of people).

Existence and identifiability (Chan, Silverman & Vincent 2021, "Multiple systems estimation for
sparse capture data: inferential challenges when there are non-overlapping lists"; Fienberg &
Rinaldo 2012). Sparse tables are normal here: pairs of lists with nobody in common, and patterns
with no one. Before a model is fitted it is checked:

- a pair of lists with no observed overlap (on the Dutch data: I and K, K and R) makes the
  maximum-likelihood estimate of that interaction minus infinity. With
  ``empty_overlaps="extended"`` (the default) such an interaction is a candidate like any other
  and, if chosen, is fitted as in Chan et al. and their SparseMSE package (the extended MLE): the
  cells that contain both lists are fixed at 0 (they drop out of the fit, their log-likelihood
  contribution is 0, its supremum), the interaction is counted as a parameter in AIC/BIC, and it
  is reported in ``empty_terms``. The criterion is the safeguard: a zero overlap that independence
  would also predict (two small lists) gains almost nothing and is not added; one that is far
  below what the other lists imply is real negative dependence. With
  ``empty_overlaps="exclude"`` such interactions are never candidates (they are listed in the
  warnings and in the candidate table); the search is then restricted to a subfamily, so the
  model found can only have an equal or worse criterion. It is kept as a sensitivity analysis:
  a model that cannot represent an observed empty overlap has to explain the zero otherwise,
  and that can move the dark figure a lot. On the Dutch data "exclude" gives about 12 times the
  observed number, "extended" about 5 times, with a BIC lower by 29;
- the linear programme of Fienberg & Rinaldo (2012, with the correction used by Chan et al.):
  maximise ``s`` subject to ``X'y = X'n``, ``y >= s``, ``y >= 0`` over the cells kept. The MLE
  exists (is finite) if and only if the optimum is positive: a strictly positive table with the
  same sufficient statistics exists. This also catches the subtler cases (zero margins that are
  not a single pair, a list that contains everyone observed, ...). A model that fails is skipped;
- identifiability: the design matrix must have full column rank (e.g. two lists and their
  interaction is 4 parameters for 3 cells: not identifiable). A model that fails is skipped.

A list with no one on it carries no information and is an input error.

Interval for N. Primary: the profile-likelihood interval of Cormack (1992), as Rcapture's
``closedpCI`` computes it. For a candidate size N the model is fitted to the complete 2^k table
with the unobserved cell set to ``N - n``; the multinomial log-likelihood
``log N! - log (N - n)! + sum_h y_h log(mu_h / N)`` (all 2^k cells, ``y_0 = N - n``) profiled over
the log-linear parameters gives ``l(N)``, and the interval is
``{N >= n : 2 (max l - l(N)) <= chi2_1(confidence)}``, found by Brent's method on either side of
the maximum. It is asymmetric (long to the right), never goes below the observed number, and an
upper bound that does not exist (a flat profile) is reported as infinity with a warning. The point
estimate stays the Poisson one, ``n + exp(b0)`` (the one statsmodels or R's glm give); the
multinomial maximum lies slightly below it (by about ``(1/(2 exp(b0)) - 1/(2N))`` times the
variance of N: 0.5% of the standard error on the Dutch data), so the interval contains it.
The interval is conditional on the chosen model: model-selection uncertainty is not in it (the
candidate table shows how much the estimate moves between models).

Secondary, on request (``bootstrap=B, seed=...``): a seeded parametric bootstrap (Buckland &
Garthwaite 1991): B complete tables are drawn from the multinomial with the estimated N and
cell probabilities, the unobserved cell is discarded, the chosen model is refitted (or with
``bootstrap_reselect=True`` the whole selection is repeated, which does take model-selection
uncertainty into account) and the percentile interval of the B estimates is reported. A
replicate in which an interaction of the model has no overlap fits it at minus infinity; a
replicate with an empty list, or whose model has no finite MLE, is counted as a failure. With
reselection it is slow (a full stepwise search per replicate: about 0.3 s on six lists).

Checked in tests/stats/test_mse.py against statsmodels' Poisson GLM (coefficients, deviance,
AIC/BIC, ``exp(b0)``), the Lincoln-Petersen formula for two lists, simulated populations of
known size, and the Dutch six-list data of the National Rapporteur (SparseMSE's ``Ned``).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl
from scipy import linalg, optimize, sparse, special
from scipy import stats as sps

from inbeeld.stats.exceptions import NotEstimable, StatsInputError
from inbeeld.stats.results import Interval

__all__ = [
    "INTERCEPT",
    "CandidateModel",
    "CaptureHistories",
    "LoglinearFit",
    "MSEResult",
    "capture_histories",
    "estimate_population",
    "existence_check",
    "fit_loglinear",
    "profile_interval",
]

INTERCEPT = "intercept"
MAX_LISTS = 15  # 2^15 - 1 = 32,767 cells; beyond that the complete table is not the right tool

_IRLS_TOL = 1e-10  # largest coefficient change, relative to (1 + largest |coefficient|)
_IRLS_MAX_ITER = 200
_LP_TOL = 1e-6  # smallest positive optimum of the existence programme counted as "exists"
_PROFILE_MAX_FACTOR = 1e6  # upper bound searched up to n + factor * max(dark figure, 1)

Criterion = Literal["bic", "aic"]
EmptyOverlaps = Literal["exclude", "extended"]
Term = tuple[str, str]

# Status of a candidate model in the table.
OK = "ok"
EMPTY_OVERLAP = "excluded: a pair of lists in it has no one in common"
NO_MLE = "skipped: the maximum-likelihood estimate does not exist (linear programme)"
NOT_IDENTIFIABLE = "skipped: not identifiable (design matrix not of full rank)"
NOT_CONVERGED = "not converged"


# --- input ------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CaptureHistories:
    """The complete observable table: every one of the 2^k - 1 non-empty patterns once (in the
    order of their binary code, the first list being the lowest bit), with its count (0 if not
    observed)."""

    lists: tuple[str, ...]
    patterns: np.ndarray  # (2^k - 1, k) of 0/1, int8
    counts: np.ndarray  # (2^k - 1,) int64

    @property
    def k(self) -> int:
        return len(self.lists)

    @property
    def observed(self) -> int:
        return int(self.counts.sum())

    def list_totals(self) -> dict[str, int]:
        return {name: int(self.counts @ self.patterns[:, j]) for j, name in enumerate(self.lists)}

    def overlap(self, a: str, b: str) -> int:
        """The number of people on both lists (whatever other lists they are on)."""
        i, j = self.lists.index(a), self.lists.index(b)
        return int(self.counts @ (self.patterns[:, i] * self.patterns[:, j]))


def _rows(idx: Iterable[int], limit: int = 10) -> str:
    idx = [int(i) for i in idx]
    shown = ", ".join(str(i) for i in idx[:limit])
    return shown + (f" (and {len(idx) - limit} more)" if len(idx) > limit else "")


def _as_float_matrix(values: object, what: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"{what} must be numeric: {exc}") from None
    return array


def capture_histories(
    data: pl.DataFrame | np.ndarray | Sequence[Sequence[int]],
    counts: Sequence[float] | np.ndarray | None = None,
    *,
    lists: Sequence[str] | None = None,
    frequency: str = "frequency",
) -> CaptureHistories:
    """Validate capture histories and expand them to the complete observable table.

    ``data`` is either a polars DataFrame (list columns ``lists``, default every column except
    ``frequency``, and the count column ``frequency``; ``counts`` must then be None) or a 0/1
    matrix with one row per pattern and one column per list, with ``counts`` one per row
    (``lists`` names the columns, default ``L1, L2, ...``). Values may be int, bool or float with
    an integral value. Errors name the rows (0-based) that are wrong.
    """
    if isinstance(data, pl.DataFrame):
        if counts is not None:
            raise StatsInputError("give the counts as the frequency column of the DataFrame")
        if frequency not in data.columns:
            raise StatsInputError(f"no frequency column {frequency!r} in the table")
        names = (
            [c for c in data.columns if c != frequency]
            if lists is None
            else [str(c) for c in lists]
        )
        missing = [c for c in names if c not in data.columns]
        if missing:
            raise StatsInputError(f"list column(s) not in the table: {', '.join(missing)}")
        if frequency in names:
            raise StatsInputError(f"{frequency!r} cannot be both a list and the frequency column")
        bad_types = [
            c
            for c in [*names, frequency]
            if not (data[c].dtype.is_numeric() or data[c].dtype == pl.Boolean)
        ]
        if bad_types:
            raise StatsInputError(f"column(s) not numeric or boolean: {', '.join(bad_types)}")
        nulls = [c for c in [*names, frequency] if data[c].null_count()]
        if nulls:
            rows = np.flatnonzero(
                data.select(pl.any_horizontal([pl.col(c).is_null() for c in nulls])).to_series()
            )
            raise StatsInputError(
                f"missing values in column(s) {', '.join(nulls)} at rows {_rows(rows)}"
            )
        matrix = (
            data.select([pl.col(c).cast(pl.Float64) for c in names]).to_numpy()
            if names
            else np.zeros((data.height, 0))
        )
        freq = data[frequency].cast(pl.Float64).to_numpy()
    else:
        if counts is None:
            raise StatsInputError("give the counts: one per row of the pattern matrix")
        matrix = _as_float_matrix(data, "the capture patterns")
        freq = _as_float_matrix(counts, "the counts")
        if matrix.ndim != 2:
            raise StatsInputError(
                "the capture patterns must be a 2-D matrix: one row per pattern, one column per list"
            )
        if freq.ndim != 1 or freq.shape[0] != matrix.shape[0]:
            raise StatsInputError(
                f"{freq.size} count(s) for {matrix.shape[0]} pattern row(s): give one count per row"
            )
        if lists is None:
            names = [f"L{j + 1}" for j in range(matrix.shape[1])]
        else:
            names = [str(c) for c in lists]
            if len(names) != matrix.shape[1]:
                raise StatsInputError(
                    f"{len(names)} list name(s) for {matrix.shape[1]} pattern column(s)"
                )
    k = len(names)
    if len(set(names)) != k:
        dupes = sorted({c for c in names if names.count(c) > 1})
        raise StatsInputError(f"list name(s) given more than once: {', '.join(dupes)}")
    if k < 2:
        raise StatsInputError(f"multiple-systems estimation needs at least 2 lists, got {k}")
    if k > MAX_LISTS:
        raise StatsInputError(f"at most {MAX_LISTS} lists are supported, got {k}")
    if matrix.shape[0] == 0:
        raise StatsInputError("no capture patterns given")
    bad = ~np.isin(matrix, (0.0, 1.0))
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        cols = sorted({names[j] for j in np.flatnonzero(bad.any(axis=0))})
        raise StatsInputError(
            f"list membership must be 0 or 1 (column(s) {', '.join(cols)}, rows {_rows(rows)})"
        )
    bad = ~np.isfinite(freq) | (freq < 0) | (freq != np.round(freq))
    if bad.any():
        raise StatsInputError(
            f"counts must be non-negative whole numbers (rows {_rows(np.flatnonzero(bad))})"
        )
    empty = np.flatnonzero(matrix.sum(axis=1) == 0)
    if empty.size:
        raise StatsInputError(
            "the all-zero pattern (on no list) must not be given: it is the unobserved cell that "
            f"is estimated (rows {_rows(empty)})"
        )
    code = (matrix.astype(np.int64) << np.arange(k, dtype=np.int64)).sum(axis=1)
    full = np.zeros(2**k, dtype=np.int64)
    np.add.at(full, code, np.round(freq).astype(np.int64))
    cells = np.arange(1, 2**k, dtype=np.int64)
    patterns = ((cells[:, None] >> np.arange(k)) & 1).astype(np.int8)
    table = CaptureHistories(lists=tuple(names), patterns=patterns, counts=full[1:])
    if table.observed == 0:
        raise StatsInputError("no one observed: every count is zero")
    totals = table.list_totals()
    nobody = [name for name, total in totals.items() if total == 0]
    if nobody:
        raise StatsInputError(
            f"list(s) with no one on them carry no information, leave them out: {', '.join(nobody)}"
        )
    return table


# --- terms ------------------------------------------------------------------------------------


def _term_name(term: Term) -> str:
    return f"{term[0]}:{term[1]}"


def _parse_term(term: object, lists: tuple[str, ...]) -> Term:
    if isinstance(term, str):
        matches = [
            (a, b) for a, b in itertools.permutations(lists, 2) if term in (f"{a}:{b}", f"{a}*{b}")
        ]
        if not matches:
            raise StatsInputError(
                f"unknown interaction {term!r}: write it as 'A:B' with A and B among {', '.join(lists)}"
            )
        a, b = matches[0]
    elif isinstance(term, Sequence) and len(term) == 2:
        a, b = str(term[0]), str(term[1])
    else:
        raise StatsInputError(f"an interaction is 'A:B' or a pair ('A', 'B'), got {term!r}")
    if a not in lists or b not in lists:
        raise StatsInputError(
            f"interaction {a}:{b} names a list that is not among {', '.join(lists)}"
        )
    if a == b:
        raise StatsInputError(f"interaction {a}:{b} needs two different lists")
    i, j = sorted((lists.index(a), lists.index(b)))
    return (lists[i], lists[j])


def _parse_model(model: object, lists: tuple[str, ...]) -> tuple[Term, ...]:
    if isinstance(model, str):
        model = [model] if model else []
    if not isinstance(model, Iterable):
        raise StatsInputError(f"a model is a list of interactions, got {model!r}")
    terms = {_parse_term(t, lists) for t in model}
    return tuple(sorted(terms, key=lambda t: (lists.index(t[0]), lists.index(t[1]))))


def _all_pairs(lists: tuple[str, ...]) -> list[Term]:
    return [(a, b) for a, b in itertools.combinations(lists, 2)]


# --- results ----------------------------------------------------------------------------------


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


# --- fitting ----------------------------------------------------------------------------------


def _design(patterns: np.ndarray, lists: tuple[str, ...], terms: Sequence[Term]) -> np.ndarray:
    index = {name: j for j, name in enumerate(lists)}
    columns = [
        np.ones(patterns.shape[0]),
        *(patterns[:, j].astype(float) for j in range(len(lists))),
    ]
    columns += [(patterns[:, index[a]] * patterns[:, index[b]]).astype(float) for a, b in terms]
    return np.column_stack(columns)


def _poisson_deviance(y: np.ndarray, mu: np.ndarray) -> float:
    ratio = np.where(y > 0, y / np.where(mu > 0, mu, 1.0), 1.0)
    return float(2.0 * np.sum(special.xlogy(y, ratio) - (y - mu)))


def _irls(
    X: np.ndarray, y: np.ndarray, beta: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, bool, int]:
    """Poisson log-link IRLS (= Fisher scoring = Newton). Returns beta, mu, converged, iterations."""
    if beta is None:
        eta = np.log(y + 0.5)
    else:
        eta = X @ beta
    mu = np.exp(np.minimum(eta, 700.0))
    dev = _poisson_deviance(y, mu)
    converged = False
    iteration = 0
    while iteration < _IRLS_MAX_ITER:
        iteration += 1
        z = eta + (y - mu) / mu
        xtw = X.T * mu
        try:
            chol = linalg.cho_factor(xtw @ X, check_finite=False)
            proposal = linalg.cho_solve(chol, xtw @ z, check_finite=False)
        except linalg.LinAlgError:
            proposal = np.linalg.lstsq(xtw @ X, xtw @ z, rcond=None)[0]
        step = 1.0
        while True:
            candidate = proposal if beta is None else beta + step * (proposal - beta)
            eta_new = X @ candidate
            mu_new = np.exp(np.minimum(eta_new, 700.0))
            dev_new = _poisson_deviance(y, mu_new)
            if beta is None or (
                math.isfinite(dev_new) and dev_new <= dev + 1e-12 * (1.0 + abs(dev))
            ):
                break
            step /= 2.0
            if step < 1e-10:
                break
        change = np.inf if beta is None else float(np.max(np.abs(candidate - beta)))
        beta, eta, mu, dev = candidate, eta_new, mu_new, dev_new
        if change <= _IRLS_TOL * (1.0 + float(np.max(np.abs(beta)))):
            converged = True
            break
    return beta, mu, converged, iteration


def existence_check(X: np.ndarray, y: np.ndarray) -> bool:
    """The Fienberg-Rinaldo linear programme: True if a strictly positive table with the same
    sufficient statistics ``X'y`` exists, i.e. the (Poisson log-linear) MLE is finite."""
    m, p = X.shape
    t = X.T @ y
    # variables: y_1..y_m, s; maximise s subject to X'v = t, s - v_i <= 0, v >= 0, s >= 0
    c = np.zeros(m + 1)
    c[-1] = -1.0
    a_eq = sparse.hstack([sparse.csr_matrix(X.T), sparse.csr_matrix((p, 1))])
    a_ub = sparse.hstack([-sparse.identity(m, format="csr"), sparse.csr_matrix(np.ones((m, 1)))])
    result = optimize.linprog(
        c,
        A_ub=a_ub,
        b_ub=np.zeros(m),
        A_eq=a_eq,
        b_eq=t,
        bounds=[(0, None)] * (m + 1),
        method="highs",
    )
    if result.status != 0:  # infeasible cannot happen (v = y is feasible); be safe
        return False
    return float(-result.fun) > _LP_TOL


@dataclass(frozen=True, eq=False)
class _Prepared:
    """A model made ready to fit: its terms split into finite and empty ones, the cells kept."""

    terms: tuple[Term, ...]
    empty_terms: tuple[Term, ...]
    keep: np.ndarray  # boolean mask over the observable cells
    X: np.ndarray  # design over the kept cells
    names: tuple[str, ...]


def _keep_mask(table: CaptureHistories, empty: Iterable[Term]) -> np.ndarray:
    """The observable cells that are not fixed at 0 by an interaction at minus infinity."""
    keep = np.ones(table.counts.size, dtype=bool)
    for a, b in empty:
        i, j = table.lists.index(a), table.lists.index(b)
        keep &= ~((table.patterns[:, i] == 1) & (table.patterns[:, j] == 1))
    return keep


def _prepare(
    table: CaptureHistories, terms: tuple[Term, ...], empty_overlaps: EmptyOverlaps
) -> tuple[_Prepared | None, str]:
    lists = table.lists
    finite, empty = [], []
    for term in terms:
        (empty if table.overlap(*term) == 0 else finite).append(term)
    if empty and empty_overlaps == "exclude":
        return None, EMPTY_OVERLAP
    keep = _keep_mask(table, empty)
    X = _design(table.patterns[keep], lists, finite)
    names = (INTERCEPT, *lists, *(_term_name(t) for t in finite))
    if np.linalg.matrix_rank(X) < X.shape[1]:
        return None, NOT_IDENTIFIABLE
    if not existence_check(X, table.counts[keep].astype(float)):
        return None, NO_MLE
    return _Prepared(tuple(finite), tuple(empty), keep, X, names), OK


def _fit_prepared(table: CaptureHistories, prep: _Prepared) -> LoglinearFit:
    y = table.counts[prep.keep].astype(float)
    beta, mu, converged, iterations = _irls(prep.X, y)
    fitted = np.zeros(table.counts.size)
    fitted[prep.keep] = mu
    loglik = float(np.sum(special.xlogy(y, mu) - mu - special.gammaln(y + 1.0)))
    n_cells = table.counts.size
    n_params = prep.X.shape[1] + len(prep.empty_terms)
    unobserved = float(math.exp(beta[0]))
    return LoglinearFit(
        lists=table.lists,
        terms=prep.terms,
        empty_terms=prep.empty_terms,
        names=prep.names,
        coefficients=tuple(float(b) for b in beta),
        observed=table.observed,
        unobserved=unobserved,
        estimate=table.observed + unobserved,
        deviance=_poisson_deviance(y, mu),
        df_resid=n_cells - n_params,
        log_likelihood=loglik,
        n_params=n_params,
        n_cells=n_cells,
        aic=-2.0 * loglik + 2.0 * n_params,
        bic=-2.0 * loglik + math.log(n_cells) * n_params,
        converged=converged,
        iterations=iterations,
        fitted=fitted,
    )


def _table(
    data: object, counts: object, lists: Sequence[str] | None, frequency: str
) -> CaptureHistories:
    if isinstance(data, CaptureHistories):
        return data
    return capture_histories(data, counts, lists=lists, frequency=frequency)


def fit_loglinear(
    data: pl.DataFrame | np.ndarray | CaptureHistories,
    terms: Iterable[str | Term] = (),
    counts: Sequence[float] | np.ndarray | None = None,
    *,
    lists: Sequence[str] | None = None,
    frequency: str = "frequency",
    empty_overlaps: EmptyOverlaps = "extended",
) -> LoglinearFit:
    """Fit one log-linear model (all main effects plus the interactions ``terms``) to the
    observable cells. Raises NotEstimable if the model is excluded, has no finite MLE or is not
    identifiable (the message says which)."""
    _check_option("empty_overlaps", empty_overlaps, ("exclude", "extended"))
    table = _table(data, counts, lists, frequency)
    model = _parse_model(list(terms), table.lists)
    prep, status = _prepare(table, model, empty_overlaps)
    if prep is None:
        raise NotEstimable(f"model {_describe(model)}: {status}")
    return _fit_prepared(table, prep)


def _describe(terms: Sequence[Term]) -> str:
    return "main effects + " + " + ".join(_term_name(t) for t in terms) if terms else "independence"


def _check_option(name: str, value: object, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise StatsInputError(
            f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}"
        )


# --- the profile-likelihood interval ----------------------------------------------------------


def profile_interval(
    table: CaptureHistories,
    fit: LoglinearFit,
    confidence: float = 0.95,
) -> tuple[Interval, tuple[str, ...]]:
    """Cormack's (1992) multinomial profile-likelihood interval for N under the model of ``fit``.

    Returns the interval (estimate = the Poisson estimate of ``fit``) and warnings."""
    if not 0.0 < confidence < 1.0:
        raise StatsInputError(f"confidence must be between 0 and 1, got {confidence}")
    lists = table.lists
    keep = _keep_mask(table, fit.empty_terms)
    y_obs = table.counts[keep].astype(float)
    n = float(table.observed)
    X = np.vstack(
        [
            _design(table.patterns[keep], lists, fit.terms),
            np.eye(1, 1 + len(lists) + len(fit.terms)),
        ]
    )
    state = {"beta": np.asarray(fit.coefficients, dtype=float)}

    def loglik(N: float) -> float:
        y = np.append(y_obs, N - n)
        beta, mu, _, _ = _irls(X, y, state["beta"])
        state["beta"] = beta
        return float(
            special.gammaln(N + 1.0)
            - special.gammaln(N - n + 1.0)
            + np.sum(special.xlogy(y, mu / N))
        )

    center = fit.estimate
    spread = max(math.sqrt(max(fit.unobserved, 1.0)) * 10.0, 10.0)
    lo_search, hi_search = n, center + spread
    while loglik(hi_search) >= loglik(center) and hi_search - n < _PROFILE_MAX_FACTOR * max(
        fit.unobserved, 1.0
    ):
        hi_search = n + 2.0 * (hi_search - n)
    best = optimize.minimize_scalar(
        lambda N: -loglik(N),
        bounds=(lo_search, hi_search),
        method="bounded",
        options={"xatol": 1e-9 * max(center, 1.0)},
    )
    n_max = float(best.x)
    l_max = max(-float(best.fun), loglik(center))
    cut = float(sps.chi2.ppf(confidence, 1)) / 2.0
    warnings: list[str] = []

    def excess(N: float) -> float:
        return l_max - loglik(N) - cut

    if excess(n) <= 0.0:
        low = n
    else:
        low = optimize.brentq(excess, n, n_max, xtol=1e-8 * max(center, 1.0))
    high_cap = n + _PROFILE_MAX_FACTOR * max(fit.unobserved, 1.0)
    hi = n_max + spread
    while excess(hi) <= 0.0 and hi < high_cap:
        hi = n + 2.0 * (hi - n)
    if excess(hi) <= 0.0:
        high = math.inf
        warnings.append(
            "the profile likelihood of N is flat to the right: the upper bound of the interval "
            "does not exist for this model (reported as infinity)"
        )
    else:
        high = optimize.brentq(excess, n_max, hi, xtol=1e-8 * max(center, 1.0))
    low, high = float(low), float(high)
    if not low <= center <= high:
        warnings.append(
            f"the point estimate {center:.1f} lies outside the profile interval "
            f"[{low:.1f}, {high:.1f}] (multinomial maximum at {n_max:.1f})"
        )
    interval = Interval(
        estimate=center,
        low=low,
        high=high,
        confidence=confidence,
        method="profile likelihood (Cormack 1992), log-linear model "
        + _describe(fit.terms + fit.empty_terms),
    )
    return interval, tuple(warnings)


# --- model choice -----------------------------------------------------------------------------


def _candidate(
    terms: tuple[Term, ...],
    status: str,
    step: int,
    fit: LoglinearFit | None,
    criterion: Criterion,
) -> CandidateModel:
    names = tuple(_term_name(t) for t in terms)
    if fit is None:
        return CandidateModel(terms=names, status=status, step=step)
    return CandidateModel(
        terms=names,
        status=OK if fit.converged else NOT_CONVERGED,
        step=step,
        n_params=fit.n_params,
        deviance=fit.deviance,
        df_resid=fit.df_resid,
        aic=fit.aic,
        bic=fit.bic,
        criterion=fit.criterion(criterion),
        estimate=fit.estimate,
        converged=fit.converged,
    )


class _Selector:
    """Fits models once each (memoised) and records them as candidates."""

    def __init__(
        self, table: CaptureHistories, criterion: Criterion, empty_overlaps: EmptyOverlaps
    ):
        self.table = table
        self.criterion = criterion
        self.empty_overlaps = empty_overlaps
        self.fits: dict[tuple[Term, ...], LoglinearFit | None] = {}
        self.candidates: list[CandidateModel] = []

    def fit(self, terms: tuple[Term, ...], step: int) -> LoglinearFit | None:
        key = tuple(sorted(terms))
        if key in self.fits:
            return self.fits[key]
        prep, status = _prepare(self.table, terms, self.empty_overlaps)
        fit = None if prep is None else _fit_prepared(self.table, prep)
        usable = fit if fit is not None and fit.converged else None
        self.fits[key] = usable
        self.candidates.append(_candidate(terms, status, step, fit, self.criterion))
        return usable

    def order(self, terms: Iterable[Term]) -> tuple[Term, ...]:
        lists = self.table.lists
        return tuple(sorted(terms, key=lambda t: (lists.index(t[0]), lists.index(t[1]))))

    def stepwise(self) -> LoglinearFit:
        current: tuple[Term, ...] = ()
        best = self.fit(current, 0)
        if best is None:
            raise NotEstimable(
                "the independence model cannot be fitted to these data: "
                + self.candidates[-1].status
            )
        remaining = _all_pairs(self.table.lists)
        step = 0
        while remaining:
            step += 1
            trials = []
            for term in remaining:
                fit = self.fit(self.order((*current, term)), step)
                if fit is not None:
                    trials.append((fit.criterion(self.criterion), remaining.index(term), term, fit))
            if not trials:
                break
            value, _, term, fit = min(trials, key=lambda x: (x[0], x[1]))
            if not value < best.criterion(self.criterion):
                break
            current, best = self.order((*current, term)), fit
            remaining.remove(term)
        return best

    def given(self, models: Sequence[tuple[Term, ...]]) -> LoglinearFit:
        fits = [f for f in (self.fit(m, -1) for m in models) if f is not None]
        if not fits:
            raise NotEstimable(
                "none of the given models can be fitted: "
                + "; ".join(
                    f"{', '.join(c.terms) or 'independence'}: {c.status}" for c in self.candidates
                )
            )
        return min(fits, key=lambda f: f.criterion(self.criterion))


# --- bootstrap --------------------------------------------------------------------------------


def _bootstrap(
    table: CaptureHistories,
    fit: LoglinearFit,
    *,
    replicates: int,
    seed: int | None,
    reselect: bool,
    criterion: Criterion,
    empty_overlaps: EmptyOverlaps,
    confidence: float,
) -> tuple[Interval, int]:
    rng = np.random.default_rng(seed)
    total = int(round(fit.estimate))
    probs = np.append(fit.unobserved, fit.fitted) / (fit.unobserved + fit.fitted.sum())
    estimates, failures = [], 0
    model = fit.terms + fit.empty_terms
    for _ in range(replicates):
        draw = rng.multinomial(total, probs)
        counts = draw[1:]
        if counts.sum() == 0 or np.any(counts @ table.patterns == 0):
            failures += 1
            continue
        sample = CaptureHistories(table.lists, table.patterns, counts.astype(np.int64))
        try:
            if reselect:
                chosen = _Selector(sample, criterion, empty_overlaps).stepwise()
            else:
                prep, _ = _prepare(sample, model, "extended")
                if prep is None:
                    failures += 1
                    continue
                chosen = _fit_prepared(sample, prep)
                if not chosen.converged:
                    failures += 1
                    continue
        except NotEstimable:
            failures += 1
            continue
        estimates.append(chosen.estimate)
    if len(estimates) < max(10, replicates // 2):
        raise NotEstimable(
            f"the bootstrap failed in {failures} of {replicates} replicates: too few to report"
        )
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(np.asarray(estimates), [alpha, 1.0 - alpha])
    how = "repeating the model selection" if reselect else "refitting the chosen model"
    interval = Interval(
        estimate=fit.estimate,
        low=float(low),
        high=float(high),
        confidence=confidence,
        method=f"parametric bootstrap, {len(estimates)} replicates {how}, percentile interval",
    )
    return interval, failures


# --- the estimator ----------------------------------------------------------------------------


def estimate_population(
    data: pl.DataFrame | np.ndarray | CaptureHistories,
    counts: Sequence[float] | np.ndarray | None = None,
    *,
    lists: Sequence[str] | None = None,
    frequency: str = "frequency",
    criterion: Criterion = "bic",
    models: Sequence[Iterable[str | Term]] | None = None,
    empty_overlaps: EmptyOverlaps = "extended",
    confidence: float = 0.95,
    bootstrap: int = 0,
    seed: int | None = None,
    bootstrap_reselect: bool = False,
) -> MSEResult:
    """Estimate the size of the population (observed + hidden) from the capture histories.

    See the module docstring for the method. ``models=None`` chooses by forward stepwise
    selection from the independence model; otherwise ``models`` is a list of models, each an
    iterable of interactions ('A:B' or ('A', 'B'); an empty one is the independence model).
    ``bootstrap=B`` adds a seeded parametric-bootstrap interval (secondary; the profile-likelihood
    interval is the primary one).
    """
    _check_option("criterion", criterion, ("bic", "aic"))
    _check_option("empty_overlaps", empty_overlaps, ("exclude", "extended"))
    if not 0.0 < confidence < 1.0:
        raise StatsInputError(f"confidence must be between 0 and 1, got {confidence}")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int) or bootstrap < 0:
        raise StatsInputError(f"bootstrap must be a non-negative whole number, got {bootstrap!r}")
    table = _table(data, counts, lists, frequency)
    selector = _Selector(table, criterion, empty_overlaps)
    if models is None:
        chosen = selector.stepwise()
        selection = "stepwise forward"
    else:
        if isinstance(models, str) or not isinstance(models, Sequence) or not models:
            raise StatsInputError(
                "models must be a non-empty list of models (lists of interactions)"
            )
        parsed = list(dict.fromkeys(_parse_model(m, table.lists) for m in models))
        chosen = selector.given(parsed)
        selection = "given models"

    warnings: list[str] = []
    empty_pairs = [p for p in _all_pairs(table.lists) if table.overlap(*p) == 0]
    if empty_pairs and empty_overlaps == "exclude":
        warnings.append(
            "no one in common on "
            + ", ".join(_term_name(p) for p in empty_pairs)
            + ": these interactions would be minus infinity and were not considered "
            "(empty_overlaps='extended' fits them as in Chan, Silverman & Vincent 2021)"
        )
    if chosen.empty_terms:
        warnings.append(
            "interaction(s) "
            + ", ".join(_term_name(t) for t in chosen.empty_terms)
            + " estimated at minus infinity (no one in common; extended maximum likelihood)"
        )
    skipped = [
        c for c in selector.candidates if c.status in (NO_MLE, NOT_IDENTIFIABLE, NOT_CONVERGED)
    ]
    if skipped:
        warnings.append(
            f"{len(skipped)} candidate model(s) skipped: no finite or identifiable estimate"
        )
    interval, profile_warnings = profile_interval(table, chosen, confidence)
    warnings.extend(profile_warnings)

    boot, failures = None, 0
    if bootstrap:
        boot, failures = _bootstrap(
            table,
            chosen,
            replicates=bootstrap,
            seed=seed,
            reselect=bootstrap_reselect,
            criterion=criterion,
            empty_overlaps=empty_overlaps,
            confidence=confidence,
        )
        if failures:
            warnings.append(f"{failures} of {bootstrap} bootstrap replicates could not be fitted")

    key = tuple(sorted(chosen.terms + chosen.empty_terms))
    candidates = tuple(
        dataclasses.replace(c, chosen=True)
        if tuple(sorted(_parse_model(c.terms, table.lists))) == key and c.status == OK
        else c
        for c in selector.candidates
    )
    return MSEResult(
        lists=table.lists,
        observed=table.observed,
        model=chosen.model,
        empty_terms=tuple(_term_name(t) for t in chosen.empty_terms),
        estimate=chosen.estimate,
        hidden=chosen.unobserved,
        ratio=chosen.ratio,
        interval=interval,
        criterion=criterion.upper(),
        criterion_value=chosen.criterion(criterion),
        selection=selection,
        candidates=candidates,
        fit=chosen,
        converged=chosen.converged,
        iterations=chosen.iterations,
        warnings=tuple(warnings),
        bootstrap=boot,
        bootstrap_failures=failures,
    )
