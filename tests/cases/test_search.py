"""Search and saved filters (issue 14 item 7): a case code or signal reference from the header of
every page, in scope only (out of scope answers like unknown, and is logged); saved filters on the
case list; the unit filter lists only the units the user can see."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.forms import CaseFilterForm
from inbeeld.cases.models import SavedFilter
from tests.factories import CaseFactory, make_user, unit
from tests.intake.conftest import _submit

pytestmark = pytest.mark.django_db


def test_the_header_has_a_search_box(login):
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    page = login(officer).get(reverse("home")).content.decode()
    assert 'role="search"' in page and reverse("search") in page


def test_a_case_code_in_scope_opens_the_case(login):
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    case = CaseFactory()
    response = login(officer).get(reverse("search"), {"q": f"  {case.code.lower()} "})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.code])


def test_a_signal_reference_in_scope_opens_the_signal(login):
    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="noord-holland")
    signal, _code = _submit(police_unit=unit("noord-holland"))
    response = login(coordinator).get(reverse("search"), {"q": signal.reference})
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:detail", args=[signal.reference])


def test_out_of_scope_answers_like_unknown_and_is_logged(login):
    officer = make_user(Role.POLICE_OFFICER, unit_code="limburg")
    case = CaseFactory()  # Amsterdam
    signal, _code = _submit(police_unit=unit("noord-holland"))
    client = login(officer)
    out_of_scope = client.get(reverse("search"), {"q": case.code})
    unknown = client.get(reverse("search"), {"q": "C-0000-ZZZZ"})
    assert out_of_scope.status_code == unknown.status_code == 200

    def strip(response, query):
        page = response.content.decode().replace(query, "")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)

    assert strip(out_of_scope, case.code) == strip(unknown, "C-0000-ZZZZ")
    assert "Niets gevonden" in unknown.content.decode()
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.CASE_ACCESS_DENIED, case_code=case.code
        ).exists()
        or AuditEvent.objects.filter(
            action=AuditAction.CASE_ACCESS_DENIED, subject_ref=case.code
        ).exists()
    )
    client.get(reverse("search"), {"q": signal.reference})
    # An officer cannot triage signals: signals are not searched for them at all.
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_READ).exists()


def test_a_signal_out_of_scope_is_logged():
    from inbeeld.intake.search import search

    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="amsterdam")
    signal, _code = _submit(police_unit=unit("noord-holland"))
    assert search(coordinator, signal.reference) is None
    assert AuditEvent.objects.filter(
        action=AuditAction.SIGNAL_ACCESS_DENIED, subject_ref=signal.reference
    ).exists()


def test_a_signaller_cannot_search(login):
    signaller = make_user(Role.SIGNALLER)
    client = login(signaller)
    assert client.get(reverse("search"), {"q": "X"}).status_code == 403
    assert reverse("search") not in client.get(reverse("home")).content.decode()


def test_save_a_filter_and_find_it_on_the_list(login):
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    client = login(officer)
    response = client.post(
        reverse("cases:filter_save"),
        {"name": "Mijn minderjarigen", "minor": "ja", "work": "mine", "pagina": "3", "evil": "x"},
    )
    assert response.status_code == 302
    saved = SavedFilter.objects.get(user=officer)
    assert saved.querystring == "minor=ja&work=mine"
    page = client.get(reverse("cases:list")).content.decode()
    assert "Mijn minderjarigen" in page and "?minor=ja&amp;work=mine" in page
    other = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    assert "Mijn minderjarigen" not in login(other).get(reverse("cases:list")).content.decode()


def test_a_filter_without_a_name_is_refused_with_a_summary(login):
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    response = login(officer).post(reverse("cases:filter_save"), {"name": " ", "minor": "ja"})
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()
    assert not SavedFilter.objects.exists()


def test_the_unit_filter_lists_only_units_the_user_can_see():
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    CaseFactory()
    CaseFactory(police_unit=unit("limburg"))
    codes = {u.code for u in CaseFilterForm(user=officer).fields["unit"].queryset}
    assert codes == {"amsterdam"}


def test_a_saved_filter_is_deleted_only_by_its_owner(login):
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    other = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    saved = SavedFilter.objects.create(user=officer, name="Acuut", querystring="minor=ja")
    response = login(other).post(reverse("cases:filter_delete", args=[saved.pk]))
    assert response.status_code == 404  # someone else's filter is as unknown as a missing one
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    login(officer).post(reverse("cases:filter_delete", args=[saved.pk]))
    assert not SavedFilter.objects.filter(pk=saved.pk).exists()
