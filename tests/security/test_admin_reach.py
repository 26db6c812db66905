"""Issue 11, items 1, 2 and 10 (admin JSON): the administrator's reach, replayed on the real admin.

Each attack is made over the Django test client by an administrator (`beheerder`) logged in with
a passed second factor, submitting the admin's own forms as a browser does (tests.approvals
.admin_forms). Before the fix each one worked: a self-granted police membership opened every
Amsterdam case, moving Limburg to the Amsterdam OM district let `ovj.amsterdam` open Limburg cases
with no audit row, and a 5,000-digit number in the admin's JSON raised ValueError (500).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from inbeeld.accounts.models import Membership, Organisation, Role, User
from inbeeld.approvals.models import ChangeRequest
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.pilot.models import Instrument
from inbeeld.reference.models import ChainEventOutcome, ChainEventType, OMDistrict
from tests.approvals.admin_forms import add_inline_row, resubmit
from tests.conftest import session_for
from tests.factories import CaseFactory, OrganisationFactory, district, make_user, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def police_org(db):
    return OrganisationFactory(name="Politie Amsterdam (test)", police_unit=unit("amsterdam"))


def _approve(approver, request: ChangeRequest, reason: str = "Gecontroleerd bij de leiding"):
    return session_for(approver).post(
        reverse("approvals:list"),
        {"request": request.pk, "decision": "approve", "reason": reason},
    )


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


# --- item 1: a case role for oneself -------------------------------------------------------------


def test_an_administrator_cannot_give_themselves_a_police_membership(beheerder, police_org):
    case = CaseFactory()  # an Amsterdam case
    client = session_for(beheerder)
    response = client.post(
        reverse("admin:accounts_membership_add"),
        {
            "user": beheerder.pk,
            "organisation": police_org.pk,
            "role": Role.POLICE_OFFICER,
            "police_unit": unit("amsterdam").pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "U kunt uzelf geen rol geven die toegang geeft tot casussen" in response.content.decode()
    assert not Membership.objects.filter(user=beheerder, role=Role.POLICE_OFFICER).exists()
    assert not ChangeRequest.objects.exists()
    assert client.get(reverse("cases:detail", args=[case.code])).status_code in (403, 404)


def test_nor_through_the_membership_inline_on_their_own_user_page(beheerder, police_org):
    url = reverse("admin:accounts_user_change", args=[beheerder.pk])
    response = add_inline_row(
        session_for(beheerder),
        url,
        "memberships",
        {
            "organisation": police_org.pk,
            "role": Role.RESEARCHER,  # national, pseudonymised case access: refused as well
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "U kunt uzelf geen rol geven" in response.content.decode()
    assert not Membership.objects.filter(user=beheerder, role=Role.RESEARCHER).exists()


def test_a_grant_to_an_accomplice_waits_for_a_second_person_and_then_opens_the_cases(
    beheerder, fg, police_org
):
    accomplice = make_user(None, username="handlanger")
    case = CaseFactory()
    response = session_for(beheerder).post(
        reverse("admin:accounts_membership_add"),
        {
            "user": accomplice.pk,
            "organisation": police_org.pk,
            "role": Role.POLICE_OFFICER,
            "police_unit": unit("amsterdam").pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(user=accomplice).exists()  # no effect yet
    accomplice_client = session_for(accomplice)
    assert accomplice_client.get(reverse("cases:detail", args=[case.code])).status_code in (
        403,
        404,
    )
    request = ChangeRequest.objects.get()
    assert request.status == ChangeRequest.Status.PENDING
    assert (request.requested_by, request.subject_user) == (beheerder, accomplice)
    requested = AuditEvent.objects.get(action=AuditAction.APPROVAL_REQUESTED)
    assert requested.actor == beheerder and requested.extra["new"]["role"] == Role.POLICE_OFFICER

    # The requester cannot approve it, neither can the grantee (who has no right to decide).
    assert _approve(beheerder, request).status_code == 200
    assert session_for(accomplice).post(reverse("approvals:list"), {}).status_code == 403
    request.refresh_from_db()
    assert request.status == ChangeRequest.Status.PENDING

    assert _approve(fg, request).status_code == 302
    membership = Membership.objects.get(user=accomplice)
    assert membership.role == Role.POLICE_OFFICER and membership.is_active
    assert accomplice_client.get(reverse("cases:detail", args=[case.code])).status_code == 200
    approved = AuditEvent.objects.get(action=AuditAction.APPROVAL_APPROVED)
    assert approved.actor == fg and approved.extra["requested_by"] == "beheerder"
    changed = AuditEvent.objects.filter(action=AuditAction.MEMBERSHIP_CHANGED).get()
    assert changed.extra["approval"] == request.pk and changed.extra["new"]["is_active"] is True


def test_revoking_a_membership_takes_effect_at_once_and_is_audited(beheerder):
    officer = make_user(Role.POLICE_OFFICER, username="agent")
    membership = officer.memberships.get()
    url = reverse("admin:accounts_membership_change", args=[membership.pk])
    response = resubmit(session_for(beheerder), url, {"is_active": None})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert not membership.is_active
    assert not ChangeRequest.objects.exists()
    row = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_CHANGED)
    assert row.extra["old"]["is_active"] is True and row.extra["new"]["is_active"] is False


def test_re_activating_or_moving_a_membership_waits_for_approval(beheerder):
    officer = make_user(Role.POLICE_OFFICER, username="agent")
    membership = officer.memberships.get()
    url = reverse("admin:accounts_membership_change", args=[membership.pk])
    client = session_for(beheerder)
    assert resubmit(client, url, {"police_unit": unit("limburg").pk}).status_code == 302
    membership.refresh_from_db()
    assert membership.police_unit == unit("amsterdam")
    request = ChangeRequest.objects.get()
    assert request.changes == {"police_unit": unit("limburg").pk}
    assert request.before == {"police_unit": unit("amsterdam").pk}

    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    assert resubmit(client, url, {"is_active": "on"}).status_code == 302
    membership.refresh_from_db()
    assert not membership.is_active
    assert ChangeRequest.objects.filter(changes={"is_active": True}).exists()


def test_a_new_e_mail_address_for_a_user_with_a_case_role_waits_for_approval(beheerder, fg):
    """The reset link goes to the e-mail address: changing it is an account take-over path."""
    officer = make_user(Role.POLICE_OFFICER, username="agent", email="agent@politie.example")
    url = reverse("admin:accounts_user_change", args=[officer.pk])
    response = resubmit(
        session_for(beheerder), url, {"email": "beheerder@evil.example", "last_name": "Nieuw"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    officer.refresh_from_db()
    assert officer.email == "agent@politie.example"
    assert officer.last_name == "Nieuw"  # the rest of the change applies at once
    request = ChangeRequest.objects.get()
    assert request.changes == {"email": "beheerder@evil.example"}
    user_row = AuditEvent.objects.get(action=AuditAction.USER_CHANGED)
    assert user_row.extra["new"]["email"] == "agent@politie.example"
    assert user_row.extra["pending_approval"] == request.pk
    assert _approve(fg, request).status_code == 302
    officer.refresh_from_db()
    assert officer.email == "beheerder@evil.example"


def test_a_signaller_s_e_mail_address_changes_at_once(beheerder):
    signaller = make_user(Role.SIGNALLER, username="juf", email="juf@school.example")
    url = reverse("admin:accounts_user_change", args=[signaller.pk])
    assert (
        resubmit(session_for(beheerder), url, {"email": "juf2@school.example"}).status_code == 302
    )
    signaller.refresh_from_db()
    assert signaller.email == "juf2@school.example"
    assert not ChangeRequest.objects.exists()


# --- item 2: scope-defining reference data ---------------------------------------------------------


def test_moving_limburg_to_the_amsterdam_district_waits_for_approval_and_is_audited(beheerder, fg):
    ovj = make_user(Role.PROSECUTOR, username="ovj.amsterdam", district_code="amsterdam")
    limburg_case = CaseFactory(police_unit=unit("limburg"))
    ovj_client = session_for(ovj)
    detail = reverse("cases:detail", args=[limburg_case.code])
    assert ovj_client.get(detail).status_code == 404

    limburg = unit("limburg")
    url = reverse("admin:reference_policeunit_change", args=[limburg.pk])
    response = resubmit(session_for(beheerder), url, {"om_district": district("amsterdam").pk})
    assert response.status_code == 302
    limburg.refresh_from_db()
    assert limburg.om_district == district("limburg")
    assert ovj_client.get(detail).status_code == 404
    request = ChangeRequest.objects.get()
    assert request.changes == {"om_district": district("amsterdam").pk}
    assert AuditEvent.objects.filter(action=AuditAction.APPROVAL_REQUESTED).count() == 1

    assert _approve(fg, request).status_code == 302
    limburg.refresh_from_db()
    assert limburg.om_district == district("amsterdam")
    assert ovj_client.get(detail).status_code == 200
    row = AuditEvent.objects.filter(action=AuditAction.REFERENCE_CHANGED).last()
    assert row.subject_type == "reference.policeunit" and row.subject_ref == str(limburg.pk)
    assert row.extra["old"] == {"om_district": district("limburg").pk}
    assert row.extra["new"] == {"om_district": district("amsterdam").pk}


def test_a_plain_reference_change_applies_at_once_with_old_and_new_values(beheerder):
    limburg = unit("limburg")
    url = reverse("admin:reference_policeunit_change", args=[limburg.pk])
    assert (
        resubmit(session_for(beheerder), url, {"name": "Eenheid Limburg (nieuw)"}).status_code
        == 302
    )
    limburg.refresh_from_db()
    assert limburg.name == "Eenheid Limburg (nieuw)"
    row = AuditEvent.objects.get(action=AuditAction.REFERENCE_CHANGED)
    assert (row.actor, row.subject_type) == (beheerder, "reference.policeunit")
    assert row.extra["old"]["name"] == "Eenheid Limburg"
    assert row.extra["new"]["name"] == "Eenheid Limburg (nieuw)"
    assert not ChangeRequest.objects.exists()


def test_adding_a_court_to_a_district_waits_and_removing_one_is_at_once(beheerder):
    amsterdam = district("amsterdam")
    courts = sorted(amsterdam.courts.values_list("pk", flat=True))
    other = OMDistrict.objects.get(code="limburg").courts.first()
    url = reverse("admin:reference_omdistrict_change", args=[amsterdam.pk])
    client = session_for(beheerder)
    assert resubmit(client, url, {"courts": [*courts, other.pk]}).status_code == 302
    assert sorted(amsterdam.courts.values_list("pk", flat=True)) == courts
    assert ChangeRequest.objects.get().changes == {"courts": sorted([*courts, other.pk])}
    assert resubmit(client, url, {"courts": []}).status_code == 302
    assert not amsterdam.courts.exists()
    row = AuditEvent.objects.filter(action=AuditAction.REFERENCE_CHANGED).last()
    assert row.extra["old"]["courts"] == courts and row.extra["new"]["courts"] == []


def test_inline_outcome_changes_and_bulk_deletes_are_audited(beheerder):
    event_type = ChainEventType.objects.get(code="prosecution_decision")
    client = session_for(beheerder)
    url = reverse("admin:reference_chaineventtype_change", args=[event_type.pk])
    response = add_inline_row(
        client, url, "outcomes", {"code": "testuitkomst", "label": "Testuitkomst", "order": 99}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    outcome = ChainEventOutcome.objects.get(code="testuitkomst")
    row = AuditEvent.objects.get(
        action=AuditAction.REFERENCE_CHANGED, subject_type="reference.chaineventoutcome"
    )
    assert row.subject_ref == str(outcome.pk) and row.extra["new"]["label"] == "Testuitkomst"

    form_pks = [
        OrganisationFactory(name=f"Weg {n}", type=Organisation.Type.OTHER).pk for n in range(2)
    ]
    response = client.post(
        reverse("admin:accounts_organisation_changelist"),
        {"action": "delete_selected", "_selected_action": form_pks, "post": "yes"},
    )
    assert response.status_code == 302
    assert not Organisation.objects.filter(pk__in=form_pks).exists()
    deleted = AuditEvent.objects.filter(action=AuditAction.ORGANISATION_CHANGED)
    assert sorted(int(r.subject_ref) for r in deleted) == sorted(form_pks)
    assert all(r.extra["new"] == {} and r.extra["old"]["name"].startswith("Weg") for r in deleted)


# --- item 10: hostile JSON in the admin -----------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ("[" + "9" * 5000 + "]", "te veel cijfers"),
        ("[1e999]", "Dit is geen geldige JSON."),
        ("[NaN]", "Dit is geen geldige JSON."),
        ("[" * 5000 + "]" * 5000, "geen geldige JSON"),
        ("{", "Dit is geen geldige JSON."),
    ],
)
def test_hostile_json_in_the_admin_gets_a_dutch_message_not_a_500(beheerder, items, message):
    instrument = Instrument.objects.order_by("pk").first()
    url = reverse("admin:pilot_instrument_change", args=[instrument.pk])
    client = session_for(beheerder)
    client.raise_request_exception = True
    response = resubmit(client, url, {"items": items})
    assert response.status_code == 200
    assert message in response.content.decode()
    stored = Instrument.objects.get(pk=instrument.pk)
    assert stored.items == instrument.items
    assert not AuditEvent.objects.filter(action=AuditAction.REFERENCE_CHANGED).exists()


def test_a_new_account_with_a_police_membership_inline_waits_for_approval(beheerder, police_org):
    response = session_for(beheerder).post(
        reverse("admin:accounts_user_add"),
        {
            "username": "nieuw.account",
            "first_name": "Nieuw",
            "last_name": "Account",
            "email": "nieuw@politie.example",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-organisation": police_org.pk,
            "memberships-0-role": Role.POLICE_OFFICER,
            "memberships-0-police_unit": unit("amsterdam").pk,
            "memberships-0-is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    account = User.objects.get(username="nieuw.account")
    assert not account.memberships.exists()
    request = ChangeRequest.objects.get()
    assert request.subject_user == account and request.changes["role"] == Role.POLICE_OFFICER
    created = AuditEvent.objects.get(action=AuditAction.USER_CHANGED)
    assert created.extra["old"] == {} and created.extra["new"]["username"] == "nieuw.account"


def test_bulk_deleting_memberships_and_users_revokes_at_once_and_audits_each(beheerder):
    officers = [make_user(Role.POLICE_OFFICER, username=f"weg{n}") for n in range(2)]
    memberships = [officer.memberships.get() for officer in officers]
    client = session_for(beheerder)
    response = client.post(
        reverse("admin:accounts_membership_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [memberships[0].pk],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=memberships[0].pk).exists()
    row = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_CHANGED)
    assert row.subject_ref == str(memberships[0].pk) and row.extra["new"] == {}
    assert row.extra["old"]["role"] == Role.POLICE_OFFICER

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [officers[1].pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=memberships[1].pk).exists()
    revoked = AuditEvent.objects.filter(action=AuditAction.MEMBERSHIP_CHANGED).last()
    assert revoked.subject_ref == str(memberships[1].pk) and revoked.extra["new"] == {}
    gone = AuditEvent.objects.get(action=AuditAction.USER_CHANGED)
    assert gone.subject_ref == "weg1" and gone.extra["new"] == {}


def test_inline_fidelity_items_and_a_deleted_reference_row_are_audited(beheerder):
    from inbeeld.pilot.models import FidelityItem, Intervention
    from inbeeld.reference.models import CourtOfAppeal

    intervention = Intervention.objects.filter(fidelity_items__isnull=False).first()
    item = intervention.fidelity_items.order_by("pk").first()
    index = list(intervention.fidelity_items.order_by("order", "pk")).index(item)
    client = session_for(beheerder)
    url = reverse("admin:pilot_intervention_change", args=[intervention.pk])
    response = resubmit(client, url, {f"fidelity_items-{index}-label": "Nieuwe omschrijving"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert FidelityItem.objects.get(pk=item.pk).label == "Nieuwe omschrijving"
    row = AuditEvent.objects.get(action=AuditAction.REFERENCE_CHANGED)
    assert (row.subject_type, row.subject_ref) == ("pilot.fidelityitem", str(item.pk))
    assert row.extra["old"]["label"] == item.label
    assert row.extra["new"]["label"] == "Nieuwe omschrijving"

    spare = CourtOfAppeal.objects.create(code="test-hof", name="Testhof")
    response = client.post(
        reverse("admin:reference_courtofappeal_delete", args=[spare.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not CourtOfAppeal.objects.filter(pk=spare.pk).exists()
    deleted = AuditEvent.objects.filter(action=AuditAction.REFERENCE_CHANGED).last()
    assert deleted.subject_type == "reference.courtofappeal"
    assert deleted.extra["old"] == {"code": "test-hof", "name": "Testhof"}
    assert deleted.extra["new"] == {}
