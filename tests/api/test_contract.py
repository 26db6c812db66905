"""Contract test (issue 16 item 4): schemathesis generates requests from the committed OpenAPI
document (docs/openapi.yaml) and sends them to the app in-process, with a valid key, on a seeded
database (a case, its events, a signal); no answer may be a 5xx, and every answer must match the
document (documented status, content type, headers, body schema). Bounded: a few examples per
operation, fixed seed."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from inbeeld.accounts.models import Role
from tests.api.conftest import make_api_client
from tests.factories import CaseFactory, make_user, unit

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
schema = schemathesis.openapi.from_path(DOCUMENT)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def seeded(db):
    """A police officer's key and a case with events in their unit; the WSGI app called in the
    test's own transaction (as Django's test client does: no connection closing per request)."""
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    CaseFactory(police_unit=unit("amsterdam"), with_complaint=True)
    _client, key = make_api_client(officer)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application(), key
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


# One pytest test per operation with its own id (schema.parametrize gives every operation the same
# node id, and pytest-xdist, which runs the suite in parallel, would then run only one of them).
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


def test_every_operation_of_the_document_is_tested():
    assert len(OPERATIONS) >= 20
    assert len({operation.label for operation in OPERATIONS}) == len(OPERATIONS)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_the_api_keeps_its_contract(operation, seeded):
    app, key = seeded

    @given(case=operation.as_strategy())
    @settings(
        max_examples=8,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def keeps_the_contract(case):
        case.call_and_validate(app=app, headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)

    keeps_the_contract()
