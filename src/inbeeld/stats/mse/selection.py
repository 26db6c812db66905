"""Model choice (forward stepwise on AIC/BIC) and the parametric bootstrap."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from inbeeld.stats.exceptions import NotEstimable
from inbeeld.stats.mse.fitting import _fit_prepared, _prepare
from inbeeld.stats.mse.results import CandidateModel, LoglinearFit
from inbeeld.stats.mse.table import (
    NOT_CONVERGED,
    OK,
    CaptureHistories,
    Criterion,
    EmptyOverlaps,
    Term,
    _all_pairs,
    _term_name,
)
from inbeeld.stats.results import Interval


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
