"""Issue 11 items 5, 10 and 11 (audit side): refused function pages are on the audit log and in
the privacy officer's alerts; the audit search survives extreme dates; request parameters in audit
rows are the recognised filters only, bounded."""

from __future__ import annotations

import json

import pytest
from django.http import QueryDict
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.audit.services import (
    QUERY_MAX_KEYS,
    QUERY_MAX_LENGTH,
    QUERY_MAX_VALUES,
    audit_query_params,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db

# Role × another role's function page: each answered 403 before and after issue 11, and left no
# audit row before it (278 such requests in the attack went unlogged).
REFUSED = [
    (Role.POLICE_OFFICER, "reports:microdata", ["csv"]),
    (Role.POLICE_OFFICER, "privacy:log", []),
    (Role.POLICE_OFFICER, "pilot:dashboard", []),
    (Role.RESEARCHER, "privacy:overview", []),
    (Role.RESEARCHER, "intake:links", []),
    (Role.ADMINISTRATOR, "cases:list", []),
    (Role.PSYCHOLOGIST, "reports:index", []),
    (Role.PROSECUTOR, "intake:queue", []),
    (Role.SAFETY_COORDINATOR, "evaluation:overview", []),
    (Role.PRIVACY_OFFICER, "reports:microdata", ["xlsx"]),
    (Role.PRIVACY_OFFICER, "cases:create", []),
]


@pytest.fixture
def privacy_officer(db):
    return make_user(Role.PRIVACY_OFFICER, username="fg.test")


@pytest.mark.parametrize(("role", "name", "args"), REFUSED)
def test_a_refused_function_page_is_logged(login, role, name, args):
    user = make_user(role)
    path = reverse(name, args=args)
    response = login(user).get(path, {"zoek": "x" * 500})
    assert response.status_code == 403
    rows = AuditEvent.objects.filter(action=AuditAction.FUNCTION_ACCESS_DENIED)
    assert rows.count() == 1
    row = rows.get()
    assert row.actor == user and row.subject_type == "page" and row.subject_ref == name
    assert row.extra == {"path": path, "method": "GET", "status": 403}  # no query string


def test_a_refused_post_is_logged_too(login):
    user = make_user(Role.POLICE_OFFICER)
    response = login(user).post(reverse("pilot:deployment_create"), {"code": "x"})
    assert response.status_code == 403
    row = AuditEvent.objects.get(action=AuditAction.FUNCTION_ACCESS_DENIED)
    assert row.extra["method"] == "POST" and row.subject_ref == "pilot:deployment_create"


def test_allowed_pages_and_anonymous_visitors_leave_no_refusal_row(client, login):
    client.get(reverse("privacy:log"))  # anonymous: sent to the login page, nobody to name
    login(make_user(Role.RESEARCHER)).get(reverse("reports:index"))
    assert not AuditEvent.objects.filter(action=AuditAction.FUNCTION_ACCESS_DENIED).exists()


def test_repeated_refusals_raise_an_alert_for_the_privacy_officer(client, privacy_officer):
    from tests.conftest import verified_login

    snoop = make_user(Role.POLICE_OFFICER, username="rondsnuffelaar")
    verified_login(client, snoop)
    for name, args in (("privacy:log", []), ("reports:microdata", ["csv"]), ("reports:index", [])):
        assert client.get(reverse(name, args=args)).status_code == 403
    client.logout()
    response = verified_login(client, privacy_officer).get(reverse("privacy:overview"))
    alerts = [(a.rule, a.user, a.count) for a in response.context["alerts"].object_list]
    assert alerts == [("function_denied", "rondsnuffelaar", 3)]
    assert "rondsnuffelaar kreeg op" in response.content.decode()


def test_two_refusals_raise_no_alert(client, privacy_officer):
    from tests.conftest import verified_login

    snoop = make_user(Role.POLICE_OFFICER, username="rondsnuffelaar")
    verified_login(client, snoop)
    for _ in range(2):
        client.get(reverse("privacy:log"))
    client.logout()
    response = verified_login(client, privacy_officer).get(reverse("privacy:overview"))
    assert not response.context["alerts"].object_list


# --- item 10: extreme dates on the audit search --------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"date_to": "9999-12-31"},
        {"date_from": "9999-12-31"},
        {"date_from": "0001-01-01"},
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
    ],
)
def test_extreme_dates_on_the_audit_search_get_a_dutch_error(login, privacy_officer, query):
    # Before issue 11: OverflowError, a 500.
    response = login(privacy_officer).get(reverse("privacy:log"), query)
    assert response.status_code == 200
    assert "Kies een datum tussen 01-01-2000 en 31-12-2100." in response.content.decode()


def test_dates_within_the_bounds_still_search(login, privacy_officer):
    response = login(privacy_officer).get(
        reverse("privacy:log"), {"date_from": "2000-01-01", "date_to": "2100-12-31"}
    )
    assert response.status_code == 200 and "Kies een datum" not in response.content.decode()


# --- item 11: bounded request parameters in audit rows -------------------------------------------


def test_a_huge_query_parameter_leaves_a_small_audit_row(login, police_officer):
    huge = "A" * 60_000
    response = login(police_officer).get(
        reverse("cases:list"), {"status": huge, "onbekend": huge, "unit": "amsterdam"}
    )
    assert response.status_code == 200
    row = AuditEvent.objects.filter(action=AuditAction.CASE_LIST_READ).latest("id")
    # Before issue 11 the whole query string was stored: a 61 kB row.
    assert len(json.dumps(row.extra)) < 2_000
    assert row.extra["filters"] == {"status": "A" * QUERY_MAX_LENGTH, "unit": "amsterdam"}


def test_a_huge_audit_search_leaves_a_small_audit_row(login, privacy_officer):
    login(privacy_officer).get(reverse("privacy:log"), {"username": "u" * 60_000, "x": "y"})
    row = AuditEvent.objects.filter(action=AuditAction.AUDIT_LOG_READ).latest("id")
    assert len(json.dumps(row.extra)) < 2_000


def test_audit_query_params_keeps_recognised_names_bounded():
    query = QueryDict(mutable=True)
    for i in range(QUERY_MAX_KEYS + 10):
        query[f"f{i}"] = "v"
    query.setlist("multi", [str(i) * 500 for i in range(QUERY_MAX_VALUES + 5)])
    query["secret"] = "wachtwoord"
    kept = audit_query_params(query, [*(f"f{i}" for i in range(100)), "multi"])
    assert "secret" not in kept and len(kept) == QUERY_MAX_KEYS
    assert "multi" not in kept  # the key limit was reached first
    kept = audit_query_params(query, ["multi"])
    assert kept["multi"] == [str(i) * QUERY_MAX_LENGTH for i in range(QUERY_MAX_VALUES)]
    assert audit_query_params({"status": ""}, ["status"]) == {}


def test_a_policy_refusal_answered_404_is_logged_when_marked(rf):
    """Function pages that answer a policy refusal with 404 (to hide that they exist) mark the
    Http404 with ``audit_refusal = True``; an ordinary 404 (a missing object) is not a refusal."""
    from django.http import Http404

    from inbeeld.conf.middleware import AuditRefusalMiddleware

    user = make_user(Role.POLICE_OFFICER)
    middleware = AuditRefusalMiddleware(lambda request: None)
    request = rf.get("/verborgen/functie/?q=1")
    request.user = user
    middleware.process_exception(request, Http404("missing"))
    assert not AuditEvent.objects.filter(action=AuditAction.FUNCTION_ACCESS_DENIED).exists()
    refusal = Http404("refused")
    refusal.audit_refusal = True
    assert middleware.process_exception(request, refusal) is None  # Django still answers 404
    row = AuditEvent.objects.get(action=AuditAction.FUNCTION_ACCESS_DENIED)
    assert row.extra == {"path": "/verborgen/functie/", "method": "GET", "status": 404}
