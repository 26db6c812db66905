"""Signed checkpoints of the audit chain head, written OUTSIDE the database.

One append-only file, ``checkpoints.jsonl`` in INBEELD_AUDIT_CHECKPOINT_DIR, one JSON line per
checkpoint: its number, the series it belongs to, when and why it was made, the head of each
chain (rows, last id, last MAC; chain 0 is named "main", the others by their number: one signed
root over all parallel chains, docs/adr/0019-audit-that-scales.md) and the digest of the previous
line, signed with Ed25519 (INBEELD_AUDIT_SIGNING_KEY, from the environment). Each line covers the
one before it, so the signature on the newest line vouches for the whole file. Someone who can write the database cannot
shorten or empty the log without contradicting a checkpoint; someone who can also write the file
cannot make a line that verifies without the signing key (docs/adr/0009-audit-anchoring.md).

Checkpoints are made by `inbeeld audit checkpoint`, after every successful `inbeeld audit verify`,
after a restore, and automatically after every INBEELD_AUDIT_CHECKPOINT_EVERY audit rows. Each one
is also recorded as an audit row (AUDIT_CHECKPOINT), so a removed checkpoint file is noticed too.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from inbeeld.audit.chain import GENESIS_HASH, signing_seed

logger = logging.getLogger("inbeeld.audit.checkpoint")

FILE_NAME = "checkpoints.jsonl"
LOCK_NAME = ".checkpoints.lock"
FORMAT = 1
MAIN_CHAIN = "main"
KINDS = ("periodic", "command", "verify", "upgrade", "backup", "restore")
_FIELDS = {"v", "series", "seq", "kind", "created_at", "chains", "prev", "extra", "key", "sig"}


class CheckpointError(Exception):
    """A checkpoint could not be written (the message is Dutch, for the operator)."""


@dataclass(frozen=True)
class ChainHead:
    rows: int
    last_id: int
    last_mac: str


def chain_name(chain: int) -> str:
    """The key of chain ``chain`` in a checkpoint: "main" for chain 0 (the only chain before
    issue 15, so older checkpoint files read the same), else its number."""
    return MAIN_CHAIN if chain == 0 else str(chain)


def chain_number(name: str) -> int:
    if name == MAIN_CHAIN:
        return 0
    if not name.isdigit() or int(name) < 1 or str(int(name)) != name:
        raise ValueError(f"unknown chain {name!r}")
    return int(name)


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    series: str
    kind: str
    created_at: dt.datetime
    chains: dict[str, ChainHead]
    extra: dict = field(default_factory=dict)

    @property
    def main(self) -> ChainHead:
        return self.chains[MAIN_CHAIN]

    @property
    def cut(self) -> int:
        """The highest row id the checkpoint names (the log's last row when it was made)."""
        return max(head.last_id for head in self.chains.values())

    @property
    def total_rows(self) -> int:
        return sum(head.rows for head in self.chains.values())

    @property
    def consistent(self) -> bool:
        """Made under every chain-head lock, so it names every row up to ``cut`` and no later
        one. A backup checkpoint comes from the backup's snapshot instead: each chain in it is a
        complete prefix of that chain, but a row of another chain with a lower id may have been
        uncommitted at that moment."""
        return self.kind != "backup"

    @property
    def restored_last_id(self) -> int | None:
        value = self.extra.get("restored_last_id") if self.kind == "restore" else None
        return value if isinstance(value, int) else None


@dataclass(frozen=True)
class CheckpointFile:
    checkpoints: list[Checkpoint]
    problem: str = ""  # Dutch; empty when every line is intact, linked and correctly signed

    @property
    def latest(self) -> Checkpoint | None:
        return self.checkpoints[-1] if self.checkpoints else None


# --- keys -------------------------------------------------------------------------------------


def _private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(signing_seed())


def public_key() -> Ed25519PublicKey:
    return _private_key().public_key()


def key_fingerprint(key: Ed25519PublicKey | None = None) -> str:
    raw = (key or public_key()).public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_base64() -> str:
    """The verification key, for whoever checks checkpoint files elsewhere."""
    return base64.b64encode(public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def _signed_bytes(payload: dict) -> bytes:
    unsigned = {k: v for k, v in payload.items() if k != "sig"}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":")).encode("utf-8")


# --- reading ----------------------------------------------------------------------------------


def checkpoint_dir() -> Path:
    return Path(settings.INBEELD_AUDIT_CHECKPOINT_DIR)


def _parse(payload: dict) -> Checkpoint:
    chains = {}
    for name, h in payload["chains"].items():
        chain_number(name)  # raises ValueError on a name that is no chain
        chains[name] = ChainHead(
            rows=int(h["rows"]), last_id=int(h["last_id"]), last_mac=str(h["last_mac"])
        )
    if MAIN_CHAIN not in chains or payload["kind"] not in KINDS:
        raise ValueError("unknown chain or kind")
    return Checkpoint(
        seq=int(payload["seq"]),
        series=str(payload["series"]),
        kind=payload["kind"],
        created_at=dt.datetime.fromisoformat(payload["created_at"]),
        chains=chains,
        extra=dict(payload.get("extra") or {}),
    )


def read_checkpoints(
    directory: Path | None = None, *, all_signatures: bool = True
) -> CheckpointFile:
    """Read and check the checkpoint file: every line parses, numbers run 1, 2, 3, ..., each line
    names the digest of the one before and the signature is valid (on every line, or with
    ``all_signatures=False`` on the newest one only, which covers the others through the links)."""
    path = (directory or checkpoint_dir()) / FILE_NAME
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return CheckpointFile([])
    except OSError as exc:
        return CheckpointFile([], f"het controlepuntbestand {path} is onleesbaar ({exc.strerror})")
    if data and not data.endswith(b"\n"):
        return CheckpointFile([], "de laatste regel van het controlepuntbestand is onvolledig")
    verifier = public_key()
    fingerprint = key_fingerprint(verifier)
    found: list[Checkpoint] = []
    prev = GENESIS_HASH
    lines = data.splitlines()
    for number, line in enumerate(lines, start=1):
        try:
            payload = json.loads(line)
            if not isinstance(payload, dict) or set(payload) != _FIELDS or payload["v"] != FORMAT:
                raise ValueError("unexpected fields")
            checkpoint = _parse(payload)
            signature = base64.b64decode(payload["sig"], validate=True)
        except (ValueError, KeyError, TypeError, binascii.Error):
            return CheckpointFile(
                found, f"regel {number} van het controlepuntbestand is onleesbaar"
            )
        if checkpoint.seq != number or (found and checkpoint.series != found[0].series):
            return CheckpointFile(
                found, f"regel {number} van het controlepuntbestand heeft een verkeerd volgnummer"
            )
        if payload["prev"] != prev:
            return CheckpointFile(
                found,
                f"regel {number} van het controlepuntbestand sluit niet aan op de regel ervoor "
                "(een regel is weggehaald, ingevoegd of gewijzigd)",
            )
        if payload["key"] != fingerprint:
            return CheckpointFile(
                found,
                f"controlepunt {number} is ondertekend met een andere sleutel dan "
                "INBEELD_AUDIT_SIGNING_KEY",
            )
        if all_signatures or number == len(lines):
            try:
                verifier.verify(signature, _signed_bytes(payload))
            except InvalidSignature:
                return CheckpointFile(
                    found, f"controlepunt {number} heeft een ongeldige handtekening"
                )
        found.append(checkpoint)
        prev = hashlib.sha256(line).hexdigest()
    return CheckpointFile(found)


# --- writing ----------------------------------------------------------------------------------


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One checkpoint writer at a time, across processes (numbers and links stay consecutive)."""
    fd = os.open(directory / LOCK_NAME, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _heads(previous: Checkpoint | None) -> dict[str, ChainHead]:
    """The committed head of every chain, read while holding every chain-head lock (so no writer
    is half-way, and the result is one consistent cut of the log). Each chain's row count is
    counted on from the previous checkpoint when that still holds. Resets every chain's counter
    towards the next periodic checkpoint."""
    from inbeeld.audit.models import AuditChainHead, AuditEvent

    with transaction.atomic():
        heads = list(AuditChainHead.objects.select_for_update().order_by("chain"))
        numbers = {head.chain for head in heads} | {0}
        found: dict[str, ChainHead] = {}
        for chain in sorted(numbers):
            rows_of = AuditEvent.objects.filter(chain=chain)
            last = rows_of.order_by("-id").values_list("id", "row_hash").first()
            if last is None:
                found[chain_name(chain)] = ChainHead(rows=0, last_id=0, last_mac=GENESIS_HASH)
                continue
            last_id, last_mac = last
            before = previous.chains.get(chain_name(chain)) if previous else None
            rows = None
            if before is not None and 0 < before.last_id <= last_id:
                still = rows_of.filter(id=before.last_id, row_hash=before.last_mac).exists()
                if still:
                    rows = before.rows + rows_of.filter(id__gt=before.last_id).count()
            if rows is None:
                rows = rows_of.count()
            found[chain_name(chain)] = ChainHead(rows=rows, last_id=last_id, last_mac=last_mac)
        AuditChainHead.objects.filter(since_checkpoint__gt=0).update(since_checkpoint=0)
        return found


def checkpoint_create(
    *,
    kind: str,
    extra: dict | None = None,
    chains: dict[str, ChainHead] | None = None,
    directory: Path | None = None,
    unless_covered: int = 0,
) -> Checkpoint:
    """Sign the current heads of the audit chains (or ``chains``, e.g. the heads inside a backup)
    and append them to the checkpoint file; then record the checkpoint as an audit row. With
    ``unless_covered``, the newest checkpoint is returned instead when it already names that row
    id (writers on several chains that cross the periodic threshold together, queued on the file
    lock, make one checkpoint). Raises CheckpointError when the file cannot be written or is
    damaged (a damaged file is never extended: it is evidence)."""
    from inbeeld.audit.models import AuditAction
    from inbeeld.audit.services import audit_record

    if kind not in KINDS:
        raise ValueError(f"unknown checkpoint kind {kind!r}")
    directory = directory or checkpoint_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with _locked(directory):
            existing = read_checkpoints(directory)
            if existing.problem:
                raise CheckpointError(
                    f"Het controlepuntbestand is niet in orde: {existing.problem}. Er is geen "
                    "nieuw controlepunt geschreven; meld dit aan de functionaris "
                    "gegevensbescherming."
                )
            previous = existing.latest
            if unless_covered and previous is not None and previous.cut >= unless_covered:
                return previous  # a checkpoint made meanwhile already names that row
            chains = chains or _heads(previous)
            payload = {
                "v": FORMAT,
                "series": previous.series if previous else uuid.uuid4().hex,
                "seq": previous.seq + 1 if previous else 1,
                "kind": kind,
                "created_at": timezone.now().isoformat(),
                "chains": {
                    name: {"rows": head.rows, "last_id": head.last_id, "last_mac": head.last_mac}
                    for name, head in chains.items()
                },
                "prev": _last_line_digest(directory) if previous else GENESIS_HASH,
                "extra": extra or {},
                "key": key_fingerprint(),
            }
            signature = _private_key().sign(_signed_bytes(payload))
            payload["sig"] = base64.b64encode(signature).decode("ascii")
            line = json.dumps(payload, sort_keys=True, separators=(",", ":")) + "\n"
            fd = os.open(directory / FILE_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
    except OSError as exc:
        raise CheckpointError(
            f"Kan geen controlepunt schrijven in {directory}: {exc.strerror}."
        ) from exc
    checkpoint = _parse(payload)
    # A second, independent copy: the application log (journald/syslog in production).
    logger.info("audit checkpoint %s", line.strip())
    audit_record(
        actor=None,
        action=AuditAction.AUDIT_CHECKPOINT,
        subject_type="audit_checkpoint",
        subject_ref=str(checkpoint.seq),
        extra={
            "series": checkpoint.series,
            "seq": checkpoint.seq,
            "kind": kind,
            "rows": checkpoint.total_rows,
            "last_id": checkpoint.cut,
            "chains": len(checkpoint.chains),
        },
        _checkpoint_row=True,
    )
    return checkpoint


def _last_line_digest(directory: Path) -> str:
    lines = (directory / FILE_NAME).read_bytes().splitlines()
    return hashlib.sha256(lines[-1]).hexdigest()


def checkpoint_after_commit(kind: str = "periodic", *, after_id: int = 0) -> None:
    """For transaction.on_commit: a checkpoint that never fails the request that triggered it
    (a failure is logged; `inbeeld audit verify` reports what is wrong). A periodic checkpoint
    is not made when another one already names row ``after_id``."""
    try:
        checkpoint_create(kind=kind, unless_covered=after_id if kind == "periodic" else 0)
    except Exception:  # noqa: BLE001 - logged with its traceback; the user's write is committed
        logger.exception("automatic audit checkpoint failed")
