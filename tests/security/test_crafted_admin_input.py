"""No 5xx on crafted input in the admin (issue 11, item 10): the attacks the fuzzing found, replayed.

tests/security/test_crafted_input.py fuzzes every admin form; these name each attack it found:

* a 30-digit id in a many-to-many select (a district's courts) raised OverflowError: it is now
  "not one of the choices" (inbeeld.forms_safe through administration.mixins.PolicyAdminMixin);
* an inline's management form is trusted by Django: INITIAL_FORMS lower than the stored rows (a
  list, 0, negative) turned stored rows into new ones and their insert broke a unique constraint
  (IntegrityError, a 500), an id of another parent's row or the same row twice slipped through;
  now every such form is refused with one Dutch error and nothing at all is stored;
* a 100 kB admin search term became a LIKE pattern SQLite refuses (a 500): a Dutch message now;
* the user admin offered Django's groups and model permissions, which nothing reads (rights come
  from policy.py and memberships): they are no longer part of the form.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from inbeeld.accounts.models import Role, User
from inbeeld.approvals.admin_version import FIELD_NAME
from inbeeld.audit.models import AuditEvent
from inbeeld.pilot.models import FidelityItem, Intervention
from inbeeld.reference.models import Court, OMDistrict
from tests.approvals.admin_forms import form_data
from tests.conftest import verified_login
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ROWS_MISMATCH = "Deze regels passen niet bij wat er is opgeslagen"
THIRTY_DIGITS = "123456789012345678901234567890"


@pytest.fixture
def admin_client(beheerder) -> Client:
    return verified_login(Client(raise_request_exception=True), beheerder)


def _stored() -> tuple:
    return (
        list(
            FidelityItem.objects.order_by("pk").values_list("pk", "intervention", "code", "label")
        ),
        AuditEvent.objects.count(),
    )


# --- many-to-many selects ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [THIRTY_DIGITS, "-" + "9" * 30, "9" * 5000])
def test_a_district_with_an_impossible_court_id_gets_the_dutch_invalid_choice(admin_client, value):
    district = OMDistrict.objects.order_by("pk").first()
    url = reverse("admin:reference_omdistrict_change", args=[district.pk])
    data = form_data(admin_client.get(url).content.decode())
    courts = list(district.courts.order_by("pk").values_list("pk", flat=True))
    response = admin_client.post(url, {**data, "courts": [str(Court.objects.first().pk), value]})
    assert response.status_code == 200
    assert "is geen beschikbare keuze" in response.content.decode()
    assert list(district.courts.order_by("pk").values_list("pk", flat=True)) == courts
    add = admin_client.post(reverse("admin:reference_omdistrict_add"), {**data, "courts": [value]})
    assert add.status_code == 200 and "is geen beschikbare keuze" in add.content.decode()


# --- an inline's management form ------------------------------------------------------------------


def _intervention_page(admin_client):
    intervention = Intervention.objects.order_by("pk").first()
    assert intervention.fidelity_items.count() >= 2
    url = reverse("admin:pilot_intervention_change", args=[intervention.pk])
    return intervention, url, form_data(admin_client.get(url).content.decode())


def _other_parents_item(intervention) -> str:
    return str(FidelityItem.objects.exclude(intervention=intervention).first().pk)


CRAFTED_ROWS = {
    "INITIAL_FORMS a list": {"INITIAL_FORMS": ["1", "2"]},
    "INITIAL_FORMS 0": {"INITIAL_FORMS": ["0"]},
    "INITIAL_FORMS negative": {"INITIAL_FORMS": ["-1"]},
    "INITIAL_FORMS 30 digits": {"INITIAL_FORMS": [THIRTY_DIGITS]},
    "TOTAL_FORMS below INITIAL_FORMS": {"TOTAL_FORMS": ["1"]},
    "TOTAL_FORMS negative": {"TOTAL_FORMS": ["-3"]},
    "a row of another intervention": {"0-id": ["OTHER"]},
    "the same row twice": {"1-id": ["FIRST"]},
    "a row without its id": {"0-id": None},
}


@pytest.mark.parametrize("crafted", CRAFTED_ROWS.values(), ids=CRAFTED_ROWS.keys())
def test_a_crafted_inline_management_form_is_refused_in_dutch_and_nothing_is_stored(
    admin_client, crafted
):
    intervention, url, data = _intervention_page(admin_client)
    data["label"] = ["Een nieuwe omschrijving"]
    data["fidelity_items-0-label"] = ["Een gewijzigde regel"]
    for key, values in crafted.items():
        name = f"fidelity_items-{key}"
        if values is None:
            data.pop(name)
            continue
        placeholders = {
            "OTHER": _other_parents_item(intervention),
            "FIRST": data["fidelity_items-0-id"][0],
        }
        data[name] = [placeholders.get(value, value) for value in values]
    before = _stored()
    response = admin_client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert ROWS_MISMATCH in page
    assert _stored() == before
    intervention.refresh_from_db()
    assert intervention.label != "Een nieuwe omschrijving"


def test_a_crafted_huge_total_forms_builds_no_rows_and_is_refused_in_dutch(admin_client):
    _intervention, url, data = _intervention_page(admin_client)
    data["fidelity_items-TOTAL_FORMS"] = [THIRTY_DIGITS]
    before = _stored()
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Verstuur maximaal 1000 formulieren" in response.content.decode()
    inline = response.context["inline_admin_formsets"][0].formset
    assert len(inline.forms) == 0  # not two thousand empty rows to validate and show again
    assert _stored() == before


def test_the_untouched_management_form_still_saves_rows_and_adds_one(admin_client):
    intervention, url, data = _intervention_page(admin_client)
    count = intervention.fidelity_items.count()
    data["fidelity_items-0-label"] = ["Een gewijzigde regel"]
    data["fidelity_items-TOTAL_FORMS"] = [str(count + 1)]
    data.update(
        {
            f"fidelity_items-{count}-code": ["nieuwe_regel"],
            f"fidelity_items-{count}-label": ["Nieuwe regel"],
            f"fidelity_items-{count}-order": ["9"],
            f"fidelity_items-{count}-intervention": [str(intervention.pk)],
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert intervention.fidelity_items.count() == count + 1
    assert intervention.fidelity_items.filter(label="Een gewijzigde regel").exists()


def test_a_code_moved_to_a_new_row_in_the_same_save_is_stored_not_a_500(admin_client):
    # Rename a stored row and give its old code to a new row: the formset sees no duplicate, so
    # the stored row must be updated before the new one is inserted.
    intervention, url, data = _intervention_page(admin_client)
    count = intervention.fidelity_items.count()
    old_code = data["fidelity_items-0-code"][0]
    data["fidelity_items-0-code"] = ["hernoemde_regel"]
    data["fidelity_items-TOTAL_FORMS"] = [str(count + 1)]
    data.update(
        {
            f"fidelity_items-{count}-code": [old_code],
            f"fidelity_items-{count}-label": ["Nieuwe regel met de oude code"],
            f"fidelity_items-{count}-order": ["9"],
            f"fidelity_items-{count}-intervention": [str(intervention.pk)],
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert intervention.fidelity_items.get(code=old_code).label == "Nieuwe regel met de oude code"
    assert intervention.fidelity_items.filter(code="hernoemde_regel").exists()


# --- search -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model", ["accounts_user", "accounts_organisation", "accounts_authenticatordevice"]
)
def test_an_overlong_admin_search_gets_a_dutch_message_not_a_500(admin_client, model):
    response = admin_client.get(reverse(f"admin:{model}_changelist"), {"q": "x" * 100_000})
    assert response.status_code == 200
    assert "Zoek met hoogstens 200 tekens." in response.content.decode()
    normal = admin_client.get(reverse(f"admin:{model}_changelist"), {"q": "x" * 200})
    assert "Zoek met hoogstens" not in normal.content.decode()


# --- the user admin offers no Django groups or model permissions ------------------------------------


def test_the_user_admin_neither_shows_nor_stores_django_groups_or_permissions(admin_client):
    someone = make_user(Role.SIGNALLER, username="iemand")
    group = Group.objects.create(name="oude groep")
    permission = Permission.objects.order_by("pk").first()
    url = reverse("admin:accounts_user_change", args=[someone.pk])
    page = admin_client.get(url).content.decode()
    data = form_data(page)
    assert "groups" not in data and "user_permissions" not in data
    assert 'name="groups"' not in page and 'name="user_permissions"' not in page
    assert FIELD_NAME in data
    data.update(
        {
            "first_name": ["Anders"],
            "groups": [str(group.pk), THIRTY_DIGITS],
            "user_permissions": [str(permission.pk), THIRTY_DIGITS],
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    someone = User.objects.get(pk=someone.pk)
    assert someone.first_name == "Anders"
    assert not someone.groups.exists() and not someone.user_permissions.exists()
