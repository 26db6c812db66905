"""Verification of the audit log: the keyed chain and the signed checkpoints outside the database.

`audit_chain_verify` walks every row (the full check, `inbeeld audit verify`); `anchoring_status`
is the quick check the privacy officer's page runs on every view (checkpoint file, the newest
checkpoint against the database, the rows since then). All reasons are Dutch: they are shown to
the operator and the privacy officer as they are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from inbeeld.audit.chain import GENESIS_HASH, KEYED_HMAC, LEGACY_SHA256, AuditKeyError, row_digest
from inbeeld.audit.checkpoints import Checkpoint, read_checkpoints
from inbeeld.audit.models import AuditAction, AuditChainHead, AuditEvent

QUICK_TAIL_LIMIT = 5000


@dataclass(frozen=True)
class ChainReport:
    rows: int
    ok: bool
    broken_at: int | None = None  # id of the first row that does not verify
    reason: str = ""  # Dutch
    checkpoints: int = 0  # valid checkpoint lines in the file
    latest: Checkpoint | None = None
    legacy_rows: int = 0  # rows of the unkeyed (version 1) chain, all before the first keyed row


def _when(checkpoint: Checkpoint) -> str:
    return f"{timezone.localtime(checkpoint.created_at):%d-%m-%Y %H:%M}"


def _active(checkpoints: list[Checkpoint]) -> tuple[list[Checkpoint], int]:
    """The checkpoints the log must still agree with, and the id up to which the log was
    restored last. A restore checkpoint (written by `inbeeld restore`, signed) supersedes the
    checkpoints beyond the rows the backup held: those rows were knowingly given up. The
    checkpoint made when that backup was written stays: a backup cut short still shows."""
    active: list[Checkpoint] = []
    floor = 0
    for checkpoint in checkpoints:
        restored = checkpoint.restored_last_id
        if restored is not None:
            backup_id = checkpoint.extra.get("backup_id")
            active = [
                c
                for c in active
                if c.main.last_id <= restored
                or (c.kind == "backup" and c.extra.get("backup_id") == backup_id)
            ]
            floor = restored
        active.append(checkpoint)
    return active, floor


def audit_chain_verify(batch_size: int = 5000, directory: Path | None = None) -> ChainReport:
    """Walk the audit log in id order and report the first problem.

    A row is broken when its prev_hash is not the previous row's MAC (a row was removed or
    inserted), when its MAC does not match its content (changed), or when it uses the unkeyed
    legacy chain after the first keyed row. Every checkpoint must match the row it names (same
    MAC, same number of rows up to it); a log that ends before a checkpoint's last row, or is
    empty while checkpoints exist, was cut. Legacy rows must be covered by a checkpoint, and every
    checkpoint the log mentions must be in the file.
    """
    file = read_checkpoints(directory)
    if file.problem:
        return ChainReport(0, False, None, f"Controlepunten: {file.problem}.")
    active, floor = _active(file.checkpoints)
    by_last_id: dict[int, list[Checkpoint]] = defaultdict(list)
    for checkpoint in active:
        if checkpoint.main.last_id:
            by_last_id[checkpoint.main.last_id].append(checkpoint)

    def fail(rows, at, reason):
        return ChainReport(rows, False, at, reason, len(file.checkpoints), file.latest)

    expected_prev = GENESIS_HASH
    rows = legacy = 0
    last_id = last_legacy_id = 0
    keyed_seen = False
    mentioned: list[tuple[int, dict]] = []
    try:
        while True:
            batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
            if not batch:
                break
            for event in batch:
                rows += 1
                if event.chain_version == LEGACY_SHA256 and keyed_seen:
                    return fail(
                        rows,
                        event.id,
                        "regel met de oude, ongesleutelde keten na de eerste gesleutelde regel",
                    )
                if event.chain_version not in (LEGACY_SHA256, KEYED_HMAC):
                    return fail(rows, event.id, "regel met een onbekende ketenversie")
                if event.prev_hash != expected_prev:
                    return fail(
                        rows,
                        event.id,
                        "de regel sluit niet aan op de vorige regel "
                        "(een regel is weggehaald of ingevoegd)",
                    )
                if row_digest(event, event.prev_hash) != event.row_hash:
                    return fail(
                        rows,
                        event.id,
                        "de inhoud van de regel past niet bij de "
                        "sleutelcode (de regel is gewijzigd of nagemaakt)",
                    )
                for checkpoint in by_last_id.pop(event.id, ()):
                    if checkpoint.main.last_mac != event.row_hash or checkpoint.main.rows != rows:
                        return fail(
                            rows,
                            event.id,
                            f"de log wijkt af van controlepunt "
                            f"{checkpoint.seq} van {_when(checkpoint)} (dat legde "
                            f"{checkpoint.main.rows} regels vast tot en met deze regel)",
                        )
                if event.chain_version == LEGACY_SHA256:
                    legacy += 1
                    last_legacy_id = event.id
                else:
                    keyed_seen = True
                if event.action == AuditAction.AUDIT_CHECKPOINT and event.id > floor:
                    mentioned.append((event.id, event.extra))
                expected_prev = event.row_hash
                last_id = event.id
    except AuditKeyError as exc:
        return fail(rows, None, f"de sleutel van de auditketen ontbreekt of is onbruikbaar ({exc})")

    for checkpoint in sorted(
        (c for cs in by_last_id.values() for c in cs), key=lambda c: c.main.last_id
    ):
        if rows == 0:
            reason = (
                f"de auditlog is leeg, maar controlepunt {checkpoint.seq} van {_when(checkpoint)} "
                f"legde {checkpoint.main.rows} regels vast"
            )
        elif checkpoint.main.last_id > last_id:
            reason = (
                f"de auditlog is korter dan controlepunt {checkpoint.seq} van {_when(checkpoint)}: "
                f"dat legde {checkpoint.main.rows} regels vast tot en met regel "
                f"{checkpoint.main.last_id}, de log eindigt bij regel {last_id}"
            )
        else:
            reason = (
                f"regel {checkpoint.main.last_id} uit controlepunt {checkpoint.seq} van "
                f"{_when(checkpoint)} ontbreekt"
            )
        return fail(rows, None, reason)

    if legacy and not any(c.main.last_id >= last_legacy_id for c in active):
        return fail(
            rows,
            None,
            f"{legacy} regels met de oude, ongesleutelde keten zijn niet gedekt door een "
            "ondertekend controlepunt; maak het controlepunt van de upgrade met "
            "`inbeeld audit checkpoint` (alleen direct na de upgrade)",
        )

    series = file.checkpoints[0].series if file.checkpoints else None
    highest = file.latest.seq if file.latest else 0
    for row_id, extra in mentioned:
        if (
            extra.get("series") != series
            or not isinstance(extra.get("seq"), int)
            or (extra["seq"] > highest)
        ):
            return fail(
                rows,
                row_id,
                f"de auditlog noemt controlepunt {extra.get('seq')}, maar dat staat niet in het "
                "controlepuntbestand (het bestand is ingekort, vervangen of weggehaald)",
            )

    head = AuditChainHead.objects.filter(pk=1).first()
    head_hash = head.last_hash if head else GENESIS_HASH
    if head_hash != expected_prev:
        return fail(
            rows,
            None,
            "de kop van de keten past niet bij de laatste regel "
            "(de nieuwste regels zijn weggehaald)",
        )
    return ChainReport(rows, True, None, "", len(file.checkpoints), file.latest, legacy)


@dataclass(frozen=True)
class AnchoringStatus:
    """What the privacy officer's page shows about the anchoring of the audit log."""

    ok: bool
    message: str  # Dutch
    latest: Checkpoint | None
    latest_verified: Checkpoint | None  # the newest checkpoint made by a full verification
    checkpoints: int


def anchoring_status(directory: Path | None = None) -> AnchoringStatus:
    """The quick check: the checkpoint file (links, newest signature), the newest checkpoint
    against the database (its row, its MAC) and the keyed chain from there to the end (up to
    QUICK_TAIL_LIMIT rows). The full check is `inbeeld audit verify`."""
    file = read_checkpoints(directory, all_signatures=False)
    verified = next((c for c in reversed(file.checkpoints) if c.kind == "verify"), None)

    def status(ok, message):
        return AnchoringStatus(ok, message, file.latest, verified, len(file.checkpoints))

    if file.problem:
        return status(False, f"Controlepunten niet in orde: {file.problem}.")
    active, _floor = _active(file.checkpoints)
    latest = active[-1] if active else None
    rows = AuditEvent.objects.order_by("id")
    if latest is None:
        if rows.exists():
            return status(
                False,
                "Er is nog geen ondertekend controlepunt; de auditlog is "
                "nog niet buiten de database vastgelegd.",
            )
        return status(True, "De auditlog is leeg en er is nog geen controlepunt.")
    start = latest.main.last_id
    if start:
        row = rows.filter(id=start).values_list("row_hash", flat=True).first()
        if row is None:
            return status(
                False,
                f"Regel {start} uit controlepunt {latest.seq} ontbreekt: de "
                "auditlog is ingekort of leeggemaakt.",
            )
        if row != latest.main.last_mac:
            return status(False, f"Regel {start} wijkt af van controlepunt {latest.seq}.")
    tail = list(rows.filter(id__gt=start)[: QUICK_TAIL_LIMIT + 1])
    expected = latest.main.last_mac
    try:
        for event in tail[:QUICK_TAIL_LIMIT]:
            if event.prev_hash != expected or row_digest(event, event.prev_hash) != event.row_hash:
                return status(
                    False,
                    f"Regel {event.id} na het laatste controlepunt is "
                    "gewijzigd, weggehaald of nagemaakt.",
                )
            expected = event.row_hash
    except AuditKeyError:
        return status(False, "De sleutel van de auditketen ontbreekt of is onbruikbaar.")
    if len(tail) > QUICK_TAIL_LIMIT:
        return status(
            True,
            f"Controlepunt en de eerste {QUICK_TAIL_LIMIT} regels daarna zijn "
            "in orde; de volledige controle is `inbeeld audit verify`.",
        )
    return status(
        True, f"Het laatste controlepunt klopt en de {len(tail)} regels daarna zijn in orde."
    )
