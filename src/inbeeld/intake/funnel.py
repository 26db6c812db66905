"""The signal funnel from the database: signals in the viewer's scope → triaged → converted →
police contact → complaint, per police unit and signaller type (DESIGN §2.1, §2.5).

The counting lives in stats.funnel (``signal_funnel``, one definition of the stages and their
nesting, shared with the monitor's chain funnel); this module only loads its table from the ORM in
a constant number of queries (``funnel_table``) and scopes it by the policy
(``signal_funnel_for``). The case stages only count cases the viewer may see: a researcher counts
the conversion of a case without research consent, but not what happened on that case afterwards
(ADR 0004).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING

import polars as pl
from django.db.models import BooleanField, ExpressionWrapper, Q

from inbeeld.stats import vocabulary
from inbeeld.stats.funnel import (  # re-exported: the intake views and templates read these
    SIGNAL_FUNNEL_SCHEMA,
    STAGES,
    FunnelCounts,
    FunnelResult,
    FunnelRow,
    signal_funnel,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from inbeeld.cases.models import Case
    from inbeeld.intake.models import Signal

__all__ = [
    "STAGES",
    "FunnelCounts",
    "FunnelResult",
    "FunnelRow",
    "funnel_table",
    "signal_funnel_for",
]

# Chain-event codes behind the case stages.
POLICE_CONTACT_EVENT = vocabulary.FIRST_POLICE_CONTACT
COMPLAINT_EVENT = vocabulary.COMPLAINT_FILED


def funnel_table(signals: QuerySet[Signal], *, visible_cases: QuerySet[Case]) -> pl.DataFrame:
    """The signal funnel's table (stats.funnel.SIGNAL_FUNNEL_SCHEMA), one row per signal in
    ``signals``, in two queries whatever their number: the signals themselves, and the effective
    first-contact and complaint events of their cases that lie in ``visible_cases``. A case
    outside ``visible_cases`` still counts as a conversion, but not for the case stages."""
    from inbeeld.cases.models import ChainEvent

    # Whether a signal was picked up, as a boolean the database computes: not its moment, which
    # would be parsed into a datetime for each of a thousand signals only to be tested for None.
    rows = list(
        signals.order_by()
        .annotate(acknowledged=ExpressionWrapper(~Q(acknowledged_at=None), BooleanField()))
        .values_list("police_unit__code", "signaller_type", "acknowledged", "case_id")
    )
    linked = {case_id for *_, case_id in rows if case_id is not None}
    reached: dict[int, set[str]] = defaultdict(set)
    if linked:
        events = (
            ChainEvent.objects.filter(
                case_id__in=visible_cases.order_by()
                .filter(pk__in=signals.order_by().filter(case__isnull=False).values("case_id"))
                .values("pk"),
                event_type__code__in=(POLICE_CONTACT_EVENT, COMPLAINT_EVENT),
                # Effective: no correction supersedes it, not withdrawn (EFFECTIVE_EVENT).
                superseded_by__isnull=True,
                withdrawal__isnull=True,
            )
            .order_by()
            .values_list("case_id", "event_type__code")
            .distinct()
        )
        for case_id, code in events:
            reached[case_id].add(code)
    return pl.DataFrame(
        [
            (
                unit,
                kind,
                acknowledged,
                case_id is not None,
                POLICE_CONTACT_EVENT in reached.get(case_id, ()),
                COMPLAINT_EVENT in reached.get(case_id, ()),
            )
            for unit, kind, acknowledged, case_id in rows
        ],
        schema=SIGNAL_FUNNEL_SCHEMA,
        orient="row",
    )


def _local_midnight(day: dt.date) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def signal_funnel_for(
    user, *, received_from: dt.date | None = None, received_to: dt.date | None = None
) -> FunnelResult:
    """The funnel of the signals ``user`` may count (policy: SIGNAL_FUNNEL), received between
    ``received_from`` and ``received_to`` (local dates, both inclusive); the case stages count only
    the cases ``user`` may see. A user without the right gets an empty result."""
    from inbeeld import policy
    from inbeeld.cases.selectors import cases_visible_to
    from inbeeld.intake.models import Signal

    scope = policy.signal_scope_filter(user, policy.Action.SIGNAL_FUNNEL)
    if scope is None:
        return FunnelResult()
    signals = Signal.objects.filter(scope)
    if received_from is not None:
        signals = signals.filter(received_at__gte=_local_midnight(received_from))
    if received_to is not None:
        signals = signals.filter(
            received_at__lt=_local_midnight(received_to + dt.timedelta(days=1))
        )
    return signal_funnel(funnel_table(signals, visible_cases=cases_visible_to(user)))
