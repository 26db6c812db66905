"""The health endpoints: live without a database, ready only when the database answers, every
migration is applied and the keys decrypt what is stored; no login, no audit row, nothing leaked.
An unreachable database is tried on the real server (tests/conf/test_serve.py)."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet
from django.db.migrations.recorder import MigrationRecorder

from inbeeld.audit.models import AuditEvent
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

ALL_OK = {"database": "ok", "migraties": "ok", "sleutels": "ok"}


def _json(response):
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    return json.loads(response.content)


def test_live_answers_without_login(client):
    response = client.get("/health/live")
    assert response.status_code == 200
    assert _json(response) == {"status": "ok"}


def test_live_needs_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/health/live").status_code == 200


def test_ready_answers_ok_on_a_migrated_database_with_the_right_keys(client):
    CaseFactory(events=[("signal_received", "", "een notitie die versleuteld is")])
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert _json(response) == {"status": "ok", "controles": ALL_OK}


def test_ready_is_503_while_a_migration_is_not_applied(client):
    newest = MigrationRecorder.Migration.objects.filter(app="cases").order_by("-id").first()
    # As on a database restored from before an upgrade: the newest migration is not recorded.
    MigrationRecorder.Migration.objects.filter(pk=newest.pk).delete()
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert _json(response) == {
        "status": "niet gereed",
        "controles": {**ALL_OK, "migraties": "fout"},
    }


def test_ready_is_503_when_the_keys_do_not_decrypt_the_stored_text(client, settings):
    CaseFactory(events=[("signal_received", "", "versleuteld onder de oude sleutel")])
    # As after a restore with the wrong keys: they load, but the stored text is not theirs.
    settings.INBEELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert _json(response)["controles"] == {**ALL_OK, "sleutels": "fout"}


def test_ready_is_503_when_the_keys_are_unusable(client, settings):
    settings.INBEELD_ENCRYPTION_KEYS = ["geen-fernet-sleutel"]
    response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.content.decode()
    assert "geen-fernet-sleutel" not in body and "Fernet" not in body and "Traceback" not in body
    assert _json(response)["controles"]["sleutels"] == "fout"


def test_probes_are_not_audited_and_do_not_change_with_a_login(client, make_user):
    before = AuditEvent.objects.count()
    for _ in range(3):
        assert client.get("/health/live").status_code == 200
        assert client.get("/health/ready").status_code == 200
    assert AuditEvent.objects.count() == before
    # A logged-in user who has not passed the second factor is not sent to the TOTP page.
    user = make_user("police_officer")
    client.force_login(user)
    assert client.get("/health/ready").status_code == 200


def test_probes_only_read(client):
    assert client.post("/health/live").status_code == 405
    assert client.post("/health/ready").status_code == 405
