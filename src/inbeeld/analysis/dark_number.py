"""The dark number from the database: multiple-systems estimation over the linkage keys of the
cases in a user's scope.

Capture histories. A *victim* is a distinct linkage key (``cases.models.LinkageKey.key``, a keyed
HMAC: the identifier itself is never stored) among the keys of the given cases; a victim with
several cases counts once. The victim is on source S when at least one of those cases has a key
from S. One column per source that has at least one victim (in the order of
``LinkageKey.Source``), 0/1, and the number of victims with that pattern (``frequency``), which
is the input of ``stats.mse.estimate_population``. A source with nobody on it carries no
information and is left out; 'other' (a mix of organisations) is a list like any other when it
has keys.

Only the keys of the cases in scope count: a key that also sits on a case the user may not see
adds nothing from that case (so a unit's dark number is about the victims that unit's cases
link to, not about the whole country). Linking works only as far as the sources recorded the
same identifier: ``cases.services.linkage_key_add`` keys ``identifier_type:identifier``, so two
sources recognise the same victim when both recorded, say, the V-number; a victim whose sources
recorded different identifiers looks like two victims. That is the linkage problem of every
multiple-systems estimate and it biases the dark number; the figure assumes correct linkage.

When there is no estimate (``DarkNumber.result`` is None, ``reason`` says why in Dutch):

- fewer than ``MIN_SOURCES`` (3) sources with a victim. With two lists only the independence
  model can be fitted (Lincoln-Petersen), whose assumption that registration by one source says
  nothing about the other cannot be relaxed nor checked; from three lists on, the pairwise
  dependences are models the information criterion can choose between;
- fewer than ``MIN_VICTIMS`` (50) victims with a key. Below that most of the 2^k - 1 overlap cells
  are empty, the log-linear fits stand on a handful of people, and the interval says little;
- the estimator refuses the table (no model with a finite, identifiable estimate, e.g. one source
  holding every victim): its message is passed on.

Scope and consent (ADR 0004): the cases are those the monitor counts, ``policy.monitor_scope``:
``cases_visible_to(user)`` (a police officer: their unit's cases; a prosecutor: their district's),
and for a researcher only the consented cases whose consent covers the monitor. The dark number
of a researcher is therefore the dark number of the victims who would consent: when consent does
not depend on which sources registered someone, that is the population times the consent share.

Two queries for a researcher (their memberships and the aggregate), whatever the number of cases:
the database groups the keys per victim and returns one row of source flags per victim.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from inbeeld.analysis.builders import FREQUENCY, SOURCES, capture_histories_for
from inbeeld.cases import selectors as case_selectors
from inbeeld.cases.models import Case, LinkageKey
from inbeeld.stats.exceptions import NotEstimable, StatsInputError
from inbeeld.stats.mse import MSEResult, estimate_population

MIN_SOURCES = 3
MIN_VICTIMS = 50


@dataclass(frozen=True)
class DarkNumber:
    """The multiple-systems estimate (or the reason there is none) and the table behind it."""

    result: MSEResult | None
    reason: str  # Dutch; empty when there is an estimate
    victims: int  # victims with a linkage key in scope (distinct keys)
    sources: tuple[str, ...]  # the sources with at least one of them
    histories: pl.DataFrame = field(repr=False)

    @property
    def estimated(self) -> bool:
        return self.result is not None


def dark_number_for_cases(cases: QuerySet[Case], **options) -> DarkNumber:
    """The dark number of the victims linked to ``cases`` (already scoped). ``options`` go to
    ``estimate_population`` (default: stepwise BIC, empty overlaps 'extended', 95 % profile
    interval)."""
    histories = capture_histories_for(cases)
    sources = tuple(c for c in histories.columns if c != FREQUENCY)
    victims = int(histories[FREQUENCY].sum()) if histories.height else 0

    def none(reason: str) -> DarkNumber:
        return DarkNumber(None, reason, victims, sources, histories)

    if victims == 0:
        return none(
            _(
                "Geen koppelsleutels bij de casussen in uw bereik: zonder gegevens over welke "
                "bronnen hetzelfde slachtoffer registreerden is het dark number niet te schatten."
            )
        )
    if len(sources) < MIN_SOURCES:
        labels = dict(LinkageKey.Source.choices)
        return none(
            _(
                "Slachtoffers uit %(count)s bron(nen) (%(names)s); een schatting van het dark "
                "number vraagt ten minste %(minimum)s bronnen."
            )
            % {
                "count": len(sources),
                "names": ", ".join(str(labels[s]) for s in sources),
                "minimum": MIN_SOURCES,
            }
        )
    if victims < MIN_VICTIMS:
        return none(
            _(
                "%(count)s slachtoffers met een koppelsleutel; een betrouwbare schatting van het "
                "dark number vraagt ten minste %(minimum)s slachtoffers."
            )
            % {"count": victims, "minimum": MIN_VICTIMS}
        )
    try:
        result = estimate_population(histories, frequency=FREQUENCY, **options)
    except (NotEstimable, StatsInputError) as exc:
        return none(
            _("Het dark number is met deze gegevens niet te schatten (%(detail)s).")
            % {"detail": exc}
        )
    return DarkNumber(result, "", victims, sources, histories)


def dark_number_for(user, **options) -> DarkNumber:
    """The dark number within ``user``'s monitor scope (see the module docstring)."""
    return dark_number_for_cases(case_selectors.cases_in_monitor_scope(user), **options)


__all__ = [
    "FREQUENCY",
    "MIN_SOURCES",
    "SOURCES",
    "MIN_VICTIMS",
    "DarkNumber",
    "capture_histories_for",
    "dark_number_for",
    "dark_number_for_cases",
]
