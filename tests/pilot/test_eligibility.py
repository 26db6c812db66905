"""Intention-to-treat exposure: which interventions were active for a case's unit on its index
date (pilot.eligibility), on the edges of deployment periods and against the seeded pilot."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from inbeeld.cases.models import WithdrawalReason
from inbeeld.cases.selectors import case_timeline
from inbeeld.cases.services import event_correct, event_withdraw
from inbeeld.pilot import eligibility
from inbeeld.pilot.eligibility import eligible_interventions
from inbeeld.pilot.models import Deployment, Intervention, Phase
from inbeeld.pilot.selectors import eligible_for_case
from tests.factories import CaseFactory, chain_recorder, event_type, record_events, unit

pytestmark = pytest.mark.django_db

START, END = dt.date(2023, 3, 1), dt.date(2023, 6, 30)
ONE_DAY = dt.timedelta(days=1)


def case_index_date(case) -> dt.date:
    """The index date by the rule's query (eligibility.case_index); the case page's reading of
    the same from the timeline it has read already (case_index_of) must give the same date and
    the same source, wherever this module asks."""
    by_query = eligibility.case_index(case)
    assert eligibility.case_index_of(case, case_timeline(AnonymousUser(), case)) == by_query
    return by_query[0]


@pytest.fixture
def trial():
    """A test intervention of its own, deployed in Zeeland-West-Brabant from START to END."""
    phase = Phase.objects.create(
        code="test-phase", label="Testfase", start=START, end=END, target_victims=1
    )
    intervention = Intervention.objects.create(
        code="test_iv",
        label="Testinterventie",
        description="-",
        chain_stage="first_police_contact",
        partner_type="-",
        order=99,
    )
    deployment = Deployment.objects.create(
        intervention=intervention, phase=phase, start=START, end=END
    )
    deployment.police_units.set([unit("zeeland-west-brabant")])
    return deployment


def _case(intake, unit_code="zeeland-west-brabant", first_contact=None):
    case = CaseFactory(police_unit=unit(unit_code), intake_date=intake)
    if first_contact is not None:
        record_events(case, [("first_police_contact", "")], start=first_contact)
    return case


def _codes(case):
    return {i.code for i in eligible_interventions(case)}


@pytest.mark.parametrize(
    ("day", "eligible"),
    [
        (START - ONE_DAY, False),
        (START, True),
        (START + ONE_DAY, True),
        (END - ONE_DAY, True),
        (END, True),
        (END + ONE_DAY, False),
    ],
)
def test_both_ends_of_a_deployment_are_inclusive(trial, day, eligible):
    case = _case(intake=day)
    assert case_index_date(case) == day
    assert ("test_iv" in _codes(case)) is eligible


def test_an_open_ended_deployment_runs_on(trial):
    trial.end = None
    trial.save()
    assert "test_iv" not in _codes(_case(intake=START - ONE_DAY))
    assert "test_iv" in _codes(_case(intake=START))
    assert "test_iv" in _codes(_case(intake=dt.date(2025, 1, 1)))


def test_a_unit_outside_the_deployment_is_not_eligible(trial):
    assert "test_iv" not in _codes(_case(intake=START, unit_code="amsterdam"))
    assert "test_iv" not in _codes(_case(intake=START, unit_code="oost-brabant"))


def test_a_deployment_without_units_reaches_no_case(trial):
    trial.police_units.clear()
    assert "test_iv" not in _codes(_case(intake=START))


def test_a_deployment_in_two_units_counts_once(trial):
    trial.police_units.add(unit("oost-brabant"))
    twice = Deployment.objects.create(
        intervention=trial.intervention, phase=trial.phase, start=START, end=END
    )
    twice.police_units.set([unit("zeeland-west-brabant")])
    result = [i.code for i in eligible_interventions(_case(intake=START))]
    assert result.count("test_iv") == 1
    # The case page lists both deployments under the one intervention.
    entry = next(
        e for e in eligible_for_case(_case(intake=START)) if e.intervention.code == "test_iv"
    )
    assert len(entry.deployments) == 2


def test_the_index_date_is_the_first_police_contact_when_intake_is_earlier(trial):
    # Intake before the deployment, first police contact inside it: eligible.
    case = _case(intake=START - dt.timedelta(days=30), first_contact=START)
    assert case_index_date(case) == START
    assert "test_iv" in _codes(case)


def test_the_index_date_is_the_first_police_contact_when_intake_is_later(trial):
    # First police contact (before the deployment) predates the intake (inside it): not eligible.
    case = _case(intake=START + dt.timedelta(days=10), first_contact=START - ONE_DAY)
    assert case_index_date(case) == START - ONE_DAY
    assert "test_iv" not in _codes(case)


def test_without_police_contact_the_intake_date_counts(trial):
    case = _case(intake=END)
    record_events(case, [("signal_received", "")], start=END + dt.timedelta(days=5))
    assert case_index_date(case) == END
    assert "test_iv" in _codes(case)


def test_an_explicit_index_date_overrides_the_lookup(trial):
    case = _case(intake=END + ONE_DAY)
    assert "test_iv" not in _codes(case)
    assert "test_iv" in {i.code for i in eligible_interventions(case, index_date=END)}


def test_a_superseded_first_police_contact_does_not_count(trial):
    case = _case(intake=END + dt.timedelta(days=40))
    actor = chain_recorder(case.police_unit)
    (contact,) = record_events(case, [("first_police_contact", "")], start=START, actor=actor)
    assert case_index_date(case) == START
    assert "test_iv" in _codes(case)

    # Corrected to a date after the deployment: the original date no longer counts.
    corrected = event_correct(
        actor=actor,
        event=contact,
        event_type=event_type("first_police_contact"),
        event_date=END + ONE_DAY,
    )
    assert case_index_date(case) == END + ONE_DAY
    assert "test_iv" not in _codes(case)

    # Corrected into another kind of event: no police contact left, the intake date counts.
    event_correct(
        actor=actor,
        event=corrected,
        event_type=event_type("signal_received"),
        event_date=START,
    )
    assert case_index_date(case) == case.intake_date == END + dt.timedelta(days=40)


def test_a_withdrawn_first_police_contact_does_not_count(trial):
    case = _case(intake=END + dt.timedelta(days=40))
    actor = chain_recorder(case.police_unit)
    (contact,) = record_events(case, [("first_police_contact", "")], start=START, actor=actor)
    assert case_index_date(case) == START
    event_withdraw(actor=actor, event=contact, reason=WithdrawalReason.MISTAKE)
    assert case_index_date(case) == case.intake_date
    assert "test_iv" not in _codes(case)


# --- the seeded pilot (pilot/data/pilot.json, DESIGN §5) ----------------------------------------


def test_a_limburg_case_in_phase_2_gets_the_psychologist_and_the_peer_expert():
    case = _case(
        intake=dt.date(2023, 4, 20), unit_code="limburg", first_contact=dt.date(2023, 5, 1)
    )
    assert case_index_date(case) == dt.date(2023, 5, 1)
    assert [i.code for i in eligible_interventions(case)] == ["psychologist", "peer_expert"]


def test_a_noord_holland_case_in_2022_gets_the_assumed_phase_1_safety_coordinator():
    case = _case(intake=dt.date(2022, 9, 15), unit_code="noord-holland")
    (entry,) = eligible_for_case(case)
    assert entry.intervention.code == "safety_coordinator"
    assert [d.phase.code for d in entry.deployments] == ["phase-1"]
    assert entry.regions_assumed


def test_a_noord_holland_case_in_2023_gets_the_judge_and_the_safety_coordinator():
    case = _case(intake=dt.date(2023, 2, 1), unit_code="noord-holland")
    entries = eligible_for_case(case)
    assert [e.intervention.code for e in entries] == ["examining_judge", "safety_coordinator"]
    assert not any(e.regions_assumed for e in entries)


def test_an_amsterdam_case_at_the_phase_boundary():
    assert [i.code for i in eligible_interventions(_case(dt.date(2022, 12, 31), "amsterdam"))] == [
        "psychologist"
    ]
    assert [i.code for i in eligible_interventions(_case(dt.date(2023, 1, 1), "amsterdam"))] == [
        "psychologist"
    ]
    # Before the pilot started nothing was active.
    assert eligible_interventions(_case(dt.date(2021, 5, 31), "amsterdam")) == []


def test_shorter_lead_times_reach_no_unit_yet():
    for code in ("amsterdam", "noord-holland", "limburg", "den-haag"):
        assert "shorter_lead_times" not in _codes(_case(dt.date(2023, 6, 1), code))


def test_regions_are_assumed_exactly_for_the_phase_1_deployments_with_units():
    seeded = Deployment.objects.exclude(seed_key=None).select_related("phase")
    assert seeded.count() == 9
    for deployment in seeded:
        has_units = deployment.police_units.exists()
        expected = deployment.phase.code == "phase-1" and has_units
        assert deployment.regions_assumed is expected, deployment.seed_key


def test_the_case_pages_list_is_the_eligible_interventions_in_order_for_every_unit_and_day():
    """eligible_for_case takes its interventions from the deployments it reads; it must give the
    list eligibility.eligible_interventions gives (the dashboard's and the evaluation's rule)."""
    from inbeeld.pilot.models import Deployment

    days = {d.start for d in Deployment.objects.all()} | {
        d.end for d in Deployment.objects.exclude(end=None)
    }
    days |= {day + dt.timedelta(days=1) for day in set(days)} | {dt.date(2021, 1, 1)}
    checked = 0
    for code in ("amsterdam", "noord-holland", "limburg", "den-haag"):
        for day in sorted(days):
            case = _case(intake=day, unit_code=code)
            expected = [i.code for i in eligible_interventions(case)]
            entries = eligible_for_case(case)
            assert [e.intervention.code for e in entries] == expected, (code, day)
            for entry in entries:
                assert entry.deployments, (code, day)
                assert {d.intervention_id for d in entry.deployments} == {entry.intervention.pk}
            checked += bool(expected)
    assert checked > 10  # the pilot's deployments were reached, not only empty days
