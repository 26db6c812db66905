"""Four-eyes requests end to end: every row of policy.SCOPE_WIDENING_FIELDS walked through the
real admin (held, no effect, applied on approval), who may decide, stale and repeated decisions,
the encrypted reason and its key rotation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from inbeeld import policy
from inbeeld.accounts.models import IdentityProvider, Organisation, Role, User
from inbeeld.approvals import services
from inbeeld.approvals.models import ChangeRequest
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.crypto import decrypt_text
from inbeeld.crypto_rotation import encrypted_columns
from inbeeld.reference.models import Court, CourtOfAppeal, OMDistrict
from tests.approvals.admin_forms import resubmit
from tests.conftest import session_for
from tests.factories import OrganisationFactory, add_membership, district, make_user, unit

pytestmark = pytest.mark.django_db


@dataclass
class Case:
    obj: Any
    url_name: str
    form: dict  # the admin form change
    stored: Any  # the stored value the change would set


def _policeunit_om_district():
    limburg = unit("limburg")
    return Case(limburg, "reference_policeunit", {"om_district": district("amsterdam").pk}, None)


def _omdistrict_courts():
    amsterdam = district("amsterdam")
    extra = OMDistrict.objects.get(code="limburg").courts.first()
    new = sorted([*amsterdam.courts.values_list("pk", flat=True), extra.pk])
    return Case(amsterdam, "reference_omdistrict", {"courts": new}, new)


def _court_court_of_appeal():
    court = Court.objects.get(code="limburg")
    other = CourtOfAppeal.objects.exclude(pk=court.court_of_appeal_id).first()
    return Case(court, "reference_court", {"court_of_appeal": other.pk}, None)


def _organisation_police_unit():
    org = OrganisationFactory(name="Zorg zonder regio", type=Organisation.Type.CARE)
    return Case(org, "accounts_organisation", {"police_unit": unit("amsterdam").pk}, None)


def _organisation_is_active():
    officer = make_user(Role.POLICE_OFFICER)
    org = officer.memberships.get().organisation
    Organisation.objects.filter(pk=org.pk).update(is_active=False)
    org.refresh_from_db()
    return Case(org, "accounts_organisation", {"is_active": "on"}, True)


def _user_is_active():
    officer = make_user(Role.POLICE_OFFICER, is_active=False)
    return Case(officer, "accounts_user", {"is_active": "on"}, True)


def _user_is_staff():
    other_admin = make_user(Role.ADMINISTRATOR, is_staff=False)
    return Case(other_admin, "accounts_user", {"is_staff": "on"}, True)


def _user_email():
    officer = make_user(Role.POLICE_OFFICER, email="agent@politie.example")
    return Case(officer, "accounts_user", {"email": "ander@example.org"}, "ander@example.org")


def _identity_provider(**fields):
    provider = IdentityProvider(
        organisation=OrganisationFactory(name="Zorg met SSO", type=Organisation.Type.CARE),
        issuer="https://login.zorg.example",
        client_id="inbeeld",
        **fields,
    )
    provider.set_client_secret("clientgeheim")
    provider.save()
    return provider


def _idp_change(field: str, value, stored=None, **fields):
    def walk():
        return Case(
            _identity_provider(**fields), "accounts_identityprovider", {field: value}, stored
        )

    return walk


# One walk per row of the table: a new row fails test_the_walk_covers_the_whole_table.
WALKS = {
    ("reference.policeunit", "om_district"): _policeunit_om_district,
    ("reference.omdistrict", "courts"): _omdistrict_courts,
    ("reference.court", "court_of_appeal"): _court_court_of_appeal,
    ("accounts.organisation", "police_unit"): _organisation_police_unit,
    ("accounts.organisation", "is_active"): _organisation_is_active,
    ("accounts.user", "is_active"): _user_is_active,
    ("accounts.user", "is_staff"): _user_is_staff,
    ("accounts.user", "email"): _user_email,
    ("accounts.identityprovider", "is_active"): _idp_change("is_active", "on", True),
    ("accounts.identityprovider", "issuer"): _idp_change("issuer", "https://nep.example"),
    ("accounts.identityprovider", "client_id"): _idp_change("client_id", "ander"),
    ("accounts.identityprovider", "subject_claim"): _idp_change("subject_claim", "email"),
    ("accounts.identityprovider", "mfa_claim"): _idp_change("mfa_claim", "acr", is_active=True),
    ("accounts.identityprovider", "mfa_values"): _idp_change("mfa_values", "pwd", is_active=True),
}


def test_the_walk_covers_the_whole_table():
    table = {(label, f) for label, fields in policy.SCOPE_WIDENING_FIELDS.items() for f in fields}
    assert set(WALKS) == table


@pytest.mark.parametrize("key", list(WALKS), ids=lambda k: f"{k[0]}.{k[1]}")
def test_a_widening_change_in_the_admin_waits_for_a_second_person(key, beheerder, fg):
    label, name = key
    case = WALKS[key]()
    obj = case.obj
    before = services.field_value(obj, name)
    url = reverse(f"admin:{case.url_name}_change", args=[obj.pk])
    response = resubmit(session_for(beheerder), url, case.form)
    assert response.status_code == 302, response.content.decode()[:3000]
    obj.refresh_from_db()
    assert services.field_value(obj, name) == before  # no effect yet
    request = ChangeRequest.objects.get()
    assert (request.target, request.object_id, request.status) == (label, obj.pk, "pending")
    assert list(request.changes) == [name]
    assert AuditEvent.objects.filter(action=AuditAction.APPROVAL_REQUESTED).count() == 1

    services.change_request_approve(actor=fg, request_id=request.pk, reason="Klopt")
    obj.refresh_from_db()
    expected = case.stored if case.stored is not None else case.form[name]
    assert services.field_value(obj, name) == expected
    action, _ = services.audit_target(label)
    applied = AuditEvent.objects.filter(action=action).last()
    assert applied.actor == fg and applied.extra["approval"] == request.pk
    assert applied.extra["old"] == {name: before} and applied.extra["new"] == {name: expected}


# --- who decides ---------------------------------------------------------------------------------


def _grant_request(beheerder, grantee) -> ChangeRequest:
    org = OrganisationFactory(name="Politie (verzoek)")
    return services.change_request_create(
        actor=beheerder,
        model=services.Membership,
        obj=None,
        before={},
        changes={
            "user": grantee.pk,
            "organisation": org.pk,
            "role": Role.POLICE_OFFICER,
            "police_unit": unit("amsterdam").pk,
            "om_district": None,
            "court": None,
            "is_active": True,
        },
        subject_user=grantee,
    )


@pytest.mark.parametrize(
    ("decider", "allowed"),
    [
        ("requester", False),
        ("grantee", False),
        ("privacy_officer", True),
        ("other_administrator", True),
        ("police_officer", False),
        ("researcher", False),
    ],
)
def test_who_may_decide_a_request(decider, allowed, beheerder):
    grantee = make_user(Role.PRIVACY_OFFICER, username="ontvanger")  # may decide, not this one
    request = _grant_request(beheerder, grantee)
    people = {
        "requester": beheerder,
        "grantee": grantee,
        "privacy_officer": make_user(Role.PRIVACY_OFFICER),
        "other_administrator": make_user(Role.ADMINISTRATOR, is_staff=True),
        "police_officer": make_user(Role.POLICE_OFFICER),
        "researcher": make_user(Role.RESEARCHER),
    }
    actor = people[decider]
    if allowed:
        services.change_request_reject(actor=actor, request_id=request.pk, reason="Niet nodig")
        request.refresh_from_db()
        assert request.status == "rejected" and request.decided_by == actor
        row = AuditEvent.objects.get(action=AuditAction.APPROVAL_REJECTED)
        assert row.actor == actor and row.subject_ref == str(request.pk)
        assert not grantee.memberships.filter(role=Role.POLICE_OFFICER).exists()
    else:
        with pytest.raises(services.ValidationError, match="niet beoordelen"):
            services.change_request_approve(actor=actor, request_id=request.pk, reason="Ja")
        request.refresh_from_db()
        assert request.status == "pending"
        assert not AuditEvent.objects.filter(action=AuditAction.APPROVAL_APPROVED).exists()


def test_a_request_is_decided_once(beheerder, fg):
    grantee = make_user(None)
    request = _grant_request(beheerder, grantee)
    services.change_request_approve(actor=fg, request_id=request.pk, reason="Akkoord")
    other = make_user(Role.ADMINISTRATOR, is_staff=True)
    with pytest.raises(services.ValidationError, match="al beslist"):
        services.change_request_reject(actor=other, request_id=request.pk, reason="Toch niet")
    assert grantee.memberships.filter(role=Role.POLICE_OFFICER, is_active=True).count() == 1


def test_a_stale_request_is_not_applied(beheerder, fg):
    limburg = unit("limburg")
    request = services.change_request_create(
        actor=beheerder,
        model=type(limburg),
        obj=limburg,
        before={"om_district": limburg.om_district_id},
        changes={"om_district": district("amsterdam").pk},
    )
    type(limburg).objects.filter(pk=limburg.pk).update(om_district=district("den-haag").pk)
    with pytest.raises(services.ValidationError, match="na het verzoek gewijzigd"):
        services.change_request_approve(actor=fg, request_id=request.pk, reason="Akkoord")
    limburg.refresh_from_db()
    assert limburg.om_district == district("den-haag")
    request.refresh_from_db()
    assert request.status == "pending"


def test_a_membership_grant_to_oneself_is_refused_by_the_service_too(beheerder):
    with pytest.raises(services.ValidationError, match="uzelf"):
        _grant_request(beheerder, beheerder)
    assert not ChangeRequest.objects.exists()


def test_a_reason_is_required_and_stored_encrypted_and_rotated(beheerder, fg):
    grantee = make_user(None)
    request = _grant_request(beheerder, grantee)
    with pytest.raises(services.ValidationError, match="toelichting"):
        services.change_request_approve(actor=fg, request_id=request.pk, reason="   ")
    services.change_request_approve(actor=fg, request_id=request.pk, reason="Geheim-7391")
    stored = ChangeRequest.objects.get(pk=request.pk)
    assert "Geheim-7391" not in stored.reason_ciphertext
    assert decrypt_text(stored.reason_ciphertext) == "Geheim-7391" == stored.reason
    assert (ChangeRequest, "reason_ciphertext") in encrypted_columns()
    assert not any("Geheim-7391" in str(row.extra) for row in AuditEvent.objects.all())


def test_approving_a_grant_applies_the_scope_rules_again(beheerder, fg):
    """A request that has become invalid (the organisation was switched off, the role's scope
    missing) is refused with the reason, not half-applied."""
    grantee = make_user(None)
    request = _grant_request(beheerder, grantee)
    ChangeRequest.objects.filter(pk=request.pk).update(
        changes={**request.changes, "police_unit": None}
    )
    with pytest.raises(services.ValidationError, match="niet \\(meer\\) geldig"):
        services.change_request_approve(actor=fg, request_id=request.pk, reason="Akkoord")
    assert not User.objects.get(pk=grantee.pk).memberships.exists()


def test_user_is_guarded_by_an_active_or_pending_guarded_membership(beheerder):
    signaller = make_user(Role.SIGNALLER)
    assert not services.user_is_guarded(signaller)
    _grant_request(beheerder, signaller)
    assert services.user_is_guarded(signaller)
    officer = make_user(None)
    add_membership(officer, Role.POLICE_OFFICER)
    assert services.user_is_guarded(officer)
