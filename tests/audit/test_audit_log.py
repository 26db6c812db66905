"""The audit log: hash-chained rows, written in the caller's transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.http import Http404

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditChainHead, AuditEvent
from inbeeld.audit.services import GENESIS_HASH, audit_record, compute_row_hash
from inbeeld.cases.selectors import case_get_for
from inbeeld.cases.services import event_record
from tests.factories import CaseFactory, event_type, make_user

pytestmark = pytest.mark.django_db


def _assert_chain_intact():
    rows = list(AuditEvent.objects.order_by("id"))  # fresh from the database
    assert rows, "no audit rows to check"
    previous = GENESIS_HASH
    for row in rows:
        assert row.prev_hash == previous, f"row {row.pk} does not link to its predecessor"
        assert row.row_hash == compute_row_hash(row, row.prev_hash), f"row {row.pk} changed"
        previous = row.row_hash
    assert AuditChainHead.objects.get(pk=1).last_hash == previous
    return rows


def test_the_first_row_starts_from_the_genesis_hash():
    row = audit_record(actor=None, action=AuditAction.LOGIN_FAILED, subject_ref="x")
    assert row.prev_hash == GENESIS_HASH
    assert len(row.row_hash) == 64 and row.row_hash != GENESIS_HASH


def test_every_row_hash_covers_its_content_and_links_to_the_previous_row(client):
    officer = make_user(Role.POLICE_OFFICER, first_name="Zoë", last_name="Çelik")
    case = CaseFactory(recorder=officer, with_complaint=True)
    event_record(
        actor=officer,
        case=case,
        event_type=event_type("suspect_arrested"),
        event_date=dt.date(2024, 4, 1),
        note="Aanhouding in Zaandam – één verdachte.",
    )
    case_get_for(officer, case.code)
    with pytest.raises(Http404):
        case_get_for(make_user(Role.POLICE_OFFICER, unit_code="limburg"), case.code)
    audit_record(
        actor=officer,
        action=AuditAction.CASE_UPDATED,
        subject_type="case",
        subject_ref=case.code,
        case_code=case.code,
        # Values that JSON and the database may reshape: nesting, unicode, dates, key order.
        extra={
            "z": 1,
            "a": {"y": [1, 2, {"b": None}], "x": True},
            "datum": dt.date(2024, 1, 2),
            "tekst": "één ‘citaat’ – ✓",
            "getal": 12345678901234,
            "kommagetal": 0.1,
        },
    )
    client.post("/account/inloggen/", {"username": "niemand", "password": "fout"})
    rows = _assert_chain_intact()
    assert len(rows) >= 6
    assert {r.action for r in rows} >= {
        AuditAction.EVENT_RECORDED,
        AuditAction.CASE_READ,
        AuditAction.CASE_ACCESS_DENIED,
        AuditAction.CASE_UPDATED,
        AuditAction.LOGIN_FAILED,
    }
    assert len({r.row_hash for r in rows}) == len(rows)


def test_the_stored_extra_is_what_was_hashed():
    row = audit_record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        extra={"when": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)},
    )
    stored = AuditEvent.objects.get(pk=row.pk)
    assert stored.extra == {"when": "2024-01-02 03:04:05+00:00"}
    assert compute_row_hash(stored, stored.prev_hash) == row.row_hash


def test_a_changed_field_no_longer_matches_its_hash():
    row = audit_record(actor=None, action=AuditAction.LOGIN_FAILED, subject_ref="eva")
    stored = AuditEvent.objects.get(pk=row.pk)
    stored.subject_ref = "bram"
    assert compute_row_hash(stored, stored.prev_hash) != row.row_hash
    stored = AuditEvent.objects.get(pk=row.pk)
    stored.extra = {"added": 1}
    assert compute_row_hash(stored, stored.prev_hash) != row.row_hash


def test_the_hash_depends_on_the_previous_hash():
    row = audit_record(actor=None, action=AuditAction.LOGIN_FAILED)
    assert compute_row_hash(row, GENESIS_HASH) != compute_row_hash(row, "1" * 64)


def test_a_rolled_back_write_leaves_no_row_and_no_gap_in_the_chain():
    first = audit_record(actor=None, action=AuditAction.LOGIN_FAILED, subject_ref="eerste")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action=AuditAction.LOGIN_FAILED, subject_ref="teruggedraaid")
        raise RuntimeError("the caller's work failed")
    assert not AuditEvent.objects.filter(subject_ref="teruggedraaid").exists()
    assert AuditChainHead.objects.get(pk=1).last_hash == first.row_hash
    second = audit_record(actor=None, action=AuditAction.LOGIN_FAILED, subject_ref="tweede")
    assert second.prev_hash == first.row_hash
    _assert_chain_intact()


def test_the_actor_and_its_label_are_recorded():
    user = make_user(Role.RESEARCHER, username="onderzoeker.test")
    row = audit_record(actor=user, action=AuditAction.CASE_LIST_READ)
    assert (row.actor, row.actor_label) == (user, "onderzoeker.test")
    anonymous = audit_record(actor=None, action=AuditAction.LOGIN_FAILED)
    assert (anonymous.actor, anonymous.actor_label) == (None, "")


def test_a_case_read_and_a_refused_read_are_both_logged():
    case = CaseFactory()
    reader = make_user(Role.POLICE_OFFICER)
    outsider = make_user(Role.POLICE_OFFICER, unit_code="limburg")
    case_get_for(reader, case.code)
    with pytest.raises(Http404):
        case_get_for(outsider, case.code)
    actions = list(
        AuditEvent.objects.filter(case_code=case.code)
        .exclude(action=AuditAction.EVENT_RECORDED)
        .values_list("action", "actor_label")
    )
    assert actions == [
        (AuditAction.CASE_READ, reader.username),
        (AuditAction.CASE_ACCESS_DENIED, outsider.username),
    ]


def test_every_audit_action_has_a_dutch_label():
    for action in AuditAction:
        assert action.label and action.label[0].isupper()
