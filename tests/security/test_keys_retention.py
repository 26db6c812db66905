"""Key rotation and retention."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AppendOnlyError, AuditAction, AuditEvent, DeletionLog
from inbeeld.cases import services
from inbeeld.cases.models import BreakGlassGrant, ChainEvent, LinkageKey
from inbeeld.crypto import decrypt_text
from tests.factories import CaseFactory, make_user, record_events

pytestmark = pytest.mark.django_db
NOTE = "Slachtoffer verblijft tijdelijk bij een tante in Zaandam."


def _raw_notes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, note_ciphertext FROM cases_chainevent ORDER BY id")
        return dict(cursor.fetchall())


def test_rotation_re_encrypts_every_note_under_the_new_key(settings):
    old, new = settings.INBEELD_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    case = CaseFactory()
    record_events(
        case,
        [("first_police_contact", "", NOTE), ("complaint_filed", "", NOTE + "!")],
        actor=officer,
    )
    before = _raw_notes()
    settings.INBEELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_keys")
    after = _raw_notes()
    assert set(after) == set(before) and all(after[k] != before[k] for k in before if before[k])
    assert all(NOTE not in token for token in after.values())
    settings.INBEELD_ENCRYPTION_KEYS = [new]  # the old key is gone: everything still reads
    assert sorted(decrypt_text(t) for t in after.values() if t) == sorted([NOTE, NOTE + "!"])
    assert AuditEvent.objects.filter(action=AuditAction.KEYS_ROTATED).count() == 1


def test_only_ciphertext_may_be_rewritten_on_append_only_rows():
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    case = CaseFactory()
    record_events(case, [("first_police_contact", "", NOTE)], actor=officer)
    with pytest.raises(AppendOnlyError):
        ChainEvent.objects.all().rewrite_ciphertext(outcome="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().rewrite_ciphertext(extra={})


def _closed_case(officer, closed_on: dt.date, note: str):
    case = CaseFactory(intake_date=closed_on - dt.timedelta(days=30))
    record_events(
        case,
        [("first_police_contact", "", note)],
        actor=officer,
        start=closed_on - dt.timedelta(days=20),
    )
    services.event_record(
        actor=officer, case=case, event_type=_type("case_closed"), event_date=closed_on
    )
    services.linkage_key_add(
        actor=officer,
        case=case,
        source="police",
        identifier_type="police_registration",
        identifier=f"PL-{case.code}",
    )
    return case


def _type(code):
    from inbeeld.reference.models import ChainEventType

    return ChainEventType.objects.get(code=code)


def test_retention_removes_old_notes_and_linkage_keys_and_logs_it():
    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    today = dt.date(2026, 6, 1)
    old = _closed_case(officer, dt.date(2014, 3, 1), "oude notitie")  # > 10 years
    middle = _closed_case(officer, dt.date(2019, 3, 1), "middelste notitie")  # 5–10 years
    recent = _closed_case(officer, dt.date(2024, 3, 1), "recente notitie")  # < 5 years
    open_case = CaseFactory(
        with_complaint=True, events=[("informative_interview", "", "open")], recorder=officer
    )

    from inbeeld.oversight.retention import retention_apply, retention_plan

    plan = {o.category: o for o in retention_plan(today=today)}
    assert plan["notes"].count == 2 and plan["linkage_keys"].count == 1
    assert ChainEvent.objects.exclude(note_ciphertext="").count() == 4  # the plan changed nothing

    retention_apply(today=today)
    noted = set(ChainEvent.objects.exclude(note_ciphertext="").values_list("case__code", flat=True))
    assert noted == {recent.code, open_case.code}
    assert set(LinkageKey.objects.values_list("case__code", flat=True)) == {
        middle.code,
        recent.code,
    }
    assert ChainEvent.objects.filter(case=old).count() == 2  # the timeline itself stays
    log = {row.category: row for row in DeletionLog.objects.all()}
    assert log["notes"].count == 2 and sorted(log["notes"].detail["case_codes"]) == sorted(
        [old.code, middle.code]
    )
    assert log["linkage_keys"].count == 1
    assert AuditEvent.objects.filter(action=AuditAction.RETENTION_APPLIED).count() == 1
    # Applying again removes nothing more.
    assert all(o.count == 0 for o in retention_apply(today=today) if o.category != "sessions")


def test_retention_removes_reviewed_break_glass_grants_after_their_period(settings):
    from django.utils import timezone

    from inbeeld.oversight.retention import retention_apply

    user = make_user(Role.POLICE_OFFICER, unit_code="limburg")
    case = CaseFactory()
    long_ago = timezone.now() - dt.timedelta(days=3 * 365)
    old = BreakGlassGrant.objects.create(
        case=case,
        user=user,
        reason="x" * 25,
        granted_at=long_ago,
        expires_at=long_ago + dt.timedelta(hours=1),
        review="justified",
    )
    pending = BreakGlassGrant.objects.create(
        case=case,
        user=user,
        reason="y" * 25,
        granted_at=long_ago,
        expires_at=long_ago + dt.timedelta(hours=1),
    )
    retention_apply()
    assert list(BreakGlassGrant.objects.values_list("pk", flat=True)) == [pending.pk]
    assert old.pk != pending.pk


def test_the_retention_command_plans_and_applies(capsys):
    call_command("retention", "plan")
    assert "te verwijderen" in capsys.readouterr().out
    call_command("retention", "apply")
    assert "verwijderlog" in capsys.readouterr().out
    # One row per category: notes, linkage keys, break-glass, signals, import files, sessions.
    assert DeletionLog.objects.count() == 6


def test_retention_also_blanks_the_pilot_not_delivered_reasons():
    from inbeeld.oversight.retention import retention_apply
    from inbeeld.pilot.models import Intervention
    from inbeeld.pilot.services import delivery_record

    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    old = _closed_case(officer, dt.date(2014, 3, 1), "oude notitie")
    recent = _closed_case(officer, dt.date(2024, 3, 1), "recente notitie")
    psychologist = Intervention.objects.get(code="psychologist")
    for case in (old, recent):
        delivery_record(
            actor=officer,
            case=case,
            intervention=psychologist,
            date=case.intake_date,
            delivered=False,
            reason_not_delivered="Geen psycholoog beschikbaar",
        )
    retention_apply(today=dt.date(2026, 6, 1))
    from inbeeld.pilot.models import Delivery

    kept = {d.case.code: d.reason_not_delivered for d in Delivery.objects.select_related("case")}
    assert kept == {old.code: "", recent.code: "Geen psycholoog beschikbaar"}


def test_retention_blanks_suspect_notes_and_removes_keys_of_suspects_of_old_cases_only():
    """Issue 17: a suspect link's note goes with the case's notes; a suspect's linkage keys go
    when every case the suspect is linked to is past the linkage-key period."""
    from inbeeld.oversight.retention import retention_apply
    from inbeeld.suspects import services as suspects
    from inbeeld.suspects.models import SuspectCaseLink, SuspectLinkageKey

    officer = make_user(Role.POLICE_OFFICER, unit_code="amsterdam")
    old = _closed_case(officer, dt.date(2014, 3, 1), "oude notitie")
    other_old = _closed_case(officer, dt.date(2014, 3, 1), "oude notitie")
    recent = _closed_case(officer, dt.date(2024, 3, 1), "recente notitie")

    def register(case, identifier):
        return suspects.suspect_register(
            actor=officer,
            case=case,
            role="exploiter",
            relationship="network",
            identifier_type="parket_number",
            identifier=identifier,
            note=f"notitie {identifier}",
        )

    only_old = register(old, "13/000001-14").suspect
    also_recent = register(other_old, "13/000002-14").suspect
    suspects.suspect_link(
        actor=officer, case=recent, suspect=also_recent, role="recruiter", relationship="network"
    )
    recent_link = register(recent, "13/000003-24")
    retention_apply(today=dt.date(2026, 6, 1))

    noted = {
        link.case.code: link.note
        for link in SuspectCaseLink.objects.select_related("case").exclude(note_ciphertext="")
    }
    assert noted == {recent.code: "notitie 13/000003-24"}
    assert set(SuspectLinkageKey.objects.values_list("suspect_id", flat=True)) == {
        also_recent.pk,
        recent_link.suspect.pk,
    }
    assert not SuspectLinkageKey.objects.filter(suspect=only_old).exists()
