"""Memberships carry exactly the scope their role needs."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from inbeeld.accounts.models import Membership, Role
from tests.factories import OrganisationFactory, UserFactory, court, district, unit

pytestmark = pytest.mark.django_db

REQUIRED_FIELD = {
    Role.SAFETY_COORDINATOR: "police_unit",
    Role.POLICE_OFFICER: "police_unit",
    Role.PROSECUTOR: "om_district",
    Role.EXAMINING_JUDGE: "court",
}
SCOPE_VALUES = {
    "police_unit": lambda: unit("amsterdam"),
    "om_district": lambda: district("amsterdam"),
    "court": lambda: court("amsterdam"),
}


def _membership(role, **scope):
    return Membership(user=UserFactory(), organisation=OrganisationFactory(), role=role, **scope)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_accepts_exactly_its_own_scope(role):
    needed = REQUIRED_FIELD.get(role)
    if needed:
        with pytest.raises(ValidationError) as missing:
            _membership(role).full_clean()
        assert missing.value.message_dict == {needed: ["Deze rol vereist dit werkgebied."]}
        _membership(role, **{needed: SCOPE_VALUES[needed]()}).full_clean()
    else:
        _membership(role).full_clean()
    for field, value in SCOPE_VALUES.items():
        if field == needed:
            continue
        scope = {field: value()}
        if needed:
            scope[needed] = SCOPE_VALUES[needed]()
        with pytest.raises(ValidationError) as extra:
            _membership(role, **scope).full_clean()
        assert extra.value.message_dict == {
            field: ["Deze rol heeft geen werkgebied van dit soort."]
        }


def test_a_membership_describes_itself_with_its_scope():
    membership = _membership(Role.PROSECUTOR, om_district=district("limburg"))
    membership.user.first_name, membership.user.last_name = "Eva", "Smit"
    text = str(membership)
    assert "Eva Smit" in text and "Officier van justitie" in text
    assert "Arrondissementsparket Limburg" in text


def test_a_user_without_a_full_name_is_shown_by_username():
    user = UserFactory(first_name="", last_name="", username="alleen.naam")
    assert str(user) == "alleen.naam"
