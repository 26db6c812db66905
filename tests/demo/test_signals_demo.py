"""Demo signals (demo/generator/signals/): deterministic, shaped as specified, and every row
exactly what the intake services would have stored: a valid walk through the triage table from
'received', the time targets of intake.deadlines, encrypted free text, the catalogue version in
force on the day of receipt, and
converted signals linked to a demo case of the same unit that starts with 'signal received'."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import replace

import pytest
from django.core.management import call_command
from django.db import connection, models, transaction
from django.utils import timezone

from inbeeld.accounts.models import Membership, User
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.models import MINOR_AGE_BANDS, ChainEvent
from inbeeld.crypto import decrypt_text
from inbeeld.demo.generator import DemoConfig, build_demo_data, generate
from inbeeld.demo.generator import signals as demo_signals
from inbeeld.demo.generator.data import DEFAULT_CUTOFF
from inbeeld.demo.generator.signals import (
    Catalogue,
    PlannedSignal,
    plan_demo_signals,
    signal_count,
)
from inbeeld.intake import deadlines
from inbeeld.intake.models import IntakeLink, Signal, SignalEvent
from inbeeld.intake.selectors import overdue_signals_for, own_signals_for, signal_queue_for
from inbeeld.intake.services import current_catalogue_version
from inbeeld.intake.workflow import OPEN_STATUSES, TRANSITIONS, SignalStatus

CUTOFF = DEFAULT_CUTOFF
REGIONAL = {
    "noord-nederland",
    "oost-nederland",
    "midden-nederland",
    "noord-holland",
    "amsterdam",
    "den-haag",
    "rotterdam",
    "zeeland-west-brabant",
    "oost-brabant",
    "limburg",
}
CATALOGUES = Catalogue.all_from_document()
# Category codes are the same in every version (version 2 adds the online-recruitment category).
FORM_OF_CATEGORY = {code: form for c in CATALOGUES for code, form, _ in c.categories}
ONLINE = "general-online-recruitment"


def _plan(cases: int, seed: int):
    return plan_demo_signals(build_demo_data(DemoConfig(cases=cases, seed=seed)), CATALOGUES)


def _cutoff_end() -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(CUTOFF, dt.time(23, 59)))


@pytest.fixture(scope="module")
def large_plan():
    """1,000 signals from 20,000 cases (numpy and Python only: no database)."""
    return _plan(20_000, 3)


# --- the plan (no database) -----------------------------------------------------------------------


def test_signal_count_follows_the_cases_and_is_capped():
    assert signal_count(0) == 0
    assert signal_count(300) == 60
    assert signal_count(3000) == 150
    assert signal_count(20_000) == 1000
    assert signal_count(1_000_000) == 5000


def test_same_seed_same_plan_another_seed_another():
    first, again, other = _plan(300, 1), _plan(300, 1), _plan(300, 2)
    assert len(first) == 60
    assert first == again
    assert [s.reference for s in first.signals] != [s.reference for s in other.signals]
    assert [s.received_at for s in first.signals] != [s.received_at for s in other.signals]


def test_the_cases_stay_as_they_were_drawn():
    # The signals draw from streams of their own: the case arrays do not depend on them.
    data = build_demo_data(DemoConfig(cases=300, seed=1))
    plan_demo_signals(data, CATALOGUES)
    assert data.codes == build_demo_data(DemoConfig(cases=300, seed=1)).codes


def test_outcome_shares_roughly_as_specified(large_plan):
    signals = large_plan.signals
    n = len(signals)
    assert n == 1000
    status = Counter(s.status for s in signals)
    assert 0.18 <= status["converted"] / n <= 0.22
    assert 0.22 <= status["referred_care"] / n <= 0.28
    assert 0.13 <= status["referred_police"] / n <= 0.17
    assert 0.18 <= status["advice_given"] / n <= 0.22
    assert 0.13 <= status["no_action"] / n <= 0.17
    still_open = status["received"] + status["in_triage"]
    assert 0.03 <= still_open / n <= 0.08
    assert status["received"] > 0 and status["in_triage"] > 0
    assert 0.06 <= sum(s.urgency == "acute" for s in signals) / n <= 0.14
    reasons = Counter(s.no_action_reason for s in signals if s.status == "no_action")
    assert "" not in reasons and len(reasons) >= 4
    assert all(s.no_action_reason == "" for s in signals if s.status != "no_action")
    asked = sum(any(e.kind == "question" for e in s.events) for s in signals)
    assert 0.08 <= asked / n <= 0.25


def test_units_weighted_like_the_cases_with_more_in_noord_holland_and_amsterdam(large_plan):
    units = Counter(s.police_unit for s in large_plan.signals)
    assert set(units) == REGIONAL  # signals go to the regional units' coordinators only
    top_two = {unit for unit, _ in units.most_common(2)}
    assert top_two == {"noord-holland", "amsterdam"}
    assert units["noord-holland"] > 2 * units["limburg"]


def test_signaller_types_notice_their_own_patterns(large_plan):
    drawn = [s for s in large_plan.signals if not s.case_code and not s.own]
    by_type: dict[str, Counter] = {}
    ages: dict[str, Counter] = {}
    for signal in drawn:
        forms = Counter(FORM_OF_CATEGORY[category] for category, _ in signal.indicators)
        by_type.setdefault(signal.signaller_type, Counter()).update(forms)
        ages.setdefault(signal.signaller_type, Counter())[signal.age_band] += 1
    assert set(by_type) == {"school", "sports_club", "care", "neighbourhood_team"}

    def share(kind: str, forms: set[str]) -> float:
        counts = by_type[kind]
        return sum(counts[f] for f in forms) / sum(counts.values())

    assert share("school", {"criminal", "sexual"}) == 1.0
    assert share("school", {"criminal"}) > 0.4
    assert share("sports_club", {"criminal"}) > 0.7
    assert share("care", {"sexual", ""}) == 1.0
    assert share("care", {""}) > 0.2  # the general three-cluster signs
    assert share("neighbourhood_team", {"labour", ""}) == 1.0
    assert set(ages["school"]) == {"12-15", "16-17"}
    assert set(ages["care"]) <= {"16-17", "18-22", "23-29"}
    assert not set(ages["neighbourhood_team"]) & set(MINOR_AGE_BANDS)


def test_two_to_five_items_mostly_from_one_or_two_categories(large_plan):
    sizes = Counter(len(s.indicators) for s in large_plan.signals)
    assert set(sizes) <= {2, 3, 4, 5} and len(sizes) == 4
    categories = [len({c for c, _ in s.indicators}) for s in large_plan.signals]
    assert max(categories) <= 3
    assert sum(c <= 2 for c in categories) / len(categories) > 0.85
    for signal in large_plan.signals:
        assert len(set(signal.indicators)) == len(signal.indicators)


def test_dates_in_the_three_years_before_the_cutoff_open_ones_recent(large_plan):
    first = timezone.make_aware(
        dt.datetime.combine(CUTOFF.replace(year=CUTOFF.year - 3), dt.time())
    )
    for signal in large_plan.signals:
        assert first <= signal.received_at <= _cutoff_end()
        assert signal.events[-1].at <= _cutoff_end()
        if signal.status in OPEN_STATUSES:
            assert signal.received_at >= _cutoff_end() - dt.timedelta(days=40)


def test_names_are_initials_in_about_a_third_and_contacts_use_example_org(large_plan):
    names = [s.subject_name for s in large_plan.signals if s.subject_name]
    assert 0.24 <= len(names) / len(large_plan.signals) <= 0.36
    assert all(re.fullmatch(r"[A-Z]\.", name) for name in names)
    contacts = [s.contact for s in large_plan.signals if s.contact]
    assert len(contacts) > len(large_plan.signals) / 2
    assert all(re.search(r'"email": "[a-z.0-9]+@example\.org"', c) for c in contacts)


# --- written rows ----------------------------------------------------------------------------------


def _local_end_of_cutoff() -> dt.datetime:
    return _cutoff_end()


def _check_history(signal: Signal, events: list[SignalEvent]) -> None:
    """The history is a valid walk from 'received' and the signal's fields are what it implies."""
    assert events[0].kind == SignalEvent.Kind.RECEIVED
    assert events[0].to_status == SignalStatus.RECEIVED
    assert events[0].created_at == signal.received_at
    times = [e.created_at for e in events]
    # Decided signals lie before the cut-off; the open ones came in during the last days before
    # today (`inbeeld demo` keeps the coordinator's queue fresh), never in the future.
    is_open = signal.status in (SignalStatus.RECEIVED, SignalStatus.IN_TRIAGE)
    limit = max(_local_end_of_cutoff(), timezone.now()) if is_open else _local_end_of_cutoff()
    assert times == sorted(times) and times[-1] <= limit
    status, acknowledged, decided, question_open = SignalStatus.RECEIVED, None, None, False
    unit = None
    for event in events[1:]:
        if event.kind in (SignalEvent.Kind.STATUS, SignalEvent.Kind.CONVERTED):
            assert event.from_status == status
            assert event.to_status in TRANSITIONS[status], (status, event.to_status)
            assert (event.kind == SignalEvent.Kind.CONVERTED) == (event.to_status == "converted")
            if status == SignalStatus.RECEIVED:
                acknowledged = event.created_at
            if event.to_status in OPEN_STATUSES:
                decided = None
            elif status in OPEN_STATUSES:
                decided = event.created_at
            assert bool(event.reason) == (event.to_status == SignalStatus.NO_ACTION)
            status = event.to_status
            # A conversion leaves an open question open (issue 14): it can still be answered.
        elif event.kind == SignalEvent.Kind.REROUTED:
            assert status in OPEN_STATUSES
            unit = event.to_unit_id
        elif event.kind == SignalEvent.Kind.QUESTION:
            assert status != SignalStatus.CONVERTED
            question_open = True
        elif event.kind == SignalEvent.Kind.ANSWER:
            assert question_open
            question_open = False
        else:
            raise AssertionError(event.kind)
    assert signal.status == status
    assert signal.acknowledged_at == acknowledged
    assert signal.decided_at == decided
    assert signal.question_open == question_open
    assert signal.version == len(events)  # 1 + every step after receipt
    assert unit is None or unit == signal.police_unit_id
    assert bool(signal.no_action_reason) == (status == SignalStatus.NO_ACTION)
    acute = signal.urgency == "acute"
    assert signal.acknowledge_due_at == deadlines.acknowledge_due(signal.received_at, acute=acute)
    assert signal.decision_due_at == deadlines.decision_due(signal.received_at, acute=acute)


@pytest.mark.django_db
def test_every_history_is_a_valid_walk_and_matches_the_signal():
    result = generate(DemoConfig(cases=300, seed=1))
    assert result.signals == Signal.objects.count() == 60
    events: dict[int, list[SignalEvent]] = {}
    for event in SignalEvent.objects.order_by("created_at", "id"):
        events.setdefault(event.signal_id, []).append(event)
    signals = list(Signal.objects.all())
    assert set(events) == {s.pk for s in signals}
    for signal in signals:
        _check_history(signal, events[signal.pk])
    kinds = Counter(e.kind for history in events.values() for e in history)
    assert kinds["question"] >= 2 and kinds["answer"] >= 1
    assert len({s.status for s in signals}) == len(SignalStatus)
    # No audit row per signal: the load has its one DEMO_LOADED row.
    assert not AuditEvent.objects.filter(action__startswith="signal.").exists()
    assert AuditEvent.objects.filter(action=AuditAction.DEMO_LOADED).count() == 1


@pytest.mark.django_db
def test_converted_signals_link_to_a_demo_case_of_their_unit_starting_with_the_signal():
    generate(DemoConfig(cases=300, seed=1))
    converted = Signal.objects.filter(status=SignalStatus.CONVERTED).select_related("case")
    assert converted.count() == 12  # 20 % of 60
    assert (
        not Signal.objects.exclude(status=SignalStatus.CONVERTED)
        .filter(case__isnull=False)
        .exists()
    )
    for signal in converted:
        case = signal.case
        assert case is not None
        assert case.police_unit_id == signal.police_unit_id
        assert (case.age_band, case.gender) == (signal.age_band, signal.gender)
        assert case.intake_date == timezone.localtime(signal.received_at).date()
        first = ChainEvent.objects.filter(case=case).order_by("event_date", "id").first()
        assert (first.event_type.code, first.event_date) == ("signal_received", case.intake_date)
        # The items fit one of the case's exploitation forms (or are the general signs).
        case_forms = set(case.exploitation_forms.values_list("code", flat=True))
        item_forms = {
            FORM_OF_CATEGORY[c] for c in signal.indicators.values_list("category__code", flat=True)
        }
        assert item_forms <= case_forms | {""}
    assert len({s.case_id for s in converted}) == converted.count()


@pytest.mark.django_db
def test_free_text_is_encrypted_at_rest():
    generate(DemoConfig(cases=300, seed=1))
    described = Signal.objects.exclude(description_ciphertext="")
    assert described.count() > 30
    known = {text for texts in demo_signals.DESCRIPTIONS.values() for text in texts}
    for signal in described:
        plain = decrypt_text(signal.description_ciphertext)
        assert plain in known
        assert plain not in signal.description_ciphertext
    messages = [
        decrypt_text(e.message_ciphertext)
        for e in SignalEvent.objects.exclude(message_ciphertext="")
    ]
    assert messages
    with connection.cursor() as cursor:
        for table, column in (
            (Signal._meta.db_table, "description_ciphertext"),
            (Signal._meta.db_table, "contact_ciphertext"),
            (Signal._meta.db_table, "subject_name_ciphertext"),
            (SignalEvent._meta.db_table, "message_ciphertext"),
            (SignalEvent._meta.db_table, "text_ciphertext"),
        ):
            for needle in ("Leerling", "example.org", "Cliënt", "Uw signaal", "%."):
                cursor.execute(
                    f"SELECT count(*) FROM {table} WHERE {column} LIKE %s",  # noqa: S608
                    [f"%{needle}%"],
                )
                assert cursor.fetchone()[0] == 0, (table, column, needle)
    contacts = [decrypt_text(s.contact_ciphertext) for s in Signal.objects.all()]
    assert any("@example.org" in c for c in contacts)
    names = [decrypt_text(s.subject_name_ciphertext) for s in Signal.objects.all()]
    assert all(re.fullmatch(r"[A-Z]\.", n) for n in names if n)
    assert any(names)


@pytest.mark.django_db
def test_each_signal_records_the_catalogue_version_in_force_on_its_day():
    generate(DemoConfig(cases=300, seed=1))
    signals = list(Signal.objects.select_related("catalogue_version"))
    assert len(signals) == 60
    for signal in signals:
        day = timezone.localtime(signal.received_at).date()
        assert signal.catalogue_version == current_catalogue_version(day), signal.reference
    through = Signal.indicators.through.objects
    mismatched = through.exclude(
        indicator__category__catalogue_version=models.F("signal__catalogue_version")
    )
    assert not mismatched.exists()
    per_signal = Counter(through.values_list("signal_id", flat=True))
    assert len(per_signal) == 60
    assert set(per_signal.values()) <= {2, 3, 4, 5}


def test_the_plan_switches_to_version_2_on_its_valid_from_with_online_items():
    # Version 2 brought forward into the demo period, so both versions occur in one plan.
    v1, v2 = CATALOGUES
    switch = CUTOFF - dt.timedelta(days=365)
    plan = plan_demo_signals(
        build_demo_data(DemoConfig(cases=20_000, seed=3)),
        (v1, replace(v2, valid_from=switch)),
    )
    by_version = Counter(s.catalogue_version for s in plan.signals)
    assert by_version[1] > 100 and by_version[2] > 100
    assert plan.catalogue_versions == {1, 2}
    v1_items = {(c, item) for c, _, items in v1.categories for item in items}
    v2_items = {(c, item) for c, _, items in v2.categories for item in items}
    for signal in plan.signals:
        day = timezone.localtime(signal.received_at).date()
        assert signal.catalogue_version == (2 if day >= switch else 1), signal.reference
        assert set(signal.indicators) <= (v2_items if signal.catalogue_version == 2 else v1_items)
    online = [s for s in plan.signals if any(c == ONLINE for c, _ in s.indicators)]
    assert online and all(s.catalogue_version == 2 for s in online)
    # The demo school's own signals on version 2 all show online items (login shows them).
    own_v2 = [s for s in plan.signals if s.own and s.catalogue_version == 2]
    assert own_v2 and all(s in online for s in own_v2)
    # Mostly about young people: schools, sports clubs and care notice it most.
    kinds = Counter(s.signaller_type for s in online)
    assert kinds["school"] + kinds["sports_club"] + kinds["care"] > kinds["neighbourhood_team"]
    assert 0.1 < len(online) / by_version[2] < 0.5


def test_a_version_1_plan_draws_as_before_version_2_existed():
    # Signals before version 2's valid_from draw exactly what a catalogue of version 1 alone gives.
    data = build_demo_data(DemoConfig(cases=300, seed=1))
    assert plan_demo_signals(data, CATALOGUES) == plan_demo_signals(data, CATALOGUES[0])


@pytest.mark.django_db
def test_catalogue_from_the_database_equals_the_document():
    assert Catalogue.all_from_database() == CATALOGUES
    assert [c.version for c in CATALOGUES] == [1, 2]
    assert CATALOGUES[1].valid_from == dt.date(2026, 12, 1)


@pytest.mark.django_db
def test_demo_signaller_has_own_signals_and_coordinator_a_queue_with_overdue_ones():
    generate(DemoConfig(cases=300, seed=1))
    signaller = User.objects.get(username="school.zaandam")
    own = list(own_signals_for(signaller))
    assert len(own) >= 6
    assert len({s.status for s in own}) >= 6
    organisation = Membership.objects.get(user=signaller).organisation
    for signal in own:
        assert (signal.channel, signal.signaller_type) == ("account", "school")
        assert signal.organisation_id == organisation.pk
        assert signal.police_unit.code == "noord-holland"
        assert signal.receipt_hash == "" and signal.intake_link_id is None
        received = signal.events.order_by("created_at", "id").first()
        assert received.actor_id == signaller.pk
    assert any(s.question_open for s in own)  # a question waits for the signaller's answer
    others = Signal.objects.exclude(submitted_by=signaller)
    assert not others.filter(submitted_by__isnull=False).exists()
    assert not others.filter(receipt_hash="").exists()

    coordinator = User.objects.get(username="coordinator.nh")
    queue = list(signal_queue_for(coordinator))
    assert queue and all(s.police_unit.code == "noord-holland" for s in queue)
    # The open signals are fresh: received in the days before today, so the queue is one a
    # coordinator would meet today; a month on, they are all past their targets.
    open_signals = [s for s in queue if s.status in ("received", "in_triage")]
    assert open_signals
    assert all(
        timezone.now() - dt.timedelta(days=40) < s.received_at <= timezone.now()
        for s in open_signals
    )
    overdue = overdue_signals_for(coordinator, now=timezone.now() + dt.timedelta(days=30))
    assert overdue["acknowledge"] and overdue["decision"]
    steps = SignalEvent.objects.filter(signal__police_unit__code="noord-holland").exclude(
        kind__in=["received", "answer"]
    )
    assert steps.exists() and not steps.exclude(actor=coordinator).exclude(kind="rerouted").exists()


@pytest.mark.django_db
def test_link_signals_used_a_one_time_link_of_the_coordinator():
    generate(DemoConfig(cases=3000, seed=5))  # 150 signals: enough sports clubs in Noord-Holland
    linked = Signal.objects.filter(channel="link").select_related("intake_link")
    assert linked.exists()
    coordinator = User.objects.get(username="coordinator.nh")
    for signal in linked:
        link = signal.intake_link
        assert link.used_at == signal.received_at
        assert link.created_at < signal.received_at < link.expires_at
        assert link.created_by_id == coordinator.pk
        assert link.police_unit_id == signal.police_unit_id
        assert signal.police_unit.code == "noord-holland"
    assert not Signal.objects.exclude(channel="link").filter(intake_link__isnull=False).exists()


def _snapshot() -> list[tuple]:
    """Every demo signal row as it reads (decrypted), without database ids."""
    rows = []
    for signal in Signal.objects.select_related(
        "police_unit", "case", "submitted_by", "intake_link"
    ).order_by("received_at", "reference"):
        events = [
            (
                e.kind,
                e.from_status,
                e.to_status,
                e.from_unit.code if e.from_unit else "",
                e.to_unit.code if e.to_unit else "",
                e.reason,
                decrypt_text(e.text_ciphertext),
                decrypt_text(e.message_ciphertext),
                e.actor.username if e.actor else "",
                e.created_at,
            )
            for e in signal.events.select_related("from_unit", "to_unit", "actor").order_by(
                "created_at", "id"
            )
        ]
        rows.append(
            (
                signal.reference,
                signal.channel,
                signal.signaller_type,
                signal.police_unit.code,
                signal.age_band,
                signal.gender,
                signal.urgency,
                signal.municipality,
                signal.status,
                signal.no_action_reason,
                signal.received_at,
                signal.acknowledged_at,
                signal.decided_at,
                signal.question_open,
                signal.version,
                signal.case.code if signal.case else "",
                signal.submitted_by.username if signal.submitted_by else "",
                signal.receipt_hash,
                signal.intake_link.label if signal.intake_link else "",
                decrypt_text(signal.subject_name_ciphertext),
                decrypt_text(signal.description_ciphertext),
                decrypt_text(signal.contact_ciphertext),
                sorted(signal.indicators.values_list("code", flat=True)),
                events,
                signal.catalogue_version.version,
            )
        )
    return rows


class _Rollback(Exception):
    pass


def _load_and_snapshot(seed: int) -> list[tuple]:
    try:
        with transaction.atomic():
            generate(DemoConfig(cases=300, seed=seed))
            rows = _snapshot()
            raise _Rollback
    except _Rollback:
        pass
    assert not Signal.objects.exists()
    return rows


@pytest.mark.django_db
def test_same_seed_writes_the_same_rows():
    first = _load_and_snapshot(1)
    again = _load_and_snapshot(1)
    other = _load_and_snapshot(2)
    assert len(first) == 60
    assert first == again
    assert first != other


@pytest.mark.django_db
def test_written_rows_equal_the_plan():
    config = DemoConfig(cases=300, seed=1)
    plan = plan_demo_signals(build_demo_data(config), CATALOGUES, open_until=timezone.localdate())
    generate(config)
    written = {row[0]: row for row in _snapshot()}
    assert set(written) == {s.reference for s in plan.signals}
    for planned in plan.signals:
        row = written[planned.reference]
        assert row[2:16] == (
            planned.signaller_type,
            planned.police_unit,
            planned.age_band,
            planned.gender,
            planned.urgency,
            planned.municipality,
            planned.status,
            planned.no_action_reason,
            planned.received_at,
            planned.acknowledged_at,
            planned.decided_at,
            planned.question_open,
            planned.version,
            planned.case_code,
        )
        assert row[19:22] == (planned.subject_name, planned.description, planned.contact)
        assert row[22] == sorted(item for _, item in planned.indicators)
        assert row[24] == planned.catalogue_version
        assert [(e[0], e[2], e[9]) for e in row[23]] == [
            (e.kind, e.to_status, e.at) for e in planned.events
        ]


@pytest.mark.django_db
def test_a_second_load_with_the_same_seed_adds_signals_with_fresh_codes():
    generate(DemoConfig(cases=300, seed=1))
    generate(DemoConfig(cases=300, seed=1))
    assert Signal.objects.count() == 120
    assert Signal.objects.values("reference").distinct().count() == 120
    hashes = list(Signal.objects.exclude(receipt_hash="").values_list("receipt_hash", flat=True))
    assert len(hashes) == len(set(hashes)) > 0
    assert IntakeLink.objects.values("token_hash").distinct().count() == IntakeLink.objects.count()
    # Each load links its own new cases.
    assert Signal.objects.filter(case__isnull=False).values("case").distinct().count() == 24


@pytest.mark.django_db
def test_command_loads_signals_and_says_so(capsys):
    call_command("demo", "--cases", "300", "--seed", "1")
    out = capsys.readouterr().out
    count = Signal.objects.count()
    assert count == 60
    assert f"{count} signalen" in out
    assert "Demogegevens geladen: 300 casussen" in out
    assert SignalEvent.objects.count() > count


def test_planned_signal_fields_cover_the_model():
    # A new field on Signal should make the generator think about it (fill it or document why).
    filled = {f for f in PlannedSignal.__dataclass_fields__}
    model_fields = {f.name for f in Signal._meta.concrete_fields} - {"id"}
    handled_elsewhere = {
        "receipt_hash",  # from receipt_code
        "intake_link",  # from link_*
        "organisation",  # the demo signaller's
        "submitted_by",  # the demo signaller
        "subject_name_ciphertext",
        "description_ciphertext",
        "contact_ciphertext",
        "case",  # from case_code
        # A reporter's own recovery answer for a locked receipt code: the demo's anonymous
        # reporters choose none (tests/intake/test_receipt_codes.py covers it).
        "recovery_question",
        "recovery_answer_hash",
        # Issue 14: the demo signaller has seen every step (null: nothing new beyond the open
        # questions) and no overdue mail was sent for demo data.
        "signaller_news_at",
        "signaller_seen_at",
        "overdue_notified_at",
        # Issue 14: demo signals start without an owner; a coordinator takes one with "Aan mij
        # toewijzen" (tests/cases/test_assignment.py covers it).
        "owner",
    }
    assert model_fields - handled_elsewhere <= filled
