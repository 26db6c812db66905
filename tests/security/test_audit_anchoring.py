"""Issue 11 item 4: the audit log cannot be rewritten by someone who can write the database.

Each test replays an informed tampering (tests/security/audit_tampering.py: the attacker knows the
code, runs any SQL as the table owner, lacks the keys in the environment) and requires
`inbeeld audit verify` to fail. On the code before issue 11 (unkeyed SHA-256, head in the same
database, no checkpoints, no SQLite trigger) every one of them passed verification.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from inbeeld.audit import triggers
from inbeeld.audit.chain import KEYED_CHAINS, LEGACY_HEAD_MARK, LEGACY_SHA256, keyed_mac
from inbeeld.audit.checkpoints import (
    FILE_NAME,
    CheckpointError,
    checkpoint_create,
    read_checkpoints,
)
from inbeeld.audit.models import AuditAction, AuditChainHead, AuditEvent
from inbeeld.audit.services import audit_record
from inbeeld.audit.verify import anchoring_status, audit_chain_verify
from tests.security.audit_tampering import forged_digest, owner_sql, recompute_chain, verify_fails

pytestmark = pytest.mark.django_db


def _rows(n, start=0):
    return [
        audit_record(
            actor=None,
            action=AuditAction.LOGIN_FAILED,
            subject_type="user",
            subject_ref=f"user{i}",
            extra={"i": i},
        )
        for i in range(start, start + n)
    ]


def _checkpoint_file():
    return settings.INBEELD_AUDIT_CHECKPOINT_DIR / FILE_NAME


# --- the keyed chain --------------------------------------------------------------------------


def test_new_rows_are_chained_with_the_keyed_mac():
    rows = _rows(3)
    assert {r.chain_version for r in rows} == {KEYED_CHAINS}
    # Neither the old unkeyed SHA-256 nor a guessed key reproduces a row's MAC.
    for how in ("sha256", "hmac-guess"):
        assert forged_digest(rows[1], rows[1].prev_hash, how) != rows[1].row_hash
    assert audit_chain_verify().ok


@pytest.mark.parametrize("how", ["sha256", "hmac-guess"])
def test_deleting_rows_and_recomputing_the_chain_without_the_key_is_detected(how):
    rows = _rows(6)
    owner_sql("DELETE FROM audit_auditevent WHERE id IN (%s, %s)", [rows[2].id, rows[3].id])
    recompute_chain(how, version=LEGACY_SHA256 if how == "sha256" else None)
    # Before issue 11 exactly this passed: the chain was recomputable by anyone.
    report = audit_chain_verify()
    assert not report.ok


def test_a_forged_row_is_detected():
    rows = _rows(4)
    forged = AuditEvent(
        **{f.attname: getattr(rows[-1], f.attname) for f in AuditEvent._meta.concrete_fields}
    )
    forged.pk = None
    forged.subject_ref = "inbraak-gewist"
    forged.prev_hash = rows[-1].row_hash
    forged.row_hash = forged_digest(forged, rows[-1].row_hash, "hmac-guess")
    AuditEvent.objects.bulk_create([forged])
    owner_sql("UPDATE audit_auditchainhead SET last_hash = %s WHERE chain = 0", [forged.row_hash])
    verify_fails("sleutelcode")


def test_a_changed_row_recomputed_as_legacy_is_detected():
    """Flipping rows back to the unkeyed version 1 is no way around the key."""
    rows = _rows(4)
    owner_sql("UPDATE audit_auditevent SET subject_ref = 'x' WHERE id = %s", [rows[3].id])
    recompute_chain("sha256", version=LEGACY_SHA256)
    verify_fails("niet gedekt door een ondertekend controlepunt")


# --- checkpoints outside the database ---------------------------------------------------------


def test_deleting_every_row_and_the_head_is_detected():
    _rows(5)
    checkpoint_create(kind="command")
    owner_sql("DELETE FROM audit_auditevent")
    owner_sql("DELETE FROM audit_auditchainhead")
    # Before issue 11: "Auditlog in orde: 0 regels".
    report = verify_fails("de auditlog is leeg")
    assert report.rows == 0
    assert not anchoring_status().ok


def test_cutting_the_tail_below_the_last_checkpoint_is_detected():
    rows = _rows(6)
    checkpoint_create(kind="command")  # covers rows[0..5]
    owner_sql("DELETE FROM audit_auditevent WHERE id >= %s", [rows[4].id])
    owner_sql("UPDATE audit_auditchainhead SET last_hash = %s WHERE chain = 0", [rows[3].row_hash])
    verify_fails("korter dan controlepunt 1")
    assert "ontbreekt" in anchoring_status().message


def test_a_mac_mismatch_at_a_checkpointed_row_is_detected():
    rows = _rows(4)
    checkpoint_create(kind="command")
    # Someone holding the key would rebuild a consistent chain; the checkpoint still disagrees.
    # Here: the checkpointed row itself changes and the chain is re-linked with a guessed key.
    owner_sql("UPDATE audit_auditevent SET extra = %s WHERE id = %s", ['{"i": 99}', rows[3].id])
    recompute_chain("hmac-guess")
    report = audit_chain_verify()
    assert not report.ok


def test_an_insider_with_the_mac_key_is_still_held_by_the_checkpoint():
    """Even someone who holds INBEELD_AUDIT_KEY (but not the signing key) and rebuilds a valid
    keyed chain after deleting a row contradicts the signed checkpoint: fewer rows up to it."""
    rows = _rows(3)
    checkpoint_create(kind="command")  # 3 rows up to rows[2]
    owner_sql("DELETE FROM audit_auditevent WHERE id = %s", [rows[0].id])
    prev = "0" * 64
    for row in AuditEvent.objects.order_by("id"):
        row.prev_hash = prev
        digest = keyed_mac(row, prev)
        owner_sql(
            "UPDATE audit_auditevent SET prev_hash = %s, row_hash = %s WHERE id = %s",
            [prev, digest, row.id],
        )
        prev = digest
    owner_sql("UPDATE audit_auditchainhead SET last_hash = %s WHERE chain = 0", [prev])
    verify_fails("wijkt af van controlepunt 1")


def test_a_checkpoint_file_with_a_bad_signature_is_detected():
    _rows(2)
    checkpoint_create(kind="command")
    path = _checkpoint_file()
    line = json.loads(path.read_text())
    line["chains"]["main"]["rows"] = 1  # claim a shorter log, keep the old signature
    path.write_text(json.dumps(line, sort_keys=True, separators=(",", ":")) + "\n")
    verify_fails("ongeldige handtekening")
    assert not anchoring_status().ok


def test_a_checkpoint_signed_with_another_key_is_detected(settings):
    _rows(2)
    settings.INBEELD_AUDIT_SIGNING_KEY = base64.b64encode(b"k" * 32).decode()
    checkpoint_create(kind="command")  # an attacker's own key
    settings.INBEELD_AUDIT_SIGNING_KEY = base64.b64encode(
        b"test-audit-signing-key-32-bytes!"
    ).decode()
    verify_fails("andere sleutel")


def test_removing_a_checkpoint_line_or_the_file_is_detected():
    _rows(2)
    checkpoint_create(kind="command")
    _rows(2, start=2)
    checkpoint_create(kind="command")
    _rows(1, start=4)
    path = _checkpoint_file()
    first, second = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(second)  # the older line taken out: numbering and links break
    verify_fails("volgnummer")
    path.write_bytes(first)  # the newest line taken out: the log names checkpoint 2
    verify_fails("noemt controlepunt 2")
    path.unlink()  # the whole file gone
    verify_fails("noemt controlepunt")
    with pytest.raises(CheckpointError):
        path.write_bytes(b"{broken")
        checkpoint_create(kind="command")  # a damaged file is evidence: never extended


def test_verify_writes_a_checkpoint_and_the_next_verify_checks_it(capsys):
    _rows(3)
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "Auditlog in orde: 3 regels" in out and "Controlepunt 1 vastgelegd" in out
    checkpoints = read_checkpoints().checkpoints
    assert [(c.seq, c.kind, c.main.rows) for c in checkpoints] == [(1, "verify", 3)]
    assert checkpoints[0].extra == {"verified_rows": 3}
    # The checkpoint is on the log too.
    row = AuditEvent.objects.order_by("-id").first()
    assert row.action == AuditAction.AUDIT_CHECKPOINT and row.extra["seq"] == 1
    call_command("audit", "verify")
    assert "1 controlepunten kloppen" in capsys.readouterr().out


def test_periodic_checkpoints_follow_the_writes(settings, django_capture_on_commit_callbacks):
    settings.INBEELD_AUDIT_CHECKPOINT_EVERY = 3
    for i in range(7):  # each write commits on its own, as requests do
        with django_capture_on_commit_callbacks(execute=True):
            _rows(1, start=i)
    file = read_checkpoints()
    assert not file.problem
    # After every third row a signed head (the checkpoint's own audit row does not count).
    assert [(c.kind, c.main.rows) for c in file.checkpoints] == [("periodic", 3), ("periodic", 7)]
    assert audit_chain_verify().ok


def test_the_checkpoint_file_is_signed_with_ed25519_and_publicly_verifiable():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    _rows(1)
    checkpoint_create(kind="command")
    out = io.StringIO()
    call_command("audit", "public-key", stdout=out)
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(out.getvalue().strip()))
    line = json.loads(_checkpoint_file().read_text())
    signature = base64.b64decode(line.pop("sig"))
    key.verify(signature, json.dumps(line, sort_keys=True, separators=(",", ":")).encode())


# --- upgrade from the unkeyed chain -------------------------------------------------------------


def _make_legacy_log(n):
    """A log as migration 0012 leaves a deployed database: version-1 rows with SHA-256 links and
    a head whose counter schedules the upgrade checkpoint."""
    _rows(n)
    recompute_chain("sha256", version=LEGACY_SHA256)
    owner_sql(
        "UPDATE audit_auditchainhead SET since_checkpoint = %s WHERE chain = 0", [LEGACY_HEAD_MARK]
    )


def test_legacy_rows_verify_only_once_a_signed_checkpoint_covers_them(
    django_capture_on_commit_callbacks,
):
    _make_legacy_log(4)
    verify_fails("niet gedekt door een ondertekend controlepunt")
    # The first write after the upgrade schedules the upgrade checkpoint.
    with django_capture_on_commit_callbacks(execute=True):
        first_keyed = _rows(1, start=4)[0]
    assert first_keyed.chain_version == KEYED_CHAINS
    assert [c.kind for c in read_checkpoints().checkpoints] == ["upgrade"]
    report = audit_chain_verify()
    assert report.ok and report.legacy_rows == 4
    assert AuditChainHead.objects.get(pk=1).since_checkpoint < LEGACY_HEAD_MARK


def test_rewriting_legacy_rows_after_the_upgrade_is_detected(django_capture_on_commit_callbacks):
    _make_legacy_log(4)
    with django_capture_on_commit_callbacks(execute=True):
        _rows(2, start=4)
    legacy = list(AuditEvent.objects.filter(chain_version=LEGACY_SHA256).order_by("id"))
    # Remove a legacy row and recompute the legacy part with SHA-256, as before issue 11.
    owner_sql("DELETE FROM audit_auditevent WHERE id = %s", [legacy[1].id])
    prev = "0" * 64
    for row in AuditEvent.objects.filter(chain_version=LEGACY_SHA256).order_by("id"):
        digest = forged_digest(row, prev, "sha256")
        owner_sql(
            "UPDATE audit_auditevent SET prev_hash = %s, row_hash = %s WHERE id = %s",
            [prev, digest, row.id],
        )
        prev = digest
    assert not audit_chain_verify().ok


def test_a_legacy_row_after_a_keyed_row_is_refused(django_capture_on_commit_callbacks):
    _make_legacy_log(2)
    with django_capture_on_commit_callbacks(execute=True):
        rows = _rows(2, start=2)
    owner_sql(
        "UPDATE audit_auditevent SET chain_version = %s, row_hash = %s WHERE id = %s",
        [LEGACY_SHA256, forged_digest(rows[1], rows[1].prev_hash, "sha256"), rows[1].id],
    )
    verify_fails("na de eerste gesleutelde regel")


# --- triggers -------------------------------------------------------------------------------


def test_the_append_only_triggers_exist():
    expected = {
        "sqlite": ["audit_auditevent_no_delete", "audit_auditevent_no_update"],
        "postgresql": ["audit_auditevent_append_only", "audit_auditevent_no_truncate"],
    }[connection.vendor]
    assert triggers.installed(connection) == expected


def test_the_database_refuses_delete_of_every_row_and_truncate():
    _rows(3)
    statements = ["DELETE FROM audit_auditevent"]
    if connection.vendor == "postgresql":
        # (Checking the deferred foreign keys first, or PostgreSQL refuses the TRUNCATE for the
        # pending checks of this test's own inserts rather than for the trigger.)
        statements.append("SET CONSTRAINTS ALL IMMEDIATE; TRUNCATE audit_auditevent")
    for sql in statements:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)
    assert AuditEvent.objects.count() == 3


def test_a_truncate_past_the_trigger_is_detected():
    _rows(3)
    checkpoint_create(kind="command")
    if connection.vendor == "postgresql":
        owner_sql("SET CONSTRAINTS ALL IMMEDIATE; TRUNCATE audit_auditevent")
    else:  # SQLite has no TRUNCATE; its "truncate optimisation" is an unqualified DELETE
        owner_sql("DELETE FROM audit_auditevent")
    verify_fails("de auditlog is leeg")


@pytest.mark.django_db(transaction=True)
def test_flush_suspends_the_triggers_for_its_own_run_only():
    _rows(2)
    call_command("flush", "--noinput", verbosity=0)
    assert not AuditEvent.objects.exists()
    assert len(triggers.installed(connection)) == 2
    _rows(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent")


# --- configuration ------------------------------------------------------------------------------


def test_production_refuses_missing_or_weak_audit_keys(settings, tmp_path):
    from inbeeld.conf.checks import check_audit_anchoring

    settings.INBEELD_ENVIRONMENT = "production"
    settings.INBEELD_AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    settings.INBEELD_AUDIT_KEY = "a-good-random-audit-key-0123456789-XYZ"
    settings.INBEELD_AUDIT_SIGNING_KEY = base64.b64encode(b"s" * 32).decode()
    assert check_audit_anchoring() == []
    for key in ("", "short", settings.SECRET_KEY):
        settings.INBEELD_AUDIT_KEY = key
        assert [e.id for e in check_audit_anchoring()] == ["inbeeld.E030"]
    settings.INBEELD_AUDIT_KEY = "a-good-random-audit-key-0123456789-XYZ"
    for seed in ("", "bm90LTMyLWJ5dGVz"):  # missing; 12 bytes
        settings.INBEELD_AUDIT_SIGNING_KEY = seed
        assert [e.id for e in check_audit_anchoring()] == ["inbeeld.E031"]
    settings.INBEELD_AUDIT_SIGNING_KEY = base64.b64encode(b"s" * 32).decode()
    settings.INBEELD_AUDIT_CHECKPOINT_DIR = Path("relative/checkpoints")
    assert [e.id for e in check_audit_anchoring()] == ["inbeeld.E032"]


# --- the privacy officer's page -------------------------------------------------------------------


def test_the_privacy_officer_sees_the_latest_checkpoint_and_the_check_in_dutch(login):
    from django.urls import reverse

    from inbeeld.accounts.models import Role
    from tests.factories import make_user

    client = login(make_user(Role.PRIVACY_OFFICER))
    _rows(3)
    html = client.get(reverse("privacy:overview")).content.decode()
    assert 'data-ok="nee"' in html and "nog geen ondertekend controlepunt" in html
    call_command("audit", "verify", stdout=io.StringIO())
    html = client.get(reverse("privacy:overview")).content.decode()
    assert 'data-ok="ja"' in html and "In orde." in html
    assert "Laatste controlepunt" in html and "na volledige controle" in html
    assert "Laatste volledige controle" in html and "regels in orde" in html
    owner_sql("DELETE FROM audit_auditevent")
    html = client.get(reverse("privacy:overview")).content.decode()
    assert 'data-ok="nee"' in html and "NIET in orde." in html and "ingekort of leeggemaakt" in html
