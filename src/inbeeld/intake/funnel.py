"""The signal funnel: how many signals are triaged, become a case, reach the police and end in a
complaint, per police unit and signaller type (DESIGN §2.1: "conversion into a case keeps the link
(funnel)"; §2.5: the chain funnel of the monitor).

Stages, in order:

1. signals    — every signal in the viewer's scope;
2. triaged    — the signal left 'received' (``acknowledged_at`` is set);
3. converted  — the signal became a case (``signal.case`` is set);
4. police_contact — the linked case has an effective (not superseded) 'first_police_contact';
5. complaint  — the linked case has an effective 'complaint_filed'.

The stages are nested: a record counts at a stage when it reached that stage or a later one. A
complaint is filed with the police, so a case with a complaint but no separate first-contact event
still counts as police contact, and a conversion always passed triage. So every count is at most
the one before it and every share between consecutive stages lies in [0, 1].

Two layers: a pure core (``FunnelRecord``, ``compute_funnel``; no Django import, so the monitor can
reuse it on other tables) and the glue that builds records from the ORM in a constant number of
queries (``funnel_records``) and scopes them by the policy (``signal_funnel_for``). The case stages
only count cases the viewer may see: a researcher counts the conversion of a case without research
consent, but not what happened on that case afterwards (ADR 0004).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for the annotations: the core needs no Django
    from django.db.models import QuerySet

    from inbeeld.cases.models import Case
    from inbeeld.intake.models import Signal

STAGES = ("signals", "triaged", "converted", "police_contact", "complaint")

# Chain-event codes behind the case stages.
POLICE_CONTACT_EVENT = "first_police_contact"
COMPLAINT_EVENT = "complaint_filed"


# --- the pure core --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelRecord:
    """One signal: where it went and how far it got."""

    police_unit: str  # code of the unit the signal is routed to
    signaller_type: str
    triaged: bool
    converted: bool
    police_contact: bool
    complaint: bool

    @property
    def depth(self) -> int:
        """The furthest stage reached, as an index into STAGES (0: only received)."""
        flags = (self.triaged, self.converted, self.police_contact, self.complaint)
        for index in range(len(flags), 0, -1):
            if flags[index - 1]:
                return index
        return 0


def share(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when the denominator is 0 (no share to speak of)."""
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class FunnelCounts:
    """The five stage counts of a group of signals and the shares between consecutive stages."""

    signals: int = 0
    triaged: int = 0
    converted: int = 0
    police_contact: int = 0
    complaint: int = 0

    @property
    def counts(self) -> tuple[int, int, int, int, int]:
        return (self.signals, self.triaged, self.converted, self.police_contact, self.complaint)

    @property
    def triaged_share(self) -> float | None:
        """Of the signals, the share taken into triage."""
        return share(self.triaged, self.signals)

    @property
    def converted_share(self) -> float | None:
        """Of the triaged signals, the share converted into a case."""
        return share(self.converted, self.triaged)

    @property
    def police_contact_share(self) -> float | None:
        """Of the converted signals, the share whose case reached first police contact."""
        return share(self.police_contact, self.converted)

    @property
    def complaint_share(self) -> float | None:
        """Of the signals with police contact, the share whose case has a complaint."""
        return share(self.complaint, self.police_contact)

    @property
    def shares(self) -> tuple[float | None, float | None, float | None, float | None]:
        """The four shares between consecutive stages, in STAGES order."""
        return (
            self.triaged_share,
            self.converted_share,
            self.police_contact_share,
            self.complaint_share,
        )


@dataclass(frozen=True)
class FunnelRow:
    """The funnel of one group: a (unit, signaller type) cell, or a total where a key is None."""

    police_unit: str | None
    signaller_type: str | None
    counts: FunnelCounts


@dataclass(frozen=True)
class FunnelResult:
    """Rows per (unit, signaller type), totals per unit, per signaller type and overall. Rows and
    totals are sorted by their codes; groups without any signal do not appear."""

    rows: tuple[FunnelRow, ...] = ()
    by_unit: tuple[FunnelRow, ...] = ()
    by_signaller_type: tuple[FunnelRow, ...] = ()
    total: FunnelCounts = FunnelCounts()

    @property
    def is_empty(self) -> bool:
        return self.total.signals == 0

    def row(self, police_unit: str, signaller_type: str) -> FunnelCounts:
        """The counts of one cell (all zero when the cell has no signals)."""
        return _find(self.rows, police_unit, signaller_type)

    def unit_total(self, police_unit: str) -> FunnelCounts:
        return _find(self.by_unit, police_unit, None)

    def signaller_type_total(self, signaller_type: str) -> FunnelCounts:
        return _find(self.by_signaller_type, None, signaller_type)


def _find(rows: tuple[FunnelRow, ...], unit: str | None, kind: str | None) -> FunnelCounts:
    for row in rows:
        if row.police_unit == unit and row.signaller_type == kind:
            return row.counts
    return FunnelCounts()


def _counts(depths: list[int]) -> FunnelCounts:
    histogram = [0] * len(STAGES)
    for depth in depths:
        histogram[depth] += 1
    # reached[k]: how many records reached stage k or further.
    reached = [sum(histogram[k:]) for k in range(len(STAGES))]
    return FunnelCounts(*reached)


def compute_funnel(records: Iterable[FunnelRecord]) -> FunnelResult:
    """The funnel of ``records``: per (unit, signaller type), per unit, per type and overall."""
    cells: dict[tuple[str, str], list[int]] = defaultdict(list)
    units: dict[str, list[int]] = defaultdict(list)
    kinds: dict[str, list[int]] = defaultdict(list)
    everything: list[int] = []
    for record in records:
        depth = record.depth
        cells[(record.police_unit, record.signaller_type)].append(depth)
        units[record.police_unit].append(depth)
        kinds[record.signaller_type].append(depth)
        everything.append(depth)
    return FunnelResult(
        rows=tuple(FunnelRow(u, k, _counts(cells[(u, k)])) for u, k in sorted(cells)),
        by_unit=tuple(FunnelRow(u, None, _counts(units[u])) for u in sorted(units)),
        by_signaller_type=tuple(FunnelRow(None, k, _counts(kinds[k])) for k in sorted(kinds)),
        total=_counts(everything),
    )


# --- glue: records from the database, scoped by the policy -------------------------------------------


def funnel_records(
    signals: QuerySet[Signal], *, visible_cases: QuerySet[Case]
) -> list[FunnelRecord]:
    """One FunnelRecord per signal in ``signals``, in two queries whatever their number: the
    signals themselves, and the effective first-contact and complaint events of their cases that
    lie in ``visible_cases``. A case outside ``visible_cases`` still counts as a conversion, but
    not for the case stages."""
    from inbeeld.cases.models import ChainEvent

    rows = list(
        signals.order_by().values_list(
            "police_unit__code", "signaller_type", "acknowledged_at", "case_id"
        )
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
                # Effective: no correction supersedes it.
                superseded_by__isnull=True,
            )
            .order_by()
            .values_list("case_id", "event_type__code")
            .distinct()
        )
        for case_id, code in events:
            reached[case_id].add(code)
    return [
        FunnelRecord(
            police_unit=unit,
            signaller_type=kind,
            triaged=acknowledged_at is not None,
            converted=case_id is not None,
            police_contact=POLICE_CONTACT_EVENT in reached.get(case_id, ()),
            complaint=COMPLAINT_EVENT in reached.get(case_id, ()),
        )
        for unit, kind, acknowledged_at, case_id in rows
    ]


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
    return compute_funnel(funnel_records(signals, visible_cases=cases_visible_to(user)))
