"""The evaluation (stats.evaluation) end to end, without a database.

(a) Recovery: demo data with a known true effect of the psychologist (0.10, and 0.0 with the same
    seed); the as-delivered risk difference's interval covers the true value and excludes the
    other one.
(b) Agreement with an independent computation on the same data: the 2×2 counts recomputed by
    hand with numpy from the demo arrays (as tests/demo/test_pilot_demo.py does), Fisher's p
    against scipy, Newcombe's interval against statsmodels, Kaplan–Meier medians, the log-rank p
    and a lead-time share and conditional median against lifelines' Aalen–Johansen.
(c) The "indicative" label on tiny tables; (d) an intervention without deployments; (e) the
    evaluation is deterministic.

The 60,000-case demo data are built in memory once per module (about 3 s for both runs).
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import polars as pl
import pytest
from scipy import stats as sps

from inbeeld.analysis.export import to_jsonable
from inbeeld.demo.generator import DemoConfig, PilotDesign, build_demo_data
from inbeeld.demo.generator.data import day_number
from inbeeld.demo.generator.tables import evaluation_tables
from inbeeld.stats.evaluation import InterventionSpec, evaluate
from inbeeld.stats.primary import PrimaryDesign
from inbeeld.stats.tables import EvaluationTables

lifelines = pytest.importorskip("lifelines")
statsmodels = pytest.importorskip("statsmodels")

from lifelines import AalenJohansenFitter, KaplanMeierFitter  # noqa: E402
from lifelines.statistics import logrank_test as lifelines_logrank  # noqa: E402
from statsmodels.stats.proportion import confint_proportions_2indep  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore:Approximating using:Warning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:.*(variance|separation|convergence).*:Warning"),
]

HORIZON = 180
PSYCHOLOGIST = InterventionSpec("psychologist", "Psycholoog bij het informatieve gesprek")
EFFECTS = (0.10, 0.0)


# --- the demo data ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs():
    """Per true effect: the demo arrays, the evaluation tables and the evaluation."""
    out = {}
    for effect in EFFECTS:
        data = build_demo_data(DemoConfig(cases=60_000, seed=2024, psychologist_effect=effect))
        tables = evaluation_tables(data)
        out[effect] = (data, tables, evaluate(tables, [PSYCHOLOGIST], horizon_days=HORIZON))
    return out


def _psychologist(result):
    (item,) = result.interventions
    assert item.spec.code == "psychologist"
    return item


# --- (a) recovery ----------------------------------------------------------------------------


@pytest.mark.parametrize(("effect", "other"), [(0.10, 0.0), (0.0, 0.10)])
def test_the_as_delivered_interval_recovers_the_true_effect(runs, effect, other):
    _, _, result = runs[effect]
    comparison = _psychologist(result).delivered
    rd = comparison.risk_difference
    assert comparison.n1 > 5000 and comparison.n0 > 2000
    assert rd.low <= effect <= rd.high, rd
    assert not rd.low <= other <= rd.high, rd
    assert rd.width < 0.06
    assert not comparison.indicative


# --- (b) an independent computation on the same data ----------------------------------------


class Hand:
    """Per case, by hand from the demo arrays: first days of the events, index day, the outcome,
    ITT and delivered exposure of the psychologist, and the deployment window."""

    def __init__(self, data):
        self.data = data
        cut = day_number(data.config.cutoff)
        self.cut = cut
        police = self.first_day("first_police_contact")
        self.police = police >= 0
        self.index = np.where(self.police, police, data.intake_day)
        self.complaint = self.first_day("complaint_filed")
        self.withdrawal = self.first_day("withdrawal_from_process")
        self.closed = self.first_day("case_closed")
        self.prosecution = self.first_day("prosecution_decision")
        self.followed = self.index + HORIZON <= cut
        self.outcome = (self.complaint >= 0) & (self.complaint - self.index <= HORIZON)
        units = np.array(data.vocabulary.units)[data.unit]
        specs = [s for s in PilotDesign.from_document().deployments if s.intervention == PSY]
        assert specs and all(s.end is not None for s in specs)
        self.itt = np.zeros(data.case_count, dtype=bool)
        for spec in specs:
            self.itt |= (
                np.isin(units, spec.units)
                & (self.index >= day_number(spec.start))
                & (self.index <= day_number(spec.end))
            )
        self.window = (
            min(day_number(s.start) for s in specs),
            min(max(day_number(s.end) for s in specs), cut),
        )
        self.in_window = (self.index >= self.window[0]) & (self.index <= self.window[1])
        pilot = data.pilot
        j = pilot.interventions.index(PSY)
        rows = (pilot.delivery_intervention == j) & pilot.delivery_delivered
        self.delivered = np.zeros(data.case_count, dtype=bool)
        self.delivered[pilot.delivery_case[rows]] = True

    def first_day(self, code: str) -> np.ndarray:
        """Per case: the day of its first event ``code`` (-1 when none)."""
        data = self.data
        positions = np.flatnonzero(data.event_type == data.vocabulary.event(code))
        first = np.full(data.case_count, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first, data.event_case[positions], data.event_day[positions])
        return np.where(first == np.iinfo(np.int64).max, -1, first)

    def until(self, *days: np.ndarray) -> np.ndarray:
        """The earliest of the given event days (ignoring -1) and the cut-off."""
        out = np.full(self.data.case_count, self.cut, dtype=np.int64)
        for day in days:
            out = np.where(day >= 0, np.minimum(out, day), out)
        return out

    def time_to_complaint(self) -> tuple[np.ndarray, np.ndarray]:
        seen = (self.complaint >= 0) & ((self.withdrawal < 0) | (self.complaint <= self.withdrawal))
        end = np.where(seen, self.complaint, self.until(self.withdrawal))
        return np.maximum(end - self.index, 0).astype(float), seen

    def time_to_complaint_competing(self) -> tuple[np.ndarray, np.ndarray]:
        """Issue 12 item 3: 1 a complaint (on or before any withdrawal or closure), 2 a
        withdrawal or closure first (competing), 0 censored at the cut-off."""
        left = np.where(
            (self.withdrawal >= 0) & (self.closed >= 0),
            np.minimum(self.withdrawal, self.closed),
            np.maximum(self.withdrawal, self.closed),
        )
        first = (self.complaint >= 0) & ((left < 0) | (self.complaint <= left))
        kind = np.where(first, 1, np.where(left >= 0, 2, 0))
        end = np.where(first, self.complaint, np.where(left >= 0, left, self.cut))
        return np.maximum(end - self.index, 0).astype(float), kind

    def table(self, rows: np.ndarray, exposed: np.ndarray) -> tuple[int, int, int, int]:
        e, y = exposed[rows], self.outcome[rows]
        return int(y[e].sum()), int(e.sum()), int(y[~e].sum()), int((~e).sum())

    def itt_table(self):
        return self.table(self.in_window & self.followed, self.itt)

    def delivered_rows(self) -> np.ndarray:
        return self.in_window & self.itt & self.police

    def delivered_table(self):
        return self.table(self.delivered_rows() & self.followed, self.delivered)


PSY = "psychologist"


@pytest.fixture(scope="module")
def hands(runs):
    return {effect: Hand(runs[effect][0]) for effect in EFFECTS}


@pytest.mark.parametrize("effect", EFFECTS)
def test_counts_and_window_agree_with_a_hand_computation(runs, hands, effect):
    _, _, result = runs[effect]
    item, hand = _psychologist(result), hands[effect]
    assert (day_number(item.window_start), day_number(item.window_end)) == hand.window
    for comparison, expected in (
        (item.itt, hand.itt_table()),
        (item.delivered, hand.delivered_table()),
    ):
        x1, n1, x0, n0 = expected
        assert (comparison.x1, comparison.n1, comparison.x0, comparison.n0) == (x1, n1, x0, n0)
        assert comparison.p1.estimate == pytest.approx(x1 / n1, abs=1e-12)
        assert comparison.p0.estimate == pytest.approx(x0 / n0, abs=1e-12)
    # the whole population: complete follow-up and the overall share
    assert result.n_cases == hand.data.case_count
    assert result.n_complete_followup == int(hand.followed.sum())
    assert result.complaint_within.estimate == pytest.approx(
        hand.outcome[hand.followed].mean(), abs=1e-12
    )
    complainants = hand.complaint >= 0
    dropout = complainants & (hand.withdrawal >= hand.complaint)
    assert result.dropout_after_complaint.estimate == pytest.approx(
        dropout.sum() / complainants.sum(), abs=1e-12
    )


@pytest.mark.parametrize("effect", EFFECTS)
@pytest.mark.parametrize("exposure", ["itt", "delivered"])
def test_fisher_and_newcombe_agree_with_scipy_and_statsmodels(runs, hands, effect, exposure):
    comparison = getattr(_psychologist(runs[effect][2]), exposure)
    hand = hands[effect]
    x1, n1, x0, n0 = hand.itt_table() if exposure == "itt" else hand.delivered_table()
    p = sps.fisher_exact([[x1, n1 - x1], [x0, n0 - x0]]).pvalue
    assert comparison.fisher.p_value == pytest.approx(p, rel=1e-6, abs=1e-300)
    low, high = confint_proportions_2indep(x1, n1, x0, n0, method="newcomb", compare="diff")
    rd = comparison.risk_difference
    assert rd.estimate == pytest.approx(x1 / n1 - x0 / n0, abs=1e-12)
    assert (rd.low, rd.high) == pytest.approx((low, high), abs=1e-9)


def _lifelines_cif(durations, kind) -> np.ndarray:
    """lifelines' AalenJohansenFitter on whole days. lifelines jitters tied event times of
    different kinds at random and zeroes its first row (dropping events on day 0); the
    Aalen–Johansen step does not depend on the order of tied events, so ties are broken
    deterministically (events before censorings) and every day shifted by one. Returns the CIF at
    the end of days 0..400."""
    days = durations + 1
    order = np.lexsort((kind == 0, days))
    untied = np.empty_like(days)
    untied[order] = days[order] + np.arange(days.size) * 1e-7
    fitter = AalenJohansenFitter(calculate_variance=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter.fit(untied, kind, event_of_interest=1)
    curve = fitter.cumulative_density_.iloc[:, 0]
    return np.array([curve[curve.index <= day + 1.5].iloc[-1] for day in range(401)])


@pytest.mark.parametrize("effect", EFFECTS)
@pytest.mark.parametrize("exposure", ["itt", "delivered"])
def test_time_to_complaint_agrees_with_lifelines(runs, hands, effect, exposure):
    """The curves are cumulative incidences with withdrawal and closure competing (lifelines'
    AalenJohansenFitter to 1e-8); the log-rank test is cause-specific (competing events censored,
    lifelines' logrank_test)."""
    item, hand = _psychologist(runs[effect][2]), hands[effect]
    t, kind = hand.time_to_complaint_competing()
    if exposure == "itt":
        rows, e = hand.in_window, hand.itt
        survival = item.survival_itt
    else:
        rows, e = hand.delivered_rows(), hand.delivered
        survival = item.survival_delivered
    t, kind, e = t[rows], kind[rows], e[rows]
    d = kind == 1
    assert survival.exposed.n == int(e.sum()) and survival.unexposed.n == int((~e).sum())
    assert survival.exposed.n_events == int(d[e].sum())
    assert survival.exposed.n_competing == int((kind[e] == 2).sum())
    for curve, group in ((survival.exposed, e), (survival.unexposed, ~e)):
        ours = np.array(
            [0.0 if (i := curve._index(day)) < 0 else curve.cif[i] for day in range(401)]
        )
        np.testing.assert_allclose(ours, _lifelines_cif(t[group], kind[group]), rtol=0, atol=1e-8)
    horizon = survival.horizon_days
    assert survival.cif_difference.estimate == pytest.approx(
        survival.cif_exposed.estimate - survival.cif_unexposed.estimate, abs=1e-12
    )
    assert survival.cif_exposed.low <= survival.cif_exposed.estimate <= survival.cif_exposed.high
    assert survival.cif_exposed.estimate == pytest.approx(
        _lifelines_cif(t[e], kind[e])[horizon], abs=1e-8
    )
    expected = lifelines_logrank(t[e], t[~e], event_observed_A=d[e], event_observed_B=d[~e])
    assert survival.logrank.p_value == pytest.approx(expected.p_value, rel=1e-6, abs=1e-300)
    assert survival.logrank.statistic == pytest.approx(expected.test_statistic, rel=1e-9)


def test_share_with_a_complaint_is_not_one_minus_kaplan_meier(runs, hands):
    """On the demo table the old definition (withdrawal censored, 1 - KM) gives a larger share
    with a complaint than the cumulative incidence whenever cases withdrew or were closed first."""
    item, hand = _psychologist(runs[0.10][2]), hands[0.10]
    t, kind = hand.time_to_complaint_competing()
    rows = hand.in_window & hand.itt
    assert (kind[rows] == 2).sum() > 0
    km = KaplanMeierFitter().fit(t[rows], kind[rows] == 1)
    naive = 1 - float(km.survival_function_at_times(item.survival_itt.horizon_days).iloc[0])
    assert item.survival_itt.cif_exposed.estimate < naive


def test_share_by_the_horizon_is_estimated(runs):
    """Guards the comparison above against comparing None with None only. (The median time to
    complaint of the old 1 - Kaplan-Meier curve was reached here; the cumulative incidence of a
    complaint stays below one half because withdrawals and closures compete, so no median.)"""
    item = _psychologist(runs[0.10][2])
    for survival in (item.survival_itt, item.survival_delivered):
        assert survival.cif_exposed is not None and survival.cif_unexposed is not None
        assert survival.cif_difference is not None and survival.cif_difference.width > 0
        assert survival.median_exposed == survival.exposed.quantile(0.5)


@pytest.mark.parametrize("effect", EFFECTS)
def test_a_lead_time_agrees_with_lifelines(runs, hands, effect):
    """Complaint → prosecution decision (issue 12 item 3): the cases with a complaint on or
    before their first withdrawal or closure; each ends in the decision (1, on or after the
    complaint and on or before any withdrawal or closure), a withdrawal or closure first (2,
    competing) or the cut-off (0). The share with a decision by day 180 and by the end of the
    follow-up, and the conditional median (the first day at which the cumulative incidence reaches
    half its final value), against lifelines' AalenJohansenFitter with ties broken
    deterministically (lifelines jitters them at random; the Aalen–Johansen step is the same in
    any order of tied events)."""
    result, hand = runs[effect][2], hands[effect]
    left = np.where(
        (hand.withdrawal >= 0) & (hand.closed >= 0),
        np.minimum(hand.withdrawal, hand.closed),
        np.maximum(hand.withdrawal, hand.closed),
    )
    rows = (hand.complaint >= 0) & ((left < 0) | (hand.complaint <= left))
    reached = (hand.prosecution >= hand.complaint) & ((left < 0) | (hand.prosecution <= left))
    kind = np.where(reached, 1, np.where(left >= 0, 2, 0))[rows]
    end = np.where(reached, hand.prosecution, np.where(left >= 0, left, hand.cut))
    days = (end - hand.complaint)[rows].astype(float)
    (lead,) = [lt for lt in result.lead_times if lt.stage == "complaint_prosecution"]
    s = lead.summary
    assert (s.n, s.n_reached, s.n_terminal, s.n_censored) == (
        int(rows.sum()),
        int((kind == 1).sum()),
        int((kind == 2).sum()),
        int((kind == 0).sum()),
    )
    # day d → d + 1 (lifelines sets its first row's CIF to 0, dropping events at t = 0);
    # untie: events before censorings at the same day, as both estimators assume
    shifted = days + 1
    order = np.lexsort((kind == 0, shifted))
    untied = np.empty_like(shifted)
    untied[order] = shifted[order] + np.arange(shifted.size) * 1e-7
    fitter = AalenJohansenFitter(calculate_variance=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter.fit(untied, kind, event_of_interest=1)
    curve = fitter.cumulative_density_.iloc[:, 0]

    def cif(day: float) -> float:
        return float(curve[curve.index <= day + 1.5].iloc[-1])

    final = float(curve.iloc[-1])
    assert s.share_reached.estimate == pytest.approx(final, abs=1e-8)
    (by_180,) = [share for share in s.shares if share.days == 180]
    assert by_180.share.estimate == pytest.approx(cif(180), abs=1e-8)
    grid = np.arange(0, int(days.max()) + 1)
    values = np.array([cif(d) for d in grid])
    median = grid[np.nonzero(values >= 0.5 * final - 1e-12)[0][0]]
    assert s.median == median
    assert s.median_low <= s.median <= s.median_high


# --- (c) indicative ---------------------------------------------------------------------------

START = dt.date(2023, 1, 1)
CUTOFF = dt.date(2024, 12, 31)


def tiny_tables(
    *, n1: int, x1: int, n0: int, x0: int, deployments=True, deliveries=()
) -> EvaluationTables:
    """n1 cases in unit A (the intervention deployed from START, open), n0 in unit B (never),
    all with intake = index date 2023-02-01 (complete follow-up); the first x1 / x0 of them file
    a complaint 10 days later."""
    cases, events = [], []
    intake = dt.date(2023, 2, 1)
    for unit, n, x in (("A", n1, x1), ("B", n0, x0)):
        for k in range(n):
            case_id = len(cases) + 1
            cases.append((case_id, unit, intake, k % 3 == 0, True, k % 2 == 0, False))
            if k < x:
                events.append((case_id, "complaint_filed", intake + dt.timedelta(days=10)))
    rows = [("coach", "A", START, None)] if deployments else []
    return EvaluationTables.build(
        cases=pl.DataFrame(
            cases,
            schema=[
                ("case_id", pl.Int64),
                ("police_unit", pl.String),
                ("intake_date", pl.Date),
                ("minor", pl.Boolean),
                ("form_sexual", pl.Boolean),
                ("form_labour", pl.Boolean),
                ("form_criminal", pl.Boolean),
            ],
            orient="row",
        ),
        events=pl.DataFrame(
            events,
            schema=[("case_id", pl.Int64), ("event", pl.String), ("date", pl.Date)],
            orient="row",
        ),
        deliveries=pl.DataFrame(
            list(deliveries),
            schema=[
                ("case_id", pl.Int64),
                ("intervention", pl.String),
                ("date", pl.Date),
                ("delivered", pl.Boolean),
            ],
            orient="row",
        ),
        deployments=pl.DataFrame(
            rows,
            schema=[
                ("intervention", pl.String),
                ("police_unit", pl.String),
                ("start", pl.Date),
                ("end", pl.Date),
            ],
            orient="row",
        ),
        cutoff=CUTOFF,
    )


COACH = InterventionSpec("coach", "Coach", requires_police_contact=False)


@pytest.mark.parametrize(
    ("n1", "x1", "n0", "x0", "indicative"),
    [
        (30, 5, 30, 5, False),  # exactly at both minimums
        (40, 12, 35, 6, False),
        (29, 10, 40, 10, True),  # fewer than 30 cases in the exposed group
        (40, 10, 29, 10, True),  # ... in the unexposed group
        (40, 10, 40, 4, True),  # fewer than 5 complaints in a group
        (40, 4, 40, 10, True),
        (3, 1, 2, 0, True),
    ],
)
def test_indicative_below_the_minimum_n_or_events(n1, x1, n0, x0, indicative):
    result = evaluate(tiny_tables(n1=n1, x1=x1, n0=n0, x0=x0), [COACH])
    (item,) = result.interventions
    itt = item.itt
    assert (itt.x1, itt.n1, itt.x0, itt.n0) == (x1, n1, x0, n0)
    assert itt.indicative is indicative
    assert item.survival_itt.indicative is indicative
    assert itt.risk_difference.estimate == pytest.approx(x1 / n1 - x0 / n0)


def test_precision_reports_the_width_of_the_current_interval():
    """ADR 0006 §6 and the page ("the 95 % interval of the difference is now … wide"): the
    width is that of the risk-difference interval shown next to it."""
    result = evaluate(tiny_tables(n1=40, x1=12, n0=35, x0=6), [COACH])
    itt = result.interventions[0].itt
    assert itt.precision is not None
    assert itt.precision.interval_width == pytest.approx(itt.risk_difference.width, abs=1e-12)
    assert itt.precision.additional_cases > 0  # 30 % vs 17 % with 75 cases: far from settled


# --- (d) no deployments -----------------------------------------------------------------------


def test_an_intervention_without_deployments_or_deliveries_gives_empty_comparisons():
    tables = tiny_tables(n1=20, x1=5, n0=20, x0=5, deployments=False)
    result = evaluate(tables, [COACH, PSYCHOLOGIST])
    for item in result.interventions:
        assert item.window_start is None and item.window_end is None
        for comparison in (item.itt, item.delivered, item.cooperation_itt):
            assert (comparison.n1, comparison.n0) == (0, 0)
            assert comparison.risk_difference is None and comparison.fisher is None
            assert comparison.precision is None and comparison.adjusted_odds_ratio is None
            assert comparison.indicative
        for survival in (item.survival_itt, item.survival_delivered):
            assert survival.exposed is None and survival.logrank is None
        assert item.staggered is None and item.staggered_note == "no deployments"
    assert result.n_cases == 40


def test_deliveries_without_a_deployment_do_not_crash():
    deliveries = [(k, "coach", dt.date(2023, 2, 3), True) for k in (1, 2, 21)]
    tables = tiny_tables(n1=20, x1=5, n0=20, x0=5, deployments=False, deliveries=deliveries)
    (item,) = evaluate(tables, [COACH]).interventions
    assert item.window_start is None
    # no unit had it: nobody is ITT; the delivered cases are the only ones in view
    assert (item.itt.n1, item.itt.n0, item.itt.x0) == (0, 3, 3)
    assert (item.delivered.n1, item.delivered.n0) == (0, 0)


def test_no_cases_at_all():
    tables = tiny_tables(n1=0, x1=0, n0=0, x0=0)
    result = evaluate(tables, [COACH, PSYCHOLOGIST])
    assert result.n_cases == 0 and result.n_complete_followup == 0
    assert result.complaint_within is None and result.dropout_after_complaint is None
    assert all(lt.summary.n == 0 and lt.summary.median is None for lt in result.lead_times)
    assert all(lt.summary.share_reached is None for lt in result.lead_times)
    assert result.bottleneck is None and result.bottlenecks_by_unit == ()
    assert [i.itt.n1 + i.itt.n0 for i in result.interventions] == [0, 0]


# --- (e) determinism --------------------------------------------------------------------------


def test_the_evaluation_is_deterministic(runs):
    _, tables, first = runs[0.10]
    again = evaluate(tables, [PSYCHOLOGIST], horizon_days=HORIZON)
    assert to_jsonable(again) == to_jsonable(first)
    assert again.interventions[0].delivered == first.interventions[0].delivered


def test_interventions_side_by_side_give_what_one_at_a_time_gives(runs, monkeypatch):
    """evaluate() computes the interventions on several threads (stats.evaluation.
    _side_by_side, with the lead times): the result, in the specs' order, is the one-thread
    result."""
    from inbeeld.stats import evaluation as evaluation_module

    _, tables, _ = runs[0.10]
    specs = [
        PSYCHOLOGIST,
        InterventionSpec("peer_expert", "Ervaringsdeskundige"),
        InterventionSpec("safety_coordinator", "Veiligheidscoördinator", after_complaint=True),
    ]
    # two primary analyses at a horizon of their own (one shared), one at the evaluation's
    specs += [
        InterventionSpec(
            "examining_judge",
            "Rechter-commissaris",
            after_complaint=True,
            primary=PrimaryDesign(outcome="retained_after_complaint", horizon_days=365),
        ),
        InterventionSpec(
            "shorter", "Kortere doorlooptijd", primary=PrimaryDesign(horizon_days=365)
        ),
        InterventionSpec("later", "Later", primary=PrimaryDesign(horizon_days=270)),
    ]
    computed: list[int] = []
    real = evaluation_module.case_outcomes

    def counted(tables, *, horizon_days):
        computed.append(horizon_days)
        return real(tables, horizon_days=horizon_days)

    monkeypatch.setattr(evaluation_module, "case_outcomes", counted)
    monkeypatch.setattr(evaluation_module.os, "cpu_count", lambda: 4)
    side_by_side = evaluate(tables, specs, horizon_days=HORIZON)
    # each horizon once, however many analyses ask for it
    assert sorted(computed) == sorted([HORIZON, 365, 270])
    monkeypatch.setattr(evaluation_module.os, "cpu_count", lambda: 1)
    one_at_a_time = evaluate(tables, specs, horizon_days=HORIZON)
    assert [i.spec.code for i in side_by_side.interventions] == [s.code for s in specs]
    assert to_jsonable(side_by_side) == to_jsonable(one_at_a_time)
    assert {i.primary.horizon_days for i in side_by_side.interventions} == {HORIZON, 365, 270}
