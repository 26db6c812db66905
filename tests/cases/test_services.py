"""Writes on cases: registration, recording and correcting chain events, the append-only rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AppendOnlyError, AuditAction, AuditEvent
from inbeeld.audit.services import audit_record
from inbeeld.cases.models import Case, ChainEvent
from inbeeld.cases.services import (
    MAX_NOTE_LENGTH,
    case_register,
    event_correct,
    event_record,
)
from inbeeld.cases.workflow import Status, TransitionNotAllowed
from inbeeld.crypto import decrypt_text
from inbeeld.web import ConcurrentChange
from tests.factories import (
    CaseFactory,
    assign,
    court,
    event_type,
    first_outcome,
    form,
    make_user,
    record_events,
    unit,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2024, 5, 1)


def _register(actor, **overrides):
    values = {
        "actor": actor,
        "police_unit": unit("amsterdam"),
        "exploitation_forms": [form("sexual"), form("labour")],
        "minor_at_intake": True,
        "age_band": "16-17",
        "gender": "female",
        "nationality_group": "eu",
        "intake_date": DAY,
    }
    values.update(overrides)
    return case_register(**values)


def _audit_rows(action, case_code=None):
    rows = AuditEvent.objects.filter(action=action)
    return rows.filter(case_code=case_code) if case_code else rows


# --- case_register -------------------------------------------------------------------------


def test_case_register_stores_the_case_and_its_audit_row(police_officer):
    case = _register(police_officer)
    stored = Case.objects.get(pk=case.pk)
    assert stored.status == Status.INTAKE and stored.version == 1
    assert stored.created_by == police_officer
    assert set(stored.exploitation_forms.values_list("code", flat=True)) == {"sexual", "labour"}
    assert stored.code.startswith("IB-") and len(stored.code) == 12
    row = _audit_rows(AuditAction.CASE_CREATED, case.code).get()
    assert row.actor == police_officer and row.subject_ref == case.code
    assert row.extra["new"] == {
        "police_unit": "amsterdam",
        "exploitation_forms": ["labour", "sexual"],
        "minor_at_intake": True,
        "age_band": "16-17",
        "gender": "female",
        "nationality_group": "eu",
        "intake_date": "2024-05-01",
    }


def test_case_register_writes_case_and_audit_row_in_one_transaction(police_officer, monkeypatch):
    # If the audit row cannot be written, the case must not stay behind.
    def failing_save(self, *args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(AuditEvent, "save", failing_save)
    with pytest.raises(RuntimeError):
        _register(police_officer)
    monkeypatch.undo()
    assert Case.objects.count() == 0


def test_case_register_refuses_a_unit_outside_the_actors_scope(police_officer):
    with pytest.raises(PermissionDenied, match="geen casus registreren"):
        _register(police_officer, police_unit=unit("limburg"))
    assert Case.objects.count() == 0
    assert not _audit_rows(AuditAction.CASE_CREATED).exists()


@pytest.mark.parametrize(
    "role",
    [Role.PROSECUTOR, Role.PSYCHOLOGIST, Role.RESEARCHER, Role.ADMINISTRATOR, Role.SIGNALLER],
)
def test_case_register_refuses_roles_that_do_not_register_cases(role):
    with pytest.raises(PermissionDenied):
        _register(make_user(role))
    assert Case.objects.count() == 0


def test_a_safety_coordinator_registers_in_their_region(db):
    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="noord-holland")
    case = _register(coordinator, police_unit=unit("noord-holland"))
    assert case.police_unit.code == "noord-holland"


def test_case_register_without_forms_is_a_validation_error(police_officer):
    with pytest.raises(ValidationError) as error:
        _register(police_officer, exploitation_forms=[])
    assert error.value.message_dict == {
        "exploitation_forms": ["Kies ten minste één uitbuitingsvorm."]
    }
    assert Case.objects.count() == 0


def test_case_register_refuses_a_future_intake_date(police_officer):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        _register(police_officer, intake_date=tomorrow)
    assert error.value.message_dict["intake_date"] == ["Een datum in de toekomst is niet mogelijk."]
    assert Case.objects.count() == 0


def test_case_register_accepts_today_and_refuses_before_2000(police_officer):
    assert _register(police_officer, intake_date=timezone.localdate()).pk
    with pytest.raises(ValidationError, match="vóór 2000"):
        _register(police_officer, intake_date=dt.date(1999, 12, 31))


def test_case_register_refuses_an_invalid_choice(police_officer):
    with pytest.raises(ValidationError) as error:
        _register(police_officer, age_band="99+")
    assert "age_band" in error.value.message_dict
    assert Case.objects.count() == 0


# --- event_record --------------------------------------------------------------------------


def test_event_record_moves_the_status_bumps_the_version_and_audits(police_officer):
    case = CaseFactory()
    event = event_record(
        actor=police_officer, case=case, event_type=event_type("complaint_filed"), event_date=DAY
    )
    case.refresh_from_db()
    assert (case.status, case.version) == (Status.INVESTIGATION, 2)
    assert event.author == police_officer
    assert event.organisation == police_officer.memberships.get().organisation
    row = _audit_rows(AuditAction.EVENT_RECORDED, case.code).get()
    assert row.subject_ref == str(event.pk) and row.actor == police_officer
    assert row.extra["status"] == {"old": "intake", "new": "investigation"}
    assert row.extra["new"] == {
        "event_type": "complaint_filed",
        "outcome": "",
        "event_date": "2024-05-01",
        "has_note": False,
    }


def test_a_note_is_stored_encrypted_and_decrypts_back(police_officer):
    case = CaseFactory()
    note = "Slachtoffer verblijft bij tante in Zaandam; telefoon 06-12345678."
    event = event_record(
        actor=police_officer,
        case=case,
        event_type=event_type("signal_received"),
        event_date=DAY,
        note=note,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT note_ciphertext, note_family FROM cases_chainevent WHERE id = %s", [event.pk]
        )
        raw, family = cursor.fetchone()
    assert raw and note not in raw and "Zaandam" not in raw and "06-12345678" not in raw
    assert decrypt_text(raw) == note
    assert family == "police"
    # The audit row says there was a note, never what it said.
    row = _audit_rows(AuditAction.EVENT_RECORDED, case.code).get()
    assert row.extra["new"]["has_note"] is True
    assert "Zaandam" not in str(row.extra)


def test_a_care_note_is_tagged_with_the_care_family(db):
    coordinator = make_user(Role.SAFETY_COORDINATOR)
    case = CaseFactory()
    event = event_record(
        actor=coordinator,
        case=case,
        event_type=event_type("safety_assessment"),
        event_date=DAY,
        note="Veilige opvang geregeld.",
    )
    assert event.note_family == "care"


def test_an_event_without_note_stores_no_ciphertext(police_officer):
    event = event_record(
        actor=police_officer,
        case=CaseFactory(),
        event_type=event_type("signal_received"),
        event_date=DAY,
    )
    assert event.note_ciphertext == "" and event.note_family == ""


def test_an_outcome_is_required_where_the_catalogue_says_so(police_officer):
    case = CaseFactory()
    with pytest.raises(ValidationError) as error:
        event_record(
            actor=police_officer,
            case=case,
            event_type=event_type("complaint_declined"),
            event_date=DAY,
        )
    assert error.value.message_dict == {
        "outcome": ["Kies een uitkomst of reden bij deze gebeurtenis."]
    }
    _assert_untouched(case)


def test_an_outcome_of_another_event_type_is_refused(police_officer):
    case = CaseFactory(with_complaint=True)
    with pytest.raises(ValidationError) as error:
        event_record(
            actor=police_officer,
            case=case,
            event_type=event_type("prosecution_decision"),
            event_date=DAY,
            outcome="conviction",
        )
    assert error.value.message_dict == {
        "outcome": ["Deze uitkomst hoort niet bij deze gebeurtenis."]
    }
    _assert_untouched(case)


def test_an_outcome_on_an_event_without_outcomes_is_refused(police_officer):
    case = CaseFactory()
    with pytest.raises(ValidationError, match="hoort niet bij"):
        event_record(
            actor=police_officer,
            case=case,
            event_type=event_type("complaint_filed"),
            event_date=DAY,
            outcome="summons",
        )
    _assert_untouched(case)


def test_a_future_event_date_is_refused(police_officer):
    case = CaseFactory()
    with pytest.raises(ValidationError) as error:
        event_record(
            actor=police_officer,
            case=case,
            event_type=event_type("signal_received"),
            event_date=timezone.localdate() + dt.timedelta(days=1),
        )
    assert error.value.message_dict == {
        "event_date": ["Een datum in de toekomst is niet mogelijk."]
    }
    _assert_untouched(case)


def test_a_note_longer_than_the_maximum_is_refused(police_officer):
    case = CaseFactory()
    with pytest.raises(ValidationError, match="te lang"):
        event_record(
            actor=police_officer,
            case=case,
            event_type=event_type("signal_received"),
            event_date=DAY,
            note="x" * (MAX_NOTE_LENGTH + 1),
        )
    _assert_untouched(case)


@pytest.mark.parametrize(
    ("role", "code"),
    [
        (Role.SAFETY_COORDINATOR, "complaint_filed"),  # police business
        (Role.POLICE_OFFICER, "safety_assessment"),  # care business
        (Role.EXAMINING_JUDGE, "prosecution_decision"),
        (Role.PROSECUTOR, "first_police_contact"),
        (Role.RESEARCHER, "signal_received"),
        (Role.PRIVACY_OFFICER, "signal_received"),
    ],
)
def test_a_role_not_allowed_for_the_event_type_is_refused(role, code):
    user = make_user(role)
    case = CaseFactory(court=court("amsterdam"))  # every role above has this case in scope
    with pytest.raises(PermissionDenied, match="niet vastleggen"):
        event_record(
            actor=user,
            case=case,
            event_type=event_type(code),
            event_date=DAY,
            outcome=first_outcome(code),
        )
    _assert_untouched(case)


def test_an_officer_of_another_unit_may_not_record(db):
    case = CaseFactory()
    with pytest.raises(PermissionDenied):
        event_record(
            actor=make_user(Role.POLICE_OFFICER, unit_code="limburg"),
            case=case,
            event_type=event_type("signal_received"),
            event_date=DAY,
        )
    _assert_untouched(case)


def test_an_assigned_psychologist_records_the_complaint(db):
    case = CaseFactory()
    psychologist = make_user(Role.PSYCHOLOGIST)
    assign(case, psychologist, Role.PSYCHOLOGIST)
    event_record(
        actor=psychologist,
        case=case,
        event_type=event_type("complaint_filed"),
        event_date=DAY,
        note="Verhoor volgens Zedenrichtlijn.",
    )
    case.refresh_from_db()
    assert case.status == Status.INVESTIGATION


def test_the_examining_judge_records_a_hearing_of_a_case_before_their_court(db):
    case = CaseFactory(court=court("amsterdam"), with_complaint=True)
    judge = make_user(Role.EXAMINING_JUDGE, court_code="amsterdam")
    event_record(actor=judge, case=case, event_type=event_type("rc_hearing"), event_date=DAY)
    assert case.events.filter(event_type__code="rc_hearing").count() == 1


def test_a_stale_expected_version_is_a_conflict_and_stores_nothing(police_officer):
    case = CaseFactory(with_complaint=True)  # version 3 now
    with pytest.raises(ConcurrentChange) as conflict:
        event_record(
            actor=police_officer,
            case=case,
            event_type=event_type("suspect_arrested"),
            event_date=DAY,
            expected_version=2,
        )
    assert "intussen door iemand anders gewijzigd" in str(conflict.value)
    _assert_untouched(case)


def test_the_current_expected_version_is_accepted(police_officer):
    case = CaseFactory(with_complaint=True)
    event_record(
        actor=police_officer,
        case=case,
        event_type=event_type("suspect_arrested"),
        event_date=DAY,
        expected_version=case.version,
    )
    assert Case.objects.get(pk=case.pk).version == case.version + 1


def test_a_workflow_refusal_stores_nothing(police_officer):
    case = CaseFactory()
    with pytest.raises(TransitionNotAllowed):
        event_record(
            actor=police_officer,
            case=case,
            event_type=event_type("verdict"),
            event_date=DAY,
            outcome="conviction",
            note="mag niet blijven staan",
        )
    _assert_untouched(case)


def _assert_untouched(case):
    """Nothing of a refused write remains: same status and version, no event, no audit row."""
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.version) == (case.status, case.version)
    assert stored.events.count() == case.events.count()
    assert _audit_rows(AuditAction.EVENT_RECORDED, case.code).count() == case.events.count()


# --- event_correct -------------------------------------------------------------------------


@pytest.fixture
def investigated(police_officer):
    """A case with first police contact and a complaint (investigation), recorded by the
    police officer fixture."""
    case = CaseFactory(recorder=police_officer, with_complaint=True)
    return case


def test_a_correction_keeps_the_original_and_supersedes_it(police_officer, investigated):
    complaint = investigated.events.get(event_type__code="complaint_filed")
    correction = event_correct(
        actor=police_officer,
        event=complaint,
        event_type=event_type("complaint_filed"),
        event_date=complaint.event_date - dt.timedelta(days=1),
    )
    assert ChainEvent.objects.filter(case=investigated).count() == 3
    original = ChainEvent.objects.get(pk=complaint.pk)
    assert (original.event_type.code, original.event_date) == (
        "complaint_filed",
        complaint.event_date,
    )
    assert correction.supersedes == original
    assert original.superseded_by == correction


def test_a_correction_recomputes_the_status_by_replay(police_officer, investigated):
    complaint = investigated.events.get(event_type__code="complaint_filed")
    event_correct(
        actor=police_officer,
        event=complaint,
        event_type=event_type("complaint_declined"),
        event_date=complaint.event_date,
        outcome="fear_of_retaliation",
    )
    stored = Case.objects.get(pk=investigated.pk)
    assert stored.status == Status.POLICE_CONTACT
    assert stored.version == investigated.version + 1


def test_a_correction_takes_the_place_of_the_original_in_the_replay(police_officer):
    case = CaseFactory(recorder=police_officer, status=Status.PROSECUTION)
    first_contact = case.events.get(event_type__code="first_police_contact")
    # Replayed at the end, an informative interview would be refused in the prosecution phase;
    # in the place of the first contact it is fine and the phase stays.
    event_correct(
        actor=police_officer,
        event=first_contact,
        event_type=event_type("informative_interview"),
        event_date=first_contact.event_date,
    )
    assert Case.objects.get(pk=case.pk).status == Status.PROSECUTION


def test_correcting_a_prosecution_decision_to_dismissal_dismisses(police_officer):
    case = CaseFactory(recorder=police_officer, status=Status.PROSECUTION)
    decision = case.events.get(event_type__code="prosecution_decision")
    event_correct(
        actor=police_officer,
        event=decision,
        event_type=event_type("prosecution_decision"),
        event_date=decision.event_date,
        outcome="dismissal_policy",
    )
    assert Case.objects.get(pk=case.pk).status == Status.DISMISSED


def test_a_correction_that_makes_the_timeline_impossible_is_refused(police_officer):
    case = CaseFactory(recorder=police_officer, status=Status.PROSECUTION)
    complaint = case.events.get(event_type__code="complaint_filed")
    count = ChainEvent.objects.count()
    with pytest.raises(TransitionNotAllowed):
        # Closing the case where the complaint was would leave the later decision impossible.
        event_correct(
            actor=police_officer,
            event=complaint,
            event_type=event_type("case_closed"),
            event_date=complaint.event_date,
        )
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.version) == (Status.PROSECUTION, case.version)
    assert ChainEvent.objects.count() == count
    assert not _audit_rows(AuditAction.EVENT_CORRECTED).exists()


def test_correcting_an_already_corrected_event_is_refused(police_officer, investigated):
    complaint = investigated.events.get(event_type__code="complaint_filed")
    correction = event_correct(
        actor=police_officer,
        event=complaint,
        event_type=event_type("complaint_filed"),
        event_date=complaint.event_date,
    )
    with pytest.raises(ValidationError, match="al gecorrigeerd"):
        event_correct(
            actor=police_officer,
            event=complaint,
            event_type=event_type("complaint_declined"),
            event_date=complaint.event_date,
            outcome="low_trust",
        )
    # The newest version can be corrected again, and stays in the original's place.
    event_correct(
        actor=police_officer,
        event=correction,
        event_type=event_type("complaint_declined"),
        event_date=complaint.event_date,
        outcome="low_trust",
    )
    assert Case.objects.get(pk=investigated.pk).status == Status.POLICE_CONTACT
    assert ChainEvent.objects.filter(case=investigated).count() == 4


def test_a_correction_is_audited_with_old_and_new(police_officer, investigated):
    complaint = investigated.events.get(event_type__code="complaint_filed")
    correction = event_correct(
        actor=police_officer,
        event=complaint,
        event_type=event_type("complaint_declined"),
        event_date=DAY,
        outcome="low_trust",
        note="Correctie.",
    )
    row = _audit_rows(AuditAction.EVENT_CORRECTED, investigated.code).get()
    assert row.subject_ref == str(correction.pk) and row.actor == police_officer
    assert row.extra["old"] == {
        "event": complaint.pk,
        "event_type": "complaint_filed",
        "outcome": "",
        "event_date": complaint.event_date.isoformat(),
    }
    assert row.extra["new"] == {
        "event_type": "complaint_declined",
        "outcome": "low_trust",
        "event_date": "2024-05-01",
        "has_note": True,
    }
    assert row.extra["status"] == {"old": "investigation", "new": "police_contact"}


def test_a_correction_with_a_stale_version_is_a_conflict(police_officer, investigated):
    complaint = investigated.events.get(event_type__code="complaint_filed")
    with pytest.raises(ConcurrentChange):
        event_correct(
            actor=police_officer,
            event=complaint,
            event_type=event_type("complaint_filed"),
            event_date=DAY,
            expected_version=investigated.version - 1,
        )
    assert ChainEvent.objects.filter(case=investigated).count() == 2


def test_roles_without_the_correct_action_may_not_correct(investigated):
    psychologist = make_user(Role.PSYCHOLOGIST)
    assign(investigated, psychologist, Role.PSYCHOLOGIST)
    complaint = investigated.events.get(event_type__code="complaint_filed")
    with pytest.raises(PermissionDenied, match="niet corrigeren"):
        event_correct(
            actor=psychologist,
            event=complaint,
            event_type=event_type("complaint_filed"),
            event_date=DAY,
        )
    assert ChainEvent.objects.filter(case=investigated).count() == 2


def test_a_correction_to_an_event_type_the_actor_may_not_record_is_refused(investigated):
    prosecutor = make_user(Role.PROSECUTOR)
    complaint = investigated.events.get(event_type__code="complaint_filed")
    with pytest.raises(PermissionDenied):
        event_correct(
            actor=prosecutor,
            event=complaint,
            event_type=event_type("complaint_declined"),
            event_date=DAY,
            outcome="low_trust",
        )


# --- append-only ---------------------------------------------------------------------------


@pytest.fixture
def stored_event(police_officer):
    return record_events(CaseFactory(), [("signal_received", "")], actor=police_officer)[0]


@pytest.fixture
def stored_audit_row(db):
    return audit_record(actor=None, action=AuditAction.LOGIN_FAILED, subject_ref="iemand")


def test_a_chain_event_cannot_be_saved_again(stored_event):
    stored_event.outcome = "other"
    with pytest.raises(AppendOnlyError):
        stored_event.save()
    assert ChainEvent.objects.get(pk=stored_event.pk).outcome == ""


def test_a_chain_event_cannot_be_deleted(stored_event):
    with pytest.raises(AppendOnlyError):
        stored_event.delete()
    with pytest.raises(AppendOnlyError):
        ChainEvent.objects.filter(pk=stored_event.pk).delete()
    assert ChainEvent.objects.filter(pk=stored_event.pk).exists()


def test_chain_events_cannot_be_updated_in_bulk(stored_event):
    with pytest.raises(AppendOnlyError):
        ChainEvent.objects.filter(pk=stored_event.pk).update(outcome="x")
    stored_event.outcome = "x"
    with pytest.raises(AppendOnlyError):
        ChainEvent.objects.bulk_update([stored_event], ["outcome"])
    assert ChainEvent.objects.get(pk=stored_event.pk).outcome == ""


def test_an_audit_row_cannot_be_saved_again_or_deleted(stored_audit_row):
    stored_audit_row.subject_ref = "iemand anders"
    with pytest.raises(AppendOnlyError):
        stored_audit_row.save()
    with pytest.raises(AppendOnlyError):
        stored_audit_row.delete()
    assert AuditEvent.objects.get(pk=stored_audit_row.pk).subject_ref == "iemand"


def test_audit_rows_cannot_be_updated_or_deleted_in_bulk(stored_audit_row):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().update(subject_ref="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEvent.objects.filter(pk=stored_audit_row.pk).delete()
    assert AuditEvent.objects.filter(pk=stored_audit_row.pk, subject_ref="iemand").exists()


def test_a_correction_needs_the_right_to_record_the_original_event_type(investigated):
    coordinator = make_user(Role.SAFETY_COORDINATOR)
    complaint = investigated.events.get(event_type__code="complaint_filed")
    # The coordinator may not correct the complaint's date ...
    with pytest.raises(PermissionDenied):
        event_correct(
            actor=coordinator,
            event=complaint,
            event_type=event_type("complaint_filed"),
            event_date=DAY,
        )
    # ... so replacing the complaint by another event must be refused as well.
    with pytest.raises(PermissionDenied):
        event_correct(
            actor=coordinator,
            event=complaint,
            event_type=event_type("withdrawal_from_process"),
            event_date=DAY,
        )
    assert Case.objects.get(pk=investigated.pk).status == Status.INVESTIGATION
    assert not ChainEvent.objects.filter(supersedes=complaint).exists()
