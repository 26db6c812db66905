"""The pilot dashboard as a stored result (jobs.results): pilot.dashboard computes it and serves
it, analysis registers it because the data fingerprint (analysis.builders) lives here."""

from __future__ import annotations

import hashlib

from django.utils import timezone

from inbeeld import policy
from inbeeld.analysis.builders import dashboard_fingerprint
from inbeeld.cases import selectors as case_selectors
from inbeeld.jobs import results
from inbeeld.pilot.dashboard import RESULT_KIND, compact, dashboard_of_cases


def _scope_cases(scope_key: str):
    return case_selectors.cases_of_research_scope(policy.ResearchScope.from_key(scope_key))


def _fingerprint(scope_key: str, params: dict) -> str:
    # The day is part of it: the deployment timeline marks today.
    state = (dashboard_fingerprint(_scope_cases(scope_key)), timezone.localdate())
    return hashlib.sha256(repr(state).encode()).hexdigest()


def _compute(scope_key: str, params: dict) -> results.Computed:
    return results.Computed(compact(dashboard_of_cases(_scope_cases(scope_key))), None)


RESULT = results.ResultKind(code=RESULT_KIND, compute=_compute, fingerprint=_fingerprint)
