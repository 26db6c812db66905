"""Every error under /api/ is application/problem+json with the API-Version header, and crafted
input never gives a 500 (issue 16 items 3 and 4)."""

from __future__ import annotations

import json

import pytest

from inbeeld.accounts.models import Role
from inbeeld.cases.models import Case
from tests.api.conftest import assert_problem
from tests.factories import CaseFactory, make_user, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_for):
    return api_for(make_user(Role.POLICE_OFFICER))


def test_every_answer_has_the_api_version_header(api):
    assert api.get("eenheden")["API-Version"] == "1.0.0"
    assert api.get("/api/v1/openapi.yaml")["API-Version"] == "1.0.0"


@pytest.mark.parametrize("path", ["/api/v1/bestaat-niet", "/api/v1/", "/api/v2/casussen", "/api/"])
def test_an_unknown_address_is_a_404_problem(api, path):
    assert_problem(api.get(path), 404)


def test_a_wrong_method_is_a_405_problem_with_allow(api):
    response = api.http.delete("/api/v1/casussen", headers=api.headers())
    assert_problem(response, 405)
    assert "GET" in response["Allow"]
    assert_problem(api.post("eenheden", {}), 405)


def test_a_wrong_content_type_is_a_415_problem(api):
    response = api.post(
        "casussen", raw="eenheid=amsterdam", content_type="application/x-www-form-urlencoded"
    )
    assert_problem(response, 415)
    assert not Case.objects.exists()


def test_broken_json_is_a_400_problem(api):
    assert_problem(api.post("casussen", raw="{kapot"), 400)
    assert_problem(api.post("casussen", raw="[1, 2]"), 400, param="body")
    assert_problem(api.post("casussen", raw='"tekst"'), 400)


def test_a_huge_body_is_a_413_problem(api, settings):
    settings.INBEELD_API_MAX_BODY_BYTES = 1000
    body = json.dumps({"eenheid": "x" * 5000})
    assert_problem(api.post("casussen", raw=body), 413)
    assert not Case.objects.exists()


def test_throttling_is_a_429_problem_with_retry_after(api, settings):
    from django.core.cache import cache

    cache.clear()
    settings.INBEELD_API_RATE = "2/minute"
    assert api.get("eenheden").status_code == 200
    assert api.get("eenheden").status_code == 200
    response = api.get("eenheden")
    assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0
    cache.clear()


@pytest.mark.parametrize(
    "body",
    [
        {
            "eenheid": 12,
            "uitbuitingsvormen": "sexual",
            "minderjarigBijInstroom": [],
            "datumInstroom": 5,
        },
        {"eenheid": None, "uitbuitingsvormen": [None, {"a": 1}]},
        {"eenheid": "\x00", "leeftijdscategorie": "\ud800"},
        {"eenheid": "amsterdam", "datumInstroom": "9999-99-99"},
        {"uitbuitingsvormen": ["sexual"] * 5000},
        {},
    ],
)
def test_crafted_registrations_never_give_a_500(api, body):
    response = api.post("casussen", body)
    assert 400 <= response.status_code < 500
    assert_problem(response, response.status_code)
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("casussen", {"aantal": "veel"}),
        ("casussen", {"aantal": "100000"}),
        ("casussen", {"status": "x" * 3000}),
        ("casussen", {"cursor": "\x00" * 10}),
        ("casussen/" + "A" * 5000, {}),
        ("casussen/IB-XXXX-XXXX/gebeurtenissen", {}),
    ],
)
def test_crafted_reads_never_give_a_500(api, path, params):
    response = api.get(path, params)
    assert 400 <= response.status_code < 500, response.content[:300]
    assert_problem(response, response.status_code)


def test_crafted_event_input_never_gives_a_500(api):
    case = CaseFactory(police_unit=unit("amsterdam"))
    path = f"casussen/{case.code}/gebeurtenissen"
    for body in (
        {"soort": 5, "datum": "2024-01-01"},
        {"soort": "first_police_contact", "datum": "2024-01-01", "versie": "drie"},
        {"soort": "first_police_contact", "datum": "2024-01-01", "versie": 10**30},
        {"soort": "first_police_contact", "datum": "2024-01-01", "notitie": "x" * 6000},
    ):
        response = api.post(path, body)
        assert_problem(response, 400)
    response = api.post(
        path,
        {"soort": "first_police_contact", "datum": "2024-01-01"},
        headers={"If-Match": "nonsense"},
    )
    assert_problem(response, 400, param="If-Match")
    response = api.post(f"{path}/99999999999999999999/correctie", {})
    assert_problem(response, 404)


def test_a_nul_byte_in_an_address_or_a_code_is_a_miss_not_a_500(api):
    assert_problem(api.get("casussen/IB-%00"), 404)
    assert_problem(api.get("signalen/%00"), 404)
    assert_problem(api.post("casussen", {"eenheid": "ams\x00terdam"}), 400, param="eenheid")


def test_a_replaced_error_answer_keeps_the_security_headers(api):
    response = api.get("/api/v2/casussen")
    assert_problem(response, 404)
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
