"""What the monitor page and report say about the model-choice uncertainty of the dark number
(issue 12 item 6; the statistics are in stats.mse_uncertainty).

The sensitivity table (four selections, a few seconds on six lists) is part of the monitor and
cached per data fingerprint (the capture-history table, which changes with any new linkage key
in scope). The bootstrap (``settings.INBEELD_DARK_NUMBER_REPLICATES`` resamples, about 1 s each on
six lists) is a stored result of its own (publication.stored_results, kind monitor_bootstrap),
computed by the worker after the monitor, so the monitor's figures never wait for it; its
fingerprint is ``bootstrap_key`` of the table, and the monitor keeps the same key, so a page
or report only ever shows the bootstrap of the very table its estimate came from. A report
(PDF, ``inbeeld report monitor``) takes the worker's bootstrap when there is one for its table
and otherwise computes it itself.
"""

from __future__ import annotations

import dataclasses
import math

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from inbeeld.analysis import presenter
from inbeeld.jobs import results
from inbeeld.stats import mse_uncertainty as mu
from inbeeld.stats.mse import capture_histories

CACHE_SECONDS = 24 * 60 * 60


def period_label(years) -> str:
    """What the dark number counts, from the years the cases in scope cover."""
    years = sorted({int(y) for y in years or ()})
    if not years:
        return _("verschillende slachtoffers over de hele periode, niet per jaar")
    span = str(years[0]) if years[0] == years[-1] else f"{years[0]}–{years[-1]}"
    return _("verschillende slachtoffers %(span)s, niet per jaar") % {"span": span}


def _table(dark):
    histories = getattr(dark, "histories", None)
    if histories is None or not histories.height:
        return None
    return capture_histories(histories, frequency="frequency")


def _sensitivity(table):
    key = f"inbeeld:dark:sensitivity:{mu.fingerprint(table)}"
    rows = cache.get(key)
    if rows is None:
        rows = tuple(dataclasses.replace(r, fit=None) for r in mu.sensitivity(table))
        cache.set(key, rows, CACHE_SECONDS)
    return rows


BOOTSTRAP = "monitor_bootstrap"  # the stored result's kind (publication.stored_results)


def bootstrap_key(table) -> str:
    """The bootstrap's identity: the table, the number of resamples and the seed."""
    return mu.fingerprint(table, settings.INBEELD_DARK_NUMBER_REPLICATES, mu.DEFAULT_SEED)


def compute_bootstrap_of(table, fit) -> mu.SelectionBootstrap:
    """The published bootstrap of ``table`` from its chosen fit (capped at
    stats.mse_uncertainty.DEFAULT_MAX_SECONDS), without the list of estimates."""
    boot = mu.selection_bootstrap(
        table,
        fit,
        replicates=settings.INBEELD_DARK_NUMBER_REPLICATES,
        max_seconds=mu.DEFAULT_MAX_SECONDS,
    )
    return dataclasses.replace(boot, estimates=())


def _bootstrap(table, result, compute: bool):
    key = bootstrap_key(table)
    stored = results.value_with_fingerprint(BOOTSTRAP, key)  # the worker's, for this very table
    boot = stored["boot"] if stored else None
    if boot is None:
        boot = cache.get("inbeeld:dark:bootstrap:" + key)
    if boot is None and compute:
        boot = compute_bootstrap_of(table, result.fit)
        if not boot.truncated:  # a run cut short by load is shown once, not kept for a day
            cache.set("inbeeld:dark:bootstrap:" + key, boot, CACHE_SECONDS)
    return key, boot


def bootstrap_fields(boot) -> dict:
    """The page's and report's words for a computed bootstrap (or why it gave no interval)."""
    if boot.interval is None:
        return {
            "boot_note": _(
                "Het interval met de onzekerheid over de modelkeuze kon niet worden berekend: te "
                "weinig bruikbare herhalingen (%(n)s)."
            )
            % {"n": boot.replicates}
        }
    return {
        "boot_low": presenter.number(boot.interval.low, 0),
        "boot_high": presenter.number(boot.interval.high, 0),
        "boot_note": _(
            "Gepubliceerd interval: parametrische herhaalde steekproeftrekking waarin de modelkeuze (stapsgewijs "
            "BIC) bij elke herhaling opnieuw wordt gemaakt; %(n)s herhalingen, startwaarde "
            "%(seed)s, 2,5 %%- en 97,5 %%-percentiel."
        )
        % {"n": boot.replicates, "seed": boot.seed},
    }


def pending_note() -> str:
    return _(
        "Het interval met de onzekerheid over de modelkeuze wordt nog berekend; het verschijnt "
        "hier zodra het klaar is."
    )


def uncertainty_context(dark, *, years=(), compute_bootstrap: bool = False) -> dict:
    """The period label, the sensitivity rows and the bootstrap interval (or why there is none)."""
    out = {"period": period_label(years)}
    table = _table(dark)
    result = getattr(dark, "result", None)
    if table is None or result is None:
        return out
    out["rules"] = [
        {
            "label": _(row.label),
            "estimate": presenter.number(row.estimate, 0) if not math.isnan(row.estimate) else "–",
            "low": presenter.number(row.interval.low, 0) if row.interval else "–",
            "high": presenter.number(row.interval.high, 0) if row.interval else "–",
            "terms": len(row.model),
        }
        for row in _sensitivity(table)
    ]
    key, boot = _bootstrap(table, result, compute_bootstrap)
    out["boot_key"] = key
    out.update(bootstrap_fields(boot) if boot is not None else {"boot_note": pending_note()})
    return out
