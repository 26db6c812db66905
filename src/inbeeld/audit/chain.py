"""The audit chain's cryptography: which bytes of a row are chained, and how.

Version 3 (every row written since issue 15) links the rows of one of several parallel chains with
HMAC-SHA256 under INBEELD_AUDIT_KEY, the chain's number included in the MAC, so a row cannot be
moved to another chain (docs/adr/0019-audit-that-scales.md). Version 2 (issue 11 up to issue 15)
is the same MAC without the chain number: those rows form chain 0. The key lives in the
environment and never in the database: someone who can write the database but does not hold the
key cannot recompute a chain after changing, adding or removing rows.
Version 1 (rows written before) used a plain SHA-256 that anyone can recompute; such rows are
accepted only before the first keyed row and only when a signed checkpoint covers them
(docs/adr/0009-audit-anchoring.md, audit/verify.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from inbeeld.audit.models import AuditEvent

GENESIS_HASH = "0" * 64
LEGACY_SHA256 = 1  # chain_version of rows written before the keyed chain
KEYED_HMAC = 2  # chain_version of the keyed rows of issue 11 (one chain, chain 0)
KEYED_CHAINS = 3  # chain_version of every row written now (several chains)
MIN_KEY_LENGTH = 32
# The chain head of a log that predates the keyed chain starts at this counter (migration 0012),
# so the first row written after the upgrade schedules the upgrade checkpoint.
LEGACY_HEAD_MARK = 1_000_000_000
_DOMAIN = b"inbeeld-audit-chain-v2\n"
_DOMAIN_CHAINS = b"inbeeld-audit-chain-v3\n"


class AuditKeyError(Exception):
    """The audit MAC key or the checkpoint signing key is missing or unusable."""


# The columns of a row that row_digest reads (canonical's body, the chain fields): a reader that
# verifies rows without model instances (audit.verify's quick check) selects exactly these.
DIGEST_FIELDS = (
    "id",
    "chain",
    "chain_version",
    "prev_hash",
    "row_hash",
    "created_at",
    "actor_id",
    "actor_label",
    "action",
    "subject_type",
    "subject_ref",
    "case_code",
    "extra",
)


def canonical(event: AuditEvent) -> bytes:
    """The row's content as the chain covers it (stable JSON, sorted keys)."""
    body = {
        "created_at": event.created_at.isoformat(),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_ref": event.subject_ref,
        "case_code": event.case_code,
        "extra": event.extra,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")


def legacy_hash(event: AuditEvent, prev_hash: str) -> str:
    """Version 1: SHA-256 over the previous hash and the content (no key)."""
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(event)).hexdigest()


def _derived(label: str) -> bytes:
    # Outside production only (the system checks refuse an empty key there): a stable key derived
    # from the secret key, so development databases keep verifying across restarts.
    return _derive(settings.SECRET_KEY, label)


@lru_cache(maxsize=8)
def _derive(secret: str, label: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), label.encode("ascii"), "sha256").digest()


def mac_key() -> bytes:
    configured = settings.INBEELD_AUDIT_KEY or ""
    if configured:
        if len(configured) < MIN_KEY_LENGTH:
            raise AuditKeyError(f"INBEELD_AUDIT_KEY must be at least {MIN_KEY_LENGTH} characters")
        return configured.encode("utf-8")
    if settings.INBEELD_ENVIRONMENT == "production":
        raise AuditKeyError("INBEELD_AUDIT_KEY is not set")
    return _derived("inbeeld.audit.chain-key")


def keyed_mac(event: AuditEvent, prev_hash: str) -> str:
    """HMAC-SHA256 under the audit key over the version, (version 3:) the chain number, the
    previous MAC of the same chain and the content."""
    if event.chain_version == KEYED_CHAINS:
        prefix = _DOMAIN_CHAINS + str(int(event.chain)).encode("ascii") + b"\n"
    else:
        prefix = _DOMAIN
    message = prefix + prev_hash.encode("ascii") + b"\n" + canonical(event)
    mac = _keyed_base(mac_key()).copy()
    mac.update(message)
    return mac.hexdigest()


@lru_cache(maxsize=4)
def _keyed_base(key: bytes) -> hmac.HMAC:
    """The HMAC keyed with ``key`` before any message, copied per row (an import writes a row
    per record; keying afresh each time was a measurable part of its CPU time)."""
    return hmac.new(key, digestmod=hashlib.sha256)


def row_digest(event: AuditEvent, prev_hash: str) -> str:
    """The digest the row's chain_version prescribes."""
    if event.chain_version == LEGACY_SHA256:
        return legacy_hash(event, prev_hash)
    if event.chain_version in (KEYED_HMAC, KEYED_CHAINS):
        return keyed_mac(event, prev_hash)
    return ""  # unknown version: never matches


def signing_seed() -> bytes:
    """The 32-byte Ed25519 seed that signs checkpoints."""
    configured = settings.INBEELD_AUDIT_SIGNING_KEY or ""
    if configured:
        try:
            seed = base64.b64decode(configured.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise AuditKeyError("INBEELD_AUDIT_SIGNING_KEY is not valid base64") from exc
        if len(seed) != 32:
            raise AuditKeyError("INBEELD_AUDIT_SIGNING_KEY must encode exactly 32 bytes")
        return seed
    if settings.INBEELD_ENVIRONMENT == "production":
        raise AuditKeyError("INBEELD_AUDIT_SIGNING_KEY is not set")
    return _derived("inbeeld.audit.signing-key")
