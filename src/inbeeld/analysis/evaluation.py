"""Run the evaluation for a user (within their scope) and cache the result.

The cases come from inbeeld.policy (evaluation_scope, research_scope). The result is cached per
user, horizon and data fingerprint (analysis.builders.data_fingerprint), so
a page view after the first costs a few cheap queries; any new event, delivery, consent or
deployment change gives a new fingerprint and a fresh evaluation."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

from inbeeld.analysis.builders import data_fingerprint
from inbeeld.analysis.tables import tables_for_cases
from inbeeld.cases import selectors as case_selectors
from inbeeld.pilot.models import STAGES_AFTER_COMPLAINT, Intervention, Phase
from inbeeld.stats import vocabulary as ev
from inbeeld.stats.evaluation import Evaluation, InterventionSpec, evaluate
from inbeeld.stats.outcomes import DEFAULT_HORIZON_DAYS

# Interventions acting before any police contact: the safety coordinator's safety assessment.
STAGES_BEFORE_POLICE = {ev.SAFETY_ASSESSMENT, ev.SIGNAL_RECEIVED}
__all__ = ["STAGES_AFTER_COMPLAINT", "evaluation_for", "intervention_specs", "research_evaluation"]
CACHE_SECONDS = 60 * 60


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


def _cached(cases, scope: str, horizon_days: int) -> Evaluation:
    # The specs (with each intervention's primary analysis) are part of the key: a changed
    # design in the admin gives a fresh evaluation at once.
    specs = intervention_specs()
    fingerprint = hashlib.sha256(repr((data_fingerprint(cases), specs)).encode()).hexdigest()[:24]
    key = f"inbeeld:evaluation:{scope}:{horizon_days}:{fingerprint}"
    result = cache.get(key)
    if result is None:
        tables = tables_for_cases(cases)
        result = evaluate(tables, specs, horizon_days=horizon_days)
        cache.set(key, result, CACHE_SECONDS)
    return result


def evaluation_for(user, *, horizon_days: int = DEFAULT_HORIZON_DAYS) -> Evaluation:
    """The evaluation of the cases ``user`` may see (a researcher: those with consent)."""
    return _cached(case_selectors.cases_in_evaluation_scope(user), f"user-{user.pk}", horizon_days)


def research_evaluation(*, horizon_days: int = DEFAULT_HORIZON_DAYS) -> Evaluation:
    """The evaluation in the research scope (what every researcher sees), for the CLI."""
    return _cached(case_selectors.cases_in_research_scope(), "research", horizon_days)
