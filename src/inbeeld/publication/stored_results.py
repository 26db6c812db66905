"""The monitor page as a stored result (jobs.results): the worker computes the page's context
(publication.monitor_report.monitor_context_of_scope) per data scope; the page, its tables file
and nothing else in a web request serve it from there.

The bootstrap of the dark number's model choice (publication.dark_number_uncertainty: about
1 s per resample on six sources) is a second stored result per scope, computed after the
monitor (the worker takes the kinds in name order): the monitor's figures are never held up by
it, and it is recomputed only when the capture-history table itself changed (its fingerprint
is the table's, not the monitor's). ``stored_monitor`` puts it into the monitor's context when
it belongs to the same table."""

from __future__ import annotations

import dataclasses
import hashlib

from django.conf import settings
from django.utils import timezone

from inbeeld import policy
from inbeeld.analysis.builders import monitor_fingerprint
from inbeeld.cases import selectors as case_selectors
from inbeeld.intake import selectors as signal_selectors
from inbeeld.jobs import results
from inbeeld.publication import dark_number_uncertainty as dark_uncertainty

MONITOR = "monitor"


def _fingerprint(scope_key: str, params: dict) -> str:
    scope = policy.ResearchScope.from_key(scope_key)
    state = (
        monitor_fingerprint(
            case_selectors.cases_of_research_scope(scope),
            signal_selectors.signals_of_research_scope(scope),
        ),
        timezone.localdate(),
        # The disclosure rules the tables are protected by (settings).
        settings.INBEELD_DISCLOSURE_MIN_CELL,
    )
    return hashlib.sha256(repr(state).encode()).hexdigest()


def _compute(scope_key: str, params: dict) -> results.Computed:
    from inbeeld.publication.monitor_report import monitor_context_of_scope

    # Without the dark number's bootstrap: that is MONITOR_BOOTSTRAP's own computation.
    context = monitor_context_of_scope(policy.ResearchScope.from_key(scope_key))
    return results.Computed(context, context["cutoff"])


MONITOR_RESULT = results.ResultKind(code=MONITOR, compute=_compute, fingerprint=_fingerprint)


def _capture_table(scope_key: str):
    from inbeeld.analysis import dark_number
    from inbeeld.stats.mse import capture_histories

    scope = policy.ResearchScope.from_key(scope_key)
    histories = dark_number.capture_histories_for(case_selectors.cases_of_research_scope(scope))
    if not histories.height or histories.width < dark_number.MIN_SOURCES + 1:
        return None
    return capture_histories(histories, frequency=dark_number.FREQUENCY)


def _bootstrap_fingerprint(scope_key: str, params: dict) -> str:
    table = _capture_table(scope_key)
    return "none" if table is None else dark_uncertainty.bootstrap_key(table)


def _bootstrap_compute(scope_key: str, params: dict) -> results.Computed:
    """The bootstrap of the scope's dark number from the BIC-chosen fit (None: no estimate)."""
    from inbeeld.stats.exceptions import NotEstimable
    from inbeeld.stats.mse import estimate_population

    table = _capture_table(scope_key)
    if table is None:
        return results.Computed({"key": "none", "boot": None}, None)
    key = dark_uncertainty.bootstrap_key(table)
    try:
        fit = estimate_population(table).fit
    except NotEstimable:
        return results.Computed({"key": key, "boot": None}, None)
    return results.Computed(
        {"key": key, "boot": dark_uncertainty.compute_bootstrap_of(table, fit)}, None
    )


BOOTSTRAP_RESULT = results.ResultKind(
    code=dark_uncertainty.BOOTSTRAP, compute=_bootstrap_compute, fingerprint=_bootstrap_fingerprint
)


def _with_bootstrap(served: results.Served, scope_key: str) -> results.Served:
    """The monitor with the bootstrap of its own capture-history table, when the worker has it."""
    dark = (served.value or {}).get("dark") or {}
    if not dark.get("boot_key") or "boot_low" in dark:
        return served
    stored = results.result_for(dark_uncertainty.BOOTSTRAP, scope_key).value
    if stored is None or stored["key"] != dark["boot_key"] or stored["boot"] is None:
        return served
    dark = {**dark, **dark_uncertainty.bootstrap_fields(stored["boot"])}
    return dataclasses.replace(served, value={**served.value, "dark": dark})


def stored_monitor(user) -> results.Served:
    """The stored monitor of ``user``'s data scope (the caller checked MONITOR_READ), with the
    dark number's bootstrap once the worker has computed it for the same data."""
    scope_key = policy.research_scope(user, monitor=True).key
    return _with_bootstrap(results.result_for(MONITOR, scope_key), scope_key)


def register_all() -> None:
    results.register(MONITOR_RESULT)
    results.register(BOOTSTRAP_RESULT)
    results.register(PERPETRATORS_RESULT)


# --- the perpetrator and non-punishment tables (issue 17 item 6) ----------------------------------

PERPETRATORS = "perpetrators"


def _perpetrators_fingerprint(scope_key: str, params: dict) -> str:
    from inbeeld.analysis.perpetrator_tables import perpetrator_fingerprint

    cases = case_selectors.cases_of_research_scope(policy.ResearchScope.from_key(scope_key))
    state = (
        perpetrator_fingerprint(cases),
        timezone.localdate(),  # the years shown run to this year
        settings.INBEELD_DISCLOSURE_MIN_CELL,
    )
    return hashlib.sha256(repr(state).encode()).hexdigest()


def _perpetrators_compute(scope_key: str, params: dict) -> results.Computed:
    from inbeeld.publication.perpetrator_report import perpetrator_context_of_scope

    context = perpetrator_context_of_scope(policy.ResearchScope.from_key(scope_key))
    return results.Computed(context, context["cutoff"])


PERPETRATORS_RESULT = results.ResultKind(
    code=PERPETRATORS, compute=_perpetrators_compute, fingerprint=_perpetrators_fingerprint
)


def stored_perpetrators(user) -> results.Served:
    """The stored perpetrator and non-punishment tables of ``user``'s monitor scope (the caller
    checked MONITOR_READ): the same scope, and so the same cases, as the monitor."""
    return results.result_for(PERPETRATORS, policy.research_scope(user, monitor=True).key)
