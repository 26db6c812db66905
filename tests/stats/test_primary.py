"""The primary analysis and its verdict (stats.primary, issue 12 item 7): the verdict at every
edge of its table, the design rules, the intention-to-treat result against statsmodels' Newcombe
interval, the staggered result from a hand-built DidResult-like object (only the published
few-cluster interval counts, never two-way fixed effects), the retention outcome of an
intervention acting after the complaint, and a simulation with a known truth for how often the
verdict claims an effect that is not there."""

from __future__ import annotations

import datetime as dt
import math
from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.stats.proportion import confint_proportions_2indep

from inbeeld.stats import primary
from inbeeld.stats.evaluation import InterventionSpec, evaluate
from inbeeld.stats.exceptions import StatsInputError
from inbeeld.stats.primary import (
    COMPLAINT_WITHIN,
    COOPERATION_WITHIN,
    ITT_CONCURRENT,
    RETAINED_AFTER_COMPLAINT,
    STAGGERED_ATT,
    PrimaryDesign,
    Verdict,
    design_problems,
    from_counts,
    from_did,
    verdict,
)
from inbeeld.stats.results import Interval
from inbeeld.stats.tables import EvaluationTables

MID = 0.10
V = Verdict


def iv(low: float, high: float) -> Interval:
    return Interval((low + high) / 2, low, high)


# --- the verdict at its edges --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        # positive: 0 excluded (low > 0); the MID reached or not by the upper bound
        (0.01, 0.30, V.POSITIVE),
        (0.12, 0.30, V.POSITIVE),
        (0.01, MID, V.POSITIVE),  # high == MID: the MID is not excluded
        (0.01, 0.0999, V.POSITIVE_SMALL),
        (1e-12, 0.05, V.POSITIVE_SMALL),
        # a bound on 0 includes 0
        (0.0, 0.05, V.NO_IMPORTANT_EFFECT),
        (0.0, MID, V.INCONCLUSIVE),
        (-0.05, 0.0, V.NO_IMPORTANT_EFFECT),
        (-MID, 0.0, V.NO_IMPORTANT_BENEFIT),
        (0.0, 0.0, V.NO_IMPORTANT_EFFECT),
        # inside +-MID, strictly
        (-0.0999, 0.0999, V.NO_IMPORTANT_EFFECT),
        (-MID, 0.0999, V.NO_IMPORTANT_BENEFIT),  # low == -MID: harm of MID not excluded
        (-0.30, 0.05, V.NO_IMPORTANT_BENEFIT),
        # 0 and the MID both inside
        (-0.0999, MID, V.INCONCLUSIVE),
        (-MID, MID, V.INCONCLUSIVE),
        (-0.30, 0.30, V.INCONCLUSIVE),
        # negative: 0 excluded (high < 0)
        (-0.0999, -0.01, V.NEGATIVE_SMALL),
        (-0.05, -1e-12, V.NEGATIVE_SMALL),
        (-MID, -0.01, V.NEGATIVE),
        (-0.30, -0.12, V.NEGATIVE),
    ],
)
def test_verdict_edges(low, high, expected):
    assert verdict(iv(low, high), MID) is expected


@pytest.mark.parametrize(
    "interval",
    [
        None,
        Interval(0.1, float("nan"), 0.2),
        Interval(0.1, 0.05, float("inf")),
        Interval(0.1, float("-inf"), 0.2),
    ],
)
def test_no_valid_interval_gives_no_verdict(interval):
    assert verdict(interval, MID) is V.NOT_YET_POSSIBLE


@pytest.mark.parametrize("mid", [0, -0.1, float("nan"), float("inf"), None])
def test_the_mid_must_be_a_positive_number(mid):
    with pytest.raises(StatsInputError, match="minimal important difference"):
        verdict(iv(0.0, 0.1), mid)


def test_bounds_in_the_wrong_order_are_refused():
    with pytest.raises(StatsInputError, match="wrong order"):
        verdict(Interval(0.0, 0.2, 0.1), MID)


def _by_definition(low: float, high: float, mid: float) -> set[Verdict]:
    """Every category whose defining condition (the module docstring's table) holds."""
    rules = {
        V.POSITIVE: low > 0 and high >= mid,
        V.POSITIVE_SMALL: low > 0 and high < mid,
        V.NO_IMPORTANT_EFFECT: low <= 0 <= high and -mid < low and high < mid,
        V.NO_IMPORTANT_BENEFIT: low <= 0 <= high and low <= -mid and high < mid,
        V.INCONCLUSIVE: low <= 0 <= high and high >= mid,
        V.NEGATIVE_SMALL: high < 0 and low > -mid,
        V.NEGATIVE: high < 0 and low <= -mid,
    }
    return {category for category, holds in rules.items() if holds}


bounds = st.floats(-1, 1, allow_nan=False).map(lambda x: round(x, 2))


@given(a=bounds, b=bounds, mid=st.sampled_from([0.05, 0.1, 0.15, 0.2]))
def test_the_categories_partition_every_interval(a, b, mid):
    """On a grid of 0.01 (so bounds hit 0 and +-MID exactly): exactly one category's definition
    holds, and it is the one verdict() returns."""
    low, high = min(a, b), max(a, b)
    matching = _by_definition(low, high, mid)
    assert len(matching) == 1, (low, high, mid, matching)
    assert verdict(iv(low, high), mid) in matching


# --- the design rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("design", "after", "problems"),
    [
        (PrimaryDesign(COMPLAINT_WITHIN, ITT_CONCURRENT, 180), False, []),
        (PrimaryDesign(COOPERATION_WITHIN, STAGGERED_ATT, 365), False, []),
        (PrimaryDesign(COMPLAINT_WITHIN, STAGGERED_ATT, 180), False, []),
        (PrimaryDesign(RETAINED_AFTER_COMPLAINT, ITT_CONCURRENT, 365), True, []),
        (
            PrimaryDesign(COMPLAINT_WITHIN, ITT_CONCURRENT, 180),
            True,
            ["after_complaint_needs_retention"],
        ),
        (
            PrimaryDesign(COOPERATION_WITHIN, STAGGERED_ATT, 180),
            True,
            ["after_complaint_needs_retention"],
        ),
        (
            PrimaryDesign(RETAINED_AFTER_COMPLAINT, ITT_CONCURRENT, 180),
            False,
            ["retention_needs_after_complaint"],
        ),
        (
            PrimaryDesign(RETAINED_AFTER_COMPLAINT, STAGGERED_ATT, 180),
            True,
            ["staggered_needs_index_outcome"],
        ),
        (PrimaryDesign(COMPLAINT_WITHIN, ITT_CONCURRENT, 29), False, ["horizon_out_of_range"]),
        (PrimaryDesign(COMPLAINT_WITHIN, ITT_CONCURRENT, 731), False, ["horizon_out_of_range"]),
        (PrimaryDesign(COMPLAINT_WITHIN, ITT_CONCURRENT, 30), False, []),
        (PrimaryDesign(COMPLAINT_WITHIN, ITT_CONCURRENT, 730), False, []),
        (PrimaryDesign("sneller", ITT_CONCURRENT, 180), False, ["unknown_outcome"]),
        (PrimaryDesign(COMPLAINT_WITHIN, "rct", 180), False, ["unknown_comparison"]),
    ],
)
def test_design_rules(design, after, problems):
    assert design_problems(design, after_complaint=after) == problems


# --- the intention-to-treat primary analysis -----------------------------------------------------


ITT = PrimaryDesign(COMPLAINT_WITHIN, ITT_CONCURRENT, 180)


@pytest.mark.parametrize(
    ("x1", "n1", "x0", "n0"), [(60, 150, 40, 150), (45, 300, 50, 310), (31, 40, 12, 35)]
)
def test_itt_interval_is_newcombes_as_statsmodels_computes_it(x1, n1, x0, n0):
    result = from_counts(ITT, mid=MID, after_complaint=False, x1=x1, n1=n1, x0=x0, n0=n0)
    low, high = confint_proportions_2indep(x1, n1, x0, n0, method="newcomb", compare="diff")
    assert result.interval.low == pytest.approx(low, abs=1e-10)
    assert result.interval.high == pytest.approx(high, abs=1e-10)
    assert result.estimate == pytest.approx(x1 / n1 - x0 / n0)
    assert result.verdict is verdict(result.interval, MID)
    assert result.reason is None
    assert (result.x1, result.n1, result.x0, result.n0) == (x1, n1, x0, n0)
    assert result.planning is not None and result.planning.mid == MID


@pytest.mark.parametrize(
    ("counts", "reason"),
    [
        ((0, 0, 40, 100), primary.NO_EXPOSED),
        ((40, 100, 0, 0), primary.NO_UNEXPOSED),
        ((10, 29, 40, 100), primary.TOO_FEW),  # 29 cases in a group
        ((4, 100, 40, 100), primary.TOO_FEW),  # 4 with the outcome
    ],
)
def test_itt_without_a_verdict_says_why(counts, reason):
    x1, n1, x0, n0 = counts
    result = from_counts(ITT, mid=MID, after_complaint=False, x1=x1, n1=n1, x0=x0, n0=n0)
    assert result.verdict is V.NOT_YET_POSSIBLE
    assert result.reason == reason
    assert result.interval is None


def test_itt_with_30_cases_and_5_events_per_group_has_a_verdict():
    result = from_counts(ITT, mid=MID, after_complaint=False, x1=5, n1=30, x0=5, n0=30)
    assert result.verdict is not V.NOT_YET_POSSIBLE and result.interval is not None


def test_a_given_reason_wins():
    result = from_counts(
        ITT,
        mid=MID,
        after_complaint=False,
        x1=60,
        n1=150,
        x0=40,
        n0=150,
        reason=primary.NO_DEPLOYMENTS,
    )
    assert result.verdict is V.NOT_YET_POSSIBLE and result.reason == primary.NO_DEPLOYMENTS


def test_simulated_verdicts_rarely_claim_an_effect_that_is_not_there():
    """Known truth: 1,000 + 1,000 cases, control rate 0.30. With no true difference a 'positive'
    or 'negative' verdict is a false claim (each side at most 2.5 % in theory) and 'no important
    effect' should be the usual reading; with a true +20 points the verdict is 'positive'."""
    rng = np.random.default_rng(20261206)
    reps, n = 400, 1000

    def run(p1: float) -> dict[Verdict, float]:
        counts: dict[Verdict, int] = {}
        for _ in range(reps):
            x1, x0 = int(rng.binomial(n, p1)), int(rng.binomial(n, 0.30))
            v = from_counts(ITT, mid=MID, after_complaint=False, x1=x1, n1=n, x0=x0, n0=n).verdict
            counts[v] = counts.get(v, 0) + 1
        return {k: c / reps for k, c in counts.items()}

    null = run(0.30)
    false_claims = sum(null.get(v, 0) for v in (V.POSITIVE, V.POSITIVE_SMALL))
    false_claims += sum(null.get(v, 0) for v in (V.NEGATIVE, V.NEGATIVE_SMALL))
    assert false_claims <= 0.08, null  # 5 % expected; binomial slack for 400 runs
    assert null.get(V.NO_IMPORTANT_EFFECT, 0) >= 0.9, null
    effect = run(0.50)
    assert effect.get(V.POSITIVE, 0) >= 0.99, effect


# --- the staggered primary analysis --------------------------------------------------------------


STAGGERED = PrimaryDesign(COMPLAINT_WITHIN, STAGGERED_ATT, 180)


def did_like(**fields):
    """A stand-in with the fields of stats.did.DidResult this module reads (and the two-way fixed
    effects estimate, which it must not read)."""
    base = {
        "cs": None,
        "cs_estimate": None,
        "no_interval_reason": None,
        "twfe": Interval(0.3, 0.2, 0.4),
        "cs_analytic": Interval(0.3, 0.25, 0.35),
    }
    return SimpleNamespace(**(base | fields))


def test_staggered_uses_the_published_interval():
    result = from_did(
        STAGGERED, mid=MID, did_result=did_like(cs=Interval(0.15, 0.04, 0.26), cs_estimate=0.15)
    )
    assert result.verdict is V.POSITIVE
    assert result.interval == Interval(0.15, 0.04, 0.26)
    assert result.estimate == 0.15 and result.reason is None


def test_staggered_without_a_valid_interval_gives_the_reason_not_twfe():
    result = from_did(
        STAGGERED,
        mid=MID,
        did_result=did_like(cs_estimate=0.3, no_interval_reason="too_few_assignments"),
    )
    assert result.verdict is V.NOT_YET_POSSIBLE
    assert result.reason == "too_few_assignments"
    assert result.estimate == 0.3 and result.interval is None


def test_staggered_zero_width_interval_is_no_interval():
    result = from_did(
        STAGGERED, mid=MID, did_result=did_like(cs=Interval(0.2, 0.2, 0.2), cs_estimate=0.2)
    )
    assert result.verdict is V.NOT_YET_POSSIBLE
    assert result.reason == primary.STAGGERED_NOT_ESTIMABLE


def test_staggered_result_of_an_older_did_without_the_new_fields():
    old = SimpleNamespace(cs=Interval(0.01, -0.05, 0.07), twfe=None)
    result = from_did(STAGGERED, mid=MID, did_result=old)
    assert result.verdict is V.NO_IMPORTANT_EFFECT and result.estimate == 0.01


@pytest.mark.parametrize(
    ("note", "reason"),
    [("no deployments", primary.NO_DEPLOYMENTS), ("singular", primary.STAGGERED_NOT_ESTIMABLE)],
)
def test_staggered_not_estimable(note, reason):
    result = from_did(STAGGERED, mid=MID, did_result=None, note=note)
    assert result.verdict is V.NOT_YET_POSSIBLE and result.reason == reason


# --- an intervention acting after the complaint --------------------------------------------------

D = dt.date
CUTOFF = D(2024, 12, 31)


def _tables(cases: list[tuple], deployments: list[tuple]) -> EvaluationTables:
    """``cases``: (case_id, unit, contact, complaint or None, withdrawal or None)."""
    events = []
    for case_id, _, contact, complaint, withdrawal in cases:
        events.append((case_id, "first_police_contact", contact))
        if complaint:
            events.append((case_id, "complaint_filed", complaint))
        if withdrawal:
            events.append((case_id, "withdrawal_from_process", withdrawal))
    return EvaluationTables.build(
        cases=pl.DataFrame(
            {
                "case_id": [c[0] for c in cases],
                "police_unit": [c[1] for c in cases],
                "intake_date": [c[2] for c in cases],
                "minor": [False] * len(cases),
                "form_sexual": [True] * len(cases),
                "form_labour": [False] * len(cases),
                "form_criminal": [False] * len(cases),
            }
        ),
        events=pl.DataFrame(events, schema=["case_id", "event", "date"], orient="row"),
        deliveries=pl.DataFrame(
            schema={
                "case_id": pl.Int64,
                "intervention": pl.String,
                "date": pl.Date,
                "delivered": pl.Boolean,
            }
        ),
        deployments=pl.DataFrame(
            deployments, schema=["intervention", "police_unit", "start", "end"], orient="row"
        ),
        cutoff=CUTOFF,
    )


def test_retention_rows_count_exposure_on_the_complaint_date_and_withdrawal_within_the_horizon():
    tables = _tables(
        [
            # contact before the start, complaint after it: exposed (the judge acts later)
            (1, "a", D(2022, 12, 1), D(2023, 2, 1), None),
            # withdrawal 100 days after the complaint: not retained at 180 days
            (2, "a", D(2023, 3, 1), D(2023, 3, 10), D(2023, 6, 18)),
            # withdrawal 200 days after: retained at 180 days
            (3, "a", D(2023, 3, 1), D(2023, 3, 10), D(2023, 9, 26)),
            # unit b never has it
            (4, "b", D(2023, 3, 1), D(2023, 4, 1), None),
            # no complaint: not in the rows
            (5, "b", D(2023, 3, 1), None, D(2023, 4, 1)),
            # complaint too late for 180 days of follow-up
            (6, "a", D(2024, 10, 1), D(2024, 10, 2), None),
        ],
        [("judge", "a", D(2023, 1, 1), None)],
    )
    from inbeeld.stats.outcomes import case_outcomes

    rows = primary.retention_rows(tables, case_outcomes(tables), "judge", 180).sort("case_id")
    assert rows.get_column("case_id").to_list() == [1, 2, 3, 4, 6]
    assert rows.get_column("itt").to_list() == [True, True, True, False, True]
    assert rows.get_column("retained_after_complaint").to_list() == [True, False, True, True, True]
    assert rows.get_column("complete_followup").to_list() == [True, True, True, True, False]


def test_an_after_complaint_intervention_is_never_compared_on_the_complaint():
    rng = np.random.default_rng(7)
    cases = []
    for i in range(240):
        unit = "a" if i % 2 else "b"
        contact = D(2023, 1, 1) + dt.timedelta(days=int(rng.integers(0, 300)))
        complaint = contact + dt.timedelta(days=10) if i % 3 else None
        withdrawal = None
        if complaint and rng.random() < (0.05 if unit == "a" else 0.25):
            withdrawal = complaint + dt.timedelta(days=30)
        cases.append((i + 1, unit, contact, complaint, withdrawal))
    tables = _tables(cases, [("judge", "a", D(2022, 6, 1), None)])
    spec = InterventionSpec(
        "judge",
        "RC",
        after_complaint=True,
        primary=PrimaryDesign(RETAINED_AFTER_COMPLAINT, ITT_CONCURRENT, 365),
    )
    (item,) = evaluate(tables, [spec]).interventions
    assert item.itt.outcome == item.delivered.outcome == RETAINED_AFTER_COMPLAINT
    assert item.cooperation_itt is None
    assert item.survival_itt is None and item.survival_delivered is None
    assert item.staggered is None and item.staggered_note == "after complaint"
    # the primary analysis by hand: complainants of unit a (exposed) against b, 365 days
    p = item.primary
    complainants = [c for c in cases if c[3] is not None and c[3] + dt.timedelta(365) <= CUTOFF]
    exposed = [c for c in complainants if c[1] == "a"]
    control = [c for c in complainants if c[1] == "b"]
    assert (p.n1, p.n0) == (len(exposed), len(control))
    assert p.x1 == sum(c[4] is None for c in exposed)
    assert p.x0 == sum(c[4] is None for c in control)
    low, high = confint_proportions_2indep(p.x1, p.n1, p.x0, p.n0, method="newcomb")
    assert (p.interval.low, p.interval.high) == (pytest.approx(low), pytest.approx(high))
    assert p.verdict is verdict(p.interval, spec.min_important_difference)
    assert p.after_complaint and p.outcome == RETAINED_AFTER_COMPLAINT


def test_the_primary_analysis_uses_its_own_horizon():
    """A primary horizon of 30 days against an evaluation at 180: the primary counts complaints
    within 30 days, whatever horizon the page asks for."""
    cases = []
    for i in range(200):
        unit = "a" if i % 2 else "b"
        contact = D(2023, 1, 1) + dt.timedelta(days=i)
        delay = 10 if (unit == "a" and i % 4 == 1) else 90  # a: half within 30 days
        complaint = contact + dt.timedelta(days=delay) if i % 5 else None
        cases.append((i + 1, unit, contact, complaint, None))
    tables = _tables(cases, [("psy", "a", D(2022, 6, 1), None)])
    spec = InterventionSpec(
        "psy", "Psy", primary=PrimaryDesign(COMPLAINT_WITHIN, ITT_CONCURRENT, 30)
    )
    (item,) = evaluate(tables, [spec], horizon_days=180).interventions
    p = item.primary
    exposed = [c for c in cases if c[1] == "a"]
    assert p.horizon_days == 30 and p.n1 == len(exposed)
    within = sum(c[3] is not None and (c[3] - c[2]).days <= 30 for c in exposed)
    assert p.x1 == within
    assert item.itt.x1 == sum(c[3] is not None for c in exposed)  # the 180-day comparison
    assert not math.isclose(p.x1, item.itt.x1)


def test_a_design_that_does_not_fit_gives_no_verdict_not_an_error():
    """An after-complaint intervention with a complaint outcome (refused by the admin and the
    sync, but possible in data written around them): no verdict, with the reason."""
    cases = [(i + 1, "a" if i % 2 else "b", D(2023, 1, 1), D(2023, 2, 1), None) for i in range(80)]
    tables = _tables(cases, [("judge", "a", D(2022, 6, 1), None)])
    spec = InterventionSpec("judge", "RC", after_complaint=True)  # default: complaint outcome
    (item,) = evaluate(tables, [spec]).interventions
    assert item.primary.verdict is V.NOT_YET_POSSIBLE
    assert item.primary.reason == primary.INVALID_DESIGN
    assert item.itt.outcome == RETAINED_AFTER_COMPLAINT  # the comparisons stay off the complaint
