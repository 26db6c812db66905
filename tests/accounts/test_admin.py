"""The admin: only administrators reach it, and membership and user changes are audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from inbeeld.accounts.models import Membership, Role, User
from inbeeld.approvals.models import ChangeRequest
from inbeeld.audit.models import AuditAction, AuditEvent
from tests.approvals.admin_forms import form_data
from tests.factories import OrganisationFactory, district, make_user, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(db):
    return make_user(Role.ADMINISTRATOR, username="beheerder", is_staff=True)


@pytest.fixture
def superuser_administrator(db):
    """An administrator who is also a Django superuser (so Django's model permissions pass)."""
    return make_user(
        Role.ADMINISTRATOR, username="superbeheerder", is_staff=True, is_superuser=True
    )


@pytest.fixture
def officer_membership(db):
    return make_user(Role.POLICE_OFFICER, username="agent").memberships.get()


def _membership_post(membership, **overrides):
    data = {
        "user": membership.user_id,
        "organisation": membership.organisation_id,
        "role": membership.role,
        "police_unit": membership.police_unit_id or "",
        "om_district": membership.om_district_id or "",
        "court": membership.court_id or "",
        "is_active": "on" if membership.is_active else "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def _fingerprint(client, url) -> dict:
    """The change page's fingerprint of the values it shows: a save without it is refused as a
    possible lost update (tests/security/test_admin_lost_updates.py)."""
    return {"row_fingerprint": form_data(client.get(url).content.decode())["row_fingerprint"][0]}


def test_an_administrator_reaches_the_admin(login, administrator):
    response = login(administrator).get(reverse("admin:index"))
    assert response.status_code == 200
    assert "InBeeld – beheer" in response.content.decode()


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMINISTRATOR])
def test_staff_without_the_administrator_role_gets_no_admin_access(login, role, officer_membership):
    staff = make_user(role, is_staff=True)
    client = login(staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/beheer/login/" in response.url
    change = reverse("admin:accounts_membership_change", args=[officer_membership.pk])
    assert client.get(change).status_code == 302
    client.post(change, _membership_post(officer_membership, is_active=""))
    officer_membership.refresh_from_db()
    assert officer_membership.is_active
    assert not AuditEvent.objects.filter(action=AuditAction.MEMBERSHIP_CHANGED).exists()


def test_a_superuser_without_the_administrator_role_gets_no_admin_access(login):
    superuser = make_user(None, is_staff=True, is_superuser=True)
    response = login(superuser).get(reverse("admin:index"))
    # Without any membership every page answers "no access yet" (RequireMembershipMiddleware).
    assert response.status_code == 403
    assert "nog geen toegang" in response.content.decode()
    assert "InBeeld – beheer" not in response.content.decode()


def test_an_administrator_who_is_not_staff_gets_no_admin_access(login):
    response = login(make_user(Role.ADMINISTRATOR, is_staff=False)).get(reverse("admin:index"))
    assert response.status_code == 302


def test_an_administrator_changes_a_membership_through_the_admin_and_it_is_audited(
    login, administrator, officer_membership
):
    _change_membership_and_check_the_audit(login(administrator), administrator, officer_membership)


def test_a_membership_change_through_the_admin_is_audited(
    login, superuser_administrator, officer_membership
):
    _change_membership_and_check_the_audit(
        login(superuser_administrator), superuser_administrator, officer_membership
    )


def _change_membership_and_check_the_audit(client, actor, membership):
    """Moving a police membership to another unit widens its reach: the admin stores it as a
    pending four-eyes request (audited), and the membership stays as it was (ADR 0008)."""
    url = reverse("admin:accounts_membership_change", args=[membership.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            **_membership_post(membership, police_unit=unit("limburg").pk),
            **_fingerprint(client, url),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    membership.refresh_from_db()
    assert membership.police_unit.code == "amsterdam"
    request = ChangeRequest.objects.get()
    assert request.changes == {"police_unit": unit("limburg").pk}
    row = AuditEvent.objects.get(action=AuditAction.APPROVAL_REQUESTED)
    assert (row.actor, row.subject_type, row.subject_ref) == (
        actor,
        "change_request",
        str(request.pk),
    )
    assert row.extra["old"]["police_unit"] == unit("amsterdam").pk
    assert row.extra["new"]["police_unit"] == unit("limburg").pk
    assert not AuditEvent.objects.filter(action=AuditAction.MEMBERSHIP_CHANGED).exists()


def test_the_admin_refuses_a_membership_without_the_scope_its_role_needs(
    login, superuser_administrator, officer_membership
):
    url = reverse("admin:accounts_membership_change", args=[officer_membership.pk])
    client = login(superuser_administrator)
    response = client.post(
        url,
        {**_membership_post(officer_membership, role=Role.PROSECUTOR), **_fingerprint(client, url)},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Deze rol vereist dit werkgebied." in html
    assert "Deze rol heeft geen werkgebied van dit soort." in html
    officer_membership.refresh_from_db()
    assert officer_membership.role == Role.POLICE_OFFICER
    assert not AuditEvent.objects.filter(action=AuditAction.MEMBERSHIP_CHANGED).exists()


def test_adding_a_membership_through_the_admin_is_audited(login, superuser_administrator):
    """A prosecutor's membership reaches cases: it waits for a second person (ADR 0008)."""
    target = make_user(None, username="nieuwe.ovj")
    organisation = OrganisationFactory(name="Parket Limburg (test)")
    response = login(superuser_administrator).post(
        reverse("admin:accounts_membership_add"),
        {
            "user": target.pk,
            "organisation": organisation.pk,
            "role": Role.PROSECUTOR,
            "om_district": district("limburg").pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(user=target).exists()
    request = ChangeRequest.objects.get()
    row = AuditEvent.objects.get(action=AuditAction.APPROVAL_REQUESTED)
    assert row.subject_ref == str(request.pk)
    assert row.extra["old"] == {}
    assert row.extra["new"]["role"] == Role.PROSECUTOR


def test_adding_a_signaller_membership_applies_at_once_and_is_audited(
    login, superuser_administrator
):
    target = make_user(None, username="nieuwe.juf")
    organisation = OrganisationFactory(name="School (test)")
    response = login(superuser_administrator).post(
        reverse("admin:accounts_membership_add"),
        {
            "user": target.pk,
            "organisation": organisation.pk,
            "role": Role.SIGNALLER,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=target)
    row = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_CHANGED)
    assert row.subject_ref == str(membership.pk)
    assert row.extra["old"] == {}
    assert row.extra["new"]["role"] == Role.SIGNALLER


def test_deleting_a_membership_through_the_admin_is_audited(
    login, superuser_administrator, officer_membership
):
    pk = officer_membership.pk
    response = login(superuser_administrator).post(
        reverse("admin:accounts_membership_delete", args=[pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=pk).exists()
    row = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_CHANGED)
    assert row.subject_ref == str(pk)
    assert row.extra["old"]["role"] == Role.POLICE_OFFICER and row.extra["new"] == {}


def test_a_user_change_through_the_admin_is_audited(
    login, superuser_administrator, officer_membership
):
    user = officer_membership.user
    url = reverse("admin:accounts_user_change", args=[user.pk])
    client = login(superuser_administrator)
    assert client.get(url).status_code == 200
    prefix = "memberships"
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": "Nieuwe-Achternaam",
        "email": user.email,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
        f"{prefix}-0-id": officer_membership.pk,
        f"{prefix}-0-user": user.pk,
        f"{prefix}-0-organisation": officer_membership.organisation_id,
        f"{prefix}-0-role": Role.POLICE_OFFICER,
        f"{prefix}-0-police_unit": officer_membership.police_unit_id,
        # is_active left out: the inline membership is switched off
    }
    response = client.post(url, {**data, **_fingerprint(client, url)})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.get(pk=user.pk).last_name == "Nieuwe-Achternaam"
    user_row = AuditEvent.objects.get(action=AuditAction.USER_CHANGED)
    assert user_row.subject_ref == user.username
    assert user_row.extra["old"]["last_name"] != "Nieuwe-Achternaam"
    assert user_row.extra["new"]["last_name"] == "Nieuwe-Achternaam"
    assert user_row.extra["password_changed"] is False
    membership_row = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_CHANGED)
    assert membership_row.extra["old"]["is_active"] is True
    assert membership_row.extra["new"]["is_active"] is False
    officer_membership.refresh_from_db()
    assert not officer_membership.is_active


def test_switching_an_organisation_off_through_the_admin_is_audited(
    login, superuser_administrator, officer_membership
):
    organisation = officer_membership.organisation
    client = login(superuser_administrator)
    before = AuditEvent.objects.count()
    url = reverse("admin:accounts_organisation_change", args=[organisation.pk])
    response = client.post(
        url,
        {
            "name": organisation.name,
            "type": organisation.type,
            "police_unit": "",
            **_fingerprint(client, url),
        },
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert not organisation.is_active
    assert AuditEvent.objects.count() > before
