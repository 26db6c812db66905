"""The index date and exposure exist in two forms that must agree: on the ORM (pilot.eligibility,
and the dashboard's one-query join) and in polars (stats.outcomes over the analysis tables), both
written from the rules in stats.vocabulary. Here both forms run on the same database rows and
must give the same index date and the same exposed interventions for every case, including the
edges: no police contact, contact before, on and after a deployment's ends, an open-ended
deployment, a unit outside the deployment, and a first police contact superseded by a correction.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.utils import timezone

from inbeeld.analysis.tables import tables_for_cases
from inbeeld.cases.models import Case
from inbeeld.cases.services import event_correct
from inbeeld.pilot.dashboard import _eligible_pairs
from inbeeld.pilot.eligibility import eligible_interventions, index_date_expression
from inbeeld.pilot.models import Deployment, Intervention, Phase
from inbeeld.stats import vocabulary
from inbeeld.stats.outcomes import case_outcomes, exposures
from tests.factories import CaseFactory, chain_recorder, event_type, record_events, unit

pytestmark = pytest.mark.django_db

START, END = dt.date(2023, 3, 1), dt.date(2023, 6, 30)
OPEN_START = dt.date(2023, 9, 1)
DAY = dt.timedelta(days=1)
UNIT, OTHER_UNIT = "zeeland-west-brabant", "amsterdam"


@pytest.fixture
def deployments():
    """Two test interventions of their own: one from START to END, one open-ended from
    OPEN_START, both in Zeeland-West-Brabant."""
    phase = Phase.objects.create(
        code="rule-phase", label="Testfase", start=START, end=END, target_victims=1
    )
    made = []
    for code, start, end in (("closed_iv", START, END), ("open_iv", OPEN_START, None)):
        intervention = Intervention.objects.create(
            code=code,
            label=code,
            description="-",
            chain_stage=vocabulary.FIRST_POLICE_CONTACT,
            partner_type="-",
            order=90,
        )
        deployment = Deployment.objects.create(
            intervention=intervention, phase=phase, start=start, end=end
        )
        deployment.police_units.set([unit(UNIT)])
        made.append(deployment)
    return made


def _case(intake, *, contact=None, unit_code=UNIT) -> Case:
    case = CaseFactory(police_unit=unit(unit_code), intake_date=intake)
    if contact is not None:
        record_events(case, [(vocabulary.FIRST_POLICE_CONTACT, "")], start=contact)
    return case


@pytest.fixture
def cases(deployments):
    late_intake = END + 60 * DAY
    made = {
        "no_contact_before": _case(START - DAY),
        "no_contact_on_start": _case(START),
        "no_contact_on_end": _case(END),
        "no_contact_after": _case(END + DAY),
        "contact_before_start": _case(START - 30 * DAY, contact=START - DAY),
        "contact_on_start": _case(START - 30 * DAY, contact=START),
        "contact_inside": _case(START - 30 * DAY, contact=START + 20 * DAY),
        "contact_after_end": _case(START + DAY, contact=END + DAY),
        "contact_in_open": _case(START + DAY, contact=OPEN_START + 100 * DAY),
        "other_unit": _case(START + DAY, contact=START + 2 * DAY, unit_code=OTHER_UNIT),
        "no_contact_open": _case(OPEN_START),
    }
    # A first police contact corrected to another date: the original no longer counts.
    case = _case(late_intake, contact=START + 5 * DAY)
    (contact,) = case.events.filter(event_type__code=vocabulary.FIRST_POLICE_CONTACT)
    actor = chain_recorder(case.police_unit)
    event_correct(
        actor=actor,
        event=contact,
        event_type=event_type(vocabulary.FIRST_POLICE_CONTACT),
        event_date=END + DAY,
    )
    made["contact_corrected_out"] = case
    # A first police contact corrected into another event: the intake date counts.
    case = _case(START + 3 * DAY, contact=END + 10 * DAY)
    (contact,) = case.events.filter(event_type__code=vocabulary.FIRST_POLICE_CONTACT)
    event_correct(
        actor=chain_recorder(case.police_unit),
        event=contact,
        event_type=event_type(vocabulary.SIGNAL_RECEIVED),
        event_date=END + 10 * DAY,
    )
    made["contact_corrected_away"] = case
    return made


def _polars_forms(queryset):
    tables = tables_for_cases(queryset, cutoff=timezone.localdate())
    outcomes = case_outcomes(tables)
    index = dict(outcomes.select("case_id", "index_date").iter_rows())
    exposed = exposures(tables, outcomes).filter(pl.col("itt"))
    itt: dict[int, set[str]] = {pk: set() for pk in index}
    for pk, code in exposed.select("case_id", "intervention").iter_rows():
        itt[pk].add(code)
    return index, itt


def test_orm_and_polars_forms_give_the_same_index_date_and_exposure(cases):
    queryset = Case.objects.filter(pk__in=[c.pk for c in cases.values()])
    orm_index = dict(queryset.annotate(index=index_date_expression()).values_list("pk", "index"))
    orm_itt = {case.pk: {i.code for i in eligible_interventions(case)} for case in queryset}
    codes = dict(Intervention.objects.values_list("pk", "code"))
    dashboard_itt: dict[int, set[str]] = {pk: set() for pk in orm_index}
    for pk, _unit, _phase, intervention_id in _eligible_pairs(queryset):
        dashboard_itt[pk].add(codes[intervention_id])

    polars_index, polars_itt = _polars_forms(queryset)

    assert polars_index == orm_index
    assert polars_itt == orm_itt
    assert dashboard_itt == orm_itt


def test_the_edges_come_out_as_the_rule_says(cases):
    """The expected answers by hand, so the two forms cannot agree on a wrong rule."""
    queryset = Case.objects.filter(pk__in=[c.pk for c in cases.values()])
    index, itt = _polars_forms(queryset)
    expected = {
        "no_contact_before": (START - DAY, set()),
        "no_contact_on_start": (START, {"closed_iv"}),
        "no_contact_on_end": (END, {"closed_iv"}),
        "no_contact_after": (END + DAY, set()),
        "contact_before_start": (START - DAY, set()),
        "contact_on_start": (START, {"closed_iv"}),
        "contact_inside": (START + 20 * DAY, {"closed_iv"}),
        "contact_after_end": (END + DAY, set()),
        "contact_in_open": (OPEN_START + 100 * DAY, {"open_iv"}),
        "other_unit": (START + 2 * DAY, set()),
        "no_contact_open": (OPEN_START, {"open_iv"}),
        "contact_corrected_out": (END + DAY, set()),
        "contact_corrected_away": (START + 3 * DAY, {"closed_iv"}),
    }
    ours = {"closed_iv", "open_iv"}
    for name, (day, exposed) in expected.items():
        pk = cases[name].pk
        assert index[pk] == day, name
        assert itt[pk] & ours == exposed, name


def test_the_array_form_of_the_rules_agrees_with_the_scalar_form():
    import numpy as np

    days = np.arange(-3, 12)
    assert np.array_equal(
        vocabulary.deployment_active(days, 0, 8), [0 <= d <= 8 for d in days.tolist()]
    )
    assert np.array_equal(vocabulary.deployment_active(days, 2, None), days >= 2)
    assert vocabulary.deployment_active(START, START, END)
    assert vocabulary.deployment_active(END, START, END)
    assert not vocabulary.deployment_active(END + DAY, START, END)
    assert np.array_equal(
        vocabulary.index_day(np.array([-1, 5, 0]), np.array([3, 4, 7])), [3, 5, 0]
    )
