"""What needs doing on cases (issue 14 item 9): the to-do lists behind the start page's counts,
each also a filter of the case list (CaseFilters.todo), so a count links to exactly its cases.

Reads only: every list starts from cases_visible_to(user) (the policy), effective events only
(EFFECTIVE_EVENT: a corrected or withdrawn event counts nowhere)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from inbeeld.cases.models import EFFECTIVE_EVENT, Case, ChainEvent
from inbeeld.cases.workflow import Status
from inbeeld.stats import vocabulary as ev

# Phases in which the victim's decision on a complaint is still awaited.
_BEFORE_COMPLAINT_DECISION = (Status.INTAKE, Status.POLICE_CONTACT, Status.INVESTIGATION)

NO_COMPLAINT_DECISION = "no_complaint_decision"
OPEN_REFLECTION = "open_reflection"
AWAITING_DECISION = "awaiting_decision"

TODO_CHOICES = [
    (NO_COMPLAINT_DECISION, _("Nog geen besluit over aangifte")),
    (OPEN_REFLECTION, _("Lopende bedenktijd")),
    (AWAITING_DECISION, _("Wacht op vervolgingsbeslissing")),
]


def _effective(case_ref, *codes: str):
    return ChainEvent.objects.filter(EFFECTIVE_EVENT, case=case_ref, event_type__code__in=codes)


def apply_todo(qs: QuerySet[Case], todo: str) -> QuerySet[Case]:
    """``qs`` narrowed to the to-do list ``todo``; unchanged for an unknown name."""
    if todo == NO_COMPLAINT_DECISION:
        decided = _effective(OuterRef("pk"), ev.COMPLAINT_FILED, ev.COMPLAINT_DECLINED)
        return qs.filter(status__in=_BEFORE_COMPLAINT_DECISION).filter(~Exists(decided))
    if todo == OPEN_REFLECTION:
        return _open_reflection(qs)
    if todo == AWAITING_DECISION:
        # A prosecution decision is due once the case is under investigation (workflow table).
        return qs.filter(status=Status.INVESTIGATION)
    return qs


def _open_reflection(qs: QuerySet[Case]) -> QuerySet[Case]:
    # Periods never overlap (workflow.PERIODS): one is open when the effective events hold more
    # starts than ends.
    starts = Count(
        "events",
        filter=Q(events__event_type__code=ev.REFLECTION_PERIOD_START)
        & Q(events__superseded_by__isnull=True, events__withdrawal__isnull=True),
        distinct=True,
    )
    ends = Count(
        "events",
        filter=Q(events__event_type__code=ev.REFLECTION_PERIOD_END)
        & Q(events__superseded_by__isnull=True, events__withdrawal__isnull=True),
        distinct=True,
    )
    open_ids = (
        qs.annotate(period_starts=starts, period_ends=ends)
        .filter(period_starts__gt=0)
        .filter(period_starts__gt=F("period_ends"))
        .values("pk")
    )
    return qs.filter(pk__in=open_ids)


def research_cut_off(cases: QuerySet[Case]) -> dt.date | None:
    """The data cut-off of ``cases``: the last event date recorded in them (None: no data)."""
    return ChainEvent.objects.filter(EFFECTIVE_EVENT, case__in=cases.values("pk")).aggregate(
        last=Max("event_date")
    )["last"]


def consent_coverage() -> tuple[int, int]:
    """(cases with research consent, all cases): an aggregate, no case identified."""
    totals = Case.objects.aggregate(
        given=Count("pk", filter=Q(research_consent=True)), total=Count("pk")
    )
    return totals["given"], totals["total"]
