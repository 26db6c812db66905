"""The OpenAPI 3.1 document: served at /api/v1/openapi.yaml, committed as docs/openapi.yaml and
equal to what the code generates (`make openapi` regenerates it), with Dutch descriptions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def _generated(tmp_path) -> str:
    target = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(target), "--validate", "--fail-on-warn")
    return target.read_text(encoding="utf-8")


def test_the_committed_document_equals_the_generated_one(tmp_path):
    assert COMMITTED.read_text(encoding="utf-8") == _generated(tmp_path), (
        "docs/openapi.yaml is out of date: run `make openapi`"
    )


def test_the_served_document_is_openapi_3_1_with_every_operation_described_in_dutch(client):
    response = client.get("/api/v1/openapi.yaml")
    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    assert document["openapi"].startswith("3.1")
    assert document == yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))
    operations = [op for ops in document["paths"].values() for op in ops.values()]
    assert len(operations) >= 8
    for operation in operations:
        assert operation["description"] and operation["summary"]
        assert "401" in operation["responses"]
        problem = operation["responses"]["401"]["content"]
        assert "application/problem+json" in problem
    for post in (ops["post"] for ops in document["paths"].values() if "post" in ops):
        names = {p["name"] for p in post.get("parameters", [])}
        assert "Idempotency-Key" in names
    for name, schema in document["components"]["schemas"].items():
        for field, spec in schema.get("properties", {}).items():
            if "$ref" not in spec and "allOf" not in spec:
                assert spec.get("description"), f"{name}.{field} has no description"


def test_the_documentation_page_loads_nothing_from_elsewhere(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger" in html.lower()
    assert "http://" not in html and "https://" not in html
    script = client.get("/api/v1/docs?script=")
    assert script.status_code == 200
    assert b"https://" not in script.content


def test_the_documentation_pages_assets_are_our_own_static_files(client):
    from django.contrib.staticfiles import finders

    html = client.get("/api/v1/docs").content.decode()
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        path = f"drf_spectacular_sidecar/swagger-ui-dist/{name}"
        assert path in html
        assert finders.find(path) is not None
    # Not shipped: DRF's browsable-API assets and the sidecar's Redoc (nothing serves them).
    assert finders.find("rest_framework/css/bootstrap.min.css") is None
    assert finders.find("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js") is None


ENGLISH = re.compile(
    r"\b(the|it|does|must|should|which|returns?|value|page|number|fields?|unique|"
    r"identifier|successful|request|response)\b",
    re.IGNORECASE,
)


def _texts(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("description", "summary", "title") and isinstance(value, str):
                yield value
            else:
                yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


def test_every_word_of_the_document_is_dutch_and_every_answer_described():
    """No English docstring or library default slips in (DISABLE_DOCSTRING_DESCRIPTIONS; the
    hook describes the success answers); codes between backticks are values, not words."""
    document = yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))
    english = [text for text in _texts(document) if ENGLISH.search(re.sub(r"`[^`]*`", "", text))]
    assert not english, english
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                assert answer.get("description"), f"{method} {path} {status}"
