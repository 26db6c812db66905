"""Simulated pilots with a known truth, shaped like a pilot design (issue 12, item 8).

A :class:`Design` describes a pilot: its police units, the deployments of one intervention
(unit, start, end; a unit without a deployment is never treated), the period in which cases come
in, the data cut-off, the number of cases, the control group's rate of a complaint within the
horizon and the effect of the intervention. :func:`simulate` draws one pilot from it as
:class:`~inbeeld.stats.tables.EvaluationTables` — the evaluation's own input — together with the
truth of every estimand the evaluation publishes (:class:`Truth`), so
:mod:`inbeeld.stats.simulation_coverage` can run the product's own evaluation on the tables and
check its intervals against the truth.

The data-generating model (every case independent):

- cases are spread evenly over the units (``n // U`` each, the remainder to the first units), the
  intake date uniform over the intake period; the first police contact is on the intake date, so
  the index date is the intake date;
- covariates: minor and the three exploitation forms, independent Bernoulli draws (COVARIATES);
- a complaint within the horizon with probability ``expit(a + g·x + b·m·exposed)``: a logistic
  model, so the conditional odds ratio of the exposure is ``exp(b)`` exactly when the effect is
  constant. ``a`` is set so that the control rate averaged over the covariates is
  ``control_rate``; ``b = logit(control_rate + effect) - logit(control_rate)``;
  ``exposed`` is intention to treat (a deployment of the unit active on the index date, as
  stats.outcomes.exposures defines it) and ``m`` the share of the full effect reached: with a
  ramp of R half-years, ``m = min(1, (k + 1) / R)`` in the k-th half-year from the unit's first
  treated half-year (stats.evaluation.first_treated_period; a transition half-year counts as
  k = 0); R = 1 is a constant effect;
- the complaint, when there is one, on a day uniform in 1..horizon after the index date, always
  before any withdrawal or closure; a case without one ends by a competing event (withdrawal
  from the process or closure without a complaint, WITHDRAWAL_SHARE of them) on a day uniform in
  1..horizon, or (LATE_COMPLAINT of the rest) complains after the horizon; a complainant withdraws
  later with probability DROPOUT. Events after the cut-off are not recorded (censoring);
- every exposed case has a delivery recorded as delivered on its index date (uptake 100 %, so the
  as-delivered comparison equals the ITT one and is not checked here).

Truths (population values given the design's timing; the effect per case is
``tau(k) = E_x[expit(a + g·x + b·m_k) - expit(a + g·x)]``, exact over the 16 covariate patterns):

- ITT risk difference: the mean of tau over the exposed cases with complete follow-up in the
  intervention's window (the cases the comparison uses); the unexposed have the control rate;
- cumulative-incidence difference at the horizon: the mean of tau over all exposed cases in the
  window (the complaint always comes first, so the CIF at the horizon is the complaint
  probability);
- the staggered group-time aggregate: computed from the published comparisons (see
  :func:`did_truth`): each ATT(g, t)'s truth is tau at the true half-year since the start of
  its units, averaged with the aggregate's weights;
- the adjusted odds ratio: ``exp(b)`` for a constant effect (the fitted model contains the true
  one: unit dummies with coefficient 0); with a growing effect a single odds ratio has no true
  value and is not checked;
- the cases still needed: the cases per group for 80 % power at the true control rate and
  control rate + MID (stats.assurance.n_for_power), which the planning range should contain.

Pure numpy/polars; every draw from ``numpy.random.Generator`` seeded by the caller.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy import optimize
from scipy.special import expit, logit

from inbeeld.stats import assurance
from inbeeld.stats import vocabulary as ev
from inbeeld.stats.evaluation import DID_PERIOD_MONTHS, first_treated_period, period_of
from inbeeld.stats.exceptions import StatsInputError
from inbeeld.stats.tables import SCHEMAS, EvaluationTables

__all__ = [
    "COVARIATES",
    "Design",
    "SimulatedPilot",
    "Truth",
    "did_truth",
    "simulate",
    "staggered_design",
    "standard_designs",
    "two_group_design",
]

INTERVENTION = "simulated"
# (column, probability, coefficient on the log-odds of a complaint)
COVARIATES = (
    ("minor", 0.30, -0.30),
    ("form_sexual", 0.60, 0.20),
    ("form_labour", 0.25, -0.20),
    ("form_criminal", 0.20, -0.10),
)
WITHDRAWAL_SHARE = 0.35  # of the cases without a complaint within the horizon
WITHDRAWAL_NOT_CLOSURE = 0.6  # of those: withdrawal (else closure without a complaint)
LATE_COMPLAINT = 0.15  # of the rest: a complaint after the horizon
DROPOUT = 0.2  # of the complainants: a withdrawal after the complaint
EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class Design:
    """One pilot design. ``deployments``: (unit, start, end or None = open) of the intervention;
    units without one are never treated. ``cases``: the (min, max) total number of cases, drawn
    uniformly per replication. ``effect``: risk difference at the control rate once the effect is
    full; ``ramp``: half-years until it is (1 = constant)."""

    key: str
    label: str  # Dutch, for the table
    units: tuple[str, ...]
    deployments: tuple[tuple[str, dt.date, dt.date | None], ...]
    intake_start: dt.date
    intake_end: dt.date
    cutoff: dt.date
    cases: tuple[int, int]
    control_rate: float
    effect: float
    ramp: int = 1
    mid: float = assurance.DEFAULT_MID
    horizon_days: int = 180
    # The pre-specified primary comparison (stats.primary): "itt_concurrent" or "staggered_att".
    primary_comparison: str = "itt_concurrent"

    def __post_init__(self) -> None:
        low, high = self.cases
        if len(set(self.units)) != len(self.units) or len(self.units) < 2:
            raise StatsInputError("a design needs at least two distinct units")
        if not 2 <= low <= high:
            raise StatsInputError(f"cases must be at least 2 and min <= max, got {self.cases}")
        if not 0.0 < self.control_rate < 1.0:
            raise StatsInputError(f"the control rate must lie in (0, 1), got {self.control_rate}")
        if not 0.0 < self.control_rate + self.effect < 1.0:
            raise StatsInputError(
                f"control rate + effect must lie in (0, 1), got {self.control_rate + self.effect}"
            )
        if self.ramp < 1:
            raise StatsInputError(f"the ramp must be at least 1 half-year, got {self.ramp}")
        if not self.intake_start <= self.intake_end <= self.cutoff:
            raise StatsInputError("need intake start <= intake end <= cut-off")
        unknown = {unit for unit, _, _ in self.deployments} - set(self.units)
        if unknown:
            raise StatsInputError(f"deployments in unknown unit(s): {', '.join(sorted(unknown))}")
        if not self.deployments:
            raise StatsInputError("a design needs at least one deployment")
        for unit, start, end in self.deployments:
            if end is not None and end < start:
                raise StatsInputError(f"deployment in {unit} ends before it starts")

    @property
    def never_treated(self) -> tuple[str, ...]:
        deployed = {unit for unit, _, _ in self.deployments}
        return tuple(u for u in self.units if u not in deployed)

    @property
    def first_starts(self) -> dict[str, dt.date]:
        starts: dict[str, dt.date] = {}
        for unit, start, _ in self.deployments:
            starts[unit] = min(start, starts.get(unit, start))
        return starts


@dataclass(frozen=True)
class Truth:
    itt_risk_difference: float
    cif_difference: float
    odds_ratio: float | None  # None: no single true odds ratio (growing effect)
    cases_needed: float  # per group, for 80 % power at the true rates and the MID
    effect_by_halfyear: tuple[float, ...]  # tau(k), k = 0, 1, ... (last value holds after)

    def tau(self, k: int) -> float:
        return self.effect_by_halfyear[min(max(k, 0), len(self.effect_by_halfyear) - 1)]


@dataclass(frozen=True)
class SimulatedPilot:
    tables: EvaluationTables
    truth: Truth
    first_treated: dict[str, int]  # unit -> true first treated half-year (period number)
    # unit -> the half-year of its first start (before first_treated: a transition half-year)
    start_period: dict[str, int] = field(default_factory=dict)
    # (unit, half-year) -> cases with complete follow-up (the cells the staggered comparison uses)
    cells: dict[tuple[str, int], int] = field(default_factory=dict)


# --- the model ---------------------------------------------------------------------------------


def _patterns() -> tuple[np.ndarray, np.ndarray]:
    """All 16 covariate patterns (rows) and their probabilities."""
    rows = np.array(list(itertools.product((0, 1), repeat=len(COVARIATES))), dtype=float)
    p = np.array([q for _, q, _ in COVARIATES])
    weights = np.prod(np.where(rows == 1, p, 1 - p), axis=1)
    return rows, weights


def _linear_part() -> tuple[np.ndarray, np.ndarray]:
    rows, weights = _patterns()
    gamma = np.array([c for _, _, c in COVARIATES])
    return rows @ gamma, weights


def _intercept(control_rate: float) -> float:
    eta, weights = _linear_part()
    return float(
        optimize.brentq(lambda a: float(weights @ expit(a + eta)) - control_rate, -30.0, 30.0)
    )


def model_coefficients(design: Design) -> tuple[float, float]:
    """(a, b): the intercept that gives the control rate and the full log odds ratio."""
    a = _intercept(design.control_rate)
    b = float(logit(design.control_rate + design.effect) - logit(design.control_rate))
    return a, b


def _multiplier(k: np.ndarray | int, ramp: int) -> np.ndarray:
    return np.minimum(1.0, (np.asarray(k, dtype=float) + 1.0) / ramp)


def effect_by_halfyear(design: Design) -> tuple[float, ...]:
    a, b = model_coefficients(design)
    eta, weights = _linear_part()
    base = float(weights @ expit(a + eta))
    return tuple(
        float(weights @ expit(a + eta + b * m)) - base
        for m in _multiplier(np.arange(design.ramp), design.ramp)
    )


def cases_needed(design: Design) -> float:
    return float(
        assurance.n_for_power(design.control_rate, min(design.control_rate + design.mid, 0.999))
    )


# --- drawing one pilot -------------------------------------------------------------------------


def _days(day: dt.date) -> int:
    return (day - EPOCH).days


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(days, dtype=np.int32)).cast(pl.Date)


def _half_year(days: np.ndarray) -> np.ndarray:
    """period_of over day numbers (vectorised)."""
    dates = np.asarray(days, dtype="datetime64[D]")
    years = dates.astype("datetime64[Y]").astype(int) + 1970
    months = dates.astype("datetime64[M]").astype(int) % 12 + 1
    return years * 2 + (months > DID_PERIOD_MONTHS)


def simulate(design: Design, rng: np.random.Generator) -> SimulatedPilot:
    """One pilot drawn from ``design``: the evaluation's input tables and the truth."""
    low, high = design.cases
    n = int(rng.integers(low, high + 1))
    units = np.array(design.units)
    unit_index = np.arange(n) % len(units)
    rng.shuffle(unit_index)
    start, end = _days(design.intake_start), _days(design.intake_end)
    intake = rng.integers(start, end + 1, n)
    x = np.column_stack([rng.random(n) < q for _, q, _ in COVARIATES])

    exposed = np.zeros(n, dtype=bool)
    for unit, d_start, d_end in design.deployments:
        active = (units[unit_index] == unit) & (intake >= _days(d_start))
        if d_end is not None:
            active &= intake <= _days(d_end)
        exposed |= active
    first_treated = {u: first_treated_period(s) for u, s in design.first_starts.items()}
    unit_first = np.array([first_treated.get(u, 0) for u in units])[unit_index]
    k = np.where(exposed, np.maximum(0, _half_year(intake) - unit_first), 0)
    a, b = model_coefficients(design)
    gamma = np.array([c for _, _, c in COVARIATES])
    m = np.where(exposed, _multiplier(k, design.ramp), 0.0)
    p = expit(a + x.astype(float) @ gamma + b * m)
    horizon = design.horizon_days
    complaint = rng.random(n) < p
    complaint_day = intake + rng.integers(1, horizon + 1, n)
    ends = (~complaint) & (rng.random(n) < WITHDRAWAL_SHARE)
    end_day = intake + rng.integers(1, horizon + 1, n)
    withdrawal_kind = rng.random(n) < WITHDRAWAL_NOT_CLOSURE
    late = (~complaint) & (~ends) & (rng.random(n) < LATE_COMPLAINT)
    late_day = intake + rng.integers(horizon + 1, 2 * horizon + 1, n)
    dropout = complaint & (rng.random(n) < DROPOUT)
    dropout_day = complaint_day + rng.integers(1, horizon + 1, n)

    ids = np.arange(1, n + 1, dtype=np.int64)
    cutoff = _days(design.cutoff)
    parts = [
        (ids, ev.FIRST_POLICE_CONTACT, intake, np.ones(n, dtype=bool)),
        (ids, ev.COMPLAINT_FILED, complaint_day, complaint),
        (ids, ev.COMPLAINT_FILED, late_day, late),
        (ids, ev.WITHDRAWAL_FROM_PROCESS, end_day, ends & withdrawal_kind),
        (ids, ev.CASE_CLOSED, end_day, ends & ~withdrawal_kind),
        (ids, ev.WITHDRAWAL_FROM_PROCESS, dropout_day, dropout),
    ]
    e_case, e_code, e_day = [], [], []
    for case, code, day, keep in parts:
        keep = keep & (day <= cutoff)
        e_case.append(case[keep])
        e_code.append(np.full(int(keep.sum()), code, dtype=object))
        e_day.append(day[keep])
    cases = pl.DataFrame(
        {
            "case_id": ids,
            "police_unit": units[unit_index],
            "intake_date": _dates(intake),
            **{name: x[:, j] for j, (name, _, _) in enumerate(COVARIATES)},
        }
    )
    events = pl.DataFrame(
        {
            "case_id": np.concatenate(e_case),
            "event": pl.Series(np.concatenate(e_code).tolist(), dtype=pl.String),
            "date": _dates(np.concatenate(e_day)),
        }
    )
    delivered = ids[exposed]
    deliveries = pl.DataFrame(
        {
            "case_id": delivered,
            "intervention": [INTERVENTION] * len(delivered),
            "date": _dates(intake[exposed]),
            "delivered": np.ones(len(delivered), dtype=bool),
        },
        schema=SCHEMAS["deliveries"],
    )
    deployments = pl.DataFrame(
        {
            "intervention": [INTERVENTION] * len(design.deployments),
            "police_unit": [u for u, _, _ in design.deployments],
            "start": [s for _, s, _ in design.deployments],
            "end": [e for _, _, e in design.deployments],
        },
        schema=SCHEMAS["deployments"],
    )
    tables = EvaluationTables.build(
        cases=cases,
        events=events,
        deliveries=deliveries,
        deployments=deployments,
        cutoff=design.cutoff,
    )

    taus = effect_by_halfyear(design)
    tau = np.asarray(taus)[np.minimum(k, len(taus) - 1)]
    window_start = min(s for _, s, _ in design.deployments)
    open_end = any(e is None for _, _, e in design.deployments)
    window_end = (
        design.cutoff
        if open_end
        else min(max(e for _, _, e in design.deployments if e is not None), design.cutoff)
    )
    in_window = (intake >= _days(window_start)) & (intake <= _days(window_end))
    followed = intake + horizon <= cutoff
    itt_rows = exposed & in_window & followed
    cif_rows = exposed & in_window
    truth = Truth(
        itt_risk_difference=float(tau[itt_rows].mean()) if itt_rows.any() else math.nan,
        cif_difference=float(tau[cif_rows].mean()) if cif_rows.any() else math.nan,
        odds_ratio=math.exp(b) if design.ramp == 1 else None,
        cases_needed=cases_needed(design),
        effect_by_halfyear=taus,
    )
    # the cases the staggered comparison can use (stats.evaluation._staggered): complete
    # follow-up, from two years before the first start to the window's end or the first unit's end
    last_end: dict[str, dt.date | None] = {}
    for unit, _, d_end in design.deployments:
        prev = last_end.get(unit, d_end)
        last_end[unit] = None if d_end is None or prev is None else max(prev, d_end)
    closed = [e for e in last_end.values() if e is not None]
    did_end = min([window_end, *closed])
    did_rows = (
        followed
        & (intake >= _days(dt.date(window_start.year - 2, 1, 1)))
        & (intake <= _days(did_end))
    )
    cell_unit, cell_period = units[unit_index][did_rows], _half_year(intake)[did_rows]
    keys, counts = np.unique(np.rec.fromarrays([cell_unit, cell_period]), return_counts=True)
    return SimulatedPilot(
        tables=tables,
        truth=truth,
        first_treated=first_treated,
        start_period={u: period_of(s) for u, s in design.first_starts.items()},
        cells={(str(k[0]), int(k[1])): int(c) for k, c in zip(keys, counts, strict=True)},
    )


def did_truth(result, pilot: SimulatedPilot) -> float:
    """The true value of the staggered group-time aggregate (``DidResult.cs``) given the
    comparisons it made, rebuilt from the pilot's cells as stats.did forms them.

    The estimator dates a unit's start at its first treated half-year WITH cases and its clean
    pre-period as ending at its first transition half-year with cases; units with the same two
    form one cohort (``GroupTimeEffect.cohort`` is the start, ``base + 1`` the end of the clean
    pre-period for a post comparison). A post comparison (cohort, t, base) averages the change of
    the cohort's units that have cases in both t and base, weighted by n_t n_b / (n_t + n_b)
    (``weighting="cases"``); its truth is that weighted mean of tau at each unit's TRUE half-year
    since its start (t minus the unit's first treated half-year by design). A unit whose first
    treated half-year has no cases is dated later by the estimator; it may then share a start
    label with units that really started later, or drop out of its comparison (no cases in the
    base): only the units that actually enter a comparison carry its truth. The comparisons are
    weighted as the aggregate weights them (by the number of units in the cohort). NaN when
    the result has no post comparison, or when a comparison cannot be rebuilt from the pilot's
    cells with the estimator's number of units (the pilot then counts as "no truth")."""
    comparisons = [c for c in getattr(result, "group_time", ()) if not getattr(c, "pre", False)]
    if not comparisons:
        return math.nan
    cells = pilot.cells
    start: dict[str, int] = {}  # the estimator's start and end of the clean pre-period
    until: dict[str, int] = {}
    for unit, first in pilot.first_treated.items():
        observed = sorted(p for (u, p) in cells if u == unit)
        treated = [p for p in observed if p >= first]
        transition = [p for p in observed if pilot.start_period.get(unit, first) <= p < first]
        if not treated:
            continue  # not treated in the data: a control (up to its transition)
        start[unit] = treated[0]
        until[unit] = transition[0] if transition else treated[0]
    total, weight = 0.0, 0.0
    for c in comparisons:
        t, base = int(c.period), int(c.base)
        members = [u for u in start if start[u] == int(c.cohort) and until[u] == base + 1]
        if len(members) != c.n_treated_units:
            # The rebuilt comparison disagrees with the estimator's (an edge of the cell window):
            # no trustworthy truth for this pilot; counted as such, never as covered or missed.
            return math.nan
        n_t = np.array([cells.get((u, t), 0) for u in members], dtype=float)
        n_b = np.array([cells.get((u, base), 0) for u in members], dtype=float)
        h = np.where((n_t > 0) & (n_b > 0), n_t * n_b / np.maximum(n_t + n_b, 1.0), 0.0)
        tau = np.array([pilot.truth.tau(t - pilot.first_treated[u]) for u in members])
        total += len(members) * float(h @ tau / h.sum())
        weight += len(members)
    return total / weight


# --- designs -----------------------------------------------------------------------------------


def _half_year_start(period: int) -> dt.date:
    return dt.date(period // 2, 1 + DID_PERIOD_MONTHS * (period % 2), 1)


def staggered_design(
    *,
    key: str,
    label: str,
    units: int = 9,
    never_treated: int = 3,
    cases: tuple[int, int] = (60, 200),
    control_rate: float = 0.30,
    effect: float = 0.10,
    ramp: int = 1,
    mid: float = assurance.DEFAULT_MID,
    first_year: int = 2021,
    half_years: int = 8,
) -> Design:
    """``units`` units over ``half_years`` half-years of intake from 1 January ``first_year``,
    the last ``never_treated`` never treated. The treated units start in turn in the 3rd to
    6th half-year (first treated half-year 2 + j mod 4, at least two before the end): units with
    an even position on the first day of that half-year, the others part-way through the
    half-year before it (a transition half-year). Open-ended deployments; the cut-off is 90 days
    after the last intake, so the latest cases lack complete follow-up."""
    if not 2 <= units <= 60:
        raise StatsInputError(f"units must be between 2 and 60, got {units}")
    if not 0 <= never_treated < units:
        raise StatsInputError(
            f"never-treated units must be between 0 and units - 1, got {never_treated}"
        )
    if half_years < 4:
        raise StatsInputError("need at least 4 half-years of intake")
    names = tuple(f"eenheid-{i + 1:02d}" for i in range(units))
    first = first_year * 2
    deployments = []
    last_start = min(5, half_years - 2)
    for j, unit in enumerate(names[: units - never_treated]):
        treated_from = first + 2 + j % (last_start - 1)
        if (j // (last_start - 1) + j) % 2 == 0:
            start = _half_year_start(treated_from)
        else:
            start = _half_year_start(treated_from - 1) + dt.timedelta(days=75)
        deployments.append((unit, start, None))
    intake_end = _half_year_start(first + half_years) - dt.timedelta(days=1)
    return Design(
        key=key,
        label=label,
        units=names,
        deployments=tuple(deployments),
        intake_start=_half_year_start(first),
        intake_end=intake_end,
        cutoff=intake_end + dt.timedelta(days=90),
        cases=cases,
        control_rate=control_rate,
        effect=effect,
        ramp=ramp,
        mid=mid,
    )


def two_group_design(
    *,
    key: str = "18+18",
    label: str = "18 + 18 zaken, twee groepen (één eenheid met, één zonder)",
    per_group: int = 18,
    control_rate: float = 0.30,
    effect: float = 0.10,
    mid: float = assurance.DEFAULT_MID,
) -> Design:
    """Two units, one with the intervention from the first intake day, one never; every case
    followed up for the whole horizon, so exactly ``per_group`` cases in each group."""
    start = dt.date(2023, 1, 1)
    return Design(
        key=key,
        label=label,
        units=("eenheid-met", "eenheid-zonder"),
        deployments=(("eenheid-met", start, None),),
        intake_start=start,
        intake_end=dt.date(2023, 12, 31),
        cutoff=dt.date(2024, 9, 30),
        cases=(2 * per_group, 2 * per_group),
        control_rate=control_rate,
        effect=effect,
        mid=mid,
    )


def standard_designs() -> tuple[Design, ...]:
    """The scenarios issue 12 (item 8) requires."""
    return (
        two_group_design(),
        staggered_design(
            key="9u-1never",
            label="60–200 zaken, 9 eenheden, gespreide start, 1 nooit behandeld",
            never_treated=1,
        ),
        staggered_design(
            key="9u-3never",
            label="60–200 zaken, 9 eenheden, gespreide start, 3 nooit behandeld",
            never_treated=3,
        ),
        staggered_design(
            key="9u-growing",
            label="60–200 zaken, 9 eenheden, 3 nooit behandeld, effect groeit over 3 halfjaren",
            never_treated=3,
            ramp=3,
        ),
        staggered_design(
            key="9u-rare",
            label="60–200 zaken, 9 eenheden, 3 nooit behandeld, zeldzaam: 5 % → 10 %",
            never_treated=3,
            control_rate=0.05,
            effect=0.05,
            mid=0.05,
        ),
    )
