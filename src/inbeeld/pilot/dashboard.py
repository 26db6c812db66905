"""Reads for the researchers' pilot dashboard and the deployment pages. Every read takes the user.

The base of every count is ``cases.selectors.cases_visible_to(user)``: for a researcher that is
only cases with research consent, so a withdrawal takes a case out of every number at once.

Definitions (one place, used by the dashboard page and its tests):

* Eligible (intention to treat): the case's police unit is in a deployment of the intervention in
  that phase that is active on the case's index date (``eligibility.index_date_expression`` and
  ``eligibility.active_on``; decided in the database in one query, no query per case).
* A delivery belongs to the phase whose period holds its date, to its intervention and to the
  police unit of its case (as delivered; the case need not have been eligible).
* Mean fidelity: the mean over delivered deliveries of the share of fidelity items met
  (``Delivery.fidelity_share``).
* A completed measure: a questionnaire with at least one answered item; measures are counted for
  the eligible cases of a row.
* Progress to the target: unique cases reached by a delivered intervention (any) dated inside the
  phase period, against the phase's target number of victims.

The number of queries is fixed (phases, interventions, fidelity items, deployments, their units,
police units, eligible pairs, the number of visible cases, deliveries, measures): it does not
grow with the number of cases.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.cases.selectors import cases_visible_to
from inbeeld.jobs.results import Served, result_for
from inbeeld.pilot import charts
from inbeeld.pilot.eligibility import active_on, index_date_expression
from inbeeld.pilot.models import (
    EFFECTIVE_DELIVERY,
    Delivery,
    Deployment,
    Intervention,
    Measure,
    Moment,
    Phase,
)
from inbeeld.reference.models import PoliceUnit

MOMENTS: list[tuple[str, str]] = list(Moment.choices)
# The stored dashboard's kind in jobs.results.
RESULT_KIND = "pilot_dashboard"


def _require(user, action: policy.Action) -> None:
    if not policy.can(user, action):
        raise PermissionDenied(_("U heeft geen toegang tot deze functie."))


# --- the numbers -----------------------------------------------------------------------------


@dataclass
class Counts:
    """The numbers of one row (phase × intervention × unit) or of a total over rows."""

    eligible: set[int] = field(default_factory=set)
    delivered: set[int] = field(default_factory=set)  # cases with a delivered delivery
    not_delivered: int = 0  # deliveries recorded as not delivered
    shares: list[float] = field(default_factory=list)  # fidelity share per delivered delivery
    measured: set[int] = field(default_factory=set)  # eligible cases with a completed measure
    moments: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))

    def add(self, other: Counts) -> None:
        self.eligible |= other.eligible
        self.delivered |= other.delivered
        self.not_delivered += other.not_delivered
        self.shares += other.shares
        self.measured |= other.measured
        for moment, cases in other.moments.items():
            self.moments[moment] |= cases

    @property
    def eligible_count(self) -> int:
        return len(self.eligible)

    @property
    def delivered_count(self) -> int:
        return len(self.delivered)

    @property
    def fidelity_mean(self) -> float | None:
        return sum(self.shares) / len(self.shares) if self.shares else None

    @property
    def fidelity_percent(self) -> float | None:
        mean = self.fidelity_mean
        return None if mean is None else 100 * mean

    @property
    def fidelity_n(self) -> int:
        return len(self.shares)

    @property
    def measured_count(self) -> int:
        return len(self.measured)

    @property
    def moment_counts(self) -> list[int]:
        return [len(self.moments.get(code, ())) for code, _label in MOMENTS]


@dataclass(frozen=True)
class CountSummary:
    """The numbers of a Counts without the case ids behind them: what the page shows and what
    is stored (jobs.results; the sets of ids made the stored dashboard 20 MB at 1M cases)."""

    eligible_count: int
    delivered_count: int
    not_delivered: int
    fidelity_n: int
    fidelity_percent: float | None
    measured_count: int
    moment_counts: list[int]

    @classmethod
    def of(cls, counts: Counts) -> CountSummary:
        return cls(
            eligible_count=counts.eligible_count,
            delivered_count=counts.delivered_count,
            not_delivered=counts.not_delivered,
            fidelity_n=counts.fidelity_n,
            fidelity_percent=counts.fidelity_percent,
            measured_count=counts.measured_count,
            moment_counts=counts.moment_counts,
        )


@dataclass
class UnitRow:
    unit: PoliceUnit | None  # None: a deployment without police units (yet)
    counts: Counts
    deployed: bool  # False: deliveries only, no deployment of this intervention in this unit
    regions_assumed: bool

    @property
    def label(self) -> str:
        return self.unit.name if self.unit else _("Nog geen eenheid")


@dataclass
class FidelityItemShare:
    label: str
    met: int
    total: int

    @property
    def percent(self) -> float | None:
        return 100 * self.met / self.total if self.total else None


@dataclass
class InterventionBlock:
    intervention: Intervention
    colour: str
    rows: list[UnitRow]
    total: Counts
    items: list[FidelityItemShare]

    @property
    def measured_rows(self) -> list[UnitRow]:
        """The rows of the measures table: deployed in a unit (only those have eligible cases)."""
        return [row for row in self.rows if row.deployed and row.unit is not None]

    @property
    def colour_swatch(self):
        return charts.swatch(self.colour)


@dataclass
class PhaseSummary:
    phase: Phase
    blocks: list[InterventionBlock]
    total: Counts  # over every intervention and unit of the phase (unique cases)
    reached: int  # unique cases reached by a delivered intervention in the phase period
    percent: float | None  # reached / target × 100
    progress_svg: str
    chart_svg: str

    @property
    def target(self) -> int:
        return self.phase.target_victims

    @property
    def still_needed(self) -> int:
        return max(self.target - self.reached, 0)

    @property
    def has_deliveries(self) -> bool:
        return bool(self.total.delivered_count or self.total.not_delivered)


@dataclass
class Dashboard:
    phases: list[PhaseSummary]
    visible_cases: int
    deliveries_outside_phases: int
    timeline_svg: str
    timeline_legend: list[charts.LegendEntry]
    deployments: list[Deployment]
    moments: list[tuple[str, str]]
    today: dt.date


def _phase_of(day: dt.date, phases: list[Phase]) -> Phase | None:
    for phase in phases:
        if phase.start <= day <= phase.end:
            return phase
    return None


def _through(q: Q, prefix: str) -> Q:
    """``q`` (lookups on Deployment) with every lookup reached through ``prefix``."""
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    clone.children = [
        _through(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1])
        for child in q.children
    ]
    return clone


def _eligible_pairs(cases: QuerySet):
    """(case, police unit, phase, intervention) for every visible case and every deployment of its
    unit that is active on the case's index date (intention to treat).

    One query: cases joined to the deployments of their unit, filtered with ``active_on`` on the
    index date (``index_date_expression``), so the index date is worked out for a case only
    against the deployments of its own unit."""
    return (
        cases.annotate(index_date=index_date_expression())
        .filter(_through(active_on(F("index_date")), "police_unit__deployments__"))
        .order_by()
        .values_list(
            "pk",
            "police_unit_id",
            "police_unit__deployments__phase_id",
            "police_unit__deployments__intervention_id",
        )
        .distinct()
    )


RowKey = tuple[int, int, int | None]  # (phase, intervention, police unit or None)
ItemTallies = dict[
    tuple[int, int], dict[str, list[int]]
]  # (phase, intervention) -> item -> [met, n]


def _deployment_rows(deployments: list[Deployment]) -> dict[RowKey, UnitRow]:
    """The rows (phase, intervention, unit) that the deployments define, without counts yet."""
    rows: dict[RowKey, UnitRow] = {}
    for deployment in deployments:
        deployment_units = list(deployment.police_units.all()) or [None]
        for unit in deployment_units:
            key = (deployment.phase_id, deployment.intervention_id, unit.pk if unit else None)
            row = rows.get(key)
            if row is None:
                row = rows[key] = UnitRow(
                    unit=unit, counts=Counts(), deployed=True, regions_assumed=False
                )
            row.regions_assumed = row.regions_assumed or deployment.regions_assumed
    return rows


def _count_eligible(rows: dict[RowKey, UnitRow], visible: QuerySet) -> dict[int, set[RowKey]]:
    """Adds every eligible case to its rows; returns per case the rows it is eligible in."""
    eligible_of_case: dict[int, set[RowKey]] = defaultdict(set)
    for pk, unit_id, phase_id, intervention_id in _eligible_pairs(visible):
        key = (phase_id, intervention_id, unit_id)
        rows[key].counts.eligible.add(pk)
        eligible_of_case[pk].add(key)
    return eligible_of_case


def _count_deliveries(
    rows: dict[RowKey, UnitRow], visible: QuerySet, phases: list[Phase], units: dict
) -> tuple[int, ItemTallies, dict[int, set[int]]]:
    """Adds the deliveries (as delivered: phase by date, unit of the case) to their rows, making
    a row for a unit without a deployment when needed. Returns the number of deliveries outside
    every phase, the fidelity tallies per item and per phase the cases reached."""
    outside = 0
    item_met: ItemTallies = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    reached: dict[int, set[int]] = defaultdict(set)
    deliveries = (
        Delivery.objects.filter(EFFECTIVE_DELIVERY, case__in=visible.values("pk"))
        .annotate(unit_id=F("case__police_unit_id"))
        .only("case_id", "intervention_id", "date", "delivered", "fidelity")
        .order_by()
    )
    for delivery in deliveries:
        phase = _phase_of(delivery.date, phases)
        if phase is None:
            outside += 1
            continue
        key = (phase.pk, delivery.intervention_id, delivery.unit_id)
        row = rows.get(key)
        if row is None:
            row = rows[key] = UnitRow(
                unit=units.get(delivery.unit_id),
                counts=Counts(),
                deployed=False,
                regions_assumed=False,
            )
        if delivery.delivered:
            row.counts.delivered.add(delivery.case_id)
            reached[phase.pk].add(delivery.case_id)
            share = delivery.fidelity_share
            if share is not None:
                row.counts.shares.append(share)
            for code, met in delivery.fidelity.items():
                tally = item_met[(phase.pk, delivery.intervention_id)][code]
                tally[0] += bool(met)
                tally[1] += 1
        else:
            row.counts.not_delivered += 1
    return outside, item_met, reached


def _count_measures(
    rows: dict[RowKey, UnitRow], visible: QuerySet, eligible_of_case: dict[int, set[RowKey]]
) -> None:
    """Adds the completed measures (at least one answered item) of the eligible cases."""
    measures = (
        Measure.objects.filter(case__in=visible.values("pk"))
        .only("case_id", "moment", "answers")
        .order_by()
    )
    for measure in measures:
        if measure.case_id not in eligible_of_case:
            continue
        if not any(value is not None for value in (measure.answers or {}).values()):
            continue
        for key in eligible_of_case[measure.case_id]:
            counts = rows[key].counts
            counts.measured.add(measure.case_id)
            counts.moments[measure.moment].add(measure.case_id)


def _phase_blocks(
    phase: Phase,
    interventions: list[Intervention],
    rows: dict[RowKey, UnitRow],
    item_met: ItemTallies,
    colours: dict[int, str],
    unit_order: dict[int, int],
) -> tuple[list[InterventionBlock], Counts]:
    """The intervention blocks of one phase (rows in unit order) and the phase's total."""
    blocks = []
    phase_total = Counts()
    for intervention in interventions:
        keyed = [
            (key, row)
            for key, row in rows.items()
            if key[0] == phase.pk and key[1] == intervention.pk
        ]
        if not keyed:
            continue
        keyed.sort(key=lambda kr: (kr[0][2] is None, unit_order.get(kr[0][2], 0)))
        total = Counts()
        for _key, row in keyed:
            total.add(row.counts)
        phase_total.add(total)
        tallies = item_met.get((phase.pk, intervention.pk), {})
        items = [
            FidelityItemShare(
                label=item.label,
                met=tallies.get(item.code, [0, 0])[0],
                total=tallies.get(item.code, [0, 0])[1],
            )
            for item in intervention.fidelity_items.all()
        ]
        blocks.append(
            InterventionBlock(
                intervention=intervention,
                colour=colours[intervention.pk],
                rows=[row for _key, row in keyed],
                total=total,
                items=items,
            )
        )
    return blocks, phase_total


def pilot_dashboard(user) -> Dashboard:
    """Every number of the dashboard for ``user`` (PILOT_READ), in a fixed number of queries,
    computed now (the page serves the stored one: ``stored_dashboard``)."""
    _require(user, policy.Action.PILOT_READ)
    return dashboard_of_cases(cases_visible_to(user))


def stored_dashboard(user) -> Served:
    """The dashboard of ``user``'s data scope as the worker stored it (jobs.results; the kind is
    registered by analysis, which owns the data fingerprint)."""
    _require(user, policy.Action.PILOT_READ)
    return result_for(RESULT_KIND, policy.research_scope(user).key)


def compact(dash: Dashboard) -> Dashboard:
    """``dash`` with every Counts replaced by its CountSummary: the same page, no case ids."""

    def block(b: InterventionBlock) -> InterventionBlock:
        rows = [dataclasses.replace(r, counts=CountSummary.of(r.counts)) for r in b.rows]
        return dataclasses.replace(b, rows=rows, total=CountSummary.of(b.total))

    phases = [
        dataclasses.replace(p, blocks=[block(b) for b in p.blocks], total=CountSummary.of(p.total))
        for p in dash.phases
    ]
    return dataclasses.replace(dash, phases=phases)


def dashboard_of_cases(visible: QuerySet) -> Dashboard:
    """Every number of the dashboard over the cases ``visible`` (already scoped by the policy:
    cases_visible_to, cases_of_research_scope)."""
    today = timezone.localdate()
    phases = list(Phase.objects.order_by("start"))
    interventions = list(Intervention.objects.prefetch_related("fidelity_items").order_by("order"))
    deployments = list(
        Deployment.objects.select_related("intervention", "phase")
        .prefetch_related("police_units")
        .order_by("phase__start", "intervention__order", "start", "pk")
    )
    units = {unit.pk: unit for unit in PoliceUnit.objects.all()}
    colours = charts.intervention_colours(interventions)

    rows = _deployment_rows(deployments)
    eligible_of_case = _count_eligible(rows, visible)
    visible_count = visible.count()
    outside, item_met, reached = _count_deliveries(rows, visible, phases, units)
    _count_measures(rows, visible, eligible_of_case)

    summaries = []
    unit_order = {pk: i for i, pk in enumerate(units)}
    for phase in phases:
        blocks, phase_total = _phase_blocks(
            phase, interventions, rows, item_met, colours, unit_order
        )
        n_reached = len(reached.get(phase.pk, ()))
        percent = 100 * n_reached / phase.target_victims if phase.target_victims else None
        progress_svg, chart_svg = charts.phase_charts(
            phase.label,
            reached=n_reached,
            target=phase.target_victims,
            bars=[
                (b.intervention.label, b.total.eligible_count, b.total.delivered_count)
                for b in blocks
            ],
        )
        summaries.append(
            PhaseSummary(
                phase=phase,
                blocks=blocks,
                total=phase_total,
                reached=n_reached,
                percent=percent,
                progress_svg=progress_svg,
                chart_svg=chart_svg,
            )
        )

    timeline_svg, legend = charts.deployment_timeline(
        deployments, list(units.values()), colours=colours, interventions=interventions, today=today
    )
    return Dashboard(
        phases=summaries,
        visible_cases=visible_count,
        deliveries_outside_phases=outside,
        timeline_svg=timeline_svg,
        timeline_legend=legend,
        deployments=deployments,
        moments=MOMENTS,
        today=today,
    )


# --- deployments (management) ----------------------------------------------------------------


def require_manage(user) -> None:
    """PILOT_MANAGE or 403 (for pages that read nothing yet, like a new deployment)."""
    _require(user, policy.Action.PILOT_MANAGE)


def deployment_list(user) -> list[Deployment]:
    """Every deployment, for researchers who manage the pilot (PILOT_MANAGE)."""
    _require(user, policy.Action.PILOT_MANAGE)
    return list(
        Deployment.objects.select_related("intervention", "phase")
        .prefetch_related("police_units")
        .order_by("phase__start", "intervention__order", "start", "pk")
    )


def deployment_get_for(user, pk: int) -> Deployment:
    """One deployment to edit (PILOT_MANAGE); 404 when it does not exist."""
    _require(user, policy.Action.PILOT_MANAGE)
    deployment = (
        Deployment.objects.select_related("intervention", "phase")
        .prefetch_related("police_units")
        .filter(pk=pk)
        .first()
    )
    if deployment is None:
        raise Http404("deployment not found")
    return deployment
