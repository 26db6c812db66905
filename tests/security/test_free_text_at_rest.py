"""Free text at rest (issue 11, item 8): break-glass reasons and the privacy officer's review notes
were stored in clear, and the reasons were also copied into the audit log's JSON, which retention
cannot reach. Now both are encrypted like notes (rotated with the keys, removed with the grant by
retention), and the audit rows name the grant instead of quoting it.

Every check reads the database with raw SQL, as a thief with a copy of it would.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from inbeeld.accounts.models import Role
from inbeeld.cases.models import BreakGlassGrant
from inbeeld.cases.services import CaseNotFound, break_glass_open, break_glass_review
from inbeeld.crypto_rotation import encrypted_columns, keys_rotate
from inbeeld.oversight.retention import retention_apply
from inbeeld.pilot.models import Delivery, Intervention
from inbeeld.pilot.services import delivery_record
from tests.factories import CaseFactory, make_user, unit

REASON = "ZQREDENQZ slachtoffer staat bij ons aan de balie in Heerlen en vraagt om opvang"
PROBE_REASON = "ZQPROBEQZ even kijken of deze code bestaat, collega vroeg ernaar"
NOTE = "ZQTOELICHTINGQZ spoed niet aangetoond; geen contact met de eigen eenheid gezocht"
DELIVERY_REASON = "ZQNIETUITGEVOERDQZ slachtoffer wilde niet naar het bureau"


def _every_text_in_the_database() -> list[tuple[str, str, str]]:
    """(table, column, value) of every text value of every table, read with raw SQL."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 (table names from the schema)
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", "replace")
                    elif isinstance(value, dict | list):  # JSON a driver already decoded
                        value = json.dumps(value, ensure_ascii=False)
                    if isinstance(value, str) and value:
                        found.append((table, column, value))
    return found


def _where(marker: str) -> list[str]:
    return [f"{t}.{c}" for t, c, v in _every_text_in_the_database() if marker in v]


def _audit_texts() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT subject_ref, actor_label, extra FROM audit_auditevent")
        return [" ".join(str(v) for v in row) for row in cursor.fetchall()]


@pytest.fixture
def limburg_case(db):
    return CaseFactory(police_unit=unit("limburg"))


@pytest.fixture
def officer(db):
    return make_user(Role.POLICE_OFFICER, unit_code="amsterdam")


@pytest.fixture
def privacy_officer(db):
    return make_user(Role.PRIVACY_OFFICER)


@pytest.mark.django_db
def test_break_glass_reasons_and_review_notes_are_nowhere_in_clear(
    officer, privacy_officer, limburg_case
):
    _case, grant = break_glass_open(actor=officer, code=limburg_case.code, reason=REASON)
    break_glass_review(actor=privacy_officer, grant=grant, verdict="unjustified", note=NOTE)
    with pytest.raises(CaseNotFound):
        break_glass_open(actor=officer, code="IB-ZZZZ-ZZZZ", reason=PROBE_REASON)
    for marker in ("ZQREDENQZ", "ZQTOELICHTINGQZ", "ZQPROBEQZ"):
        assert _where(marker) == [], marker
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reason_ciphertext, review_note_ciphertext FROM cases_breakglassgrant"
        )
        ((reason_ct, note_ct),) = cursor.fetchall()
    assert reason_ct.startswith("gAAAA") and note_ct.startswith("gAAAA")  # Fernet tokens
    grant.refresh_from_db()
    assert (grant.reason, grant.review_note) == (REASON, NOTE)


@pytest.mark.django_db
def test_the_audit_rows_of_break_glass_name_the_grant_and_quote_no_free_text(
    officer, privacy_officer, limburg_case
):
    _case, grant = break_glass_open(actor=officer, code=limburg_case.code, reason=REASON)
    break_glass_review(actor=privacy_officer, grant=grant, verdict="unjustified", note=NOTE)
    with pytest.raises(CaseNotFound):
        break_glass_open(actor=officer, code="IB-ZZZZ-ZZZZ", reason=PROBE_REASON)
    texts = _audit_texts()
    assert texts, "the break-glass steps are audited"
    assert not [t for t in texts if "ZQ" in t and "QZ" in t]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT action, subject_ref, extra FROM audit_auditevent "
            "WHERE action IN ('case.break_glass', 'case.break_glass_reviewed') ORDER BY id"
        )
        rows = cursor.fetchall()
    assert [(action, ref) for action, ref, _ in rows] == [
        ("case.break_glass", limburg_case.code),
        ("case.break_glass_reviewed", str(grant.pk)),
        ("case.break_glass", "IB-ZZZZ-ZZZZ"),
    ]
    extras = [json.loads(extra) if isinstance(extra, str) else extra for _, _, extra in rows]
    assert extras[0]["grant"] == grant.pk and "reason" not in extras[0]
    assert extras[1]["new"] == {"review": "unjustified", "has_note": True}
    assert extras[2] == {"found": False}


@pytest.mark.django_db
def test_the_privacy_officer_reads_reason_and_note_from_the_encrypted_row(
    login, officer, privacy_officer, limburg_case
):
    _case, grant = break_glass_open(actor=officer, code=limburg_case.code, reason=REASON)
    client = login(privacy_officer)
    assert REASON in client.get(reverse("privacy:break_glass")).content.decode()
    client.post(
        reverse("privacy:break_glass_review", args=[grant.pk]),
        {"verdict": "unjustified", "note": NOTE},
    )
    page = client.get(reverse("privacy:break_glass")).content.decode()
    assert REASON in page and NOTE in page
    assert _where("ZQTOELICHTINGQZ") == []


@pytest.mark.django_db
def test_key_rotation_re_encrypts_break_glass_reasons_and_notes(
    settings, officer, privacy_officer, limburg_case
):
    from cryptography.fernet import Fernet

    assert {(m.__name__, f) for m, f in encrypted_columns()} >= {
        ("BreakGlassGrant", "reason_ciphertext"),
        ("BreakGlassGrant", "review_note_ciphertext"),
        ("Delivery", "reason_ciphertext"),
    }
    _case, grant = break_glass_open(actor=officer, code=limburg_case.code, reason=REASON)
    break_glass_review(actor=privacy_officer, grant=grant, verdict="justified", note=NOTE)
    old_key = settings.INBEELD_ENCRYPTION_KEYS[0]
    before = BreakGlassGrant.objects.values_list("reason_ciphertext", "review_note_ciphertext")[0]
    new_key = Fernet.generate_key().decode()
    settings.INBEELD_ENCRYPTION_KEYS = [new_key, old_key]
    result = keys_rotate()
    assert result.fields["cases.BreakGlassGrant.reason_ciphertext"] == 1
    assert result.fields["cases.BreakGlassGrant.review_note_ciphertext"] == 1
    settings.INBEELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone: still readable
    grant.refresh_from_db()
    assert (grant.reason, grant.review_note) == (REASON, NOTE)
    assert (grant.reason_ciphertext, grant.review_note_ciphertext) != before


@pytest.mark.django_db
def test_retention_removes_reviewed_grants_with_their_encrypted_reasons(
    officer, privacy_officer, limburg_case, settings
):
    _case, grant = break_glass_open(actor=officer, code=limburg_case.code, reason=REASON)
    break_glass_review(actor=privacy_officer, grant=grant, verdict="unjustified", note=NOTE)
    stored = BreakGlassGrant.objects.values_list("reason_ciphertext", "review_note_ciphertext")[0]
    long_ago = timezone.now() - dt.timedelta(days=365 * settings.INBEELD_RETENTION["break_glass"])
    BreakGlassGrant.objects.filter(pk=grant.pk).update(expires_at=long_ago - dt.timedelta(days=1))
    retention_apply()
    values = [v for _t, _c, v in _every_text_in_the_database()]
    assert not any(token in value for token in stored for value in values)


@pytest.mark.django_db
def test_a_pilot_reason_is_encrypted_and_its_family_stored_beside_it(officer):
    case = CaseFactory()
    delivery_record(
        actor=officer,
        case=case,
        intervention=Intervention.objects.get(code="psychologist"),
        date=dt.date(2024, 3, 5),
        delivered=False,
        reason_not_delivered=DELIVERY_REASON,
    )
    assert _where("ZQNIETUITGEVOERDQZ") == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason_family FROM pilot_delivery")
        assert cursor.fetchall() == [("police",)]
    assert Delivery.objects.get().reason_not_delivered == DELIVERY_REASON


# --- existing rows: the data migration encrypts them in place ----------------------------------

BEFORE = [("cases", "0005_event_case_type_index")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_break_glass_texts_in_place(officer, limburg_case):
    executor = MigrationExecutor(connection)
    # Back to every app's newest migration, not only this app's: going back also unapplies the
    # migrations of the apps that depend on it (suspects on cases), and the next test needs them.
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO cases_breakglassgrant (case_id, user_id, reason, granted_at, "
                "expires_at, review, review_note) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [limburg_case.pk, officer.pk, REASON, now, now, "unjustified", NOTE],
            )
        assert "cases_breakglassgrant.reason" in _where("ZQREDENQZ")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    assert _where("ZQREDENQZ") == [] and _where("ZQTOELICHTINGQZ") == []
    grant = BreakGlassGrant.objects.get()
    assert (grant.reason, grant.review_note) == (REASON, NOTE)
