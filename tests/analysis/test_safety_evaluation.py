"""Safety facts in the evaluation (issue 17 item 5, ADR 0006 decision 9): the evaluation's tables
carry the safety facts of the cases in scope only; a recorded fact makes the stored evaluation
stale; the intervention page, the API and the PDF show "Veiligheid en herhaald vertellen".

The small world (tests/analysis/conftest.py): psychologist ITT a1–a4 (Amsterdam) versus n1–n3
(Noord-Holland), all followed for 180 days; x has no research consent."""

from __future__ import annotations

import datetime as dt

import pytest

from inbeeld.analysis import builders
from inbeeld.analysis.evaluation import evaluation_for, stored_evaluation
from inbeeld.analysis.tables import evaluation_tables_for, research_cases
from inbeeld.jobs.models import StoredResult
from inbeeld.publication.reports import evaluation_report
from inbeeld.stats import safety as safety_stats
from inbeeld.suspects.models import STORY_TOLD, SafetyFactKind
from inbeeld.suspects.modus_operandi import safety_fact_record
from tests.analysis.test_views import text
from tests.api.conftest import Api, make_api_client

pytestmark = pytest.mark.django_db

D = dt.date
PSYCHOLOGIST = "/evaluatie/psychologist/"


def _facts(w) -> None:
    officer = {"amsterdam": w.officer["amsterdam"], "noord-holland": w.officer["noord-holland"]}

    def fact(case, kind, day):
        safety_fact_record(actor=officer[case.police_unit.code], case=case, kind=kind, date=day)

    fact(w.a1, "complaint", D(2023, 3, 10))
    fact(w.a1, "studio_interview", D(2023, 4, 1))
    fact(w.a1, "threat", D(2023, 4, 5))
    fact(w.a2, "complaint", D(2023, 4, 20))
    fact(w.a2, "trial", D(2024, 5, 1))  # after 180 days: not within the horizon
    fact(w.n1, "complaint", D(2023, 5, 1))
    fact(w.x, "complaint", D(2023, 3, 2))  # no research consent
    fact(w.x, "threat", D(2023, 3, 20))


def _psychologist(result):
    return next(i for i in result.interventions if i.spec.code == "psychologist")


def test_the_codes_are_those_of_the_model():
    assert set(safety_stats.STORY_TOLD_FACTS) == {str(k) for k in STORY_TOLD}
    assert set(safety_stats.STORY_TOLD_FACTS) | set(safety_stats.SAFETY_FACTS) == set(
        SafetyFactKind.values
    )


def test_the_tables_hold_the_safety_facts_of_cases_in_scope_only(small_world, researcher):
    _facts(small_world)
    tables = evaluation_tables_for(researcher)
    in_scope = set(research_cases().values_list("pk", flat=True))
    ids = set(tables.safety.get_column("case_id").to_list())
    assert small_world.x.pk not in in_scope and small_world.x.pk not in ids
    assert ids == {small_world.a1.pk, small_world.a2.pk, small_world.n1.pk}
    rows = sorted(tables.safety.filter(tables.safety["case_id"] == small_world.a1.pk).rows())
    assert [(fact, day) for _case, fact, day in rows] == [
        ("complaint", D(2023, 3, 10)),
        ("studio_interview", D(2023, 4, 1)),
        ("threat", D(2023, 4, 5)),
    ]


def test_the_evaluation_counts_the_tellings_per_group(small_world, researcher):
    _facts(small_world)
    item = _psychologist(evaluation_for(researcher))
    tellings = item.safety.tellings
    # a1 told it twice, a2 once within the horizon, a3 and a4 never; n1 once, n2 and n3 never
    assert (tellings.n1, tellings.total1, tellings.n0, tellings.total0) == (4, 3, 3, 1)
    assert tellings.reason == safety_stats.TOO_FEW and tellings.low is None
    threat = next(b for b in item.safety.balance if b.fact == "threat")
    assert (threat.x1, threat.n1, threat.x0, threat.n0) == (1, 4, 0, 3)


def test_a_recorded_safety_fact_makes_the_stored_evaluation_stale(small_world, researcher):
    cases = research_cases()
    before = builders.data_fingerprint(cases)
    stored_evaluation(researcher)
    assert StoredResult.objects.filter(kind="evaluation", stale=False).exists()
    safety_fact_record(
        actor=small_world.officer["amsterdam"],
        case=small_world.a3,
        kind="contact_ban",
        date=D(2023, 6, 1),
    )
    assert not StoredResult.objects.filter(stale=False).exists()
    assert builders.data_fingerprint(cases) != before


def test_the_intervention_page_shows_the_safety_section(
    small_world, client, login, researcher, settings
):
    settings.INBEELD_DISCLOSURE_MIN_CELL = 1
    _facts(small_world)
    login(researcher)
    response = client.get(PSYCHOLOGIST)
    assert response.status_code == 200
    page = text(response)
    assert "Veiligheid en herhaald vertellen" in page
    assert (
        "gemiddeld 0,75 keer met de interventie (4 casussen) en 0,33 keer zonder (3 casussen)"
        in page
    )
    assert "Geen betrouwbaarheidsinterval: een van de groepen heeft minder dan 10 casussen" in page
    assert "Bedreiging gemeld na de aangifte 1 0" in page
    assert 'data-testid="safety-facts"' in response.content.decode()


def test_small_groups_are_suppressed_on_the_page_and_in_the_pdf(
    small_world, client, login, researcher, settings
):
    settings.INBEELD_DISCLOSURE_MIN_CELL = 5
    _facts(small_world)
    login(researcher)
    page = text(client.get(PSYCHOLOGIST))
    assert "Veiligheid en herhaald vertellen" in page
    assert "0,75 keer" not in page
    assert "Onderdrukt: een van de groepen is kleiner dan 5 casussen" in page
    # 1 of 4 is below the minimum: suppressed; a zero is published (stats.disclosure)
    assert "Bedreiging gemeld na de aangifte × 0" in page
    report = evaluation_report(evaluation_for(researcher), scope_label="test")
    assert "Veiligheid en herhaald vertellen" in report.html
    assert "0,75 keer" not in report.html


def test_the_pdf_and_the_api_show_the_same_block(small_world, researcher, settings):
    settings.INBEELD_DISCLOSURE_MIN_CELL = 1
    _facts(small_world)
    report = evaluation_report(evaluation_for(researcher), scope_label="test")
    assert "gemiddeld 0,75 keer met de interventie (4 casussen)" in report.html
    _client, key = make_api_client(researcher)
    response = Api(key).get("evaluatie/psychologist")
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    safety = body["veiligheid"]
    assert any("0,75 keer" in z for z in safety["zinnen"])
    threat = next(f for f in safety["feiten"] if f["feit"] == "threat")
    assert (threat["metInterventie"], threat["zonderInterventie"]) == ("1", "0")


def test_corrected_and_withdrawn_facts_leave_the_evaluation_and_make_it_stale(
    small_world, researcher
):
    """Only standing facts count (ADR 0023 decision 16): a withdrawn telling leaves the tellings,
    a corrected one counts once, with its new kind; each undo makes the stored result stale."""
    from inbeeld.suspects.models import SafetyFact
    from inbeeld.suspects.modus_operandi import safety_fact_correct, safety_fact_withdraw

    _facts(small_world)
    officer = small_world.officer["amsterdam"]
    cases = research_cases()
    stored_evaluation(researcher)
    before = builders.data_fingerprint(cases)

    studio = SafetyFact.objects.get(case=small_world.a1, kind="studio_interview")
    safety_fact_withdraw(actor=officer, fact=studio, reason="mistake")
    assert not StoredResult.objects.filter(stale=False).exists()
    after_withdrawal = builders.data_fingerprint(cases)
    assert after_withdrawal != before

    threat = SafetyFact.objects.get(case=small_world.a1, kind="threat")
    safety_fact_correct(actor=officer, fact=threat, kind="contact_ban", date=D(2023, 4, 5))
    assert builders.data_fingerprint(cases) != after_withdrawal

    tables = evaluation_tables_for(researcher)
    rows = sorted(tables.safety.filter(tables.safety["case_id"] == small_world.a1.pk).rows())
    assert [(fact, day) for _case, fact, day in rows] == [
        ("complaint", D(2023, 3, 10)),
        ("contact_ban", D(2023, 4, 5)),
    ]
    tellings = _psychologist(evaluation_for(researcher)).safety.tellings
    # a1 now told it once (the studio interview is withdrawn), a2 once: 2 in the exposed group
    assert (tellings.n1, tellings.total1, tellings.n0, tellings.total0) == (4, 2, 3, 1)
