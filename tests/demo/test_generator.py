"""The demo generator: deterministic, calibrated to DOMAIN.md §9, valid under the workflow, and
written in bulk the same way on SQLite and PostgreSQL (CI runs this module on both)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.models import MINOR_AGE_BANDS, Case, CaseAssignment, ChainEvent
from inbeeld.cases.services import _effective_in_recording_order
from inbeeld.cases.workflow import ReplayStep, replay
from inbeeld.crypto import decrypt_text
from inbeeld.demo.generator import DemoConfig, build_demo_data, generate, writer
from inbeeld.demo.generator import calibration as cal
from inbeeld.demo.generator.data import DEFAULT_CUTOFF, day_date, day_number
from inbeeld.demo.generator.population import year_counts

CUTOFF = DEFAULT_CUTOFF


@pytest.fixture(scope="module")
def calibration_data():
    return build_demo_data(DemoConfig(cases=5000, seed=42))


def _first_day(data, code: str) -> np.ndarray:
    """Per case: the day of its first event of type ``code`` (-1 when it has none)."""
    positions = np.flatnonzero(data.event_type == data.vocabulary.event(code))[::-1]
    first = np.full(data.case_count, -1, dtype=np.int64)
    first[data.event_case[positions]] = data.event_day[positions]
    return first


def _rows(data) -> tuple:
    return (
        data.codes,
        data.intake_day.tolist(),
        data.unit.tolist(),
        data.status.tolist(),
        data.event_case.tolist(),
        data.event_type.tolist(),
        data.event_outcome.tolist(),
        data.event_day.tolist(),
        data.form_case.tolist(),
        data.form.tolist(),
        data.note_event.tolist(),
        data.note_text,
        data.correction_of.tolist(),
        data.assignments,
    )


# --- generation (numpy only) --------------------------------------------------------------------


def test_same_seed_gives_identical_rows_and_another_seed_does_not():
    first = build_demo_data(DemoConfig(cases=1500, seed=7))
    again = build_demo_data(DemoConfig(cases=1500, seed=7))
    other = build_demo_data(DemoConfig(cases=1500, seed=8))
    assert _rows(first) == _rows(again)
    assert first.codes != other.codes
    assert first.event_day.tolist() != other.event_day.tolist()


def test_codes_are_unique_well_formed_and_avoid_existing_ones():
    data = build_demo_data(DemoConfig(cases=3000, seed=3))
    assert len(set(data.codes)) == 3000
    alphabet = set("23456789ABCDEFGHJKMNPQRSTVWXYZ")
    for code in data.codes[:200]:
        assert code[:3] == "IB-" and code[7] == "-" and len(code) == 12
        assert set(code[3:7] + code[8:]) <= alphabet
    taken = frozenset(data.codes[:100])
    redrawn = build_demo_data(DemoConfig(cases=3000, seed=3), exclude_codes=taken)
    assert not taken & set(redrawn.codes)
    assert len(set(redrawn.codes)) == 3000


def test_yearly_volumes_follow_the_registrations():
    counts = year_counts(DemoConfig(cases=10_000, seed=1))
    total = sum(cal.YEAR_VOLUMES.values())
    assert sum(counts.values()) == 10_000
    for year, volume in cal.YEAR_VOLUMES.items():
        assert abs(counts[year] - 10_000 * volume / total) < 1


def test_calibration_within_loose_tolerances(calibration_data):
    data = calibration_data
    v = data.vocabulary
    n = data.case_count
    forms = np.bincount(data.form, minlength=len(v.forms)) / n
    share = dict(zip(v.forms, forms, strict=True))
    assert 0.48 <= share["sexual"] <= 0.65
    assert 0.18 <= share["labour"] <= 0.35
    assert 0.10 <= share["criminal"] <= 0.22
    assert 0.02 <= share["unknown"] <= 0.08
    assert share["organ_removal"] < 0.01
    assert 0.03 <= (np.bincount(data.form_case, minlength=n) == 2).mean() <= 0.12
    assert 0.10 <= data.minor.mean() <= 0.20
    assert 0.18 <= (data.nationality == v.nationalities.index("nl")).mean() <= 0.32
    assert 5 <= len(data.event_type) / n <= 8

    police = _first_day(data, "first_police_contact")
    index = np.where(police >= 0, police, data.intake_day)
    complaint = _first_day(data, "complaint_filed")
    followed = index <= day_number(CUTOFF) - 180
    within = (complaint >= 0) & (complaint - index <= 180)
    assert 0.24 <= within[followed].mean() <= 0.36

    revictimised = _first_day(data, "revictimisation")
    five_years = int(5 * 365.25)
    followed = data.intake_day <= day_number(CUTOFF) - five_years
    again = (revictimised >= 0) & (revictimised - data.intake_day <= five_years)
    assert abs(again[followed].mean() - 0.45) <= 0.08

    interview = _first_day(data, "informative_interview")
    assert ((interview >= 0) & (interview <= complaint))[complaint >= 0].all()

    decisions = data.event_type == v.event("prosecution_decision")
    summons = (data.event_outcome[decisions] == v.outcome("summons")).mean()
    assert 0.50 <= summons <= 0.65


def test_gender_and_units_follow_the_forms(calibration_data):
    data = calibration_data
    v = data.vocabulary
    single = np.bincount(data.form_case, minlength=data.case_count) == 1
    form = np.full(data.case_count, -1)
    form[data.form_case[single[data.form_case]]] = data.form[single[data.form_case]]
    female = data.gender == v.genders.index("female")
    assert female[form == v.forms.index("sexual")].mean() > 0.75
    assert female[form == v.forms.index("labour")].mean() < 0.45
    nla = (data.unit == v.unit("nla")) & single
    assert (form[nla] == v.forms.index("labour")).mean() > 0.7
    big = [(data.unit == v.unit(u)).mean() for u in ("amsterdam", "rotterdam", "den-haag")]
    small = [(data.unit == v.unit(u)).mean() for u in ("limburg", "noord-nederland")]
    assert min(big) > max(small)
    for national in ("landelijke-eenheid", "kmar", "nla"):
        assert 0 < (data.unit == v.unit(national)).mean() < 0.08


def test_a_later_cutoff_never_changes_what_happened_before_it():
    early = build_demo_data(DemoConfig(cases=500, seed=5, cutoff=dt.date(2025, 6, 30)))
    assert early.event_day.max() <= day_number(dt.date(2025, 6, 30))
    assert early.intake_day.max() <= day_number(dt.date(2025, 6, 30))


# --- written to the database -------------------------------------------------------------------


def _effective_timelines():
    """Per case id: its effective events in recording order, as services define it (each
    correction in the place of the event it corrects)."""
    events = list(
        ChainEvent.objects.order_by("id").values_list(
            "id", "case_id", "event_type__code", "outcome", "event_date", "supersedes_id"
        )
    )
    root = {}
    superseded = set()
    for pk, _, _, _, _, supersedes in events:
        root[pk] = root[supersedes] if supersedes else pk
        if supersedes:
            superseded.add(supersedes)
    timelines = defaultdict(list)
    for pk, case_id, code, outcome, day, _ in sorted(events, key=lambda e: root[e[0]]):
        if pk not in superseded:
            timelines[case_id].append((code, outcome, day))
    return timelines


@pytest.mark.django_db
def test_loaded_cases_replay_to_their_status_and_respect_the_cutoff():
    result = generate(DemoConfig(cases=2000, seed=2021))
    assert (result.cases, result.skipped) == (2000, False)
    assert ChainEvent.objects.count() == result.events
    timelines = _effective_timelines()
    cases = list(
        Case.objects.values_list(
            "id", "status", "minor_at_intake", "age_band", "intake_date", "court_id", "version"
        )
    )
    assert len(cases) == 2000
    hearing_codes = {"rc_hearing", "trial_hearing"}
    for case_id, status, minor, age_band, intake, court, version in cases:
        timeline = timelines[case_id]
        assert replay(ReplayStep(code, outcome) for code, outcome, _ in timeline) == status
        days = [day for _, _, day in timeline]
        assert days == sorted(days)
        assert not days or (days[0] >= intake and days[-1] <= CUTOFF)
        assert minor == (age_band in MINOR_AGE_BANDS)
        assert (court is not None) == any(code in hearing_codes for code, _, _ in timeline)
        assert intake <= CUTOFF
        assert version >= 1 + len(timeline)

    corrections = ChainEvent.objects.filter(supersedes__isnull=False).select_related(
        "supersedes", "case"
    )
    assert 0 < corrections.count() <= cal.CORRECTION_MAX
    for correction in corrections:
        original = correction.supersedes
        assert original.case_id == correction.case_id and original.pk < correction.pk
        assert (correction.event_type_id, correction.event_date) == (
            original.event_type_id,
            original.event_date,
        )
        effective = _effective_in_recording_order(correction.case)
        assert correction in effective and original not in effective
        assert replay(ReplayStep(e.event_type.code, e.outcome) for e in effective) == (
            correction.case.status
        )


@pytest.mark.django_db
def test_database_rows_equal_the_generated_arrays():
    config = DemoConfig(cases=300, seed=99)
    data = build_demo_data(config)
    generate(config)
    codes = list(Case.objects.order_by("id").values_list("code", "intake_date", "status"))
    assert [c for c, _, _ in codes] == data.codes
    assert [d for _, d, _ in codes] == [day_date(x) for x in data.intake_day]
    assert [s for _, _, s in codes] == [data.vocabulary.statuses[s] for s in data.status]
    events = list(
        ChainEvent.objects.filter(supersedes__isnull=True)
        .order_by("id")
        .values_list("case__code", "event_type__code", "event_date")
    )
    expected = [
        (data.codes[c], data.vocabulary.event_types[t], day_date(d))
        for c, t, d in zip(data.event_case, data.event_type, data.event_day, strict=True)
    ]
    assert events == expected
    forms = Counter(
        Case.exploitation_forms.through.objects.values_list("exploitationform__code", flat=True)
    )
    assert forms == Counter(data.vocabulary.forms[f] for f in data.form)


@pytest.mark.django_db
def test_notes_assignments_and_one_audit_row():
    generate(DemoConfig(cases=6000, seed=4))
    noted = ChainEvent.objects.exclude(note_ciphertext="")
    assert 0 < noted.count() <= min(cal.NOTE_MAX, ChainEvent.objects.count() // 100)
    known = {text for texts in cal.NOTES.values() for text in texts}
    for event in noted[:20]:
        assert event.note_family in cal.NOTES
        assert decrypt_text(event.note_ciphertext) in cal.NOTES[event.note_family]
        assert decrypt_text(event.note_ciphertext) in known
    assert not ChainEvent.objects.filter(note_ciphertext="").exclude(note_family="").exists()
    assert not ChainEvent.objects.filter(author__isnull=False).exists()
    roles = Counter(
        CaseAssignment.objects.values_list("user__username", "role", "case__police_unit__code")
    )
    assert roles == {
        ("psycholoog.amsterdam", "psychologist", "amsterdam"): cal.ASSIGNMENTS_PER_USER,
        ("ervaringsdeskundige.limburg", "peer_expert", "limburg"): cal.ASSIGNMENTS_PER_USER,
    }
    audit = AuditEvent.objects.filter(action=AuditAction.DEMO_LOADED)
    assert audit.count() == 1
    assert audit.get().extra == {"cases": 6000, "events": ChainEvent.objects.count(), "seed": 4}


@pytest.mark.django_db
def test_if_empty_skips_a_database_with_cases():
    call_command("demo", "--cases", "40", "--seed", "1", "--if-empty")
    assert Case.objects.count() == 40
    events = ChainEvent.objects.count()
    result = generate(DemoConfig(cases=40, seed=1), if_empty=True)
    assert result.skipped
    call_command("demo", "--cases", "40", "--seed", "1", "--if-empty")
    assert (Case.objects.count(), ChainEvent.objects.count()) == (40, events)
    assert AuditEvent.objects.filter(action=AuditAction.DEMO_LOADED).count() == 1


@pytest.mark.django_db
def test_a_second_load_appends_and_the_orm_still_inserts_afterwards(monkeypatch):
    generate(DemoConfig(cases=120, seed=6))
    first_max = Case.objects.order_by("-id").values_list("id", flat=True).first()
    # The large-load path too (PostgreSQL: foreign keys dropped, loaded, re-added and checked).
    monkeypatch.setattr(writer, "PG_FK_RECHECK_ROWS", 0)
    generate(DemoConfig(cases=120, seed=6))  # same seed: every code is taken, so redrawn
    assert Case.objects.count() == 240
    assert Case.objects.values("code").distinct().count() == 240
    assert Case.objects.filter(id__gt=first_max).count() == 120
    # After a bulk load (PostgreSQL: with explicit ids) the sequences let the ORM insert again.
    case = Case.objects.create(
        police_unit_id=Case.objects.values_list("police_unit_id", flat=True).first(),
        minor_at_intake=False,
        age_band="30-49",
        gender="female",
        nationality_group="nl",
        intake_date=dt.date(2025, 1, 2),
    )
    assert case.pk > Case.objects.exclude(pk=case.pk).order_by("-id").first().pk
    event = ChainEvent.objects.create(
        case=case,
        event_type_id=ChainEvent.objects.values_list("event_type_id", flat=True)[0],
        event_date=dt.date(2025, 1, 2),
        recorded_at=dt.datetime(2025, 1, 2, tzinfo=dt.UTC),
    )
    assert event.pk > ChainEvent.objects.exclude(pk=event.pk).order_by("-id").first().pk
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_constraint WHERE contype = 'f' "
                "AND conrelid = %s::regclass",
                [ChainEvent._meta.db_table],
            )
            assert cursor.fetchone()[0] == 5  # case, event type, organisation, author, supersedes


@pytest.mark.django_db
def test_command_speaks_dutch_and_has_no_reset_switch(capsys):
    call_command("demo", "--cases", "25", "--seed", "2")
    out = capsys.readouterr().out
    assert "Demogegevens geladen: 25 casussen" in out
    with pytest.raises((CommandError, TypeError)):
        call_command("demo", "--cases", "5", "--reset")
    with pytest.raises(CommandError, match="--cases"):
        call_command("demo", "--cases", "-1")
    with pytest.raises(CommandError, match="--cutoff"):
        call_command("demo", "--cases", "5", "--cutoff", "2014-12-31")
    before = Case.objects.order_by("-id").values_list("id", flat=True).first()
    call_command("demo", "--cases", "25", "--seed", "2", "--cutoff", "2024-06-30")
    assert "peildatum 2024-06-30" in capsys.readouterr().out
    later = ChainEvent.objects.filter(case_id__gt=before)
    assert later.exists()
    assert not later.filter(event_date__gt=dt.date(2024, 6, 30)).exists()


@pytest.mark.django_db
def test_most_demo_victims_consent_and_researchers_see_exactly_those():
    from inbeeld.accounts.models import Role
    from inbeeld.cases.models import ConsentRecord
    from inbeeld.cases.selectors import cases_visible_to
    from tests.factories import make_user

    generate(DemoConfig(cases=2000, seed=11))
    consenting = Case.objects.filter(research_consent=True)
    assert 0.80 <= consenting.count() / 2000 <= 0.90
    records = ConsentRecord.objects.all()
    assert records.count() == consenting.count()
    assert set(records.values_list("case_id", flat=True)) == set(
        consenting.values_list("pk", flat=True)
    )
    assert all(r.kind == "given" and r.scope for r in records[:50])
    late = [r for r in records.select_related("case") if r.date < r.case.intake_date]
    assert not late
    researcher = make_user(Role.RESEARCHER)
    assert set(cases_visible_to(researcher).values_list("pk", flat=True)) == set(
        consenting.values_list("pk", flat=True)
    )
