"""Backups, restores and the signed audit checkpoints outside the database (issue 11 item 4).

The checkpoints are not in the backup. A backup is itself checkpointed (the audit head inside the
file); a restore writes a signed restore checkpoint that knowingly gives up the rows after the
backup, but never the checkpoint of the backup itself: a backup whose audit log was cut short by
someone holding the backup key is caught.
"""

from __future__ import annotations

import gzip
import io
import json

import pytest
from django.core.management import CommandError, call_command

from inbeeld.audit.checkpoints import read_checkpoints
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.audit.services import audit_record
from inbeeld.audit.verify import audit_chain_verify
from inbeeld.backup.archive import ArchiveReader, ArchiveWriter
from inbeeld.backup.services import backup_fernet

pytestmark = pytest.mark.django_db(transaction=True)


def _rows(n, start=0):
    for i in range(start, start + n):
        audit_record(actor=None, action=AuditAction.LOGIN_FAILED, subject_ref=f"u{i}")


def _backup(path):
    call_command("backup", "--output", str(path), stdout=io.StringIO())


def _restore(path) -> str:
    out = io.StringIO()
    call_command("restore", str(path), "--yes", stdout=out, stderr=out)
    return out.getvalue()


def _flush():
    call_command("flush", "--noinput", verbosity=0)


def test_restoring_an_older_backup_supersedes_later_checkpoints_knowingly(tmp_path):
    _rows(3)
    call_command("audit", "checkpoint", stdout=io.StringIO())
    in_backup = AuditEvent.objects.latest("id").id  # the checkpoint's own row, last in the dump
    path = tmp_path / "oud.ibk"
    _backup(path)
    _rows(3, start=3)
    call_command("audit", "checkpoint", stdout=io.StringIO())
    _flush()
    assert "de auditlog is leeg" in audit_chain_verify().reason  # the emptied log shows

    output = _restore(path)
    assert "Auditlog in orde" in output and "(herstel)" in output, output
    kinds = [(c.kind, c.extra) for c in read_checkpoints().checkpoints]
    assert [k for k, _ in kinds] == ["command", "backup", "command", "restore"]
    assert kinds[-1][1]["restored_last_id"] == in_backup
    report = audit_chain_verify()
    assert report.ok, report.reason
    call_command("audit", "verify", stdout=io.StringIO())


def test_restore_into_an_empty_database_on_a_new_host_verifies(tmp_path, settings):
    _rows(4)
    path = tmp_path / "inbeeld.ibk"
    _backup(path)
    _flush()
    settings.INBEELD_AUDIT_CHECKPOINT_DIR = tmp_path / "nieuwe-host"  # no checkpoints there
    output = _restore(path)
    assert "Auditlog in orde" in output and "Controlepunt 1 van de auditlog" in output, output
    assert audit_chain_verify().ok


def _cut_audit_tail(source, target, keep: int) -> None:
    """A forger holding the backup key: keeps the first ``keep`` audit rows, points the chain
    head at the last one kept and fixes the row counts, producing a valid backup file."""
    fernet = backup_fernet()
    with open(source, "rb") as stream:
        reader = ArchiveReader(stream, fernet)
        lines = gzip.decompress(b"".join(reader.chunks())).decode().splitlines()
    rows = [json.loads(line) for line in lines]
    audit = [r for r in rows if r["model"] == "audit.auditevent"]
    kept, dropped = audit[:keep], audit[keep:]
    rows = [r for r in rows if r not in dropped]
    head = next(r for r in rows if r["model"] == "audit.auditchainhead")
    head["fields"]["last_hash"] = kept[-1]["fields"]["row_hash"]
    counts = dict(reader.trailer["rows"])
    counts["audit.auditevent"] = len(kept)
    with open(target, "wb") as out:
        writer = ArchiveWriter(out, fernet, reader.header)
        body = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n"
        writer.write(gzip.compress(body.encode()))
        writer.finish({"backup_id": reader.header["backup_id"], "rows": counts})


def test_a_backup_cut_short_by_someone_with_the_backup_key_is_caught(tmp_path):
    _rows(6)
    good = tmp_path / "goed.ibk"
    _backup(good)
    _flush()
    forged = tmp_path / "ingekort.ibk"
    _cut_audit_tail(good, forged, keep=3)
    output = _restore(forged)  # the file itself is sound
    assert "LET OP" in output and "korter dan controlepunt 1" in output, output
    with pytest.raises(CommandError, match="korter dan controlepunt 1"):
        call_command("audit", "verify", stdout=io.StringIO())
