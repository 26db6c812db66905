"""Which intervention reached which case: the case list filters on delivered interventions."""

import datetime as dt

import pytest
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.pilot.models import Intervention
from inbeeld.pilot.services import delivery_record
from tests.factories import CaseFactory, make_user

pytestmark = pytest.mark.django_db


def test_the_case_list_shows_the_cases_an_intervention_reached(login):
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    psychologist = Intervention.objects.get(code="psychologist")
    reached, refused, untouched = CaseFactory(), CaseFactory(), CaseFactory()
    day = dt.date(2024, 3, 5)
    delivery_record(
        actor=officer,
        case=reached,
        intervention=psychologist,
        date=day,
        delivered=True,
        fidelity={"interview_advice_before_complaint": True},
    )
    delivery_record(
        actor=officer,
        case=refused,
        intervention=psychologist,
        date=day,
        delivered=False,
        reason_not_delivered="Geen psycholoog beschikbaar",
    )
    researcher = login(make_user(Role.RESEARCHER))
    html = researcher.get(reverse("cases:list"), {"reached_by": "psychologist"}).content.decode()
    assert reached.code in html
    assert refused.code not in html and untouched.code not in html
    everything = researcher.get(reverse("cases:list")).content.decode()
    assert all(c.code in everything for c in (reached, refused, untouched))
    other = researcher.get(reverse("cases:list"), {"reached_by": "peer_expert"}).content.decode()
    assert reached.code not in other
