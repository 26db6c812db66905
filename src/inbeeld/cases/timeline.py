"""A case's effective timeline in recording order, and the timeline as it would be after a change.

Corrections and withdrawals are checked against the timeline *as it would be after* the change:
the effective events are replayed through the workflow with the change applied (a correction in
the place of the event it corrects, a withdrawn event left out). When that replay stops, the
refusal names the event the user chose first, and then, when it is another one, the event that
would no longer fit and why — never only the other event (issue 14, item 1).
"""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from inbeeld.cases.models import Case, ChainEvent
from inbeeld.cases.workflow import (
    ChainState,
    ReplayStep,
    StepRefused,
    TransitionNotAllowed,
    open_periods_after,
    replay_state,
)


def effective_in_recording_order(case: Case) -> list[ChainEvent]:
    """The case's effective events (not superseded, not withdrawn), each at the recording
    position of the first version of its chain of corrections."""
    events = list(case.events.select_related("event_type", "withdrawal").order_by("pk"))
    by_pk = {e.pk: e for e in events}
    superseded = {e.supersedes_id for e in events if e.supersedes_id}
    position = {}
    for e in events:
        root = e
        while root.supersedes_id:
            root = by_pk[root.supersedes_id]
        position[e.pk] = root.pk
    effective = [e for e in events if e.pk not in superseded and not _is_withdrawn(e)]
    return sorted(effective, key=lambda e: position[e.pk])


def _is_withdrawn(event: ChainEvent) -> bool:
    try:
        return event.withdrawal is not None
    except ChainEvent.withdrawal.RelatedObjectDoesNotExist:
        return False


def state_for_recording(case: Case) -> ChainState:
    """Where ``case`` stands for a new event: its stored status and the periods its effective
    timeline leaves open."""
    codes = (e.event_type.code for e in effective_in_recording_order(case))
    return ChainState(case.status, open_periods_after(codes))


def _describe(event: ChainEvent) -> dict[str, str]:
    return {"other": event.event_type.label, "date": date_format(event.event_date, "j F Y")}


def status_after_correction(
    timeline: list[ChainEvent], original: ChainEvent, step: ReplayStep, chosen_label: str
) -> str:
    """The status after ``timeline`` with ``original`` replaced by ``step``; refused (naming the
    chosen event ``chosen_label`` first) when that timeline does not replay."""
    steps = [
        step if e.pk == original.pk else ReplayStep(e.event_type.code, e.outcome) for e in timeline
    ]
    try:
        return replay_state(steps).status
    except StepRefused as refused:
        other = timeline[refused.position]
        if other.pk == original.pk:
            raise  # the chosen event itself: the workflow's message names it
        message = _(
            "De correctie naar '%(chosen)s' kan niet worden vastgelegd: daarmee past '%(other)s' "
            "van %(date)s niet in de tijdlijn. %(reason)s Trek '%(other)s' in als die per "
            "vergissing is vastgelegd, of kies een andere gebeurtenis."
        ) % {"chosen": chosen_label, **_describe(other), "reason": refused.message}
        raise TransitionNotAllowed(refused.current, refused.target, message) from None


def status_after_withdrawal(timeline: list[ChainEvent], withdrawn: ChainEvent) -> str:
    """The status after ``timeline`` without ``withdrawn``; refused (naming the withdrawn event
    first) when the rest of the timeline does not replay without it."""
    rest = [e for e in timeline if e.pk != withdrawn.pk]
    try:
        return replay_state(ReplayStep(e.event_type.code, e.outcome) for e in rest).status
    except StepRefused as refused:
        other = rest[refused.position]
        message = _(
            "'%(chosen)s' van %(chosen_date)s kan niet worden ingetrokken: zonder deze "
            "gebeurtenis past '%(other)s' van %(date)s niet in de tijdlijn. %(reason)s Trek "
            "eerst '%(other)s' in of corrigeer die."
        ) % {
            "chosen": withdrawn.event_type.label,
            "chosen_date": date_format(withdrawn.event_date, "j F Y"),
            **_describe(other),
            "reason": refused.message,
        }
        raise TransitionNotAllowed(refused.current, refused.target, message) from None
