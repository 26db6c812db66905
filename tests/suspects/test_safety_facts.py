"""Safety and secondary victimisation (issue 17 item 5): recorded facts on the case, through a
service with policy and audit; the number of times the victim told the story."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.suspects.models import SafetyFact
from inbeeld.suspects.modus_operandi import safety_fact_record, times_story_told
from tests.factories import CaseFactory, court, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    return CaseFactory(forms=["sexual"], with_complaint=True, court=court("amsterdam"))


def test_facts_are_recorded_with_audit_and_the_story_is_counted(case):
    police, om = make_user(Role.POLICE_OFFICER), make_user(Role.PROSECUTOR)
    for kind in ("informative_interview", "complaint", "studio_interview"):
        safety_fact_record(actor=police, case=case, kind=kind, date=dt.date(2025, 1, 10))
    safety_fact_record(actor=om, case=case, kind="rc_hearing", date=dt.date(2025, 3, 1))
    fact = safety_fact_record(actor=police, case=case, kind="threat", date=dt.date(2025, 2, 1))
    safety_fact_record(actor=om, case=case, kind="contact_ban", date=dt.date(2025, 2, 2))
    assert times_story_told(case) == 4  # the threat and the contact ban are not a telling
    event = AuditEvent.objects.get(
        action=AuditAction.SAFETY_FACT_RECORDED, subject_ref=str(fact.pk)
    )
    assert event.extra["new"] == {"kind": "threat", "date": "2025-02-01"}


@pytest.mark.parametrize("role", [Role.SAFETY_COORDINATOR, Role.RESEARCHER])
def test_other_roles_may_not_record(case, role):
    with pytest.raises(PermissionDenied):
        safety_fact_record(
            actor=make_user(role), case=case, kind="threat", date=dt.date(2025, 1, 1)
        )
    assert not SafetyFact.objects.exists()


@pytest.mark.parametrize(
    "kind, date", [("made_up", dt.date(2025, 1, 1)), ("threat", dt.date(2999, 1, 1))]
)
def test_bad_input_is_refused_and_nothing_stored(case, kind, date):
    with pytest.raises(ValidationError):
        safety_fact_record(actor=make_user(Role.POLICE_OFFICER), case=case, kind=kind, date=date)
    assert not SafetyFact.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.SAFETY_FACT_RECORDED).exists()
