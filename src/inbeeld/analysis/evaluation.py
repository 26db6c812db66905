"""The evaluation of a data scope: computed directly (``research_evaluation``, ``evaluation_for``:
the CLI and the PDF job, in the worker) or served from the stored result the worker keeps up to
date (``stored_evaluation``: the pages, jobs.results).

The cases come from inbeeld.policy (policy.research_scope, cases_of_research_scope). A stored
result is kept per data scope and horizon with its data fingerprint (analysis.builders.
data_fingerprint, the intervention specs and the day): any new event, delivery, consent or
deployment change marks it stale (analysis.freshness) and the worker computes it again."""

from __future__ import annotations

import hashlib

from django.utils import timezone

from inbeeld import policy
from inbeeld.analysis.builders import data_fingerprint
from inbeeld.analysis.tables import tables_for_cases
from inbeeld.cases import selectors as case_selectors
from inbeeld.jobs import results
from inbeeld.pilot.models import STAGES_AFTER_COMPLAINT, Intervention, Phase
from inbeeld.stats import vocabulary as ev
from inbeeld.stats.evaluation import Evaluation, InterventionSpec, evaluate
from inbeeld.stats.outcomes import DEFAULT_HORIZON_DAYS

# Interventions acting before any police contact: the safety coordinator's safety assessment.
STAGES_BEFORE_POLICE = {ev.SAFETY_ASSESSMENT, ev.SIGNAL_RECEIVED}
__all__ = [
    "STAGES_AFTER_COMPLAINT",
    "evaluation_for",
    "intervention_specs",
    "research_evaluation",
    "stored_evaluation",
]
RESULT_KIND = "evaluation"


def intervention_specs() -> list[InterventionSpec]:
    phase = Phase.objects.order_by("-start").first()
    target = phase.target_victims if phase else None
    return [
        InterventionSpec(
            code=i.code,
            label=i.label,
            requires_police_contact=i.chain_stage not in STAGES_BEFORE_POLICE,
            phase_target=target,
            after_complaint=i.acts_after_complaint,
            min_important_difference=i.min_important_difference,
            primary=i.primary_design(),
        )
        for i in Intervention.objects.order_by("order")
    ]


def _evaluate(cases, horizon_days: int) -> Evaluation:
    return evaluate(tables_for_cases(cases), intervention_specs(), horizon_days=horizon_days)


def evaluation_for(user, *, horizon_days: int = DEFAULT_HORIZON_DAYS) -> Evaluation:
    """The evaluation of the cases ``user`` may see (a researcher: those with consent), computed
    now: for the worker and the CLI, never for a page (``stored_evaluation``)."""
    return _evaluate(case_selectors.cases_in_evaluation_scope(user), horizon_days)


def research_evaluation(*, horizon_days: int = DEFAULT_HORIZON_DAYS) -> Evaluation:
    """The evaluation in the research scope (what every researcher sees), for the CLI."""
    return _evaluate(case_selectors.cases_in_research_scope(), horizon_days)


# --- the stored result (jobs.results) ---------------------------------------------------------------


def _scope_cases(scope_key: str):
    return case_selectors.cases_of_research_scope(policy.ResearchScope.from_key(scope_key))


def _fingerprint(scope_key: str, params: dict) -> str:
    # The specs (with each intervention's primary analysis) are part of it: a changed design in
    # the admin gives a fresh evaluation; the day too (the cut-off is never after today).
    state = (data_fingerprint(_scope_cases(scope_key)), intervention_specs(), timezone.localdate())
    return hashlib.sha256(repr(state).encode()).hexdigest()


def _compute(scope_key: str, params: dict) -> results.Computed:
    tables = tables_for_cases(_scope_cases(scope_key))
    value = evaluate(tables, intervention_specs(), horizon_days=int(params["horizon"]))
    return results.Computed(value, tables.cutoff)


RESULT = results.ResultKind(code=RESULT_KIND, compute=_compute, fingerprint=_fingerprint)


def stored_evaluation(user, *, horizon_days: int = DEFAULT_HORIZON_DAYS) -> results.Served:
    """The stored evaluation of ``user``'s data scope (the caller checked EVALUATION_READ)."""
    scope = policy.research_scope(user)
    return results.result_for(RESULT_KIND, scope.key, {"horizon": horizon_days})
