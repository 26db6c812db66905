"""The four-eyes rules of policy.py, read as tables: which roles need approval, which membership
changes, which fields widen scope (SCOPE_WIDENING_FIELDS), and that the table covers every join
the scope rules make and every admin page that can change data is audited."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q

from inbeeld import policy
from inbeeld.accounts.models import Role
from inbeeld.approvals.admin_guard import AuditedAdminMixin
from inbeeld.cases.models import Case
from tests.factories import make_user

# Roles whose grant needs a second person: every role with a case action, and the approver roles
# (an administrator could otherwise make a second account of their own an approver).
EXPECTED_GUARDED = {
    Role.SIGNALLER: False,
    Role.SAFETY_COORDINATOR: True,
    Role.POLICE_OFFICER: True,
    Role.PSYCHOLOGIST: True,
    Role.PROSECUTOR: True,
    Role.EXAMINING_JUDGE: True,
    Role.PEER_EXPERT: True,
    Role.RESEARCHER: True,
    Role.PRIVACY_OFFICER: True,
    Role.ADMINISTRATOR: True,
}


def test_which_role_grants_need_a_second_person():
    assert set(EXPECTED_GUARDED) == set(Role.values)
    for role, guarded in EXPECTED_GUARDED.items():
        assert policy.role_grant_needs_approval(role) is guarded, role


def test_the_approvers_are_the_privacy_officer_and_the_administrator():
    assert policy.APPROVER_ROLES == {Role.PRIVACY_OFFICER, Role.ADMINISTRATOR}


ACTIVE_POLICE = {"role": Role.POLICE_OFFICER, "police_unit": 1, "is_active": True}


@pytest.mark.parametrize(
    ("old", "new", "needs"),
    [
        (None, ACTIVE_POLICE, True),  # grant
        (None, {**ACTIVE_POLICE, "is_active": False}, False),  # an inactive row reaches nothing
        (None, {"role": Role.SIGNALLER, "is_active": True}, False),
        ({**ACTIVE_POLICE, "is_active": False}, ACTIVE_POLICE, True),  # re-activation
        (ACTIVE_POLICE, {**ACTIVE_POLICE, "police_unit": 2}, True),  # move
        (ACTIVE_POLICE, {**ACTIVE_POLICE, "role": Role.PROSECUTOR}, True),
        (ACTIVE_POLICE, {**ACTIVE_POLICE, "is_active": False}, False),  # revocation
        (ACTIVE_POLICE, {**ACTIVE_POLICE, "role": Role.SIGNALLER}, False),  # narrowed
        (ACTIVE_POLICE, ACTIVE_POLICE, False),  # nothing changes
        (None, {"role": Role.ADMINISTRATOR, "is_active": True}, True),
    ],
)
def test_which_membership_changes_need_a_second_person(old, new, needs):
    assert policy.membership_change_needs_approval(old, new) is needs


@pytest.mark.parametrize(
    ("label", "old", "new", "widened"),
    [
        ("reference.policeunit", {"om_district": 1}, {"om_district": 2}, ["om_district"]),
        ("reference.policeunit", {"om_district": 1}, {"om_district": None}, []),
        ("reference.policeunit", {"om_district": None}, {"om_district": 2}, ["om_district"]),
        ("reference.policeunit", {"name": "a"}, {"name": "b"}, []),
        ("reference.omdistrict", {"courts": [1, 2]}, {"courts": [1, 2, 3]}, ["courts"]),
        ("reference.omdistrict", {"courts": [1, 2]}, {"courts": [1]}, []),
        ("reference.omdistrict", {"courts": [1, 2]}, {"courts": [1, 3]}, ["courts"]),
        ("reference.court", {"court_of_appeal": 1}, {"court_of_appeal": 2}, ["court_of_appeal"]),
        ("accounts.organisation", {"is_active": False}, {"is_active": True}, ["is_active"]),
        ("accounts.organisation", {"is_active": True}, {"is_active": False}, []),
        ("accounts.organisation", {"police_unit": None}, {"police_unit": 3}, ["police_unit"]),
        ("accounts.user", {"email": "a@x.nl"}, {"email": "b@x.nl"}, ["email"]),
        ("accounts.user", {"email": "a@x.nl"}, {"email": ""}, ["email"]),
        ("accounts.user", {"is_staff": False}, {"is_staff": True}, ["is_staff"]),
        ("accounts.user", {"is_active": True}, {"is_active": False}, []),
        ("reference.exploitationform", {"label": "a"}, {"label": "b"}, []),
    ],
)
def test_which_field_changes_widen_scope(label, old, new, widened):
    assert policy.widening_fields(label, old, new) == widened


def test_every_widening_field_exists_on_its_model():
    for label, rules in policy.SCOPE_WIDENING_FIELDS.items():
        model = apps.get_model(label)
        for name in rules:
            field = model._meta.get_field(name)
            assert field.editable, (label, name)


def _lookups(q: Q):
    for child in q.children:
        if isinstance(child, Q):
            yield from _lookups(child)
        else:
            yield child[0]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in Role if policy.ROLE_SCOPE[r] != policy.Scope.NONE])
def test_every_reference_relation_a_scope_rule_joins_through_is_in_the_table(role):
    """A scope rule that follows a relation between reference rows (a case's unit → its OM
    district) makes that relation scope-defining: changing it must wait for approval."""
    user = make_user(role)
    membership = user.memberships.get()
    q = policy._membership_case_q(membership, user)
    joined = set()
    for lookup in _lookups(q) if q is not None else []:
        model = Case
        for part in lookup.split("__"):
            try:
                field = model._meta.get_field(part.removesuffix("_id"))
            except FieldDoesNotExist:
                break  # a lookup type such as "in"
            if not field.is_relation or field.related_model is None:
                break
            if model is not Case:  # a relation between reference rows, not the case's own
                joined.add((model._meta.label_lower, field.name))
            model = field.related_model
    for label, name in joined:
        assert name in policy.SCOPE_WIDENING_FIELDS.get(label, {}), f"{label}.{name} ({role})"
    if role == Role.PROSECUTOR:  # the coverage test is not vacuous: it sees the OM-district join
        assert ("reference.policeunit", "om_district") in joined


# Admin pages that change data without AuditedAdminMixin, and why that is still audited. All but
# memberships can only add or delete, never change.
AUDITED_OTHERWISE = {
    "accounts.membership": "membership_admin_save/delete: held for approval or audited revocation",
    "accounts.authenticatordevice": "removal only, through accounts.services (audited)",
    "otp_totp.totpdevice": "removal only, audited in its admin",
    "publication.privacybudget": "add only, through services.budget_create (DP_BUDGET_CREATED)",
    "publication.microdatapolicy": "add only, through services.microdata_policy_set (audited)",
    "api.apikey": "made and revoked only through api.services (API_KEY_CREATED/REVOKED)",
}


@pytest.mark.django_db
def test_every_admin_page_that_changes_data_is_audited(rf):
    request = rf.get("/beheer/")
    request.user = make_user(Role.ADMINISTRATOR, is_staff=True)
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        if isinstance(model_admin, AuditedAdminMixin):
            continue
        assert label in AUDITED_OTHERWISE, f"{label}: its admin writes no audit row"
        if label != "accounts.membership":
            assert not model_admin.has_change_permission(request), label
