"""`inbeeld backup` and `inbeeld restore`: an encrypted round trip that loses nothing, and every
damaged, foreign or misplaced backup refused with nothing changed.

The round-trip tests are transactional: they build data through the real services, back up, empty
the database with `flush` (which runs the post_migrate reference sync again, as `migrate` does on
a new database) and restore into it.
"""

from __future__ import annotations

import gzip
import io
import json
import os

import pytest
from cryptography.fernet import Fernet
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from inbeeld.accounts.models import AuthenticatorDevice, User
from inbeeld.audit.chain import GENESIS_HASH
from inbeeld.audit.models import AuditChainHead, AuditEvent
from inbeeld.audit.verify import audit_chain_verify
from inbeeld.backup import archive
from inbeeld.backup.archive import ArchiveReader, ArchiveWriter, BackupError, ChunkStream
from inbeeld.backup.services import (
    ACTION_BACKUP_CREATED,
    ACTION_BACKUP_RESTORED,
    backup_fernet,
    backup_inspect,
    dumped_models,
    migrate_filled_models,
    serialised_fields,
)
from inbeeld.cases.models import Case, ChainEvent
from inbeeld.crypto import decrypt_text
from inbeeld.reference.models import PoliceUnit
from inbeeld.reference.sync import sync_reference_data
from tests.factories import CaseFactory, Role, assign, make_user

NOTE = "Slachtoffer verblijft bij tante in Zaandam; telefoon 06-12345678."
USERNAME = "pieter.politie.backup"


# --- helpers ---------------------------------------------------------------------------------


def build_data() -> dict:
    """A small but varied database, made through the real services and factories."""
    officer = make_user(Role.POLICE_OFFICER, username=USERNAME, first_name="Pieter")
    with_note = CaseFactory(recorder=officer, events=[("signal_received", "", NOTE)])
    complaint = CaseFactory(
        with_complaint=True, recorder=officer, minor=True, forms=["sexual", "labour"]
    )
    psychologist = make_user(Role.PSYCHOLOGIST)
    assign(complaint, psychologist, Role.PSYCHOLOGIST)
    AuthenticatorDevice.create_for(user=officer, name="telefoon", confirmed=True)
    # Content types and permissions come from the backup, ids and all: a stale content type that
    # a fresh `migrate` would never make, a group and a user permission that point at them.
    stale = ContentType.objects.create(app_label="oud", model="verdwenen")
    old_permission = Permission.objects.create(
        content_type=stale, codename="bekijk_oud", name="Oud bekijken"
    )
    group = Group.objects.create(name="Backupgroep")
    group.permissions.add(old_permission, Permission.objects.get(codename="view_case"))
    officer.user_permissions.add(old_permission)
    LogEntry.objects.log_actions(user_id=officer.pk, queryset=[complaint], action_flag=ADDITION)
    return {"officer": officer, "note_case": with_note, "complaint_case": complaint}


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every backed-up table, all columns, in primary-key order."""
    rows = {}
    for model in dumped_models():
        columns = [field.attname for field in model._meta.concrete_fields]
        rows[model._meta.label_lower] = list(
            model._base_manager.order_by("pk").values_list(*columns)
        )
    return rows


def backup_to(path) -> None:
    call_command("backup", "--output", str(path), stdout=io.StringIO())


def restore(path, *extra) -> str:
    out = io.StringIO()
    call_command("restore", str(path), "--yes", *extra, stdout=out, stderr=out)
    return out.getvalue()


def flush() -> None:
    call_command("flush", "--noinput", verbosity=0)


def rewrite_archive(source, target, edit) -> None:
    """Decrypt ``source`` with the test key, pass its JSON lines through ``edit`` and encrypt the
    result as a valid, correctly checksummed backup at ``target`` (a forger who has the key)."""
    fernet = backup_fernet()
    with open(source, "rb") as stream:
        reader = ArchiveReader(stream, fernet)
        text = gzip.decompress(b"".join(reader.chunks())).decode()
    lines = edit(text.splitlines())
    with open(target, "wb") as out:
        writer = ArchiveWriter(out, fernet, reader.header)
        writer.write(gzip.compress(("\n".join(lines) + "\n").encode()))
        writer.finish({"backup_id": reader.header["backup_id"], "rows": reader.trailer["rows"]})


# --- the round trip --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_round_trip_restores_every_row_of_every_table(tmp_path):
    data = build_data()
    before = snapshot()
    head_before = AuditChainHead.objects.get(pk=1).last_hash
    path = tmp_path / "inbeeld.ibk"
    backup_to(path)

    # The backup itself is on the audit log of the live database.
    created = AuditEvent.objects.order_by("-id").first()
    assert created.action == ACTION_BACKUP_CREATED and created.extra["file"] == "inbeeld.ibk"

    flush()
    assert not User.objects.exists() and not AuditEvent.objects.exists()
    # migrate's reference rows, which restore replaces: here with other ids than in the backup.
    PoliceUnit.objects.all().delete()
    sync_reference_data()
    assert PoliceUnit.objects.exists()
    assert snapshot()["reference.policeunit"] != before["reference.policeunit"]
    output = restore(path)
    assert "Hersteld:" in output and "Auditlog in orde" in output

    after = snapshot()
    # The restore appended its own audit row, chained to the restored head, and then the row of
    # its signed checkpoint outside the database (issue 11).
    checkpoint_row, restored_row = AuditEvent.objects.order_by("-id")[:2]
    assert restored_row.action == ACTION_BACKUP_RESTORED
    assert restored_row.prev_hash == head_before
    assert checkpoint_row.action == "audit.checkpoint"
    assert checkpoint_row.prev_hash == restored_row.row_hash
    assert after["audit.auditevent"][:-2] == before["audit.auditevent"]
    # Single-threaded, every row went to chain 0 (head 1); the heads of the other parallel
    # chains (PostgreSQL only, created by migrate) are restored without rows.
    heads = [row[:2] for row in after["audit.auditchainhead"]]
    assert heads[0] == (1, checkpoint_row.row_hash)
    assert {last for _pk, last in heads[1:]} <= {GENESIS_HASH}
    assert before["audit.auditchainhead"][1:] == after["audit.auditchainhead"][1:]
    for label in before:
        if label not in {"audit.auditevent", "audit.auditchainhead"}:
            assert after[label] == before[label], label
    for label in (
        "accounts.user",
        "accounts.membership",
        "cases.case",
        "cases.chainevent",
        "cases.case_exploitation_forms",
        "cases.caseassignment",
        "accounts.authenticatordevice",
        "auth.group_permissions",
        "accounts.user_user_permissions",
        "admin.logentry",
        "reference.omdistrict_courts",
        "audit.auditevent",
    ):
        assert before[label], f"the test data should cover {label}"

    # Notes were carried as ciphertext and still decrypt; the audit chain is intact.
    event = ChainEvent.objects.get(case__code=data["note_case"].code, note_ciphertext__gt="")
    assert decrypt_text(event.note_ciphertext) == NOTE
    assert audit_chain_verify().ok
    call_command("audit", "verify", stdout=io.StringIO())
    assert ContentType.objects.get(app_label="oud", model="verdwenen").permission_set.exists()

    # New rows get fresh ids after the restored ones (sequences were moved on).
    case = CaseFactory()
    assert case.pk > max(row[0] for row in before["cases.case"])

    # A second restore meets a database that is no longer empty: refused, nothing changed.
    unchanged = snapshot()
    with pytest.raises(CommandError, match="De doeldatabase is niet leeg: .*gebruikers"):
        restore(path)
    assert snapshot() == unchanged


@pytest.mark.django_db
def test_the_file_holds_no_plaintext_of_notes_or_names(tmp_path):
    build_data()
    path = tmp_path / "inbeeld.ibk"
    backup_to(path)
    content = path.read_bytes()
    assert content.startswith(archive.MAGIC)
    for secret in (NOTE, "Zaandam", "06-12345678", USERNAME, "Pieter", "Backupgroep"):
        assert secret.encode() not in content, secret
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o600)
    # The note inside the archive is the stored ciphertext, never the plaintext.
    with open(path, "rb") as stream:
        reader = ArchiveReader(stream, backup_fernet())
        text = gzip.decompress(b"".join(reader.chunks())).decode()
    assert USERNAME in text and NOTE not in text
    stored = ChainEvent.objects.exclude(note_ciphertext="").get().note_ciphertext
    assert stored in text


@pytest.mark.django_db
def test_the_default_file_lands_under_var_backups(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("backup", stdout=out)
    (made,) = (tmp_path / "backups").glob("inbeeld-*.ibk")
    assert str(made) in out.getvalue() and "rijen" in out.getvalue()
    assert backup_inspect(made).rows["reference.policeunit"] == PoliceUnit.objects.count()
    assert not list((tmp_path / "backups").glob(".*partial"))
    with pytest.raises(CommandError, match="bestaat al"):
        backup_to(made)
    checked = io.StringIO()
    call_command("restore", str(made), "--check", stdout=checked)  # a non-empty database is fine
    assert "is in orde" in checked.getvalue() and "migratiestand gelijk" in checked.getvalue()


@pytest.mark.django_db
def test_a_failed_backup_leaves_no_file(tmp_path, monkeypatch):
    from inbeeld.backup import services

    def fail(self, *args, **kwargs):
        raise RuntimeError("schijf vol")

    monkeypatch.setattr(services._JsonlSerializer, "serialize", fail)
    with pytest.raises(RuntimeError):
        backup_to(tmp_path / "half.ibk")
    assert list(tmp_path.iterdir()) == []
    assert not AuditEvent.objects.filter(action=ACTION_BACKUP_CREATED).exists()


# --- refusals --------------------------------------------------------------------------------


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


@pytest.mark.django_db(transaction=True)
def test_a_damaged_or_foreign_backup_is_refused_and_nothing_is_loaded(tmp_path, settings):
    build_data()
    good = tmp_path / "goed.ibk"
    backup_to(good)
    content = good.read_bytes()
    flush()
    empty = snapshot()

    with pytest.raises(CommandError, match="Bevestig het herstel met --yes"):
        call_command("restore", str(good), stdout=io.StringIO())  # no terminal to ask
    assert snapshot() == empty

    variants = {
        "middle byte": (_flip(content, len(content) // 2), "beschadigd of gewijzigd"),
        "last byte": (_flip(content, len(content) - 1), "beschadigd of gewijzigd"),
        "header byte": (_flip(content, 20), "niet worden ontsleuteld"),
        "magic": (_flip(content, 0), "geen InBeeld-back-up"),
        "version": (_flip(content, len(archive.MAGIC)), "bestandsversie"),
        "truncated": (content[:-40], "onvolledig"),
        "cut at a frame": (content[: len(content) // 3], "onvolledig"),
        "appended": (content + b"\x00\x00\x00\x10" + b"x" * 16, "na het slotblok"),
        "empty": (b"", "geen InBeeld-back-up"),
    }
    for name, (damaged, message) in variants.items():
        path = tmp_path / f"{name}.ibk"
        path.write_bytes(damaged)
        with pytest.raises(CommandError, match=message):
            restore(path)
        assert snapshot() == empty, name
    with pytest.raises(CommandError, match="beschadigd of gewijzigd"):
        call_command("restore", str(tmp_path / "middle byte.ibk"), "--check")

    settings.INBEELD_BACKUP_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError, match="sleutel in INBEELD_BACKUP_KEYS hoort niet"):
        restore(good)
    settings.INBEELD_BACKUP_KEYS = ["geen-fernet-sleutel"]
    with pytest.raises(CommandError, match="onbruikbaar"):
        restore(good)
    assert snapshot() == empty

    settings.INBEELD_BACKUP_KEYS = []
    with pytest.raises(CommandError, match="bestaat niet"):
        restore(tmp_path / "nergens.ibk")


@pytest.mark.django_db(transaction=True)
def test_a_failure_while_loading_rolls_everything_back(tmp_path):
    """A validly encrypted backup whose case points at a police unit that does not exist: users,
    events and audit rows were already inserted when the check fails, and all of it (and the
    replacement of the reference rows) is rolled back."""
    build_data()
    good = tmp_path / "goed.ibk"
    backup_to(good)
    flush()
    empty = snapshot()

    def dangling_unit(lines):
        rows = [json.loads(line) for line in lines]
        next(row for row in rows if row["model"] == "cases.case")["fields"]["police_unit"] = 987654
        return [json.dumps(row, ensure_ascii=False) for row in rows]

    forged = tmp_path / "verwijzing.ibk"
    rewrite_archive(good, forged, dangling_unit)
    assert backup_inspect(forged)  # the file itself is sound: the damage is in the data
    with pytest.raises(CommandError, match="volledig teruggedraaid"):
        restore(forged)
    assert snapshot() == empty
    assert not User.objects.exists() and not Case.objects.exists()

    # A row count that does not match the trailer is refused the same way.
    short = tmp_path / "kort.ibk"
    rewrite_archive(
        good,
        short,
        lambda lines: [line for line in lines if json.loads(line)["model"] != "cases.chainevent"],
    )
    with pytest.raises(CommandError, match="aantal geladen rijen klopt niet"):
        restore(short)
    assert snapshot() == empty


@pytest.mark.django_db
def test_a_backup_from_another_migration_state_is_refused(tmp_path):
    build_data()
    path = tmp_path / "inbeeld.ibk"
    backup_to(path)
    MigrationRecorder(connection).record_applied("cases", "9999_toekomst")
    with pytest.raises(CommandError, match=r"andere databasestructuur.*cases\.9999_toekomst"):
        restore(path)


# --- keys ------------------------------------------------------------------------------------


def test_production_needs_a_backup_key_of_its_own(settings, tmp_path):
    settings.INBEELD_ENVIRONMENT = "production"
    settings.INBEELD_BACKUP_KEYS = []
    with pytest.raises(CommandError, match="INBEELD_BACKUP_KEYS is niet ingesteld"):
        backup_to(tmp_path / "a.ibk")
    settings.INBEELD_BACKUP_KEYS = list(settings.INBEELD_ENCRYPTION_KEYS)
    with pytest.raises(CommandError, match="eigen sleutel"):
        backup_to(tmp_path / "a.ibk")
    assert not list(tmp_path.iterdir())


@pytest.mark.django_db
def test_a_rotated_key_list_still_opens_an_older_backup(tmp_path, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.INBEELD_BACKUP_KEYS = [old]
    path = tmp_path / "oud.ibk"
    backup_to(path)
    settings.INBEELD_BACKUP_KEYS = [new, old]
    assert backup_inspect(path).rows["reference.policeunit"] == PoliceUnit.objects.count()
    settings.INBEELD_BACKUP_KEYS = [new]
    with pytest.raises(BackupError, match="hoort niet bij dit bestand"):
        backup_inspect(path)


# --- the file format -------------------------------------------------------------------------


def _archive(monkeypatch, payload: bytes) -> tuple[bytes, object]:
    monkeypatch.setattr(archive, "CHUNK_SIZE", 64)
    fernet = archive.backup_fernet([Fernet.generate_key().decode()])
    out = io.BytesIO()
    writer = ArchiveWriter(out, fernet, {"backup_id": "x"})
    writer.write(payload)
    writer.finish({"backup_id": "x", "rows": {}})
    assert writer.data_frames == -(-len(payload) // 64)
    return out.getvalue(), fernet


def _frames(data: bytes) -> list[bytes]:
    frames, at = [], len(archive.MAGIC) + 1
    while at < len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        frames.append(data[at : at + 4 + length])
        at += 4 + length
    return frames


def _read(data: bytes, fernet) -> bytes:
    reader = ArchiveReader(io.BytesIO(data), fernet)
    return b"".join(reader.chunks())


def test_frames_that_are_reordered_dropped_or_repeated_are_refused(monkeypatch):
    payload = bytes(range(256)) * 2
    data, fernet = _archive(monkeypatch, payload)
    assert _read(data, fernet) == payload
    start = data[: len(archive.MAGIC) + 1]
    header, *chunks, trailer = _frames(data)
    for name, frames in {
        "swapped": [header, chunks[1], chunks[0], *chunks[2:], trailer],
        "dropped": [header, *chunks[1:], trailer],
        "repeated": [header, chunks[0], *chunks, trailer],
        "no trailer": [header, *chunks],
        "two headers": [header, header, *chunks, trailer],
    }.items():
        with pytest.raises(BackupError) as refused:
            _read(start + b"".join(frames), fernet)
        assert "Er is niets gewijzigd" in str(refused.value), name


def test_every_byte_of_the_file_is_covered(monkeypatch):
    data, fernet = _archive(monkeypatch, b"archief" * 40)
    for index in range(0, len(data), 7):
        with pytest.raises(BackupError):
            _read(_flip(data, index), fernet)


def test_chunk_stream_feeds_gzip():
    text = ("regel\n" * 10000).encode()
    compressed = gzip.compress(text)
    pieces = iter([compressed[i : i + 100] for i in range(0, len(compressed), 100)])
    assert gzip.GzipFile(fileobj=io.BufferedReader(ChunkStream(pieces))).read() == text


def test_every_column_of_every_table_is_written():
    """A column the serialiser skips (serialize=False) would be lost on restore."""
    for model in dumped_models():
        written = set(serialised_fields(model))
        for field in model._meta.concrete_fields:
            if not field.primary_key:
                assert field.name in written, f"{model._meta.label}.{field.name}"
    labels = {model._meta.label_lower for model in dumped_models()}
    assert "sessions.session" not in labels
    assert {"audit.auditevent", "audit.auditchainhead", "cases.chainevent"} <= labels
    assert {model._meta.label_lower for model in migrate_filled_models()} <= labels
