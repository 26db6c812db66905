"""A reason "not delivered" is free text: it carries the role family of its writer and only that
family reads it, like a note (issue 11, item 3). The attack: a psychologist's reason reached the
prosecutor and the examining judge, a coordinator's (care) reason reached the police, because the
case page showed every reason to anyone who may read notes at all."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.pilot.models import Delivery, Intervention
from inbeeld.pilot.selectors import case_deliveries
from inbeeld.pilot.services import delivery_record
from tests.factories import CaseFactory, add_membership, assign, court, make_user

pytestmark = pytest.mark.django_db

PSYCHOLOGIST_REASON = "Psycholoog ziek; slachtoffer wilde alleen met haar praten"
COORDINATOR_REASON = "Opvangplek in Zaandam vol; contact via haar zus"


@pytest.fixture
def case():
    return CaseFactory(intake_date=dt.date(2023, 3, 1), court=court("amsterdam"))


@pytest.fixture
def people(case):
    """One user of every case role, all in the case's scope (assigned where the role needs it)."""
    users = {role: make_user(role) for role in Role.values}
    for role in (Role.PSYCHOLOGIST, Role.PEER_EXPERT):
        assign(case, users[role], role)
    return users


def _not_delivered(actor, case, code: str, reason: str) -> Delivery:
    return delivery_record(
        actor=actor,
        case=case,
        intervention=Intervention.objects.get(code=code),
        date=dt.date(2023, 3, 5),
        delivered=False,
        reason_not_delivered=reason,
    )


def _page(login, user, case) -> str:
    response = login(user).get(reverse("cases:detail", args=[case.code]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_psychologists_reason_reaches_the_police_family_not_the_om_or_the_judge(
    login, case, people
):
    delivery = _not_delivered(people[Role.PSYCHOLOGIST], case, "psychologist", PSYCHOLOGIST_REASON)
    assert delivery.reason_family == "police"
    for role in (Role.PSYCHOLOGIST, Role.POLICE_OFFICER):
        assert PSYCHOLOGIST_REASON in _page(login, people[role], case), role
    for role in (
        Role.PROSECUTOR,
        Role.EXAMINING_JUDGE,
        Role.SAFETY_COORDINATOR,
        Role.PEER_EXPERT,
        Role.RESEARCHER,
    ):
        page = _page(login, people[role], case)
        assert PSYCHOLOGIST_REASON not in page, role
        assert "reden alleen zichtbaar voor de beroepsgroep die haar vastlegde" in page, role


def test_a_coordinators_reason_stays_with_care_not_with_the_police(login, case, people):
    delivery = _not_delivered(
        people[Role.SAFETY_COORDINATOR], case, "safety_coordinator", COORDINATOR_REASON
    )
    assert delivery.reason_family == "care"
    for role in (Role.SAFETY_COORDINATOR, Role.PEER_EXPERT):
        assert COORDINATOR_REASON in _page(login, people[role], case), role
    for role in (Role.POLICE_OFFICER, Role.PSYCHOLOGIST, Role.PROSECUTOR, Role.EXAMINING_JUDGE):
        assert COORDINATOR_REASON not in _page(login, people[role], case), role


def test_the_selector_gives_the_reason_only_to_the_writing_family(case, people):
    _not_delivered(people[Role.PROSECUTOR], case, "examining_judge", "OM: zitting verplaatst")
    (own,) = case_deliveries(people[Role.PROSECUTOR], case)
    (other,) = case_deliveries(people[Role.EXAMINING_JUDGE], case)
    assert (own.reason, own.has_reason) == ("OM: zitting verplaatst", True)
    assert (other.reason, other.has_reason) == (None, True)


def test_a_user_with_two_roles_writes_with_the_delivering_roles_family(case):
    """A police officer who is also the unit's safety coordinator records the coordinator's
    intervention as care and the peer expert's (which the police register too) as police."""
    both = make_user(Role.POLICE_OFFICER)
    add_membership(both, Role.SAFETY_COORDINATOR)
    care = _not_delivered(both, case, "safety_coordinator", "Coördinator afwezig")
    police = _not_delivered(both, case, "peer_expert", "Ervaringsdeskundige niet bereikbaar")
    assert (care.reason_family, police.reason_family) == ("care", "police")


def test_a_delivered_intervention_has_no_reason_and_no_family(case, people):
    delivery = delivery_record(
        actor=people[Role.POLICE_OFFICER],
        case=case,
        intervention=Intervention.objects.get(code="psychologist"),
        date=dt.date(2023, 3, 5),
        delivered=True,
    )
    assert (delivery.reason_ciphertext, delivery.reason_family) == ("", "")


# --- existing reasons (the data migration) ------------------------------------------------------

migration = importlib.import_module("inbeeld.pilot.migrations.0004_delivery_reason_family")


def _untagged(delivery: Delivery) -> Delivery:
    Delivery.objects.filter(pk=delivery.pk).update(reason_family="")
    return delivery


def test_existing_reasons_get_the_family_of_their_recorders_role(case, people):
    by_psychologist = _untagged(
        _not_delivered(people[Role.PSYCHOLOGIST], case, "psychologist", PSYCHOLOGIST_REASON)
    )
    by_coordinator = _untagged(
        _not_delivered(
            people[Role.SAFETY_COORDINATOR], case, "safety_coordinator", COORDINATOR_REASON
        )
    )
    by_judge = _untagged(
        _not_delivered(people[Role.EXAMINING_JUDGE], case, "examining_judge", "RC: geen tolk")
    )
    migration.tag_reasons(apps, None)
    families = dict(Delivery.objects.values_list("pk", "reason_family"))
    assert families == {
        by_psychologist.pk: "police",
        by_coordinator.pk: "care",
        by_judge.pk: "judiciary",
    }


def test_an_existing_reason_whose_writer_is_unknown_is_hidden_from_everyone(case, people):
    """No recorder (bulk-loaded rows), or a recorder whose role for it cannot be told apart: the
    family stays empty and no role reads the reason (hiding is safe, a wrong family is not)."""
    anonymous = _not_delivered(people[Role.PSYCHOLOGIST], case, "psychologist", "zonder schrijver")
    Delivery.objects.filter(pk=anonymous.pk).update(reason_family="", recorded_by=None)
    both = make_user(Role.POLICE_OFFICER)
    add_membership(both, Role.PEER_EXPERT)
    assign(case, both, Role.PEER_EXPERT)
    ambiguous = _not_delivered(both, case, "peer_expert", "politie of zorg?")
    Delivery.objects.filter(pk=ambiguous.pk).update(reason_family="", organisation=None)
    migration.tag_reasons(apps, None)
    assert set(Delivery.objects.values_list("reason_family", flat=True)) == {""}
    for user in people.values():
        assert all(row.reason is None for row in case_deliveries(user, case))
