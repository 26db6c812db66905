"""Making a backup of the database and restoring it into an empty one.

What is dumped: every table of every installed app (InBeeld's own apps, accounts, audit, cases,
reference data, django_otp devices, the admin log, groups, content types and permissions), with
its primary keys and without natural keys, so foreign keys, the audit hash chain and the chain
head come back exactly. Only sessions are left out: they are short-lived logins, and restoring
them would log people back in. Encrypted columns (event notes) are dumped as the ciphertext that
is stored; nothing is decrypted.

What restore replaces: `migrate` fills every new database with reference rows (post_migrate sync),
content types and permissions, and possibly an audit chain head. Those rows are deleted and the
backup's rows (same primary keys) inserted in their place, inside the one transaction of the
restore. Every other table must be empty, or the restore is refused.

Rows are inserted in batches, raw (as loaddata does: no save(), no signals, auto_now values kept).
Foreign keys are checked before the commit; on PostgreSQL the identity sequences are moved past the
restored ids. The audit table's append-only trigger is no obstacle: restore only inserts.

Audit checkpoints live outside the database and are not in the backup. After the commit, restore
writes a signed "restore" checkpoint: the log is valid again from the restored rows on; the
restored rows must still agree with every older checkpoint that covers them, and checkpoints
beyond the backup's last row are superseded (the rows after the backup are knowingly lost).
"""

from __future__ import annotations

import datetime as dt
import getpass
import gzip
import importlib.metadata
import io
import json
import logging
import os
import uuid
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers import jsonl
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from inbeeld.audit.chain import GENESIS_HASH
from inbeeld.audit.checkpoints import ChainHead, CheckpointError, chain_name, checkpoint_create
from inbeeld.audit.models import AuditEvent
from inbeeld.audit.services import audit_record
from inbeeld.backup.archive import (
    FORMAT_VERSION,
    NOTHING_CHANGED,
    ArchiveReader,
    ArchiveWriter,
    BackupError,
    ChunkStream,
    backup_fernet,
)

logger = logging.getLogger("inbeeld.backup")

# AuditAction values (plain strings here; the choices live in audit/models.py).
ACTION_BACKUP_CREATED = "backup.created"
ACTION_BACKUP_RESTORED = "backup.restored"

SKIPPED_MODELS = frozenset({"sessions.session"})
BATCH_SIZE = 1000
FILE_SUFFIX = ".ibk"


class ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts datetimes and times to milliseconds; the audit row hashes cover the
    full microseconds, so a backup keeps them."""

    def default(self, o):
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


class _JsonlSerializer(jsonl.Serializer):
    """Django's JSON Lines serialiser, one ``json.dumps`` per row (the C encoder) instead of
    ``json.dump`` (the pure-Python one): several times faster on large tables."""

    def _init_options(self):
        super()._init_options()
        self.json_kwargs["separators"] = (",", ":")

    def end_object(self, obj):
        self.stream.write(json.dumps(self.get_dump_object(obj), **self.json_kwargs))
        self.stream.write("\n")
        self._current = None


# --- what is in a backup ---------------------------------------------------------------------


def dumped_models() -> list[type[models.Model]]:
    """Every table the backup holds, including the automatic many-to-many tables."""
    result = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.label_lower in SKIPPED_MODELS:
            continue
        result.append(model)
    return result


def migrate_filled_models() -> set[type[models.Model]]:
    """Tables that `migrate` fills in a new database; restore replaces their rows."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    from inbeeld.audit.models import AuditChainHead

    filled = {ContentType, Permission, AuditChainHead}
    filled |= set(apps.get_app_config("reference").get_models(include_auto_created=True))
    # The pilot design is synced after migrate too (pilot/data/pilot.json); its recorded rows
    # (deliveries, measures) are not.
    from inbeeld.pilot.models import Deployment, FidelityItem, Instrument, Intervention, Phase

    filled |= {
        Phase,
        Intervention,
        FidelityItem,
        Deployment,
        Deployment.police_units.through,
        Instrument,
    }
    return filled


def serialised_fields(model: type[models.Model]) -> list[str]:
    """The columns written per row besides the primary key. Many-to-many fields are left out:
    their automatic tables are dumped as tables of their own (with their ids, in bulk)."""
    return [field.name for field in model._meta.local_fields if field.serialize]


def applied_migrations(using: str = "default") -> list[str]:
    recorder = MigrationRecorder(connections[using])
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def default_backup_path() -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.VAR_DIR) / "backups" / f"inbeeld-{stamp}{FILE_SUFFIX}"


def _operator() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


def _inbeeld_version() -> str:
    try:
        return importlib.metadata.version("inbeeld")
    except importlib.metadata.PackageNotFoundError:
        return ""


# --- backup ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    path: Path
    backup_id: str
    rows: dict[str, int]
    file_bytes: int
    file_sha256: str
    archive_sha256: str

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


class _Counted:
    def __init__(self, iterable: Iterable):
        self._iterable = iterable
        self.count = 0

    def __iter__(self) -> Iterator:
        for item in self._iterable:
            self.count += 1
            yield item


def backup_create(output: Path | str | None = None, *, using: str = "default") -> BackupResult:
    """Write a backup of database ``using`` to ``output`` (default under var/backups/).

    The dump is one consistent snapshot (one transaction; on PostgreSQL repeatable read). The file
    appears only when complete: it is written next to its final name and renamed at the end. The
    audit row ``backup.created`` is written afterwards, in the live database only.
    """
    fernet = backup_fernet()
    path = Path(output) if output else default_backup_path()
    if path.exists():
        raise BackupError(
            f"{path} bestaat al; kies een andere naam met --output. {NOTHING_CHANGED}"
        )
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise BackupError(f"Kan het back-upbestand {path} niet aanmaken: {exc.strerror}.") from exc
    try:
        with os.fdopen(fd, "wb") as out:
            backup_id, writer, trailer, audit_head = _dump(out, fernet, using)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    result = BackupResult(
        path=path,
        backup_id=backup_id,
        rows=trailer["rows"],
        file_bytes=writer.file_bytes,
        file_sha256=writer.file_sha256,
        archive_sha256=trailer["archive_sha256"],
    )
    # The audit log inside the backup, signed outside the database: a restore of this backup
    # that was cut short afterwards contradicts it (audit/verify.py).
    try:
        checkpoint_create(kind="backup", extra={"backup_id": backup_id}, chains=audit_head)
    except CheckpointError as exc:
        logger.error("no audit checkpoint for backup %s: %s", backup_id, exc)
    with transaction.atomic(using=using):
        audit_record(
            actor=None,
            action=ACTION_BACKUP_CREATED,
            subject_type="backup",
            subject_ref=backup_id,
            extra={
                "file": path.name,
                "file_sha256": result.file_sha256,
                "archive_sha256": result.archive_sha256,
                "rows": result.total_rows,
                "operator": _operator(),
            },
        )
    return result


def _dump(out, fernet, using: str) -> tuple[str, ArchiveWriter, dict, dict[str, ChainHead]]:
    connection = connections[using]
    snapshot = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if snapshot and connection.vendor == "postgresql":
            # One consistent view of every table, while the application keeps writing.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        chosen = dumped_models()
        backup_id = uuid.uuid4().hex
        header = {
            "format": FORMAT_VERSION,
            "backup_id": backup_id,
            "created_at": timezone.now().isoformat(),
            "inbeeld_version": _inbeeld_version(),
            "django_version": django.get_version(),
            "database_vendor": connection.vendor,
            "migrations": applied_migrations(using),
            "models": [model._meta.label_lower for model in chosen],
            "skipped": sorted(SKIPPED_MODELS),
        }
        writer = ArchiveWriter(out, fernet, header)
        compressed = gzip.GzipFile(fileobj=writer, mode="wb", compresslevel=6, mtime=0)
        text = io.TextIOWrapper(compressed, encoding="utf-8", newline="\n")
        rows: dict[str, int] = {}
        for model in chosen:
            queryset = model._base_manager.using(using).order_by("pk")
            counted = _Counted(queryset.iterator(chunk_size=2000))
            _JsonlSerializer().serialize(
                counted, stream=text, fields=serialised_fields(model), cls=ExactJSONEncoder
            )
            rows[model._meta.label_lower] = counted.count
        text.flush()
        text.detach()
        compressed.close()  # writes the gzip end; the writer itself stays open
        trailer = writer.finish({"backup_id": backup_id, "rows": rows})
        audit_heads = _audit_heads(using)
    return backup_id, writer, trailer, audit_heads


def _audit_heads(using: str) -> dict[str, ChainHead]:
    """Every audit chain as the snapshot holds it (rows, last id, last MAC), for the backup's
    signed checkpoint. Within one chain the snapshot is always a complete prefix (its writers
    take turns on the chain's head), whatever other chains were doing."""
    from django.db.models import Count, Max

    from inbeeld.audit.models import AuditChainHead

    events = AuditEvent.objects.using(using)
    numbers = set(AuditChainHead.objects.using(using).values_list("chain", flat=True)) | {0}
    per_chain = {
        row["chain"]: row
        for row in events.values("chain").annotate(rows=Count("id"), last_id=Max("id"))
    }
    heads = {}
    for chain in sorted(numbers | set(per_chain)):
        found = per_chain.get(chain)
        if found is None:
            heads[chain_name(chain)] = ChainHead(rows=0, last_id=0, last_mac=GENESIS_HASH)
            continue
        mac = events.filter(id=found["last_id"]).values_list("row_hash", flat=True).get()
        heads[chain_name(chain)] = ChainHead(
            rows=found["rows"], last_id=found["last_id"], last_mac=mac
        )
    return heads


# --- restore ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupInfo:
    """A backup file that was read completely and passed every check."""

    path: Path
    header: dict
    trailer: dict

    @property
    def backup_id(self) -> str:
        return self.header["backup_id"]

    @property
    def created_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.header["created_at"])

    @property
    def rows(self) -> dict[str, int]:
        return self.trailer["rows"]

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


@dataclass(frozen=True)
class RestoreResult:
    backup_id: str
    rows: dict[str, int]
    # The signed restore checkpoint outside the database (audit/checkpoints.py), or why not.
    checkpoint_seq: int | None = None
    checkpoint_problem: str = ""

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _open(path: Path):
    try:
        return open(path, "rb")  # the caller closes it
    except FileNotFoundError as exc:
        raise BackupError(f"Het bestand {path} bestaat niet. {NOTHING_CHANGED}") from exc
    except OSError as exc:
        raise BackupError(f"Kan {path} niet lezen: {exc.strerror}. {NOTHING_CHANGED}") from exc


def backup_inspect(path: Path | str) -> BackupInfo:
    """Read the whole file, decrypt and check every frame and both checksums; touch no table."""
    path = Path(path)
    fernet = backup_fernet()
    with _open(path) as stream:
        reader = ArchiveReader(stream, fernet)
        trailer = reader.verify()
    header = reader.header
    models_listed = header.get("models")
    if (
        header.get("format") != FORMAT_VERSION
        or header.get("backup_id") != trailer.get("backup_id")
        or not isinstance(header.get("migrations"), list)
        or not isinstance(models_listed, list)
        or not isinstance(trailer.get("rows"), dict)
        or set(trailer["rows"]) != set(models_listed)
    ):
        raise BackupError(
            f"De back-up is beschadigd of gewijzigd: kop en slot passen niet bij elkaar. "
            f"{NOTHING_CHANGED}"
        )
    return BackupInfo(path=path, header=header, trailer=trailer)


def _list(labels: list[str], limit: int = 8) -> str:
    shown = ", ".join(labels[:limit])
    return shown + (f" en {len(labels) - limit} meer" if len(labels) > limit else "")


def restore_check_target(info: BackupInfo, *, using: str = "default") -> None:
    """Refuse a target at another migration state, or one that already holds data."""
    source = set(info.header["migrations"])
    target = set(applied_migrations(using))
    if source != target:
        parts = [
            "Deze back-up is gemaakt bij een andere databasestructuur (migratiestand) dan deze "
            "database."
        ]
        if source - target:
            parts.append(f"Alleen in de back-up: {_list(sorted(source - target))}.")
        if target - source:
            parts.append(f"Alleen in deze database: {_list(sorted(target - source))}.")
        parts.append(
            "Herstel met de versie van InBeeld waarmee de back-up is gemaakt: maak een lege "
            "database, voer `inbeeld migrate` uit en herstel dan."
        )
        parts.append(NOTHING_CHANGED)
        raise BackupError(" ".join(parts))
    known = {model._meta.label_lower for model in dumped_models()}
    unknown = sorted(set(info.header["models"]) - known)
    if unknown:
        raise BackupError(
            f"De back-up bevat tabellen die deze versie van InBeeld niet kent: {_list(unknown)}. "
            f"{NOTHING_CHANGED}"
        )
    occupied = _occupied(using)
    if occupied:
        listed = _list([f"{name} ({count})" for name, count in occupied])
        raise BackupError(
            f"De doeldatabase is niet leeg: {listed}. Herstel alleen in een lege database: maak "
            f"een nieuwe database aan, voer `inbeeld migrate` uit en herstel dan. {NOTHING_CHANGED}"
        )


def _occupied(using: str) -> list[tuple[str, int]]:
    filled = migrate_filled_models()
    found = []
    for model in dumped_models():
        if model in filled:
            continue
        rows = model._base_manager.using(using)
        if rows.exists():
            found.append((str(model._meta.verbose_name_plural), rows.count()))
    return found


def backup_restore(info: BackupInfo, *, using: str = "default") -> RestoreResult:
    """Load the checked backup ``info`` into the empty database ``using``, in one transaction.

    The file is read (and checked) a second time while loading; any difference from ``info``, any
    damage, a foreign key that points nowhere or a row count that does not match rolls everything
    back. The audit row ``backup.restored`` is chained onto the restored log in the same
    transaction.
    """
    fernet = backup_fernet()
    connection = connections[using]
    try:
        with _open(info.path) as stream, transaction.atomic(using=using):
            restore_check_target(info, using=using)
            reader = ArchiveReader(stream, fernet)
            if reader.header != info.header:
                raise BackupError(
                    f"Het bestand is tijdens het herstel veranderd. {NOTHING_CHANGED}"
                )
            by_label = {model._meta.label_lower: model for model in dumped_models()}
            expected = {by_label[label] for label in info.header["models"]}
            _clear(migrate_filled_models(), connection)
            loaded = _load(reader, expected, using)
            if reader.trailer != info.trailer:
                raise BackupError(
                    f"Het bestand is tijdens het herstel veranderd. {NOTHING_CHANGED}"
                )
            rows = {label: loaded.get(by_label[label], 0) for label in info.header["models"]}
            if rows != info.rows:
                raise BackupError(
                    "De back-up is beschadigd: het aantal geladen rijen klopt niet met het slot. "
                    f"{NOTHING_CHANGED}"
                )
            connection.check_constraints(table_names=[model._meta.db_table for model in expected])
            _reset_sequences(connection, expected)
            _forget_cached_rows()
            restored_last_id = (
                AuditEvent.objects.using(using).order_by("-id").values_list("id", flat=True).first()
                or 0
            )
            audit_record(
                actor=None,
                action=ACTION_BACKUP_RESTORED,
                subject_type="backup",
                subject_ref=info.backup_id,
                extra={
                    "file": info.path.name,
                    "archive_sha256": info.trailer["archive_sha256"],
                    "backup_created_at": info.header["created_at"],
                    "rows": info.total_rows,
                    "operator": _operator(),
                },
            )
    except DatabaseError as exc:
        _forget_cached_rows()
        raise BackupError(
            f"Het herstel is mislukt en volledig teruggedraaid ({exc}). {NOTHING_CHANGED}"
        ) from exc
    except BaseException:
        _forget_cached_rows()
        raise
    # After the commit: a signed restore checkpoint records that the log now ends where the
    # backup ended (plus the restore row). Checkpoints made after the backup name rows the backup
    # does not hold; this signed line supersedes them knowingly (docs/adr/0009-audit-anchoring.md).
    try:
        checkpoint = checkpoint_create(
            kind="restore",
            extra={"backup_id": info.backup_id, "restored_last_id": restored_last_id},
        )
    except CheckpointError as exc:
        return RestoreResult(backup_id=info.backup_id, rows=rows, checkpoint_problem=str(exc))
    return RestoreResult(backup_id=info.backup_id, rows=rows, checkpoint_seq=checkpoint.seq)


def _clear(filled: set[type[models.Model]], connection) -> None:
    """Delete what `migrate` put in the filled tables. Foreign keys are deferred to the commit,
    by which time the backup's rows (same ids) are in place."""
    with connection.cursor() as cursor:
        for model in filled:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (a quoted model table name)


def _load(reader: ArchiveReader, expected: set, using: str) -> dict:
    compressed = gzip.GzipFile(
        fileobj=io.BufferedReader(ChunkStream(reader.chunks()), buffer_size=1 << 16), mode="rb"
    )
    lines = io.TextIOWrapper(compressed, encoding="utf-8", newline="\n")
    loaded: dict = {}
    batch: list[models.Model] = []
    batch_model = None
    try:
        for item in serializers.deserialize("jsonl", lines, using=using):
            obj = item.object
            model = type(obj)
            if model not in expected or item.m2m_data or item.deferred_fields:
                raise BackupError(
                    f"De back-up is beschadigd: onverwachte rij voor {model._meta.label_lower}. "
                    f"{NOTHING_CHANGED}"
                )
            if model is not batch_model or len(batch) >= BATCH_SIZE:
                _insert(batch_model, batch, using)
                batch, batch_model = [], model
            batch.append(obj)
            loaded[model] = loaded.get(model, 0) + 1
        _insert(batch_model, batch, using)
    except (
        DeserializationError,
        gzip.BadGzipFile,
        EOFError,
        zlib.error,
        UnicodeDecodeError,
    ) as exc:
        raise BackupError(
            f"De back-up is beschadigd: het archief is onleesbaar ({exc}). {NOTHING_CHANGED}"
        ) from exc
    if reader.trailer is None:  # gzip reads on to the end of the file, so the trailer was seen
        raise BackupError(f"De back-up is beschadigd: het slotblok ontbreekt. {NOTHING_CHANGED}")
    return loaded


def _insert(model, objs: list[models.Model], using: str) -> None:
    """Insert ``objs`` as stored (raw: no pre_save, so auto_now values stay), in batches."""
    if not objs:
        return
    fields = model._meta.local_concrete_fields
    ops = connections[using].ops
    size = max(1, min(BATCH_SIZE, ops.bulk_batch_size(fields, objs)))
    manager = model._base_manager.using(using)
    for start in range(0, len(objs), size):
        manager._insert(objs[start : start + size], fields=fields, using=using, raw=True)


def _reset_sequences(connection, chosen: Iterable[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(chosen))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _forget_cached_rows() -> None:
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
