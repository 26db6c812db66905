"""The monitor page as a stored result (jobs.results): the worker computes the page's context
(publication.monitor_report.monitor_context_of_scope) per data scope; the page, its tables file
and nothing else in a web request serve it from there."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.utils import timezone

from inbeeld import policy
from inbeeld.analysis.builders import monitor_fingerprint
from inbeeld.cases import selectors as case_selectors
from inbeeld.intake import selectors as signal_selectors
from inbeeld.jobs import results

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

    # The worker has the time for the bootstrap of the dark number's model choice (bounded by
    # stats.mse_uncertainty.DEFAULT_MAX_SECONDS), which a page never ran itself.
    context = monitor_context_of_scope(
        policy.ResearchScope.from_key(scope_key), compute_bootstrap=True
    )
    return results.Computed(context, context["cutoff"])


MONITOR_RESULT = results.ResultKind(code=MONITOR, compute=_compute, fingerprint=_fingerprint)


def stored_monitor(user) -> results.Served:
    """The stored monitor of ``user``'s data scope (the caller checked MONITOR_READ)."""
    return results.result_for(MONITOR, policy.research_scope(user, monitor=True).key)


def register_all() -> None:
    results.register(MONITOR_RESULT)
