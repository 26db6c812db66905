"""The estimator: estimate_population. See docs/methods/mse.md."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

import numpy as np
import polars as pl

from inbeeld.stats.exceptions import StatsInputError
from inbeeld.stats.mse.fitting import _check_option, _table
from inbeeld.stats.mse.profile import profile_interval
from inbeeld.stats.mse.results import CandidateModel, LoglinearFit, MSEResult
from inbeeld.stats.mse.selection import _bootstrap, _Selector
from inbeeld.stats.mse.table import (
    NO_MLE,
    NOT_CONVERGED,
    NOT_IDENTIFIABLE,
    OK,
    CaptureHistories,
    Criterion,
    EmptyOverlaps,
    Term,
    _all_pairs,
    _parse_model,
    _term_name,
)


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

    See docs/methods/mse.md for the method. ``models=None`` chooses by forward stepwise
    selection from the independence model; otherwise ``models`` is a list of models, each an
    iterable of interactions ('A:B' or ('A', 'B'); an empty one is the independence model).
    ``bootstrap=B`` adds a seeded parametric-bootstrap interval (secondary; the profile-likelihood
    interval is the primary one).
    """
    _check_options(criterion, empty_overlaps, confidence, bootstrap)
    table = _table(data, counts, lists, frequency)
    selector = _Selector(table, criterion, empty_overlaps)
    chosen, selection = _choose(selector, table, models)
    warnings = _selection_warnings(table, selector, chosen, empty_overlaps)
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

    candidates = _mark_chosen(selector, chosen, table)
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


def _check_options(criterion, empty_overlaps, confidence, bootstrap) -> None:
    _check_option("criterion", criterion, ("bic", "aic"))
    _check_option("empty_overlaps", empty_overlaps, ("exclude", "extended"))
    if not 0.0 < confidence < 1.0:
        raise StatsInputError(f"confidence must be between 0 and 1, got {confidence}")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int) or bootstrap < 0:
        raise StatsInputError(f"bootstrap must be a non-negative whole number, got {bootstrap!r}")


def _choose(selector: _Selector, table: CaptureHistories, models) -> tuple[LoglinearFit, str]:
    """The chosen fit and how it was chosen: stepwise, or the best of the given models."""
    if models is None:
        return selector.stepwise(), "stepwise forward"
    if isinstance(models, str) or not isinstance(models, Sequence) or not models:
        raise StatsInputError("models must be a non-empty list of models (lists of interactions)")
    parsed = list(dict.fromkeys(_parse_model(m, table.lists) for m in models))
    return selector.given(parsed), "given models"


def _selection_warnings(
    table: CaptureHistories, selector: _Selector, chosen: LoglinearFit, empty_overlaps: str
) -> list[str]:
    """What the reader must know about the model search: interactions left out or fitted at
    minus infinity, and candidates without an estimate."""
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
    return warnings


def _mark_chosen(
    selector: _Selector, chosen: LoglinearFit, table: CaptureHistories
) -> tuple[CandidateModel, ...]:
    """The candidate table with the chosen model marked."""
    key = tuple(sorted(chosen.terms + chosen.empty_terms))
    return tuple(
        dataclasses.replace(c, chosen=True)
        if tuple(sorted(_parse_model(c.terms, table.lists))) == key and c.status == OK
        else c
        for c in selector.candidates
    )
