"""The Dutch 400/403/404/500 pages in every setting, with DEBUG on as in development and the demo
(issue 14 item 13): never Django's English technical pages."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import RequestFactory, override_settings
from django.urls import reverse

from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.conf.error_pages import DutchErrorPagesMiddleware
from tests.factories import CaseFactory, unit

pytestmark = pytest.mark.django_db

ENGLISH = ("Page not found", "DEBUG = True", "Traceback", "Using the URLconf", "Server Error")


def _assert_dutch(html: str, heading: str):
    assert f"<h1>{heading}</h1>" in html
    assert 'lang="nl"' in html
    assert "Terug naar de startpagina" in html  # no dead end
    for word in ENGLISH:
        assert word not in html


@pytest.mark.parametrize("debug", [True, False])
def test_an_out_of_scope_case_answers_the_dutch_404_and_is_still_logged(
    login, police_officer, debug
):
    case = CaseFactory(police_unit=unit("limburg"))
    with override_settings(DEBUG=debug):
        response = login(police_officer).get(reverse("cases:detail", args=[case.code]))
    assert response.status_code == 404
    html = response.content.decode()
    _assert_dutch(html, "Niet gevonden")
    assert case.code not in html
    assert "Terug naar de startpagina" in html
    assert AuditEvent.objects.filter(action=AuditAction.CASE_ACCESS_DENIED).count() == 1


@pytest.mark.parametrize("debug", [True, False])
def test_an_unknown_case_code_answers_the_same_dutch_404(login, police_officer, debug):
    with override_settings(DEBUG=debug):
        response = login(police_officer).get(reverse("cases:detail", args=["IB-ZZZZ-ZZZZ"]))
    assert response.status_code == 404
    _assert_dutch(response.content.decode(), "Niet gevonden")


@pytest.mark.parametrize("debug", [True, False])
def test_an_unknown_address_answers_the_dutch_404(login, police_officer, debug):
    with override_settings(DEBUG=debug):
        response = login(police_officer).get("/bestaat-niet/echt-niet/")
    assert response.status_code == 404
    _assert_dutch(response.content.decode(), "Niet gevonden")


def _through_middleware(exception):
    request = RequestFactory().get("/ergens/")
    middleware = DutchErrorPagesMiddleware(lambda r: None)
    return middleware.process_exception(request, exception)


@override_settings(DEBUG=True)
def test_with_debug_on_an_unhandled_error_answers_the_dutch_500_and_is_logged(caplog):
    with caplog.at_level("ERROR", logger="django.request"):
        response = _through_middleware(RuntimeError("kapot"))
    assert response.status_code == 500
    _assert_dutch(response.content.decode(), "Er ging iets mis")
    assert any(record.exc_info for record in caplog.records)


@override_settings(DEBUG=True)
def test_with_debug_on_a_bad_request_answers_the_dutch_400():
    response = _through_middleware(SuspiciousOperation("vreemd"))
    assert response.status_code == 400
    _assert_dutch(response.content.decode(), "Ongeldig verzoek")


@override_settings(DEBUG=True)
def test_with_debug_on_a_refusal_is_left_to_django_which_renders_the_dutch_403(
    login, police_officer
):
    assert _through_middleware(PermissionDenied()) is None
    # A researcher-only page for a police officer: Django's handler renders 403.html.
    response = login(police_officer).get(reverse("reports:microdata_page"))
    assert response.status_code in (403, 404)
    html = response.content.decode()
    assert "Geen toegang" in html or "Niet gevonden" in html
    for word in ENGLISH:
        assert word not in html


@override_settings(DEBUG=False)
def test_without_debug_the_middleware_leaves_everything_to_django():
    assert _through_middleware(RuntimeError("kapot")) is None
