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

from django.db.models import Q
from django.utils import timezone

from inbeeld.audit.chain import (
    DIGEST_FIELDS,
    GENESIS_HASH,
    KEYED_CHAINS,
    KEYED_HMAC,
    LEGACY_SHA256,
    AuditKeyError,
    row_digest,
)
from inbeeld.audit.checkpoints import Checkpoint, chain_number, read_checkpoints
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
                if c.cut <= restored
                or (c.kind == "backup" and c.extra.get("backup_id") == backup_id)
            ]
            floor = restored
        active.append(checkpoint)
    return active, floor


def _chain_label(chain: int) -> str:
    return f"keten {chain}"


@dataclass
class _Chain:
    """Where the walk of one chain stands."""

    expected_prev: str = GENESIS_HASH
    rows: int = 0
    last_id: int = 0


class _Failure(Exception):
    def __init__(self, at: int | None, reason: str):
        super().__init__(reason)
        self.at = at
        self.reason = reason


def _check_row(event: AuditEvent, state: _Chain, keyed_seen: bool) -> None:
    """The row's version, its link to the previous row of its chain and its MAC."""
    if event.chain_version == LEGACY_SHA256 and keyed_seen:
        raise _Failure(
            event.id, "regel met de oude, ongesleutelde keten na de eerste gesleutelde regel"
        )
    if event.chain_version not in (LEGACY_SHA256, KEYED_HMAC, KEYED_CHAINS):
        raise _Failure(event.id, "regel met een onbekende ketenversie")
    if event.chain_version != KEYED_CHAINS and event.chain != 0:
        raise _Failure(
            event.id,
            f"regel met ketenversie {event.chain_version} in {_chain_label(event.chain)} "
            "(die versie kent alleen keten 0; de regel is verplaatst)",
        )
    if event.prev_hash != state.expected_prev:
        raise _Failure(
            event.id,
            "de regel sluit niet aan op de vorige regel van "
            f"{_chain_label(event.chain)} (een regel is weggehaald, ingevoegd of verplaatst)",
        )
    if row_digest(event, event.prev_hash) != event.row_hash:
        raise _Failure(
            event.id,
            "de inhoud van de regel past niet bij de "
            "sleutelcode (de regel is gewijzigd of nagemaakt)",
        )


def _check_named(event: AuditEvent, state: _Chain, named: list) -> None:
    """The checkpoints that name ``event`` as the last row of a chain: same chain, same MAC,
    the same number of rows in that chain up to it."""
    for checkpoint, chain, head in named:
        if chain != event.chain or head.last_mac != event.row_hash or head.rows != state.rows:
            which = "" if chain == 0 else f"van {_chain_label(chain)} "
            raise _Failure(
                event.id,
                f"de log wijkt af van controlepunt {checkpoint.seq} van {_when(checkpoint)} "
                f"(dat legde {head.rows} regels {which}vast tot en met deze regel)",
            )


def _check_cut(event: AuditEvent, chains: dict[int, _Chain], cuts: list[Checkpoint]) -> None:
    """A checkpoint made under every head lock names every chain with rows up to its cut, with
    exactly those rows: a chain that was left out (no longer anchored) or that has rows the
    checkpoint did not count is caught here."""
    for checkpoint in cuts:
        named = {chain_number(name): head for name, head in checkpoint.chains.items()}
        for chain in sorted(set(named) | set(chains)):
            have = chains[chain].rows if chain in chains else 0
            want = named[chain].rows if chain in named else 0
            if have == want:
                continue
            if chain not in named:
                reason = (
                    f"{_chain_label(chain)} is niet verankerd in controlepunt {checkpoint.seq} "
                    f"van {_when(checkpoint)}: die keten heeft {have} regels tot en met regel "
                    f"{event.id}, het controlepunt noemt de keten niet"
                )
            else:
                reason = (
                    f"de log wijkt af van controlepunt {checkpoint.seq} van {_when(checkpoint)}: "
                    f"{_chain_label(chain)} heeft {have} regels tot en met regel {event.id}, "
                    f"het controlepunt legde er {want} vast"
                )
            raise _Failure(event.id, reason)


def _missing(checkpoint: Checkpoint, chain: int, head, rows: int, last_id: int) -> str:
    """Why a chain head named by ``checkpoint`` was never reached in the walk."""
    which = "" if chain == 0 else f" van {_chain_label(chain)}"
    if rows == 0:
        return (
            f"de auditlog is leeg, maar controlepunt {checkpoint.seq} van {_when(checkpoint)} "
            f"legde {checkpoint.total_rows} regels vast"
        )
    if head.last_id > last_id:
        return (
            f"de auditlog is korter dan controlepunt {checkpoint.seq} van {_when(checkpoint)}: "
            f"dat legde {head.rows} regels{which} vast tot en met regel "
            f"{head.last_id}, de log eindigt bij regel {last_id}"
        )
    return (
        f"regel {head.last_id}{which} uit controlepunt {checkpoint.seq} van "
        f"{_when(checkpoint)} ontbreekt"
    )


def audit_chain_verify(batch_size: int = 5000, directory: Path | None = None) -> ChainReport:
    """Walk the audit log in id order, each row against the previous row of its own chain, and
    report the first problem.

    A row is broken when its prev_hash is not the MAC of the previous row of its chain (a row was
    removed, inserted or moved), when its MAC does not match its content and chain (changed), or
    when it uses the unkeyed legacy chain after the first keyed row. Every checkpoint must match
    each chain head it names (same MAC, same number of rows of that chain up to it), and a
    checkpoint made under every head lock must account for every chain up to its cut (a chain
    that stopped being anchored is caught). A log that ends before a checkpoint's row, or is
    empty while checkpoints exist, was cut. Legacy rows must be covered by a checkpoint, every
    checkpoint the log mentions must be in the file, and every chain head must match the last
    row of its chain (docs/adr/0009-audit-anchoring.md, docs/adr/0019-audit-that-scales.md).
    """
    file = read_checkpoints(directory)
    if file.problem:
        return ChainReport(0, False, None, f"Controlepunten: {file.problem}.")
    active, floor = _active(file.checkpoints)
    by_last_id: dict[int, list] = defaultdict(list)
    by_cut: dict[int, list[Checkpoint]] = defaultdict(list)
    for checkpoint in active:
        for name, head in checkpoint.chains.items():
            if head.last_id:
                by_last_id[head.last_id].append((checkpoint, chain_number(name), head))
        if checkpoint.consistent and checkpoint.cut:
            by_cut[checkpoint.cut].append(checkpoint)

    def fail(rows, at, reason):
        return ChainReport(rows, False, at, reason, len(file.checkpoints), file.latest)

    chains: dict[int, _Chain] = defaultdict(_Chain)
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
                state = chains[event.chain]
                _check_row(event, state, keyed_seen)
                state.rows += 1
                _check_named(event, state, by_last_id.pop(event.id, ()))
                state.expected_prev = event.row_hash
                state.last_id = event.id
                _check_cut(event, chains, by_cut.pop(event.id, ()))
                if event.chain_version == LEGACY_SHA256:
                    legacy += 1
                    last_legacy_id = event.id
                else:
                    keyed_seen = True
                if event.action == AuditAction.AUDIT_CHECKPOINT and event.id > floor:
                    mentioned.append((event.id, event.extra))
                last_id = event.id
    except _Failure as failure:
        return fail(rows, failure.at, failure.reason)
    except AuditKeyError as exc:
        return fail(rows, None, f"de sleutel van de auditketen ontbreekt of is onbruikbaar ({exc})")

    leftover = sorted(
        (entry for entries in by_last_id.values() for entry in entries),
        key=lambda entry: entry[2].last_id,
    )
    for checkpoint, chain, head in leftover:
        return fail(rows, None, _missing(checkpoint, chain, head, rows, last_id))
    for cut, checkpoints in sorted(by_cut.items()):
        return fail(rows, None, f"regel {cut} uit controlepunt {checkpoints[0].seq} ontbreekt")

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

    reason = _heads_problem(chains)
    if reason:
        return fail(rows, None, reason)
    return ChainReport(rows, True, None, "", len(file.checkpoints), file.latest, legacy)


def _heads_problem(chains: dict[int, _Chain]) -> str:
    """Every chain head must hold the MAC of its chain's last row (a head without rows: none)."""
    heads = dict(AuditChainHead.objects.values_list("chain", "last_hash"))
    for chain in sorted(set(heads) | {c for c, state in chains.items() if state.rows}):
        expected = chains[chain].expected_prev if chain in chains else GENESIS_HASH
        if heads.get(chain, GENESIS_HASH) != expected:
            return (
                f"de kop van de keten past niet bij de laatste regel van {_chain_label(chain)} "
                "(de nieuwste regels van die keten zijn weggehaald)"
            )
    return ""


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
    named = {chain_number(name): head for name, head in latest.chains.items()}
    # The checkpoint's rows of all chains in one query, then the tails of all chains in one (in
    # chain order, as many rows as the quick check reads): two queries, not two per chain.
    anchors = {
        row_id: (chain, mac)
        for row_id, chain, mac in rows.filter(
            id__in=[head.last_id for head in named.values() if head.last_id]
        ).values_list("id", "chain", "row_hash")
    }
    for chain, head in sorted(named.items()):
        if not head.last_id:
            continue
        found = anchors.get(head.last_id)
        if found is None:
            return status(
                False,
                f"Regel {head.last_id} uit controlepunt {latest.seq} ontbreekt: de "
                "auditlog is ingekort of leeggemaakt.",
            )
        if found != (chain, head.last_mac):
            return status(False, f"Regel {head.last_id} wijkt af van controlepunt {latest.seq}.")
    chains = set(named) | set(AuditChainHead.objects.values_list("chain", flat=True))
    after = Q()
    for chain in chains:
        head = named.get(chain)
        after |= Q(chain=chain, id__gt=head.last_id if head else 0)
    # The columns the MAC covers as named tuples (row_digest reads them as attributes): up to
    # 5,000 rows per view of the overview, without building a model instance for each.
    tail = (
        list(
            rows.filter(after)
            .order_by("chain", "id")
            .values_list(*DIGEST_FIELDS, named=True)[: QUICK_TAIL_LIMIT + 1]
        )
        if chains
        else []
    )
    truncated = len(tail) > QUICK_TAIL_LIMIT
    tail = tail[:QUICK_TAIL_LIMIT]
    checked = len(tail)
    try:
        current, expected = None, GENESIS_HASH
        for event in tail:
            if event.chain != current:
                current = event.chain
                head = named.get(current)
                expected = head.last_mac if head else GENESIS_HASH
            if event.prev_hash != expected or row_digest(event, event.prev_hash) != event.row_hash:
                return status(
                    False,
                    f"Regel {event.id} na het laatste controlepunt is "
                    "gewijzigd, weggehaald of nagemaakt.",
                )
            expected = event.row_hash
    except AuditKeyError:
        return status(False, "De sleutel van de auditketen ontbreekt of is onbruikbaar.")
    if truncated:
        return status(
            True,
            f"Controlepunt en de eerste {QUICK_TAIL_LIMIT} regels daarna zijn "
            "in orde; de volledige controle is `inbeeld audit verify`.",
        )
    return status(
        True, f"Het laatste controlepunt klopt en de {checked} regels daarna zijn in orde."
    )
