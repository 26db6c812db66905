"""The published figure (issue 18, item 5): rows of the register → inbeeld.stats.agenda → one
result the page, the PDF and the tests share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from inbeeld.agenda import selectors
from inbeeld.agenda.base_rate import BaseRate, motion_base_rate
from inbeeld.stats import agenda as stats
from inbeeld.stats.exceptions import NotEstimable

DEFAULT_HORIZON_YEARS = 4
# Fewer recommendations followed to the horizon and no cumulative incidence is published.
MIN_FOLLOWED_TO_HORIZON = stats.MIN_FOLLOWED_TO_HORIZON


@dataclass(frozen=True)
class Variant:
    name: str  # "strict" or "lenient"
    result: stats.DurableShare


@dataclass(frozen=True)
class Figure:
    cut_off: dt.date
    horizon_years: int
    strict: Variant
    lenient: Variant
    rows: list  # every recommendation, withdrawn ones included (the list behind the figure)
    kappa_rung: stats.Kappa | None
    kappa_link: stats.Kappa | None
    coded_pairs: int
    coverage: stats.Coverage | None  # Wilson's exact coverage at the strict denominator
    withdrawn: int
    base_rate: BaseRate  # all motions in dossier 28638 in the parliament mirror

    def strict_keys(self) -> set[str]:
        return set(self.strict.result.durable_keys)

    def lenient_keys(self) -> set[str]:
        return set(self.lenient.result.durable_keys)

    def old_enough_keys(self) -> set[str]:
        return set(self.lenient.result.old_enough_keys)


def _outcomes(rows, *, strict: bool) -> list[stats.Outcome]:
    outcomes = []
    for row in rows:
        if row.withdrawn or (strict and not selectors.counts_in_strict(row)):
            continue
        durable_on, ended_on = selectors.outcome_dates(row, strict=strict)
        outcomes.append(
            stats.Outcome(
                str(row.recommendation.pk), row.recommendation.issued_on, durable_on, ended_on
            )
        )
    return outcomes


def _kappa(first, second):
    try:
        return stats.cohens_kappa(first, second)
    except NotEstimable:
        return None


def figure_for(
    user, *, horizon_years: int = DEFAULT_HORIZON_YEARS, cut_off: dt.date | None = None
) -> Figure:
    rows = selectors.all_rows(user)
    cut_off = cut_off or timezone.localdate()
    strict = stats.durable_share(
        _outcomes(rows, strict=True), cut_off=cut_off, horizon_years=horizon_years
    )
    lenient = stats.durable_share(
        _outcomes(rows, strict=False), cut_off=cut_off, horizon_years=horizon_years
    )
    first, second, first_link, second_link = selectors.paired_codes(rows)
    n = strict.n_old_enough
    return Figure(
        cut_off=cut_off,
        horizon_years=horizon_years,
        strict=Variant("strict", strict),
        lenient=Variant("lenient", lenient),
        rows=rows,
        kappa_rung=_kappa(first, second),
        kappa_link=_kappa(first_link, second_link),
        coded_pairs=len(first),
        coverage=stats.wilson_coverage_summary(n) if n else None,
        withdrawn=sum(1 for r in rows if r.withdrawn),
        base_rate=motion_base_rate(),
    )
