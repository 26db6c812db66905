"""Optimistic locking: two people editing one case; the second gets a conflict, nothing is lost."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.cases.models import Case, ChainEvent
from tests.conftest import verified_login
from tests.factories import CaseFactory, make_user

pytestmark = pytest.mark.django_db


def _version(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def test_the_second_of_two_concurrent_writers_gets_a_conflict_and_nothing_is_overwritten():
    case = CaseFactory(events=[("first_police_contact", "")])
    sam = verified_login(Client(), make_user(Role.POLICE_OFFICER, unit_code="amsterdam"))
    noor = verified_login(Client(), make_user(Role.POLICE_OFFICER, unit_code="amsterdam"))
    url = reverse("cases:event_create", args=[case.code])
    version_sam = _version(sam.get(url).content.decode())
    version_noor = _version(noor.get(url).content.decode())
    assert version_sam == version_noor

    first = sam.post(
        url,
        {
            "event_type": "complaint_filed",
            "event_date": "2024-03-05",
            "date_precision": "day",
            "version": version_sam,
        },
    )
    assert first.status_code == 302
    second = noor.post(
        url,
        {
            "event_type": "complaint_declined",
            "outcome": "low_trust",
            "event_date": "2024-03-05",
            "date_precision": "day",
            "version": version_noor,
        },
    )
    html = second.content.decode()
    assert second.status_code == 200
    assert "intussen door iemand anders gewijzigd" in html
    codes = list(ChainEvent.objects.filter(case=case).values_list("event_type__code", flat=True))
    assert codes == ["first_police_contact", "complaint_filed"]
    assert Case.objects.get(pk=case.pk).status == "investigation"

    # After reloading, the second writer sees the new state and can save.
    fresh = _version(noor.get(url).content.decode())
    assert fresh != version_noor
    retry = noor.post(
        url,
        {
            "event_type": "complaint_declined",
            "outcome": "low_trust",
            "event_date": "2024-03-06",
            "date_precision": "day",
            "version": fresh,
        },
    )
    assert retry.status_code == 302
