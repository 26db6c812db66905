"""Issue 15 item 4: several audit chains instead of one global lock, with the same tamper evidence.

Rows are written on chosen chains (``_chain``) so every case runs on SQLite too; the tests at the
end run real concurrent writers on PostgreSQL. Each tampering is done as the informed attacker of
tests/security/audit_tampering.py (any SQL as the table owner, no keys) and `inbeeld audit verify`
must fail: per chain and across chains, for a changed, removed, reordered, moved, inserted or
cut-off row, and for a chain that stops being anchored.
"""

from __future__ import annotations

import io
import json
import threading
import time

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from inbeeld.audit.chain import GENESIS_HASH, KEYED_CHAINS, keyed_mac
from inbeeld.audit.checkpoints import FILE_NAME, checkpoint_create, read_checkpoints
from inbeeld.audit.models import AuditAction, AuditChainHead, AuditEvent
from inbeeld.audit.services import audit_record
from inbeeld.audit.verify import anchoring_status, audit_chain_verify
from tests.security.audit_tampering import forged_digest, owner_sql, verify_fails

pytestmark = pytest.mark.django_db

CHAINS = (0, 1, 2, 3)


def _write(chain: int, i: int) -> AuditEvent:
    return audit_record(
        actor=None,
        action=AuditAction.CASE_READ,
        subject_type="case",
        subject_ref=f"BZ-{i:04d}",
        case_code=f"BZ-{i:04d}",
        extra={"i": i},
        _chain=chain,
    )


def _interleaved(rounds: int = 3, start: int = 0) -> dict[int, list[AuditEvent]]:
    """``rounds`` rows on each of four chains, interleaved by id as concurrent writers leave them."""
    by_chain: dict[int, list[AuditEvent]] = {c: [] for c in CHAINS}
    i = start
    for _ in range(rounds):
        for chain in CHAINS:
            by_chain[chain].append(_write(chain, i))
            i += 1
    return by_chain


# --- the design ---------------------------------------------------------------------------------


def test_each_chain_links_its_own_rows_and_the_checkpoint_signs_every_head():
    by_chain = _interleaved()
    for chain, rows in by_chain.items():
        assert {r.chain for r in rows} == {chain}
        assert {r.chain_version for r in rows} == {KEYED_CHAINS}
        assert rows[0].prev_hash == GENESIS_HASH
        assert [r.prev_hash for r in rows[1:]] == [r.row_hash for r in rows[:-1]]
        assert AuditChainHead.objects.get(chain=chain).last_hash == rows[-1].row_hash
    # The chain number is part of the MAC: the same row on another chain has another MAC.
    row = by_chain[1][1]
    row.chain = 2
    assert keyed_mac(row, row.prev_hash) != by_chain[1][1].row_hash

    checkpoint = checkpoint_create(kind="command")
    assert set(checkpoint.chains) >= {"main", "1", "2", "3"}
    for chain, rows in by_chain.items():
        head = checkpoint.chains["main" if chain == 0 else str(chain)]
        assert (head.rows, head.last_id, head.last_mac) == (3, rows[-1].id, rows[-1].row_hash)
    assert checkpoint.total_rows == 12 and checkpoint.cut == by_chain[3][-1].id
    report = audit_chain_verify()
    assert report.ok, report.reason
    assert report.rows == 13  # and the checkpoint's own row
    assert anchoring_status().ok


def test_counting_on_from_the_previous_checkpoint_per_chain():
    _interleaved(2)
    checkpoint_create(kind="command")
    _interleaved(2, start=100)
    second = checkpoint_create(kind="command")
    counts = {name: head.rows for name, head in second.chains.items() if head.rows}
    # chain 0 also holds the row of checkpoint 1
    assert counts == {"main": 5, "1": 4, "2": 4, "3": 4}
    assert audit_chain_verify().ok


def test_the_periodic_checkpoint_counts_the_rows_of_all_chains(
    settings, django_capture_on_commit_callbacks
):
    """The window between automatic checkpoints is INBEELD_AUDIT_CHECKPOINT_EVERY rows of the
    whole log, not per chain."""
    settings.INBEELD_AUDIT_CHECKPOINT_EVERY = 8
    for i in range(10):  # 2 or 3 rows per chain: no chain reaches 8 on its own
        with django_capture_on_commit_callbacks(execute=True):
            _write(CHAINS[i % 4], i)
    file = read_checkpoints()
    assert [(c.kind, c.total_rows) for c in file.checkpoints] == [("periodic", 8)]
    assert audit_chain_verify().ok


# --- tampering within one chain -------------------------------------------------------------------


def test_a_changed_row_in_any_chain_is_found():
    by_chain = _interleaved()
    checkpoint_create(kind="command")
    target = by_chain[2][1]
    owner_sql("UPDATE audit_auditevent SET subject_ref = 'BZ-9999' WHERE id = %s", [target.id])
    report = verify_fails("sleutelcode")
    assert report.broken_at == target.id


def test_a_removed_row_in_the_middle_of_a_chain_is_found():
    by_chain = _interleaved()
    owner_sql("DELETE FROM audit_auditevent WHERE id = %s", [by_chain[1][1].id])
    report = verify_fails("sluit niet aan op de vorige regel van keten 1")
    assert report.broken_at == by_chain[1][2].id


def test_reordered_rows_within_a_chain_are_found():
    by_chain = _interleaved()
    first, second = by_chain[3][0], by_chain[3][1]
    # Swap the contents of two rows of one chain, each keeping the links of its position.
    for row, other in ((first, second), (second, first)):
        owner_sql(
            "UPDATE audit_auditevent SET subject_ref = %s, case_code = %s, extra = %s WHERE id = %s",
            [other.subject_ref, other.case_code, json.dumps(other.extra), row.id],
        )
    report = verify_fails("sleutelcode")
    assert report.broken_at == first.id


def test_an_inserted_row_is_found():
    by_chain = _interleaved()
    last = by_chain[1][-1]
    forged = AuditEvent(
        **{f.attname: getattr(last, f.attname) for f in AuditEvent._meta.concrete_fields}
    )
    forged.pk = None
    forged.subject_ref = "BZ-INBRAAK"
    forged.prev_hash = last.row_hash
    forged.row_hash = forged_digest(forged, last.row_hash, "hmac-guess")
    AuditEvent.objects.bulk_create([forged])
    owner_sql("UPDATE audit_auditchainhead SET last_hash = %s WHERE chain = 1", [forged.row_hash])
    verify_fails("sleutelcode")


def test_cutting_off_the_newest_rows_of_one_chain_is_found_at_its_head():
    by_chain = _interleaved()
    owner_sql("DELETE FROM audit_auditevent WHERE id = %s", [by_chain[2][-1].id])
    verify_fails("kop van de keten past niet bij de laatste regel van keten 2")


def test_cutting_a_chain_below_the_checkpoint_is_found_even_with_its_head_reset():
    by_chain = _interleaved()
    checkpoint_create(kind="command")
    kept = by_chain[2][0]
    owner_sql("DELETE FROM audit_auditevent WHERE chain = 2 AND id > %s", [kept.id])
    owner_sql("UPDATE audit_auditchainhead SET last_hash = %s WHERE chain = 2", [kept.row_hash])
    report = verify_fails("controlepunt 1")
    assert "keten 2" in report.reason
    assert not anchoring_status().ok


def test_removing_a_whole_chain_and_its_head_is_found():
    _interleaved()
    checkpoint_create(kind="command")
    owner_sql("DELETE FROM audit_auditevent WHERE chain = 3")
    owner_sql("DELETE FROM audit_auditchainhead WHERE chain = 3")
    report = verify_fails("controlepunt 1")
    assert "keten 3" in report.reason
    assert "ontbreekt" in anchoring_status().message


# --- tampering across chains ----------------------------------------------------------------------


def test_a_row_moved_to_another_chain_is_found():
    by_chain = _interleaved()
    moved = by_chain[3][-1]  # the newest row of chain 3, re-linked onto the end of chain 2
    owner_sql(
        "UPDATE audit_auditevent SET chain = 2, prev_hash = %s WHERE id = %s",
        [by_chain[2][-1].row_hash, moved.id],
    )
    owner_sql("UPDATE audit_auditchainhead SET last_hash = %s WHERE chain = 2", [moved.row_hash])
    owner_sql(
        "UPDATE audit_auditchainhead SET last_hash = %s WHERE chain = 3", [by_chain[3][1].row_hash]
    )
    report = verify_fails("sleutelcode")
    assert report.broken_at == moved.id


def test_a_row_moved_back_into_the_single_chain_version_is_found():
    """Claiming version 2 (issue 11, no chain number in the MAC) for a row of chain 1 fails."""
    by_chain = _interleaved(1)
    row = by_chain[1][0]
    owner_sql("UPDATE audit_auditevent SET chain_version = 2 WHERE id = %s", [row.id])
    verify_fails("die versie kent alleen keten 0")


def test_reordering_rows_across_chains_over_a_checkpoint_is_found():
    """Swapping the ids of rows of two chains so that each chain keeps its own order and links,
    one row from before the checkpoint and one from after: the signed checkpoint named the
    first as the last row of its chain, and counted every chain up to it."""
    by_chain = _interleaved(2)
    checkpoint_create(kind="command")  # its own row goes on chain 0
    after = _interleaved(1, start=50)
    named, later = by_chain[3][-1], after[1][0]
    assert named.id < later.id < after[3][0].id and by_chain[1][-1].id < named.id
    owner_sql("UPDATE audit_auditevent SET id = -1 WHERE id = %s", [named.id])
    owner_sql("UPDATE audit_auditevent SET id = %s WHERE id = %s", [named.id, later.id])
    owner_sql("UPDATE audit_auditevent SET id = %s WHERE id = -1", [later.id])
    report = verify_fails("wijkt af van controlepunt 1")
    assert report.broken_at == named.id


def test_a_chain_that_stops_being_anchored_is_found():
    """Someone removes the head row of chain 2: the next checkpoint no longer names that chain,
    though the chain has rows up to the checkpoint's cut."""
    by_chain = _interleaved()
    checkpoint_create(kind="command")
    owner_sql("DELETE FROM audit_auditchainhead WHERE chain = 2")
    for chain in (0, 1, 3):
        _write(chain, 60 + chain)
    second = checkpoint_create(kind="command")
    assert "2" not in second.chains and second.cut > by_chain[2][-1].id
    verify_fails("keten 2 is niet verankerd in controlepunt 2")


def test_a_checkpoint_line_with_a_chain_left_out_does_not_verify():
    """Leaving a chain out of a checkpoint line by editing the file breaks its signature."""
    _interleaved(1)
    checkpoint_create(kind="command")
    path = settings.INBEELD_AUDIT_CHECKPOINT_DIR / FILE_NAME
    line = json.loads(path.read_text())
    del line["chains"]["3"]
    path.write_text(json.dumps(line, sort_keys=True, separators=(",", ":")) + "\n")
    verify_fails("ongeldige handtekening")


# --- the privacy officer's pages ------------------------------------------------------------------


def test_the_audit_search_orders_rows_of_all_chains_by_time(login):
    import datetime as dt

    from django.urls import reverse
    from django.utils import timezone

    from inbeeld.accounts.models import Role
    from inbeeld.oversight.selectors import AuditFilters, audit_log_search
    from tests.factories import make_user

    officer = make_user(Role.PRIVACY_OFFICER)
    later = _write(1, 1)
    earlier = _write(0, 2)
    # Chain 0's row got the higher id but is the older one (rows of different chains interleave).
    when = timezone.now()
    for row, at in ((later, when), (earlier, when - dt.timedelta(minutes=5))):
        owner_sql("UPDATE audit_auditevent SET created_at = %s WHERE id = %s", [at, row.id])
    found = list(audit_log_search(officer, AuditFilters(action="case.read")))
    assert [r.id for r in found][:2] == [later.id, earlier.id]
    client = login(officer)
    html = client.get(reverse("privacy:log") + "?action=case.read").content.decode()
    assert html.index("BZ-0001") < html.index("BZ-0002")


# --- PostgreSQL: real concurrent writers ------------------------------------------------------------

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SKIP LOCKED and concurrent writers: PostgreSQL only"
)


def _writer_threads(writer, count: int, errors: list) -> list[threading.Thread]:
    """``count`` threads running ``writer(n)``, each on its own connection; what they raise is
    collected in ``errors``."""

    def run(n):
        try:
            writer(n)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    return [threading.Thread(target=run, args=(n,)) for n in range(count)]


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_writer_does_not_wait_for_a_chain_another_transaction_holds():
    held = threading.Event()
    release = threading.Event()
    seen = {}

    def holder():
        try:
            with transaction.atomic():
                seen["holder"] = audit_record(actor=None, action=AuditAction.LOGIN_FAILED).chain
                held.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(10)
        clock = time.perf_counter()
        row = audit_record(actor=None, action=AuditAction.LOGIN_FAILED)
        waited = time.perf_counter() - clock
    finally:
        release.set()
        thread.join()
    assert seen["holder"] == 0 and row.chain == 1
    assert waited < 2, f"the second writer waited {waited:.1f} s for the held chain"
    assert audit_chain_verify().ok


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_spread_over_chains_and_verify(settings):
    settings.INBEELD_AUDIT_CHECKPOINT_EVERY = 25
    errors = []

    def writer(n):
        for i in range(30):
            with transaction.atomic():
                audit_record(
                    actor=None,
                    action=AuditAction.CASE_READ,
                    subject_ref=f"{n}-{i}",
                    extra={"n": n, "i": i},
                )
                time.sleep(0.002)  # the rest of a request, while the head is held

    threads = _writer_threads(writer, 8, errors)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    chains = set(AuditEvent.objects.values_list("chain", flat=True))
    assert len(chains) > 1, "every writer queued on one chain"
    file = read_checkpoints()
    assert not file.problem and any(c.kind == "periodic" for c in file.checkpoints)
    report = audit_chain_verify()
    assert report.ok, report.reason
    assert report.rows == AuditEvent.objects.count() >= 240
    call_command("audit", "verify", stdout=io.StringIO())


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_checkpoint_is_not_starved_by_a_stream_of_writers():
    """Writers that keep chains busy must let a checkpoint in: it queues for each head behind the
    one writer holding it (writers that find a head locked skip it), not for a moment when no
    chain happens to be held."""
    stop = threading.Event()
    errors = []

    def writer(n):
        while not stop.is_set():
            with transaction.atomic():
                audit_record(actor=None, action=AuditAction.CASE_READ, subject_ref=str(n))
                time.sleep(0.02)

    threads = _writer_threads(writer, 6, errors)
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.3)
        clock = time.perf_counter()
        checkpoint = checkpoint_create(kind="command")
        waited = time.perf_counter() - clock
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors, errors
    assert waited < 3, f"the checkpoint waited {waited:.1f} s"
    assert checkpoint.total_rows > 0
    report = audit_chain_verify()
    assert report.ok, report.reason


# --- the overview's quick check over several chains (two queries, not two per chain) ------------


def test_the_quick_check_reads_every_chain_after_the_checkpoint_in_a_fixed_number_of_queries(
    monkeypatch, django_assert_max_num_queries
):
    from inbeeld.audit import verify

    _interleaved(2)
    checkpoint = checkpoint_create(kind="command")
    after = _interleaved(3, start=100)  # 12 rows on four chains after the checkpoint
    with django_assert_max_num_queries(3):
        status = anchoring_status()
    # 13: and the checkpoint's own row (chain 0)
    assert status.ok and "de 13 regels daarna zijn in orde" in status.message, status.message
    _interleaved(3, start=200)
    with django_assert_max_num_queries(3):
        assert "de 25 regels daarna" in anchoring_status().message

    # A changed row on chain 2 after the checkpoint is found ...
    target = after[2][1]
    owner_sql("UPDATE audit_auditevent SET subject_ref = %s WHERE id = %s", ["BZ-9999", target.id])
    status = anchoring_status()
    assert not status.ok and f"Regel {target.id} na het laatste controlepunt" in status.message

    # ... when the quick check reaches it: the chains are read in order (0, 1, then 2), so with
    # room for the rows of chains 0 and 1 and the first of chain 2 it is just out of reach (the
    # full check still finds it), one more and it is found.
    heads = {name: head.last_id for name, head in checkpoint.chains.items()}
    before = (
        sum(
            AuditEvent.objects.filter(
                chain=chain, id__gt=heads["main" if chain == 0 else str(chain)]
            ).count()
            for chain in (0, 1)
        )
        + 1
    )
    monkeypatch.setattr(verify, "QUICK_TAIL_LIMIT", before)
    status = anchoring_status()
    assert status.ok and f"de eerste {before} regels daarna" in status.message, status.message
    assert not audit_chain_verify().ok
    monkeypatch.setattr(verify, "QUICK_TAIL_LIMIT", before + 1)
    assert not anchoring_status().ok
