"""Issue 12 item 5 on the pages: the intervention page and the overview show the cases per group
needed for the pilot's minimal important difference as a range, in Dutch, and a change of the
MID in the pilot design gives a fresh evaluation (it is part of the cache fingerprint)."""

from __future__ import annotations

import pytest

from inbeeld.analysis.evaluation import evaluation_for
from inbeeld.pilot.models import Intervention
from inbeeld.stats.assurance import planning_summary
from tests.analysis.test_views import OVERVIEW, PSYCHOLOGIST, text

pytestmark = pytest.mark.django_db


def _itt(researcher):
    result = evaluation_for(researcher)
    return next(i for i in result.interventions if i.spec.code == "psychologist").itt


def test_pages_show_the_range_for_the_mid_and_follow_a_changed_mid(
    small_world, client, login, researcher
):
    login(researcher)
    itt = _itt(researcher)
    plan = itt.planning
    assert plan == planning_summary(itt.x0, itt.n0, itt.n1, mid=0.10)
    page = text(client.get(PSYCHOLOGIST))
    assert (
        f"Om een verschil van 10 procentpunten met 80 % zekerheid te kunnen aantonen zijn naar "
        f"verwachting {plan.low} tot {plan.high} casussen per groep nodig (middenwaarde "
        f"{plan.n_per_group}); nu {itt.n1} en {itt.n0}." in page
    )
    overview = text(client.get(OVERVIEW))
    assert "Nodig per groep (80 % zekerheid)" in overview
    assert f"{plan.low}–{plan.high}" in overview

    # Saved as the admin saves it: the stored evaluation becomes stale (analysis.freshness).
    psychologist = Intervention.objects.get(code="psychologist")
    psychologist.min_important_difference = 0.25
    psychologist.save(update_fields=["min_important_difference"])
    wider = _itt(researcher).planning
    assert wider.mid == pytest.approx(0.25) and wider.n_per_group < plan.n_per_group
    assert "Om een verschil van 25 procentpunten" in text(client.get(PSYCHOLOGIST))
