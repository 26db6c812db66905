"""What the monitor page and report say about the model-choice uncertainty of the dark number
(issue 12 item 6; the statistics are in stats.mse_uncertainty).

Both computations are cached per data fingerprint (the capture-history table, which changes
with any new linkage key in scope) like analysis.evaluation caches the evaluation. The
sensitivity table (four selections, a few seconds on six lists) is computed on the page when it
is not cached. The bootstrap (up to ``DEFAULT_MAX_SECONDS``) is computed only where
``compute_bootstrap`` is set: the PDF/HTML report and ``inbeeld report monitor``; the page shows
it once a report has put it in the cache and says otherwise that it is not computed yet.
"""

from __future__ import annotations

import dataclasses
import math

from django.core.cache import cache
from django.utils.translation import gettext as _

from inbeeld.analysis import presenter
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


def _bootstrap(table, result, compute: bool):
    key = "inbeeld:dark:bootstrap:" + mu.fingerprint(table, mu.DEFAULT_REPLICATES, mu.DEFAULT_SEED)
    boot = cache.get(key)
    if boot is None and compute:
        boot = mu.selection_bootstrap(table, result.fit, max_seconds=mu.DEFAULT_MAX_SECONDS)
        if not boot.truncated:  # a run cut short by load is shown once, not kept for a day
            cache.set(key, dataclasses.replace(boot, estimates=()), CACHE_SECONDS)
    return boot


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
    boot = _bootstrap(table, result, compute_bootstrap)
    if boot is None:
        out["boot_note"] = _(
            "Het interval met de onzekerheid over de modelkeuze is nog niet berekend; het wordt "
            "berekend bij het maken van de rapportage (PDF of HTML)."
        )
    elif boot.interval is None:
        out["boot_note"] = _(
            "Het interval met de onzekerheid over de modelkeuze kon niet worden berekend: te "
            "weinig bruikbare herhalingen (%(n)s)."
        ) % {"n": boot.replicates}
    else:
        out["boot_low"] = presenter.number(boot.interval.low, 0)
        out["boot_high"] = presenter.number(boot.interval.high, 0)
        out["boot_note"] = _(
            "Gepubliceerd interval: parametrische herhaalde steekproeftrekking waarin de modelkeuze (stapsgewijs "
            "BIC) bij elke herhaling opnieuw wordt gemaakt; %(n)s herhalingen, startwaarde "
            "%(seed)s, 2,5 %%- en 97,5 %%-percentiel."
        ) % {"n": boot.replicates, "seed": boot.seed}
    return out
