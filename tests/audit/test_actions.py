"""The list of audit actions is code: adding one needs no migration (issue 13), and a value that
is not on the list is refused before anything is written."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import models

from inbeeld.audit import models as audit_models
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.audit.services import audit_record


def test_the_action_column_has_no_choices():
    assert not AuditEvent._meta.get_field("action").choices


@pytest.mark.django_db
def test_a_new_audit_action_needs_no_migration(monkeypatch):
    extended = models.TextChoices(
        "AuditAction",
        [(m.name, (m.value, m.label)) for m in AuditAction]
        + [("NEW_RELEASE", ("publication.new_release", "Nieuwe soort vrijgave"))],
    )
    monkeypatch.setattr(audit_models, "AuditAction", extended)
    assert audit_models.is_audit_action("publication.new_release")
    # Exits with status 1 when the models differ from the migrations.
    call_command("makemigrations", "audit", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_audit_record_refuses_an_unknown_action_and_writes_nothing():
    before = AuditEvent.objects.count()
    with pytest.raises(ValueError, match="unknown audit action"):
        audit_record(actor=None, action="case.tipex", subject_type="case")
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_a_row_shows_its_action_in_dutch_and_clean_refuses_an_unknown_one():
    row = audit_record(actor=None, action=AuditAction.RETENTION_APPLIED, subject_type="retention")
    assert row.action_label == "Bewaartermijnen toegepast"
    with pytest.raises(ValidationError):
        AuditEvent(action="case.tipex").clean()
    assert AuditEvent(action="old.action").action_label == "old.action"
