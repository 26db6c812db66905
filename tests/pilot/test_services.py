"""Writes of the pilot on a case: who may record a delivery (DELIVERY_RECORDERS × every role),
delivery validation and fidelity, and victim-reported measures with missing answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from inbeeld import policy
from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.pilot.models import Delivery, Instrument, Intervention, Measure, Moment
from inbeeld.pilot.services import delivery_record, measure_record
from tests.factories import CaseFactory, add_membership, assign, court, make_user

pytestmark = pytest.mark.django_db

DAY = dt.date(2024, 4, 2)
PSYCHOLOGIST_ITEMS = [
    "interview_advice_before_complaint",
    "interview_plan_codrafted",
    "present_or_available",
]
ASSIGNED_ROLES = {Role.PSYCHOLOGIST, Role.PEER_EXPERT}


def intervention(code: str) -> Intervention:
    return Intervention.objects.get(code=code)


def instrument() -> Instrument:
    return Instrument.objects.get(code="slachtofferervaring", version=1)


@pytest.fixture
def case():
    """An Amsterdam case before the Amsterdam court, with research consent: in the regular scope
    of every role's Amsterdam membership (and of researchers)."""
    return CaseFactory(court=court("amsterdam"))


def user_in_scope(role: str, case):
    user = make_user(role)
    if role in ASSIGNED_ROLES:
        assign(case, user, role)
    return user


def _record(actor, case, code="psychologist", **overrides):
    values = {
        "actor": actor,
        "case": case,
        "intervention": intervention(code),
        "date": DAY,
        "delivered": True,
        "fidelity": {},
    }
    values.update(overrides)
    return delivery_record(**values)


def _delivery_audits(case):
    return AuditEvent.objects.filter(action=AuditAction.DELIVERY_RECORDED, case_code=case.code)


# --- who may record a delivery ---------------------------------------------------------------


def test_every_intervention_has_recorders_and_every_catalogue_intervention_is_in_the_table():
    assert set(policy.DELIVERY_RECORDERS) == set(
        Intervention.objects.values_list("code", flat=True)
    )
    assert all(policy.DELIVERY_RECORDERS.values())


@pytest.mark.parametrize("code", sorted(policy.DELIVERY_RECORDERS))
@pytest.mark.parametrize("role", Role.values)
def test_only_the_roles_that_deliver_an_intervention_may_record_it(role, code, case):
    user = user_in_scope(role, case)
    allowed = role in policy.DELIVERY_RECORDERS[code]
    assert (code in policy.deliverable_intervention_codes(user, case)) is allowed
    if allowed:
        delivery = _record(user, case, code)
        assert Delivery.objects.get(case=case) == delivery
        assert delivery.recorded_by == user
        assert delivery.organisation == user.memberships.get().organisation
        assert _delivery_audits(case).count() == 1
    else:
        with pytest.raises(PermissionDenied):
            _record(user, case, code)
        assert not Delivery.objects.exists()
        assert not _delivery_audits(case).exists()


@pytest.mark.parametrize(
    ("role", "make"),
    [
        (Role.POLICE_OFFICER, lambda: make_user(Role.POLICE_OFFICER, unit_code="limburg")),
        (Role.PROSECUTOR, lambda: make_user(Role.PROSECUTOR, district_code="limburg")),
        (Role.EXAMINING_JUDGE, lambda: make_user(Role.EXAMINING_JUDGE, court_code="limburg")),
        (Role.SAFETY_COORDINATOR, lambda: make_user(Role.SAFETY_COORDINATOR, unit_code="limburg")),
        (Role.PSYCHOLOGIST, lambda: make_user(Role.PSYCHOLOGIST)),  # not assigned
        (Role.PEER_EXPERT, lambda: make_user(Role.PEER_EXPERT)),  # not assigned
    ],
)
def test_a_recorder_outside_the_case_scope_may_record_nothing(role, make, case):
    user = make()
    assert policy.deliverable_intervention_codes(user, case) == set()
    for code in policy.DELIVERY_RECORDERS:
        if role in policy.DELIVERY_RECORDERS[code]:
            with pytest.raises(PermissionDenied):
                _record(user, case, code)
    assert not Delivery.objects.exists()


def test_an_assignment_under_another_role_does_not_let_a_psychologist_record(case):
    user = make_user(Role.PSYCHOLOGIST)
    assign(case, user, Role.PEER_EXPERT)
    with pytest.raises(PermissionDenied):
        _record(user, case, "psychologist")


def test_a_user_with_two_roles_records_through_the_membership_that_delivers(case):
    user = make_user(Role.PROSECUTOR)
    police = add_membership(user, Role.POLICE_OFFICER, unit_code="amsterdam")
    delivery = _record(user, case, "psychologist")
    assert delivery.organisation == police.organisation
    prosecution = user.memberships.get(role=Role.PROSECUTOR)
    assert _record(user, case, "shorter_lead_times").organisation == prosecution.organisation


# --- delivery validation ---------------------------------------------------------------------


@pytest.fixture
def officer():
    return make_user(Role.POLICE_OFFICER)


def test_fidelity_is_stored_for_every_item_unchecked_as_false(officer, case):
    delivery = _record(
        officer,
        case,
        fidelity={"interview_advice_before_complaint": True, "present_or_available": True},
    )
    delivery.refresh_from_db()
    assert delivery.fidelity == {
        "interview_advice_before_complaint": True,
        "interview_plan_codrafted": False,
        "present_or_available": True,
    }
    assert delivery.fidelity_share == pytest.approx(2 / 3)
    assert delivery.delivered and delivery.reason_not_delivered == ""


def test_no_fidelity_given_means_every_item_unmet(officer, case):
    delivery = _record(officer, case, fidelity=None)
    assert delivery.fidelity == dict.fromkeys(PSYCHOLOGIST_ITEMS, False)
    assert delivery.fidelity_share == 0


def test_a_delivery_is_audited_with_its_checklist(officer, case):
    delivery = _record(officer, case, fidelity={"interview_plan_codrafted": True})
    row = _delivery_audits(case).get()
    assert row.actor == officer
    assert row.subject_type == "delivery" and row.subject_ref == str(delivery.pk)
    assert row.extra["new"] == {
        "intervention": "psychologist",
        "delivered": True,
        "date": DAY.isoformat(),
        "fidelity": {
            "interview_advice_before_complaint": False,
            "interview_plan_codrafted": True,
            "present_or_available": False,
        },
    }


def test_delivered_takes_no_reason(officer, case):
    with pytest.raises(ValidationError) as exc:
        _record(officer, case, reason_not_delivered="Geen psycholoog beschikbaar")
    assert "reason_not_delivered" in exc.value.message_dict
    assert not Delivery.objects.exists() and not _delivery_audits(case).exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_not_delivered_requires_a_reason(officer, case, reason):
    with pytest.raises(ValidationError) as exc:
        _record(officer, case, delivered=False, reason_not_delivered=reason)
    assert exc.value.message_dict["reason_not_delivered"] == [
        "Geef aan waarom de interventie niet is uitgevoerd."
    ]
    assert not Delivery.objects.exists() and not _delivery_audits(case).exists()


def test_not_delivered_with_a_reason_is_stored_without_a_checklist(officer, case):
    delivery = _record(
        officer,
        case,
        delivered=False,
        reason_not_delivered="  Slachtoffer wilde geen gesprek  ",
        fidelity={"interview_plan_codrafted": True},
    )
    delivery.refresh_from_db()
    assert not delivery.delivered
    assert delivery.reason_not_delivered == "Slachtoffer wilde geen gesprek"
    assert delivery.fidelity == {} and delivery.fidelity_share is None


@pytest.mark.parametrize(
    "fidelity",
    [
        {"made_up_item": True},
        {"present_from_first_contact": True},  # an item of another intervention
    ],
)
def test_an_unknown_fidelity_item_is_refused(officer, case, fidelity):
    with pytest.raises(ValidationError) as exc:
        _record(officer, case, fidelity=fidelity)
    assert exc.value.message_dict["fidelity"][0].startswith("Onbekend controlepunt")
    assert not Delivery.objects.exists() and not _delivery_audits(case).exists()


@pytest.mark.parametrize("value", ["ja", 1, None])
def test_a_fidelity_value_must_be_true_or_false(officer, case, value):
    with pytest.raises(ValidationError):
        _record(officer, case, fidelity={"interview_plan_codrafted": value})
    assert not Delivery.objects.exists()


def test_a_delivery_date_in_the_future_is_refused(officer, case):
    with pytest.raises(ValidationError) as exc:
        _record(officer, case, date=timezone.localdate() + dt.timedelta(days=1))
    assert "date" in exc.value.message_dict
    assert not Delivery.objects.exists()


def test_several_deliveries_may_be_recorded_on_one_case(officer, case):
    _record(officer, case, "psychologist")
    _record(officer, case, "peer_expert", fidelity={"present_from_first_contact": True})
    assert Delivery.objects.filter(case=case).count() == 2
    assert _delivery_audits(case).count() == 2


# --- measures --------------------------------------------------------------------------------


def _measure(actor, case, answers, moment=Moment.INTAKE, **overrides):
    values = {
        "actor": actor,
        "case": case,
        "instrument": instrument(),
        "moment": moment,
        "date": DAY,
        "answers": answers,
    }
    values.update(overrides)
    return measure_record(**values)


def _measure_audits(case):
    return AuditEvent.objects.filter(action=AuditAction.MEASURE_RECORDED, case_code=case.code)


MEASURE_RECORDERS = {
    Role.SAFETY_COORDINATOR,
    Role.POLICE_OFFICER,
    Role.PSYCHOLOGIST,
    Role.PEER_EXPERT,
}


@pytest.mark.parametrize("role", Role.values)
def test_the_professionals_who_talk_with_the_victim_record_measures(role, case):
    user = user_in_scope(role, case)
    if role in MEASURE_RECORDERS:
        measure = _measure(user, case, {"feels_safe": 4})
        assert measure.recorded_by == user
        assert _measure_audits(case).count() == 1
    else:
        with pytest.raises(PermissionDenied):
            _measure(user, case, {"feels_safe": 4})
        assert not Measure.objects.exists() and not _measure_audits(case).exists()


def test_a_researcher_cannot_record_a_measure(researcher, case):
    assert policy.can(researcher, policy.Action.CASE_VIEW, case)
    with pytest.raises(PermissionDenied):
        _measure(researcher, case, {"feels_safe": 3, "trust_police": 3})
    assert not Measure.objects.exists()


def test_a_partly_answered_measure_is_stored_with_empty_answers(officer, case):
    measure = _measure(officer, case, {"feels_safe": 2, "trust_police": None, "feels_heard": 5})
    measure.refresh_from_db()
    assert measure.answers == {
        "feels_safe": 2,
        "trust_police": None,
        "trust_process": None,
        "willing_to_report": None,
        "feels_heard": 5,
    }
    assert measure.answered == 2
    row = _measure_audits(case).get()
    assert row.extra["new"] == {
        "instrument": "slachtofferervaring/v1",
        "moment": "intake",
        "answered": 2,
    }


@pytest.mark.parametrize("answers", [{}, dict.fromkeys(["feels_safe", "trust_police"])])
def test_a_measure_without_any_answer_is_refused(officer, case, answers):
    with pytest.raises(ValidationError) as exc:
        _measure(officer, case, answers)
    assert exc.value.messages == ["Vul ten minste één vraag in."]
    assert not Measure.objects.exists() and not _measure_audits(case).exists()


@pytest.mark.parametrize("value", [0, 6, -1, True, 2.0, "3"])
def test_an_answer_outside_the_five_point_scale_is_refused(officer, case, value):
    with pytest.raises(ValidationError) as exc:
        _measure(officer, case, {"feels_safe": 4, "trust_police": value})
    assert exc.value.message_dict["trust_police"] == [
        "Kies een antwoord van 1 tot en met 5, of laat leeg."
    ]
    assert not Measure.objects.exists()


def test_an_unknown_question_is_refused(officer, case):
    with pytest.raises(ValidationError) as exc:
        _measure(officer, case, {"feels_safe": 4, "likes_pizza": 5})
    assert "answers" in exc.value.message_dict
    assert not Measure.objects.exists()


def test_one_measure_per_case_instrument_and_moment(officer, case):
    _measure(officer, case, {"feels_safe": 4})
    with pytest.raises(ValidationError) as exc:
        _measure(officer, case, {"feels_safe": 1})
    assert exc.value.message_dict["moment"] == ["Voor dit moment is de vragenlijst al ingevuld."]
    assert Measure.objects.get(case=case).answers["feels_safe"] == 4
    assert _measure_audits(case).count() == 1
    # Another moment, or another case, is a new measure.
    _measure(officer, case, {"feels_safe": 5}, moment=Moment.AFTER_COMPLAINT)
    _measure(officer, CaseFactory(), {"feels_safe": 5})
    assert Measure.objects.count() == 3


def test_a_new_version_of_the_questionnaire_is_a_separate_measure(officer, case):
    v2 = Instrument.objects.create(
        code="slachtofferervaring",
        version=2,
        label="Ervaring van het slachtoffer",
        items=[
            *instrument().items,
            {"code": "feels_informed", "label": "Ik word goed geïnformeerd."},
        ],
    )
    _measure(officer, case, {"feels_safe": 4})
    measure = _measure(officer, case, {"feels_informed": 3}, instrument=v2)
    assert measure.answered == 1 and len(measure.answers) == 6


def test_an_unknown_moment_is_refused(officer, case):
    with pytest.raises(ValidationError) as exc:
        _measure(officer, case, {"feels_safe": 4}, moment="someday")
    assert "moment" in exc.value.message_dict
    assert not Measure.objects.exists()


def test_a_measure_date_in_the_future_is_refused(officer, case):
    with pytest.raises(ValidationError):
        _measure(officer, case, {"feels_safe": 4}, date=timezone.localdate() + dt.timedelta(days=1))
    assert not Measure.objects.exists()


def test_a_not_delivered_reason_is_encrypted_at_rest(officer, case):
    from django.db import connection

    _record(officer, case, delivered=False, reason_not_delivered="Slachtoffer verhuisd naar Venlo")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason_ciphertext FROM pilot_delivery")
        (stored,) = cursor.fetchone()
    assert stored and "Venlo" not in stored
    assert Delivery.objects.get().reason_not_delivered == "Slachtoffer verhuisd naar Venlo"
