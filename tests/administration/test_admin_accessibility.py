"""The admin's forms give every control an accessible name (issue 14, item 12; the browser check
with axe-core is tests/e2e/test_accessibility.py)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from inbeeld.accounts.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(db):
    return make_user(Role.ADMINISTRATOR, username="beheer.test", is_staff=True)


def _tag(html: str, element_id: str) -> str:
    match = re.search(rf'<(input|select)[^>]*\bid="{re.escape(element_id)}"[^>]*>', html)
    assert match, element_id
    return match.group(0)


def test_the_user_form_names_its_split_dates_and_every_membership_control(login, administrator):
    user = make_user(Role.POLICE_OFFICER, username="agent.test")
    html = (
        login(administrator)
        .get(reverse("admin:accounts_user_change", args=[user.pk]))
        .content.decode()
    )
    for field in ("last_login", "date_joined"):
        assert re.search(r'aria-label="[^"]+ – datum"', _tag(html, f"id_{field}_0")), field
        assert re.search(r'aria-label="[^"]+ – tijd"', _tag(html, f"id_{field}_1")), field
    for name in ("organisation", "role", "police_unit", "om_district", "court"):
        assert 'aria-label="' in _tag(html, f"id_memberships-0-{name}"), name
        assert "(rij 1)" in _tag(html, f"id_memberships-0-{name}"), name
    assert 'aria-label="Verwijderen (rij 1)"' in _tag(html, "id_memberships-0-DELETE")
    assert "(nieuwe rij)" in _tag(html, "id_memberships-__prefix__-role")
    # No empty table headers in the inline.
    assert '<th class="original"></th>' not in html


def test_the_district_form_uses_checkboxes_not_the_filter_widget(login, administrator):
    from inbeeld.reference.models import OMDistrict

    district = OMDistrict.objects.first()
    html = (
        login(administrator)
        .get(reverse("admin:reference_omdistrict_change", args=[district.pk]))
        .content.decode()
    )
    assert 'type="checkbox" name="courts"' in html
    assert "selectfilter" not in html.lower()
