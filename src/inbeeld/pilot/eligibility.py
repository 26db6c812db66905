"""Intention-to-treat exposure: which interventions were active for a case's unit on its index
date. One definition, used by the case page, the dashboard and (later) the evaluation.

The rules themselves (index date: the first effective police contact, else the intake date;
exposure: a deployment active on that day, both ends inclusive, an open end runs on) are written
down once in stats.vocabulary; this module is their ORM form. tests/pilot/test_rule_forms.py runs
this form and the polars form on the same database rows and requires the same answers.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import DateField, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from inbeeld.pilot.models import Deployment, Intervention
from inbeeld.stats import vocabulary


def first_contact_expression() -> Subquery:
    """An ORM expression for a case's first effective police contact (None without one)."""
    from inbeeld.cases.models import EFFECTIVE_EVENT, ChainEvent

    first_contact = (
        ChainEvent.objects.filter(
            EFFECTIVE_EVENT,
            case=OuterRef("pk"),
            event_type__code=vocabulary.INDEX_EVENT,
        )
        .values("case")
        .annotate(first=Min("event_date"))
        .values("first")[:1]
    )
    return Subquery(first_contact, output_field=DateField())


def index_date_expression():
    """An ORM expression for a case's index date (annotate Case querysets with it):
    vocabulary.index_date_expr on the effective (not superseded, not withdrawn) events."""
    return Coalesce(first_contact_expression(), "intake_date")


def case_index(case) -> tuple[dt.date, bool]:
    """The case's index date and whether it is its first police contact (else the intake date),
    in one query."""
    from inbeeld.cases.models import Case

    first_contact, intake = (
        Case.objects.filter(pk=case.pk)
        .annotate(first_contact=first_contact_expression())
        .values_list("first_contact", "intake_date")
        .get()
    )
    return (first_contact or intake), first_contact is not None


def case_index_of(case, timeline) -> tuple[dt.date, bool]:
    """As case_index, from the case's timeline (cases.selectors.case_timeline: every event with
    whether it is effective) that the case page has read already: no query."""
    contacts = [
        entry.event.event_date
        for entry in timeline
        if entry.effective and entry.event.event_type.code == vocabulary.INDEX_EVENT
    ]
    if contacts:
        return min(contacts), True
    return case.intake_date, False


def case_index_date(case) -> dt.date:
    return case_index(case)[0]


def active_on(day: dt.date) -> Q:
    """Deployments active on ``day`` (both ends inclusive): vocabulary.deployment_active."""
    return Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gte=day))


def active_deployments(*, police_unit_id: int, day: dt.date) -> QuerySet[Deployment]:
    return Deployment.objects.filter(active_on(day), police_units__id=police_unit_id).distinct()


def eligible_interventions(case, *, index_date: dt.date | None = None) -> list[Intervention]:
    """The interventions active for ``case``'s unit on its index date (intention to treat)."""
    day = index_date or case_index_date(case)
    ids = active_deployments(police_unit_id=case.police_unit_id, day=day).values("intervention_id")
    return list(Intervention.objects.filter(pk__in=ids).order_by("order"))
