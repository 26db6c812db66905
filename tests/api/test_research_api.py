"""The evaluation of one intervention and the monitor through the API: the researchers' pages'
figures from the stored results (the same presenter, the same disclosure-controlled tables),
researchers only, each monitor delivery logged as a release."""

from __future__ import annotations

import pytest

from inbeeld.accounts.models import Role
from inbeeld.analysis import presenter
from inbeeld.analysis.evaluation import stored_evaluation
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.models import ConsentRecord
from inbeeld.cases.services import consent_record
from inbeeld.publication.monitor_report import monitor_table_rows
from inbeeld.publication.stored_results import stored_monitor
from tests.api.conftest import assert_problem
from tests.factories import CaseFactory, chain_recorder, make_user, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def researcher():
    """Twelve cases in three units, with consent for the evaluation and the monitor: few enough
    per unit that the monitor's disclosure control has to suppress counts."""
    for code in ("amsterdam", "limburg", "noord-holland"):
        recorder = chain_recorder(unit(code))
        for _ in range(4):
            case = CaseFactory(
                police_unit=unit(code), with_complaint=True, without_consent=True, recorder=recorder
            )
            consent_record(
                actor=recorder,
                case=case,
                kind=ConsentRecord.Kind.GIVEN,
                date=case.intake_date,
                scope=ConsentRecord.Scope.EVALUATION_AND_MONITOR,
            )
    return make_user(Role.RESEARCHER)


def test_one_intervention_is_the_intervention_page(api_for, researcher):
    response = api_for(researcher).get("evaluatie/psychologist", {"horizon": 365})
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    result = stored_evaluation(researcher, horizon_days=365).value
    item = next(i for i in result.interventions if i.spec.code == "psychologist")
    sections = presenter.intervention_sections(item, 365)
    assert [s["sleutel"] for s in body["gevoeligheidsanalyses"]] == [s["key"] for s in sections]
    assert body["gevoeligheidsanalyses"][0]["zinnen"] == [str(z) for z in sections[0]["sentences"]]
    assert body["interventie"]["code"] == "psychologist" and body["horizon"] == 365
    assert body["primaireAnalyse"]["zin"]
    assert_problem(api_for(researcher).get("evaluatie/bestaat-niet"), 404)
    assert_problem(api_for(researcher).get("evaluatie/psychologist", {"horizon": 2}), 400)
    officer = make_user(Role.POLICE_OFFICER)
    assert_problem(api_for(officer).get("evaluatie/psychologist"), 403)


def test_the_monitor_is_the_published_tables_and_each_delivery_is_logged(api_for, researcher):
    response = api_for(researcher).get("monitor")
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    _header, *rows = monitor_table_rows(stored_monitor(researcher).value)
    assert [[c["tabel"], c["rij"], c["kolom"], c["waarde"]] for c in body["cellen"]] == [
        [str(v) for v in row] for row in rows
    ]
    # Disclosure control: with a handful of cases per unit, small counts are suppressed.
    assert body["aantalCasussen"] == "12"
    assert body["onderdrukt"] == "×" and any(c["waarde"] == "×" for c in body["cellen"])
    assert body["minimaleCelwaarde"] >= 5
    released = AuditEvent.objects.get(
        action=AuditAction.REPORT_CREATED, subject_ref="monitor_tables"
    )
    assert released.actor == researcher and released.extra["format"] == "api"
    assert released.extra["api_client"]["id"]
    officer = make_user(Role.POLICE_OFFICER)
    assert_problem(api_for(officer).get("monitor"), 403)
