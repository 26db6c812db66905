"""The pilot in the demo data: exposure equal to pilot.eligibility, deliveries with fidelity gaps,
measures only at moments that happened, determinism, and a true effect of the psychologist that
an evaluation recovers (and no effect when there is none). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from inbeeld.cases.models import Case, ChainEvent, ConsentRecord
from inbeeld.demo.generator import DemoConfig, PilotDesign, build_demo_data, generate
from inbeeld.demo.generator import calibration as cal
from inbeeld.demo.generator.data import (
    DEFAULT_CUTOFF,
    MAX_PSYCHOLOGIST_EFFECT,
    Vocabulary,
    day_date,
    day_number,
)
from inbeeld.demo.generator.pilot import eligibility
from inbeeld.pilot.eligibility import case_index_date, eligible_interventions, index_date_expression
from inbeeld.pilot.models import Delivery, Deployment, FidelityItem, Instrument, Measure
from inbeeld.reference.models import PoliceUnit

CUTOFF = DEFAULT_CUTOFF
Z95 = 1.959963984540054
HORIZON = cal.COMPLAINT_HORIZON_DAYS
MOMENT_EVENT = {moment: event for moment, event, _ in cal.MEASURE_MOMENTS}
# The event that dates a delivery: the first of these that happened.
DELIVERY_STAGE = {
    "psychologist": ("informative_interview", "first_police_contact"),
    "examining_judge": ("rc_hearing",),
    "safety_coordinator": ("safety_assessment", "intake"),
    "peer_expert": ("first_police_contact",),
}


def _first_day(data, code: str) -> np.ndarray:
    """Per case: the day of its first event of type ``code`` (-1 when it has none)."""
    positions = np.flatnonzero(data.event_type == data.vocabulary.event(code))[::-1]
    first = np.full(data.case_count, -1, dtype=np.int64)
    first[data.event_case[positions]] = data.event_day[positions]
    return first


def _complaint_within_horizon(data) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per case: index day, police contact (bool) and complaint within 180 days of the index."""
    police = _first_day(data, "first_police_contact")
    index = np.where(police >= 0, police, data.intake_day)
    complaint = _first_day(data, "complaint_filed")
    return index, police >= 0, (complaint >= 0) & (complaint - index <= HORIZON)


def _delivered(data, code: str) -> np.ndarray:
    pilot = data.pilot
    j = pilot.interventions.index(code)
    delivered = np.zeros(data.case_count, dtype=bool)
    rows = (pilot.delivery_intervention == j) & pilot.delivery_delivered
    delivered[pilot.delivery_case[rows]] = True
    return delivered


def _wilson(successes: int, n: int) -> tuple[float, float]:
    p = successes / n
    denominator = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denominator
    half = Z95 / denominator * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n))
    return centre - half, centre + half


def newcombe(y1: np.ndarray, y0: np.ndarray) -> tuple[float, float, float]:
    """Risk difference mean(y1) - mean(y0) with Newcombe's hybrid score 95 % interval (method 10,
    from the two Wilson intervals; no scipy needed)."""
    p1, p0 = y1.mean(), y0.mean()
    l1, u1 = _wilson(int(y1.sum()), len(y1))
    l0, u0 = _wilson(int(y0.sum()), len(y0))
    difference = p1 - p0
    lower = difference - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    upper = difference + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return difference, lower, upper


# --- numpy only --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def effect_runs():
    """60,000 cases, once with the default effect and once without, the same seed."""
    return {
        effect: build_demo_data(DemoConfig(cases=60_000, seed=2024, psychologist_effect=effect))
        for effect in (0.10, 0.0)
    }


@pytest.mark.parametrize(("effect", "other"), [(0.10, 0.0), (0.0, 0.10)])
def test_the_evaluation_recovers_the_true_effect(effect_runs, effect, other):
    """Among psychologist-eligible cases with police contact (the psychologist can only reach
    those) and 180 days of follow-up, delivered minus not delivered: uptake is drawn
    independently of everything else, so this comparison is unbiased for the effect, and the
    95 % interval covers it (and, with ~10,000 cases, excludes the other value: the test can
    tell an effect of 0.10 from none)."""
    data = effect_runs[effect]
    index, police, outcome = _complaint_within_horizon(data)
    j = data.pilot.interventions.index("psychologist")
    followed = index <= day_number(CUTOFF) - HORIZON
    comparable = data.pilot.eligible[:, j] & police & followed
    delivered = _delivered(data, "psychologist")
    treated, untreated = outcome[comparable & delivered], outcome[comparable & ~delivered]
    assert len(treated) > 5000 and len(untreated) > 2000
    difference, lower, upper = newcombe(treated, untreated)
    assert lower <= effect <= upper, (difference, lower, upper)
    assert not lower <= other <= upper, (difference, lower, upper)
    assert upper - lower < 0.05


def test_the_effect_changes_only_the_delivered_cases_and_by_the_effect(effect_runs):
    """The same seed with and without the effect: potential outcomes per case. The effect never
    takes a complaint away, changes nothing for anyone not delivered, and raises the outcome of
    the delivered by 0.10 on average (binomial: within 4 standard errors)."""
    with_effect, without = effect_runs[0.10], effect_runs[0.0]
    assert with_effect.codes == without.codes
    assert np.array_equal(with_effect.consent, without.consent)
    assert np.array_equal(with_effect.pilot.eligible, without.pilot.eligible)
    delivered = _delivered(with_effect, "psychologist")
    assert np.array_equal(delivered, _delivered(without, "psychologist"))
    _, _, y1 = _complaint_within_horizon(with_effect)
    _, _, y0 = _complaint_within_horizon(without)
    assert not (y0 & ~y1).any()
    assert np.array_equal(y1[~delivered], y0[~delivered])
    gain = (y1 & ~y0)[delivered].mean()
    se = math.sqrt(0.1 * 0.9 / delivered.sum())
    assert abs(gain - 0.10) < 4 * se


def test_exposure_deliveries_and_measures_have_the_designed_shape(effect_runs):
    data = effect_runs[0.10]
    pilot = data.pilot
    v = data.vocabulary
    codes = pilot.interventions
    design = PilotDesign.from_document()
    index, police, _ = _complaint_within_horizon(data)
    assert np.array_equal(pilot.index_day, index)
    assert np.array_equal(pilot.eligible, eligibility(design, v, data.unit, index))
    # Eligible only inside the pilot period, nobody for shorter lead times (no units yet).
    assert index[pilot.eligible.any(axis=1)].min() >= day_number(dt.date(2021, 6, 1))
    assert index[pilot.eligible.any(axis=1)].max() <= day_number(dt.date(2024, 12, 31))
    assert not pilot.eligible[:, codes.index("shorter_lead_times")].any()
    # Rows only for eligible cases, one per case and intervention, in order.
    assert pilot.eligible[pilot.delivery_case, pilot.delivery_intervention].all()
    keys = pilot.delivery_case.astype(np.int64) * 8 + pilot.delivery_intervention
    assert (np.diff(keys) > 0).all()
    # Uptake among the reached cases near the calibration (psychologist: police contact).
    j = codes.index("psychologist")
    reached = pilot.eligible[:, j] & police
    assert abs(_delivered(data, "psychologist")[reached].mean() - cal.UPTAKE["psychologist"]) < 0.03
    judge = codes.index("examining_judge")
    heard = pilot.eligible[:, judge] & (_first_day(data, "rc_hearing") >= 0)
    assert abs(_delivered(data, "examining_judge")[heard].mean() - 0.60) < 0.08
    for code in ("psychologist", "examining_judge", "safety_coordinator", "peer_expert"):
        assert _delivered(data, code).any(), code
    # Fidelity gaps: every item is sometimes met and sometimes not; not delivered = no checklist.
    delivered = pilot.delivery_delivered
    for k, items in enumerate(pilot.fidelity_items):
        rows = (pilot.delivery_intervention == k) & delivered
        if rows.sum() < 50:
            continue
        met = pilot.delivery_fidelity[rows][:, : len(items)].mean(axis=0)
        assert ((met > 0.4) & (met < 0.97)).all(), (codes[k], met)
    assert not pilot.delivery_fidelity[~delivered].any()
    assert (pilot.delivery_reason[~delivered] > 0).all()
    assert (pilot.delivery_reason[delivered] == 0).all()
    assert 0.1 < (~delivered).mean() < 0.4
    # Measures: consenting, eligible cases; ~10 % of answers missing, at least one answer each.
    assert data.consent[pilot.measure_case].all()
    assert pilot.eligible[pilot.measure_case].any(axis=1).all()
    answers = pilot.measure_answers
    assert ((answers >= 0) & (answers <= 5)).all()
    assert (answers > 0).any(axis=1).all()
    assert 0.07 < (answers == 0).mean() < 0.13
    moments = pilot.measure_case.astype(np.int64) * 8 + pilot.measure_moment
    assert (np.diff(moments) > 0).all()  # one measure per case and moment
    scores = np.where(answers > 0, answers, np.nan)
    received = np.zeros(data.case_count, dtype=bool)
    received[pilot.delivery_case[delivered]] = True
    by_received = np.nanmean(scores[received[pilot.measure_case]])
    by_others = np.nanmean(scores[~received[pilot.measure_case]])
    assert by_received > by_others
    counts = Counter(pilot.moments[m] for m in pilot.measure_moment)
    assert counts["intake"] > counts["after_complaint"] > 0
    assert counts["after_rc_hearing"] > 0 and counts["closure"] > 0


def test_measures_and_deliveries_are_dated_at_what_happened(effect_runs):
    data = effect_runs[0.10]
    pilot = data.pilot
    cutoff = day_number(CUTOFF)
    for moment_index, moment in enumerate(pilot.moments):
        rows = pilot.measure_moment == moment_index
        cases = pilot.measure_case[rows]
        event = MOMENT_EVENT[moment]
        happened = data.intake_day if event == "intake" else _first_day(data, event)
        assert (happened[cases] >= 0).all(), moment
        assert (pilot.measure_day[rows] >= happened[cases]).all(), moment
        assert (pilot.measure_day[rows] >= data.consent_day[cases]).all(), moment
    assert (pilot.measure_day <= cutoff).all()
    interview = _first_day(data, "informative_interview")
    police = _first_day(data, "first_police_contact")
    stage = {
        "psychologist": np.where(interview >= 0, interview, police),
        "examining_judge": _first_day(data, "rc_hearing"),
        "peer_expert": police,
        "safety_coordinator": np.where(
            (safety := _first_day(data, "safety_assessment")) >= 0, safety, data.intake_day
        ),
    }
    for code, day in stage.items():
        rows = pilot.delivery_intervention == pilot.interventions.index(code)
        assert np.array_equal(pilot.delivery_day[rows], day[pilot.delivery_case[rows]]), code
    assert (pilot.delivery_day <= cutoff).all()
    # A delivered psychologist advises at the informative interview, before any complaint.
    psychologist = _delivered(data, "psychologist")
    complaint = _first_day(data, "complaint_filed")
    assert (interview[psychologist & (complaint >= 0)] >= 0).all()
    assert (interview[complaint >= 0] <= complaint[complaint >= 0]).all()


def test_pilot_rows_are_deterministic_and_other_streams_unchanged():
    config = DemoConfig(cases=4000, seed=77)
    first, again = build_demo_data(config), build_demo_data(config)
    for name in (
        "index_day",
        "eligible",
        "delivery_case",
        "delivery_intervention",
        "delivery_day",
        "delivery_delivered",
        "delivery_reason",
        "delivery_fidelity",
        "measure_case",
        "measure_moment",
        "measure_day",
        "measure_answers",
    ):
        assert np.array_equal(getattr(first.pilot, name), getattr(again.pilot, name)), name
    assert first.pilot.fidelity_json() == again.pilot.fidelity_json()
    assert first.pilot.answers_json() == again.pilot.answers_json()
    assert first.pilot.delivery_count > 0 and first.pilot.measure_count > 0
    # Another uptake for the judge changes only the judge's rows: every other draw has its own
    # stream (population, timelines, consent, the other interventions, measures of others).
    other = build_demo_data(DemoConfig(cases=4000, seed=77, uptake=(("examining_judge", 1.0),)))
    assert other.codes == first.codes
    assert np.array_equal(other.event_day, first.event_day)
    assert np.array_equal(other.consent, first.consent)
    judge = first.pilot.interventions.index("examining_judge")
    mine = first.pilot.delivery_intervention != judge
    theirs = other.pilot.delivery_intervention != judge
    assert np.array_equal(first.pilot.delivery_case[mine], other.pilot.delivery_case[theirs])
    assert np.array_equal(
        first.pilot.delivery_fidelity[mine], other.pilot.delivery_fidelity[theirs]
    )
    heard = other.pilot.delivery_intervention == judge
    assert other.pilot.delivery_delivered[heard].all()


def test_the_largest_effect_keeps_every_timeline_valid_and_others_are_refused():
    # build_demo_data replays every timeline through the workflow and raises on a broken one.
    data = build_demo_data(
        DemoConfig(cases=8000, seed=3, psychologist_effect=MAX_PSYCHOLOGIST_EFFECT)
    )
    index, police, outcome = _complaint_within_horizon(data)
    delivered = _delivered(data, "psychologist")
    j = data.pilot.interventions.index("psychologist")
    comparable = data.pilot.eligible[:, j] & police & (index <= day_number(CUTOFF) - HORIZON)
    # Every delivered case files a complaint (u < P_COMPLAINT + the largest effect = 1), most of
    # them within 180 days; the risk difference is still the effect.
    _, lower, upper = newcombe(outcome[comparable & delivered], outcome[comparable & ~delivered])
    assert lower <= MAX_PSYCHOLOGIST_EFFECT <= upper
    complaint = _first_day(data, "complaint_filed")
    assert (complaint[delivered & police] >= 0).mean() > 0.97  # the rest: after the cut-off
    assert data.event_day.max() <= day_number(CUTOFF)
    for bad in (-0.01, MAX_PSYCHOLOGIST_EFFECT + 0.01):
        with pytest.raises(ValueError, match="psychologist_effect"):
            DemoConfig(cases=10, seed=1, psychologist_effect=bad)
    with pytest.raises(ValueError, match="uptake"):
        DemoConfig(cases=10, seed=1, uptake=(("psychologist", 1.5),))


# --- against the database ----------------------------------------------------------------------


@pytest.mark.django_db
def test_design_from_the_database_equals_pilot_json():
    assert PilotDesign.from_database() == PilotDesign.from_document()


@pytest.mark.django_db
def test_array_eligibility_equals_pilot_eligibility_on_the_edges():
    """Hand-made cases whose index date (intake, no police contact) lies on either side of every
    deployment edge, in units inside and outside, plus an open-ended deployment."""
    open_ended = Deployment.objects.get(seed_key="p2-safety_coordinator")
    open_ended.end = None
    open_ended.save()
    edges = set()
    for deployment in Deployment.objects.all():
        for day in (deployment.start, deployment.end):
            if day is not None:
                edges |= {day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)}
    edges.add(dt.date(2025, 12, 31))
    units = ["amsterdam", "limburg", "noord-holland", "den-haag", "kmar"]
    cases = [
        Case.objects.create(
            police_unit=PoliceUnit.objects.get(code=code),
            minor_at_intake=False,
            age_band="23-29",
            gender="female",
            nationality_group="nl",
            intake_date=day,
        )
        for code in units
        for day in sorted(edges)
    ]
    design = PilotDesign.from_database()
    vocabulary = Vocabulary.load()
    unit = np.array([vocabulary.unit(c.police_unit.code) for c in cases], dtype=np.int8)
    index = np.array([day_number(case_index_date(c)) for c in cases], dtype=np.int32)
    arrays = eligibility(design, vocabulary, unit, index)
    for row, case in zip(arrays, cases, strict=True):
        expected = {i.code for i in eligible_interventions(case)}
        assert {design.interventions[j] for j in np.flatnonzero(row)} == expected, (
            case.police_unit.code,
            case.intake_date,
        )
    assert arrays.any() and not arrays.all()


@pytest.fixture
def loaded():
    """Deployments edited by a researcher first (so they must be read from the database), then
    3,000 demo cases; returns the arrays the load was built from."""
    peer = Deployment.objects.get(seed_key="p2-peer_expert")
    peer.end = dt.date(2023, 6, 30)
    peer.save()
    peer.police_units.add(PoliceUnit.objects.get(code="amsterdam"))
    coordinator = Deployment.objects.get(seed_key="p2-safety_coordinator")
    coordinator.end = None
    coordinator.save()
    config = DemoConfig(cases=3000, seed=2021)
    result = generate(config)
    data = build_demo_data(config, pilot_design=PilotDesign.from_database())
    assert (result.deliveries, result.measures) == (
        data.pilot.delivery_count,
        data.pilot.measure_count,
    )
    return data


@pytest.mark.django_db
def test_loaded_exposure_and_deliveries_follow_pilot_eligibility(loaded):
    data = loaded
    pilot = data.pilot
    cases = list(
        Case.objects.annotate(index=index_date_expression())
        .order_by("id")
        .select_related("police_unit")
    )
    assert [c.code for c in cases] == data.codes
    by_code = {c.code: c for c in cases}
    # pilot.eligibility for every case from a month before the first deployment on, and for
    # every 10th case before that (one query per case: this keeps the test fast).
    first_start = min(Deployment.objects.values_list("start", flat=True))
    eligible_codes = {}
    checked = 0
    for position, case in enumerate(cases):
        assert day_number(case.index) == pilot.index_day[position]
        mine = {pilot.interventions[j] for j in np.flatnonzero(pilot.eligible[position])}
        if case.index >= first_start - dt.timedelta(days=31) or position % 10 == 0:
            expected = {i.code for i in eligible_interventions(case, index_date=case.index)}
            assert mine == expected, (case.code, case.police_unit_id, case.index)
            checked += 1
        eligible_codes[case.code] = mine
    assert checked > len(cases) / 3
    # The edited deployments were used: Amsterdam peer experts, only in the first half of 2023,
    # and the safety coordinator after 2024.
    peer = [c for c, codes in eligible_codes.items() if "peer_expert" in codes]
    assert any(by_code[c].police_unit.code == "amsterdam" for c in peer)
    assert all(by_code[c].index <= dt.date(2023, 6, 30) for c in peer)
    assert any(
        by_code[c].index > dt.date(2024, 12, 31)
        for c, codes in eligible_codes.items()
        if "safety_coordinator" in codes
    )
    # Every delivery (delivered or not) belongs to a case eligible for it; on the full
    # function (index date computed by pilot.eligibility itself) for a sample too.
    deliveries = list(Delivery.objects.select_related("case", "intervention").order_by("id"))
    assert len(deliveries) == pilot.delivery_count > 0
    for delivery in deliveries:
        assert delivery.intervention.code in eligible_codes[delivery.case.code]
    for delivery in deliveries[::25]:
        assert delivery.intervention in eligible_interventions(delivery.case)


@pytest.mark.django_db
def test_loaded_deliveries_have_checklists_with_gaps_and_reasons(loaded):
    items = defaultdict(list)
    for code, item in FidelityItem.objects.order_by("order").values_list(
        "intervention__code", "code"
    ):
        items[code].append(item)
    first_events = defaultdict(dict)
    for case_id, code, day in ChainEvent.objects.order_by("event_date", "id").values_list(
        "case_id", "event_type__code", "event_date"
    ):
        first_events[case_id].setdefault(code, day)
    deliveries = list(Delivery.objects.select_related("case", "intervention"))
    met = Counter()
    delivered = [d for d in deliveries if d.delivered]
    assert delivered and len(delivered) < len(deliveries)
    for delivery in deliveries:
        code = delivery.intervention.code
        assert delivery.recorded_by_id is None and delivery.organisation_id is None
        assert delivery.case.intake_date <= delivery.date <= CUTOFF
        events = {**first_events[delivery.case_id], "intake": delivery.case.intake_date}
        stage = next(events[e] for e in DELIVERY_STAGE[code] if e in events)
        assert delivery.date == stage, (code, delivery.case_id)
        if delivery.delivered:
            assert sorted(delivery.fidelity) == sorted(items[code])  # exactly its items
            assert all(isinstance(value, bool) for value in delivery.fidelity.values())
            assert delivery.reason_not_delivered == ""
            met.update(f"{code}:{k}" for k, value in delivery.fidelity.items() if value)
        else:
            assert delivery.fidelity == {}
            assert delivery.reason_not_delivered in cal.NOT_DELIVERED_REASONS[code]
    assert any(0 < d.fidelity_share < 1 for d in delivered)  # gaps
    assert met  # and items met
    assert not any(d.intervention.code == "shorter_lead_times" for d in deliveries)


@pytest.mark.django_db
def test_loaded_measures_only_at_moments_that_happened(loaded):
    instrument = Instrument.objects.get(code="slachtofferervaring", version=1)
    codes = [item["code"] for item in instrument.items]
    first_events = defaultdict(dict)
    for case_id, code, day in ChainEvent.objects.order_by("event_date", "id").values_list(
        "case_id", "event_type__code", "event_date"
    ):
        first_events[case_id].setdefault(code, day)
    measures = list(Measure.objects.select_related("case"))
    assert len(measures) == loaded.pilot.measure_count > 0
    assert {m.instrument_id for m in measures} == {instrument.pk}
    seen = set()
    answers = Counter()
    for measure in measures:
        case = measure.case
        assert case.research_consent
        key = (case.pk, measure.moment)
        assert key not in seen
        seen.add(key)
        event = MOMENT_EVENT[measure.moment]
        happened = case.intake_date if event == "intake" else first_events[case.pk].get(event)
        assert happened is not None and happened <= measure.date <= CUTOFF, key
        assert set(measure.answers) == set(codes)
        assert all(v is None or (type(v) is int and 1 <= v <= 5) for v in measure.answers.values())
        assert measure.answered >= 1
        answers.update("missing" if v is None else "given" for v in measure.answers.values())
        assert measure.recorded_by_id is None
    assert 0.05 < answers["missing"] / sum(answers.values()) < 0.15
    consent = dict(ConsentRecord.objects.filter(kind="given").values_list("case_id", "date"))
    assert all(m.date >= consent[m.case_id] for m in measures)


@pytest.mark.django_db
def test_the_orm_inserts_deliveries_and_measures_after_a_bulk_load(loaded):
    from django.utils import timezone

    from inbeeld.crypto import encrypt_text

    delivery = Delivery.objects.order_by("id").last()
    newer = Delivery.objects.create(
        case=delivery.case,
        intervention=delivery.intervention,
        date=delivery.date,
        delivered=False,
        reason_ciphertext=encrypt_text("Test"),
        recorded_at=timezone.now(),
    )
    assert newer.pk > delivery.pk
    measure = Measure.objects.order_by("id").last()
    case = Case.objects.exclude(measures__moment="closure").filter(research_consent=True).first()
    added = Measure.objects.create(
        case=case,
        instrument=measure.instrument,
        moment="closure",
        date=day_date(day_number(CUTOFF)),
        answers={"feels_safe": 3},
        recorded_at=timezone.now(),
    )
    assert added.pk > measure.pk


@pytest.mark.django_db
def test_command_takes_the_effect_and_refuses_impossible_ones(capsys):
    call_command("demo", "--cases", "300", "--seed", "5", "--psychologist-effect", "0")
    out = capsys.readouterr().out
    assert "effect recherchepsycholoog +0.00" in out
    assert "uitvoeringen van interventies" in out and "metingen" in out
    for bad in ("-0.1", "0.9", "nan"):
        with pytest.raises(CommandError, match="--psychologist-effect"):
            call_command("demo", "--cases", "5", "--psychologist-effect", bad)
