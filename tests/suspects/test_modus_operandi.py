"""The modus operandi of a case (issue 17 item 4): reference values, the service (policy, audit,
validation), the form on the case page and the online-recruitment indicators of catalogue v2."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.reference.models import ModusOperandiValue
from inbeeld.suspects import selectors
from inbeeld.suspects.models import ModusOperandiRecord
from inbeeld.suspects.modus_operandi import modus_operandi_record
from tests.factories import CaseFactory, court, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    return CaseFactory(
        forms=["criminal"], minor=True, intake_date=dt.date(2024, 3, 1), court=court("amsterdam")
    )


def test_reference_lists_hold_the_issue_values():
    codes = lambda dim: set(  # noqa: E731
        ModusOperandiValue.objects.filter(dimension=dim).values_list("code", flat=True)
    )
    assert codes("criminal_subform") == {"drugs", "money_mule", "theft", "other"}
    assert codes("location") == {"netherlands", "abroad", "en_route", "unknown"}
    assert codes("recruitment_channel") == {
        "social_media",
        "messaging",
        "sex_ad_site",
        "gaming",
        "offline",
    }
    assert "sex_ad_site" in codes("platform_category")


def test_police_records_and_the_newest_record_is_current_with_audit(case):
    police = make_user(Role.POLICE_OFFICER)
    first = modus_operandi_record(actor=police, case=case, location="netherlands")
    second = modus_operandi_record(
        actor=police,
        case=case,
        location="abroad",
        criminal_subform="money_mule",
        recruitment_channel="social_media",
        advertisement_found=True,
        platform_category="social_media",
        platform_notified=True,
        taken_down=True,
    )
    assert selectors.case_modus_operandi(police, case) == second != first
    event = AuditEvent.objects.get(
        action=AuditAction.MODUS_OPERANDI_RECORDED, subject_ref=str(second.pk)
    )
    assert event.case_code == case.code and event.extra["new"]["location"] == "abroad"


@pytest.mark.parametrize("role", [Role.SAFETY_COORDINATOR, Role.RESEARCHER, Role.EXAMINING_JUDGE])
def test_other_roles_may_not_record(case, role):
    with pytest.raises(PermissionDenied):
        modus_operandi_record(actor=make_user(role), case=case, location="netherlands")
    assert not ModusOperandiRecord.objects.exists()


def test_care_does_not_see_the_modus_operandi(case):
    modus_operandi_record(actor=make_user(Role.PROSECUTOR), case=case, location="netherlands")
    assert selectors.case_modus_operandi(make_user(Role.SAFETY_COORDINATOR), case) is None


@pytest.mark.parametrize(
    "values, field",
    [
        ({"location": ""}, "location"),
        ({"location": "mars"}, "location"),
        ({"location": "netherlands", "recruitment_channel": "telegram"}, "recruitment_channel"),
        ({"location": "netherlands", "platform_notified": True}, "platform_category"),
        (
            {"location": "netherlands", "platform_category": "gaming", "taken_down": True},
            "taken_down",
        ),
    ],
)
def test_bad_values_are_refused_and_nothing_is_stored(case, values, field):
    with pytest.raises(ValidationError) as info:
        modus_operandi_record(actor=make_user(Role.POLICE_OFFICER), case=case, **values)
    assert field in info.value.message_dict
    assert not ModusOperandiRecord.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.MODUS_OPERANDI_RECORDED).exists()


def test_form_on_the_case_page(client, login, case):
    login(make_user(Role.PROSECUTOR))
    url = reverse("suspects:modus_operandi", args=[case.code])
    page = client.get(url).content.decode()
    assert "Sekswerkadvertentiesite" in page
    response = client.post(url, {"location": ""})
    assert "Kies waar de uitbuiting plaatsvond." in response.content.decode()
    response = client.post(
        url,
        {
            "location": "en_route",
            "recruitment_channel": "gaming",
            "platform_category": "gaming",
            "platform_notified": "ja",
            "taken_down": "nee",
            "advertisement_found": "",
        },
    )
    assert response.status_code == 302
    record = ModusOperandiRecord.objects.get(case=case)
    assert (record.platform_notified, record.taken_down, record.advertisement_found) == (
        True,
        False,
        None,
    )
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "Onderweg" in page and "Gamingplatform" in page
