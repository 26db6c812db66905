"""The printable case summary (issue 14 item 14): what a coordinator or police officer takes to a
case meeting. Reads only; the case comes from cases.selectors.case_get_for (the case page's policy
and selector) and the timeline from case_timeline, so the summary shows nothing the case page
would not show to the same user.

Lead times of one case follow the evaluation's stages (stats.vocabulary.MILESTONES, ADR 0006):
from the first effective occurrence of a milestone to the first of the next one. A corrected or
withdrawn event counts nowhere. A stage whose start was reached but not its end is "still
running" (days until today) while the case has not left the process; after a withdrawal or a
closure it is not shown. A date known only to the month or year makes the figure approximate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from inbeeld.cases.models import ChainEvent, event_type_label
from inbeeld.cases.selectors import TimelineEntry
from inbeeld.stats.vocabulary import ENDING_EVENTS, MILESTONES


@dataclass(frozen=True)
class CaseLeadTime:
    """One stage of one case: ``days`` from ``start`` to ``end`` (or to today when ``running``)."""

    start: str  # the start milestone's label
    end: str  # the next milestone's label
    days: int
    running: bool  # the next milestone is not reached yet: counted until today
    approximate: bool  # one of the dates is known only to the month or the year


def _first_effective(timeline: list[TimelineEntry]) -> dict[str, ChainEvent]:
    first: dict[str, ChainEvent] = {}
    for entry in timeline:  # oldest first (case_timeline orders by date)
        if entry.effective:
            first.setdefault(entry.event.event_type.code, entry.event)
    return first


def _imprecise(*events: ChainEvent) -> bool:
    return any(e.date_precision != "day" for e in events)


def case_lead_times(timeline: list[TimelineEntry], *, today: dt.date) -> list[CaseLeadTime]:
    """The stages of the case in chain order, then the whole chain (first contact to verdict)
    when both ends were reached."""
    first = _first_effective(timeline)
    left_process = any(code in first for code in ENDING_EVENTS)
    codes = [code for code, _name in MILESTONES]
    stages = [*zip(codes[:-1], codes[1:], strict=True)]
    result = []
    for start_code, end_code in stages:
        start = first.get(start_code)
        if start is None:
            continue
        end = first.get(end_code)
        if end is None and left_process:
            continue
        if end is not None and end.event_date < start.event_date:
            continue  # not a step of this process (as in stats.outcomes: end >= start)
        until = end.event_date if end is not None else today
        result.append(
            CaseLeadTime(
                start=start.event_type.label,
                end=end.event_type.label if end is not None else event_type_label(end_code),
                days=(until - start.event_date).days,
                running=end is None,
                approximate=_imprecise(start, *([end] if end is not None else [])),
            )
        )
    start, end = first.get(codes[0]), first.get(codes[-1])
    if start is not None and end is not None and end.event_date >= start.event_date:
        result.append(
            CaseLeadTime(
                start=start.event_type.label,
                end=end.event_type.label,
                days=(end.event_date - start.event_date).days,
                running=False,
                approximate=_imprecise(start, end),
            )
        )
    return result
