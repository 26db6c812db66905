"""Case-level reads of the pilot: eligibility, deliveries and measures of one case for one user.

``case`` must come from ``cases.selectors.case_get_for`` (already authorised and audited). Who
recorded a delivery is shown only to viewers who may see people on the case page (the same rule
as the timeline: researchers see no names); a reason "not delivered" only to the role family
that wrote it (like a note); scores of measures are numbers, not free text, so
every viewer of the case sees them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import Http404

from inbeeld import policy, web
from inbeeld.pilot import eligibility
from inbeeld.pilot.models import (
    Delivery,
    DeliveryWithdrawal,
    Deployment,
    Instrument,
    Intervention,
    Measure,
)


@dataclass(frozen=True)
class EligibleIntervention:
    intervention: Intervention
    deployments: list[Deployment]  # the deployments active for the case's unit on its index date

    @property
    def regions_assumed(self) -> bool:
        return any(d.regions_assumed for d in self.deployments)


@dataclass(frozen=True)
class FidelityCheck:
    label: str
    met: bool


@dataclass(frozen=True)
class DeliveryRow:
    delivery: Delivery
    checklist: list[FidelityCheck]
    met: int
    total: int
    recorded_by: str | None  # None: the viewer may not see people
    organisation: str | None
    reason: str | None  # None: there is no reason, or the viewer's family may not read it
    has_reason: bool
    superseded: bool = False  # corrected by a later delivery: counts nowhere
    corrects: Delivery | None = None
    withdrawal: DeliveryWithdrawal | None = None  # withdrawn: struck through, counts nowhere
    withdrawn_by: str | None = None  # None: the viewer may not see people
    may_change: bool = False  # the viewer may correct or withdraw it

    @property
    def effective(self) -> bool:
        return not self.superseded and self.withdrawal is None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawal is not None

    @property
    def withdrawal_reason(self) -> str:
        """The code of the withdrawal's reason (WithdrawalReason), or "" when not withdrawn."""
        return self.withdrawal.reason if self.withdrawal is not None else ""


@dataclass(frozen=True)
class MeasureAnswer:
    label: str
    value: int | None


@dataclass(frozen=True)
class MeasureRow:
    measure: Measure
    answers: list[MeasureAnswer]
    answered: int
    total: int


@dataclass(frozen=True)
class PilotCaseSummary:
    index_date: dt.date
    index_from_police_contact: bool  # False: no first police contact, the intake date counts
    eligible: list[EligibleIntervention]
    deliveries: list[DeliveryRow]
    measures: list[MeasureRow]
    show_people: bool
    can_deliver: bool
    can_measure: bool


def eligible_for_case(case, *, index_date: dt.date | None = None) -> list[EligibleIntervention]:
    """The interventions active for ``case``'s unit on its index date, with their deployments."""
    day = index_date or eligibility.case_index_date(case)
    deployments = list(
        eligibility.active_deployments(police_unit_id=case.police_unit_id, day=day)
        .select_related("intervention", "phase")
        .order_by("intervention__order", "start")
    )
    # The deployments come in the interventions' order, so their interventions are
    # eligibility.eligible_interventions without a second query (tests/pilot: the same list).
    by_intervention: dict[int, EligibleIntervention] = {}
    for deployment in deployments:
        row = by_intervention.setdefault(
            deployment.intervention_id,
            EligibleIntervention(intervention=deployment.intervention, deployments=[]),
        )
        row.deployments.append(deployment)
    return list(by_intervention.values())


def case_deliveries(user, case) -> list[DeliveryRow]:
    """The deliveries recorded on ``case``, oldest first, with their fidelity checklists.

    A reason "not delivered" is free text: decrypted only for a viewer whose role family wrote it
    (policy.readable_note_families, as notes); a reason without a family is shown to nobody."""
    show_people = policy.can(user, policy.Action.NOTE_READ, case)
    families = policy.readable_note_families(user, case)
    deliverable = policy.deliverable_intervention_codes(user, case)
    # The withdrawal (one-to-one) in the same query: a left join instead of a second read.
    deliveries = list(
        Delivery.objects.filter(case=case)
        .select_related(
            "intervention",
            "recorded_by",
            "organisation",
            "supersedes__intervention",
            "withdrawal__withdrawn_by",
            "withdrawal__organisation",
        )
        .prefetch_related("intervention__fidelity_items")
        .order_by("date", "id")
    )
    superseded_ids = {d.supersedes_id for d in deliveries if d.supersedes_id}
    rows = []
    for delivery in deliveries:
        withdrawal = web.loaded_one(delivery, "withdrawal")
        superseded = delivery.pk in superseded_ids
        labels = {item.code: item.label for item in delivery.intervention.fidelity_items.all()}
        order = list(labels)
        checklist = [
            FidelityCheck(label=labels.get(code, code), met=bool(met))
            for code, met in sorted(
                delivery.fidelity.items(),
                key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order),
            )
        ]
        rows.append(
            DeliveryRow(
                delivery=delivery,
                checklist=checklist,
                met=sum(check.met for check in checklist),
                total=len(checklist),
                recorded_by=str(delivery.recorded_by)
                if show_people and delivery.recorded_by
                else None,
                organisation=str(delivery.organisation)
                if show_people and delivery.organisation
                else None,
                reason=delivery.reason_not_delivered
                if delivery.reason_ciphertext and delivery.reason_family in families
                else None,
                has_reason=bool(delivery.reason_ciphertext),
                superseded=superseded,
                corrects=delivery.supersedes,
                withdrawal=withdrawal,
                withdrawn_by=_withdrawn_by(withdrawal, show_people),
                may_change=not superseded
                and withdrawal is None
                and delivery.intervention.code in deliverable,
            )
        )
    return rows


def _withdrawn_by(withdrawal: DeliveryWithdrawal | None, show_people: bool) -> str | None:
    if withdrawal is None or not show_people or withdrawal.withdrawn_by is None:
        return None
    who = str(withdrawal.withdrawn_by)
    return f"{who}, {withdrawal.organisation}" if withdrawal.organisation else who


def delivery_row_for(user, case, delivery_id: int) -> DeliveryRow:
    """One delivery of an already-authorised ``case``, as the case page shows it to ``user``
    (404 when it belongs to another case)."""
    row = next((r for r in case_deliveries(user, case) if r.delivery.pk == delivery_id), None)
    if row is None:
        raise Http404("delivery not found")
    return row


def case_measures(user, case) -> list[MeasureRow]:
    """The victim-reported measures of ``case``, oldest first, with answered counts."""
    rows = []
    for measure in (
        Measure.objects.filter(case=case).select_related("instrument").order_by("date", "id")
    ):
        answers = [
            MeasureAnswer(label=item["label"], value=measure.answers.get(item["code"]))
            for item in measure.instrument.items
        ]
        rows.append(
            MeasureRow(
                measure=measure,
                answers=answers,
                answered=sum(a.value is not None for a in answers),
                total=len(answers),
            )
        )
    return rows


def pilot_case_summary(user, case, *, timeline=None) -> PilotCaseSummary:
    """Everything the case page shows about the pilot, for ``user``. ``timeline``: the case's
    timeline (cases.selectors.case_timeline) when the page has read it already."""
    if timeline is None:
        index_date, from_police_contact = eligibility.case_index(case)
    else:
        index_date, from_police_contact = eligibility.case_index_of(case, timeline)
    return PilotCaseSummary(
        index_date=index_date,
        index_from_police_contact=from_police_contact,
        eligible=eligible_for_case(case, index_date=index_date),
        deliveries=case_deliveries(user, case),
        measures=case_measures(user, case),
        show_people=policy.can(user, policy.Action.NOTE_READ, case),
        can_deliver=bool(policy.deliverable_intervention_codes(user, case)),
        can_measure=policy.can(user, policy.Action.MEASURE_RECORD, case),
    )


def instruments_newest_first() -> list[Instrument]:
    """Every questionnaire, by code and newest version first (the first is the default)."""
    return list(Instrument.objects.order_by("code", "-version"))
