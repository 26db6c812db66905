"""Issue 11, item 6 in the admin: no lost update on any editable object.

Two administrators, each logged in with a passed second factor, open the same change page; the
first saves; the second, whose page still shows the old values, saves too. Before the fix the
second save silently overwrote the first (the admin had no version). Now every change form carries
a keyed fingerprint of the values it was read with (inbeeld.approvals.admin_version); the second
save is refused with a Dutch message at the top of the form, the first's values stay, and nothing
of the second is stored: no audit row, no change request.
"""

from __future__ import annotations

import re
import threading

import pytest
from django.contrib import admin
from django.db import connection, connections, transaction
from django.test import RequestFactory
from django.urls import reverse

from inbeeld.accounts.models import Membership, Organisation, Role, User
from inbeeld.approvals.admin_version import FIELD_NAME, STALE_MESSAGE, RowVersionAdminMixin
from inbeeld.approvals.models import ChangeRequest
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.pilot.models import FidelityItem, Instrument, Intervention, Phase
from inbeeld.reference.models import (
    ChainEventOutcome,
    ChainEventType,
    Court,
    CourtOfAppeal,
    ExploitationForm,
)
from tests.approvals.admin_forms import form_data
from tests.conftest import session_for
from tests.factories import OrganisationFactory, district, make_user, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def first(db):
    return make_user(Role.ADMINISTRATOR, username="beheerder.een", is_staff=True)


@pytest.fixture
def second(db):
    return make_user(Role.ADMINISTRATOR, username="beheerder.twee", is_staff=True)


def _open(client, url) -> dict[str, list[str]]:
    """GET the change page as a browser does; the form's fields as they were rendered."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data = form_data(page.content.decode())
    assert re.fullmatch(r"[0-9a-f]{64}", data[FIELD_NAME][0])
    return data


def _with(data: dict, changes: dict) -> dict:
    out = dict(data)
    for name, value in changes.items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return out


def _inline_index(data: dict, prefix: str, pk: int) -> int:
    for name, values in data.items():
        match = re.fullmatch(rf"{prefix}-(\d+)-id", name)
        if match and values == [str(pk)]:
            return int(match.group(1))
    raise AssertionError(f"no inline row {pk} in {prefix}")


def _stored_counts() -> tuple[int, int]:
    return AuditEvent.objects.count(), ChangeRequest.objects.count()


def _assert_refused(response, typed: str | None = None) -> None:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    top = html.split('id="content-main"', 1)[1]
    # At the top of the form: the error note, then the message with a link to the current values.
    assert top.index('class="errornote"') < top.index(STALE_MESSAGE) < top.index("<fieldset")
    assert "Huidige waarden openen" in html
    if typed is not None:
        assert typed in html  # the user's own input comes back, to be entered again


def _race(first, second, url, first_changes, second_changes, second_typed=None):
    """Both open ``url``; the first saves ``first_changes``; the second then saves
    ``second_changes`` from its old page. Returns the second's response and its page data."""
    a, b = session_for(first), session_for(second)
    page_a, page_b = _open(a, url), _open(b, url)
    assert page_a[FIELD_NAME] == page_b[FIELD_NAME]
    changes_a = first_changes(page_a) if callable(first_changes) else first_changes
    response = a.post(url, _with(page_a, changes_a))
    assert response.status_code == 302, response.content.decode()[:3000]
    before = _stored_counts()
    changes_b = second_changes(page_b) if callable(second_changes) else second_changes
    response = b.post(url, _with(page_b, changes_b))
    _assert_refused(response, second_typed)
    assert _stored_counts() == before  # no audit row, no change request
    return b, response


# --- every change form carries the fingerprint ------------------------------------------------------


def _an_object_of(model):
    if model is User:
        return make_user(Role.SIGNALLER, username="iemand")
    if model is Membership:
        return make_user(Role.POLICE_OFFICER, username="agent").memberships.get()
    if model is Organisation:
        return OrganisationFactory(name="Een organisatie")
    if model._meta.label == "accounts.IdentityProvider":
        provider = model(
            organisation=OrganisationFactory(name="Zorg met SSO", type=Organisation.Type.CARE),
            issuer="https://login.zorg.example",
            client_id="inbeeld",
        )
        provider.set_client_secret("clientgeheim")
        provider.save()
        return provider
    if model._meta.label == "api.ApiClient":
        from tests.api.conftest import make_api_client

        return make_api_client(make_user(Role.POLICE_OFFICER, username="koppeling"))[0]
    return model._default_manager.order_by("pk").first()


def test_every_changeable_admin_change_form_carries_the_fingerprint(first):
    request = RequestFactory().get("/")
    request.user = first
    client = session_for(first)
    checked = []
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, RowVersionAdminMixin), type(model_admin)
        obj = _an_object_of(model)
        if not model_admin.has_change_permission(request, obj):
            continue  # read-only here (ledgers, thresholds, second-factor devices)
        assert obj is not None, f"no {model._meta.label} to open: add one to _an_object_of"
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        data = _open(client, url)  # asserts the field is there and well-formed
        assert data[FIELD_NAME][0] == model_admin.stored_fingerprint(request, obj)
        checked.append(opts.label_lower)
    assert {
        "accounts.user",
        "accounts.membership",
        "accounts.organisation",
        "reference.policeunit",
        "reference.omdistrict",
        "reference.court",
        "reference.courtofappeal",
        "reference.exploitationform",
        "reference.chaineventtype",
        "pilot.intervention",
        "pilot.phase",
        "pilot.instrument",
        "accounts.identityprovider",
    } <= set(checked)


# --- two administrators, one row ----------------------------------------------------------------------


def test_user(first, second):
    user = make_user(Role.SIGNALLER, username="juf", first_name="Oud")
    url = reverse("admin:accounts_user_change", args=[user.pk])
    _race(first, second, url, {"first_name": "Eerste"}, {"first_name": "Tweede"}, "Tweede")
    user.refresh_from_db()
    assert user.first_name == "Eerste"
    rows = AuditEvent.objects.filter(action=AuditAction.USER_CHANGED)
    assert [r.actor for r in rows] == [first]


def test_membership_a_held_move_from_a_stale_page_is_not_even_requested(first, second):
    membership = make_user(Role.POLICE_OFFICER, username="agent").memberships.get()
    url = reverse("admin:accounts_membership_change", args=[membership.pk])
    _race(first, second, url, {"is_active": None}, {"police_unit": unit("limburg").pk})
    membership.refresh_from_db()
    assert not membership.is_active and membership.police_unit == unit("amsterdam")
    assert not ChangeRequest.objects.exists()


def test_organisation(first, second):
    organisation = OrganisationFactory(name="Zorg West")
    url = reverse("admin:accounts_organisation_change", args=[organisation.pk])
    _race(first, second, url, {"name": "Zorg Noord"}, {"name": "Zorg Zuid"}, "Zorg Zuid")
    organisation.refresh_from_db()
    assert organisation.name == "Zorg Noord"


def test_police_unit(first, second):
    limburg = unit("limburg")
    url = reverse("admin:reference_policeunit_change", args=[limburg.pk])
    _race(first, second, url, {"name": "Limburg (een)"}, {"om_district": district("amsterdam").pk})
    limburg.refresh_from_db()
    assert limburg.name == "Limburg (een)" and limburg.om_district == district("limburg")
    assert not ChangeRequest.objects.exists()


def test_om_district_courts(first, second):
    amsterdam = district("amsterdam")
    courts = sorted(amsterdam.courts.values_list("pk", flat=True))
    assert courts
    url = reverse("admin:reference_omdistrict_change", args=[amsterdam.pk])
    # The first only removes the courts (a many-to-many change); the second renames.
    _race(first, second, url, {"courts": []}, {"name": "Amsterdam (twee)"}, "Amsterdam (twee)")
    amsterdam.refresh_from_db()
    assert not amsterdam.courts.exists() and amsterdam.name != "Amsterdam (twee)"


def test_chain_event_type_outcome_inline(first, second):
    event_type = ChainEventType.objects.filter(outcomes__isnull=False).first()
    outcome = event_type.outcomes.order_by("pk").first()
    url = reverse("admin:reference_chaineventtype_change", args=[event_type.pk])

    def relabel(page):
        return {f"outcomes-{_inline_index(page, 'outcomes', outcome.pk)}-label": "Uitkomst (een)"}

    # The first changes only an inline row; the second's page is stale all the same.
    _race(first, second, url, relabel, {"label": "Type (twee)"}, "Type (twee)")
    assert ChainEventOutcome.objects.get(pk=outcome.pk).label == "Uitkomst (een)"
    assert ChainEventType.objects.get(pk=event_type.pk).label == event_type.label


def test_intervention_fidelity_inline(first, second):
    intervention = Intervention.objects.filter(fidelity_items__isnull=False).first()
    item = intervention.fidelity_items.order_by("pk").first()
    url = reverse("admin:pilot_intervention_change", args=[intervention.pk])

    def relabel(value):
        def changes(page):
            index = _inline_index(page, "fidelity_items", item.pk)
            return {f"fidelity_items-{index}-label": value}

        return changes

    _race(first, second, url, relabel("Item (een)"), relabel("Item (twee)"), "Item (twee)")
    assert FidelityItem.objects.get(pk=item.pk).label == "Item (een)"


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (Court, "name"),
        (CourtOfAppeal, "name"),
        (ExploitationForm, "label"),
        (Phase, "label"),
        (Instrument, "label"),
    ],
)
def test_the_other_reference_tables(first, second, model, field):
    obj = model.objects.order_by("pk").first()
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    _race(first, second, url, {field: "Waarde een"}, {field: "Waarde twee"}, "Waarde twee")
    assert getattr(model.objects.get(pk=obj.pk), field) == "Waarde een"


# --- no dead end, no way around ---------------------------------------------------------------------


def test_after_a_refusal_the_current_page_saves_and_a_plain_save_still_works(first, second):
    organisation = OrganisationFactory(name="Zorg West")
    url = reverse("admin:accounts_organisation_change", args=[organisation.pk])
    b, _response = _race(first, second, url, {"name": "Zorg Noord"}, {"name": "Zorg Zuid"})
    # Pressing save again on the refused form is refused again: it still holds the old values.
    stale = form_data(_response.content.decode())
    _assert_refused(b.post(url, _with(stale, {"name": "Zorg Zuid"})))
    # The link opens the current values; entered again, the change is saved.
    page = _open(b, url)
    assert page["name"] == ["Zorg Noord"]
    assert b.post(url, _with(page, {"name": "Zorg Zuid"})).status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "Zorg Zuid"
    rows = AuditEvent.objects.filter(action=AuditAction.ORGANISATION_CHANGED).order_by("pk")
    assert [(r.actor, r.extra["new"]["name"]) for r in rows] == [
        (first, "Zorg Noord"),
        (second, "Zorg Zuid"),
    ]


@pytest.mark.parametrize(
    "fingerprint",
    [None, "", "0" * 64, "nep", "f" * 5000, "other-row"],
    ids=["missing", "empty", "zeros", "short", "huge", "other-row"],
)
def test_a_missing_or_forged_fingerprint_is_refused_like_a_stale_one(first, fingerprint):
    organisation = OrganisationFactory(name="Zorg West")
    url = reverse("admin:accounts_organisation_change", args=[organisation.pk])
    client = session_for(first)
    client.raise_request_exception = True
    page = _open(client, url)
    if fingerprint == "other-row":
        other = OrganisationFactory(name="Zorg Oost")
        other_url = reverse("admin:accounts_organisation_change", args=[other.pk])
        fingerprint = _open(client, other_url)[FIELD_NAME][0]
    before = _stored_counts()
    response = client.post(url, _with(page, {"name": "Zorg Noord", FIELD_NAME: fingerprint}))
    _assert_refused(response, "Zorg Noord")
    organisation.refresh_from_db()
    assert organisation.name == "Zorg West"
    assert _stored_counts() == before


def test_a_change_made_outside_the_admin_makes_the_page_stale_too(first):
    """E.g. a four-eyes approval applied in between: the fingerprint is of the stored row."""
    organisation = OrganisationFactory(name="Zorg West")
    url = reverse("admin:accounts_organisation_change", args=[organisation.pk])
    client = session_for(first)
    page = _open(client, url)
    Organisation.objects.filter(pk=organisation.pk).update(is_active=False)
    _assert_refused(client.post(url, _with(page, {"name": "Zorg Noord"})))
    organisation.refresh_from_db()
    assert (organisation.name, organisation.is_active) == ("Zorg West", False)


@pytest.mark.parametrize("object_id", ["9" * 30, "abc", "-1", "1e5"])
def test_a_crafted_object_id_on_the_locking_save_is_a_redirect_not_a_500(first, object_id):
    client = session_for(first)
    client.raise_request_exception = True
    for kind, data in (("change", {"name": "x"}), ("delete", {"post": "yes"})):
        url = f"/beheer/accounts/organisation/{object_id}/{kind}/"
        assert client.post(url, data).status_code in (302, 404)


# --- four eyes ------------------------------------------------------------------------------------


def test_the_four_eyes_path_still_works_and_an_approval_makes_open_pages_stale(first, second, fg):
    limburg = unit("limburg")
    url = reverse("admin:reference_policeunit_change", args=[limburg.pk])
    a, b = session_for(first), session_for(second)
    page_a = _open(a, url)
    response = a.post(url, _with(page_a, {"om_district": district("amsterdam").pk}))
    assert response.status_code == 302
    request = ChangeRequest.objects.get()
    limburg.refresh_from_db()
    assert limburg.om_district == district("limburg")  # held: the stored row is unchanged

    page_b = _open(b, url)  # opened while the request waits
    approve = session_for(fg).post(
        reverse("approvals:list"),
        {"request": request.pk, "decision": "approve", "reason": "Gecontroleerd"},
    )
    assert approve.status_code == 302
    limburg.refresh_from_db()
    assert limburg.om_district == district("amsterdam")

    # The second administrator's page predates the approval: saving it would undo the approval.
    before = _stored_counts()
    response = b.post(url, _with(page_b, {"name": "Limburg (twee)"}))
    _assert_refused(response)
    assert _stored_counts() == before
    limburg.refresh_from_db()
    assert limburg.om_district == district("amsterdam") and limburg.name == "Eenheid Limburg"


# --- deleting ----------------------------------------------------------------------------------------


def test_the_delete_confirmation_shows_the_row_as_it_is_now(first, second):
    """Deleting carries no fingerprint (approvals/admin_version.py): the confirmation is read when the
    administrator asks to delete, so it names the row as it is then, and the audit row keeps the
    values that were deleted."""
    spare = CourtOfAppeal.objects.create(code="test-hof", name="Testhof")
    a, b = session_for(first), session_for(second)
    change = reverse("admin:reference_courtofappeal_change", args=[spare.pk])
    page_b = _open(b, change)
    assert (
        a.post(change, _with(_open(a, change), {"name": "Testhof (hernoemd)"})).status_code == 302
    )
    assert page_b["name"] == ["Testhof"]
    delete = reverse("admin:reference_courtofappeal_delete", args=[spare.pk])
    confirmation = b.get(delete)
    assert "Testhof (hernoemd)" in confirmation.content.decode()
    assert b.post(delete, {"post": "yes"}).status_code == 302
    row = AuditEvent.objects.filter(action=AuditAction.REFERENCE_CHANGED).last()
    assert row.actor == second and row.extra["old"]["name"] == "Testhof (hernoemd)"


@pytest.mark.django_db(transaction=True)
def test_a_save_waits_for_a_concurrent_writer_and_then_sees_its_change(first, second):
    """Real concurrency: another transaction holds the row, changed but not yet committed, while
    the second administrator saves. The admin locks the row before reading it, so the save waits,
    then compares with the committed change and refuses. (Reading first and locking only at the
    UPDATE would compare with the old values and overwrite.) SQLite's in-memory test database
    cannot share rows across connections, so this one runs on PostgreSQL (DATABASE_URL)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a server database (run with DATABASE_URL=postgres://...)")
    organisation = OrganisationFactory(name="Zorg West")
    url = reverse("admin:accounts_organisation_change", args=[organisation.pk])
    b = session_for(second)
    page_b = _open(b, url)
    holding, release = threading.Event(), threading.Event()

    def other_writer() -> None:
        try:
            with transaction.atomic():
                Organisation.objects.select_for_update().get(pk=organisation.pk)
                Organisation.objects.filter(pk=organisation.pk).update(name="Zorg Noord")
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_writer)
    thread.start()
    assert holding.wait(10)
    timer = threading.Timer(0.5, release.set)  # commits while the admin's save waits
    timer.start()
    response = b.post(url, _with(page_b, {"name": "Zorg Zuid"}))
    thread.join()
    timer.join()
    _assert_refused(response, "Zorg Zuid")
    assert Organisation.objects.get(pk=organisation.pk).name == "Zorg Noord"
