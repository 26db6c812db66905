"""The chain workflow as an explicit transition table.

A case's status is the chain phase it has reached. It is never set by hand: it is the result of
replaying the case's effective events (those not superseded by a correction and not withdrawn)
through TRANSITIONS, in recording order, with a correction standing in the place of the event it
supersedes. An event that the table does not allow in the current status is refused with a Dutch
message.

TRANSITIONS[status][event_code] is either
- SAME: allowed, the status stays;
- a Status: allowed, the case moves there;
- a dict {outcome_code: Status, "*": Status}: the next status depends on the event's outcome.

PERIODS pairs an end event with its start: an end is refused unless its period is open (started
and not yet ended), and a start is refused while its period is open. The replay state is
therefore (status, open periods): ChainState and next_state. The other starts and ends of the
chain need no second table, the status already orders them: a verdict only in the trial phase
(reached only by a trial hearing), an appeal verdict only in the appeal phase (reached only by
an appeal), a prosecution decision only after a complaint or an investigation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from inbeeld.stats import vocabulary as ev
from inbeeld.web import TransitionNotAllowed


class Status(models.TextChoices):
    INTAKE = "intake", _("Instroom")
    POLICE_CONTACT = "police_contact", _("Contact met politie")
    INVESTIGATION = "investigation", _("Opsporing")
    PROSECUTION = "prosecution", _("Vervolging")
    DISMISSED = "dismissed", _("Geseponeerd")
    TRIAL = "trial", _("Berechting")
    VERDICT = "verdict", _("Uitspraak")
    APPEAL = "appeal", _("Hoger beroep")
    CLOSED = "closed", _("Afgesloten")


SAME = "="

# Events that may happen alongside any open phase without moving it.
_ALONGSIDE = {
    ev.SAFETY_ASSESSMENT: SAME,
    ev.COMENSHA_REGISTRATION: SAME,
    ev.REVICTIMISATION: SAME,
    ev.WITHDRAWAL_FROM_PROCESS: SAME,
}
# The end of a reflection period may fall in any open phase after intake (PERIODS checks that a
# period is open); never at intake: its start moves the case into police contact, and nothing
# returns to intake, so at intake no period can be open.
_PERIOD_ENDS = {ev.REFLECTION_PERIOD_END: SAME}
_BY_PROSECUTION_OUTCOME = {"summons": Status.PROSECUTION, "*": Status.DISMISSED}

TRANSITIONS: dict[str, dict[str, object]] = {
    Status.INTAKE: {
        **_ALONGSIDE,
        ev.SIGNAL_RECEIVED: SAME,
        ev.FIRST_POLICE_CONTACT: Status.POLICE_CONTACT,
        ev.INFORMATIVE_INTERVIEW: Status.POLICE_CONTACT,
        ev.REFLECTION_PERIOD_START: Status.POLICE_CONTACT,
        ev.COMPLAINT_FILED: Status.INVESTIGATION,
        ev.COMPLAINT_DECLINED: Status.POLICE_CONTACT,
        ev.OTHER_COOPERATION: Status.POLICE_CONTACT,
        ev.INVESTIGATION_STARTED: Status.INVESTIGATION,
        ev.CASE_CLOSED: Status.CLOSED,
    },
    Status.POLICE_CONTACT: {
        **_ALONGSIDE,
        **_PERIOD_ENDS,
        ev.SIGNAL_RECEIVED: SAME,
        ev.INFORMATIVE_INTERVIEW: SAME,
        ev.REFLECTION_PERIOD_START: SAME,
        ev.COMPLAINT_DECLINED: SAME,
        ev.OTHER_COOPERATION: SAME,
        ev.COMPLAINT_FILED: Status.INVESTIGATION,
        ev.INVESTIGATION_STARTED: Status.INVESTIGATION,
        ev.CASE_CLOSED: Status.CLOSED,
    },
    Status.INVESTIGATION: {
        **_ALONGSIDE,
        **_PERIOD_ENDS,
        ev.INFORMATIVE_INTERVIEW: SAME,
        ev.REFLECTION_PERIOD_START: SAME,
        ev.COMPLAINT_FILED: SAME,
        ev.COMPLAINT_DECLINED: SAME,
        ev.OTHER_COOPERATION: SAME,
        ev.INVESTIGATION_STARTED: SAME,
        ev.SUSPECT_ARRESTED: SAME,
        ev.RC_HEARING: SAME,
        ev.PROSECUTION_DECISION: _BY_PROSECUTION_OUTCOME,
        ev.CASE_CLOSED: Status.CLOSED,
    },
    Status.PROSECUTION: {
        **_ALONGSIDE,
        **_PERIOD_ENDS,
        ev.OTHER_COOPERATION: SAME,
        ev.SUSPECT_ARRESTED: SAME,
        ev.RC_HEARING: SAME,
        ev.TRIAL_HEARING: Status.TRIAL,
        ev.CASE_CLOSED: Status.CLOSED,
    },
    Status.DISMISSED: {
        **_ALONGSIDE,
        **_PERIOD_ENDS,
        # After a successful art. 12 Sv complaint the OM decides again.
        ev.PROSECUTION_DECISION: _BY_PROSECUTION_OUTCOME,
        ev.CASE_CLOSED: Status.CLOSED,
    },
    Status.TRIAL: {
        **_ALONGSIDE,
        **_PERIOD_ENDS,
        ev.RC_HEARING: SAME,
        ev.TRIAL_HEARING: SAME,
        ev.VERDICT: Status.VERDICT,
        ev.CASE_CLOSED: Status.CLOSED,
    },
    Status.VERDICT: {
        **_ALONGSIDE,
        **_PERIOD_ENDS,
        ev.APPEAL_FILED: Status.APPEAL,
        ev.CASE_CLOSED: Status.CLOSED,
    },
    Status.APPEAL: {
        **_ALONGSIDE,
        **_PERIOD_ENDS,
        ev.RC_HEARING: SAME,
        ev.TRIAL_HEARING: SAME,
        ev.APPEAL_VERDICT: Status.VERDICT,
        ev.CASE_CLOSED: Status.CLOSED,
    },
    Status.CLOSED: {
        ev.REVICTIMISATION: SAME,
        ev.COMENSHA_REGISTRATION: SAME,
        ev.SAFETY_ASSESSMENT: SAME,
    },
}

INITIAL_STATUS = Status.INTAKE

# End event → the start event that opens its period.
PERIODS: dict[str, str] = {ev.REFLECTION_PERIOD_END: ev.REFLECTION_PERIOD_START}
_PERIOD_STARTS = {start: end for end, start in PERIODS.items()}


def next_status(status: str, event_code: str, outcome: str = "") -> str:
    """The status after ``event_code`` (with ``outcome``) happens in ``status``, or raise."""
    allowed = TRANSITIONS.get(status, {})
    if event_code not in allowed:
        from inbeeld.cases.models import event_type_label

        raise TransitionNotAllowed(
            status,
            event_code,
            _("'%(event)s' kan niet worden vastgelegd terwijl de casus in de fase '%(status)s' is.")
            % {"event": event_type_label(event_code), "status": Status(status).label},
        )
    target = allowed[event_code]
    if target == SAME:
        return status
    if isinstance(target, dict):
        return target.get(outcome, target["*"])
    return str(target)


def allowed_event_codes(status: str) -> set[str]:
    return set(TRANSITIONS.get(status, {}))


@dataclass(frozen=True)
class ChainState:
    """Where a case stands: its status and the periods (by start code) that are open."""

    status: str = INITIAL_STATUS
    open_periods: frozenset[str] = field(default_factory=frozenset)


def _label(code: str) -> str:
    from inbeeld.cases.models import event_type_label

    return event_type_label(code)


def next_state(state: ChainState, event_code: str, outcome: str = "") -> ChainState:
    """The state after ``event_code`` happens in ``state``, or raise TransitionNotAllowed: the
    transition table first, then the periods (an end needs its open start, a start cannot open
    a period that is already open)."""
    status = next_status(state.status, event_code, outcome)
    open_periods = state.open_periods
    start = PERIODS.get(event_code)
    if start is not None:
        if start not in open_periods:
            raise TransitionNotAllowed(
                state.status,
                event_code,
                _("'%(end)s' kan niet worden vastgelegd zonder een eerdere '%(start)s'.")
                % {"end": _label(event_code), "start": _label(start)},
            )
        open_periods = open_periods - {start}
    if event_code in _PERIOD_STARTS:
        if event_code in open_periods:
            raise TransitionNotAllowed(
                state.status,
                event_code,
                _(
                    "'%(start)s' kan niet worden vastgelegd: er loopt al een bedenktijd. Leg "
                    "eerst '%(end)s' vast."
                )
                % {"start": _label(event_code), "end": _label(_PERIOD_STARTS[event_code])},
            )
        open_periods = open_periods | {event_code}
    return ChainState(status, frozenset(open_periods))


def open_periods_after(codes: Iterable[str]) -> frozenset[str]:
    """The periods left open by ``codes`` (event codes in recording order): each start opens its
    period, each end closes it. Lenient on purpose (an end without a start closes nothing): a
    timeline stored before the periods were checked must not block recording a new event."""
    open_periods: set[str] = set()
    for code in codes:
        if code in _PERIOD_STARTS:
            open_periods.add(code)
        elif code in PERIODS:
            open_periods.discard(PERIODS[code])
    return frozenset(open_periods)


@dataclass(frozen=True)
class ReplayStep:
    code: str
    outcome: str


class StepRefused(TransitionNotAllowed):
    """A replay stopped at step ``position`` (0-based) of the steps it was given."""

    def __init__(self, refused: TransitionNotAllowed, position: int):
        super().__init__(refused.current, refused.target, refused.message)
        self.position = position


def replay_state(steps: Iterable[ReplayStep]) -> ChainState:
    """The state after replaying ``steps`` from the initial state; raises StepRefused (naming
    the position of the step) on the first step the workflow does not allow."""
    state = ChainState()
    for position, step in enumerate(steps):
        try:
            state = next_state(state, step.code, step.outcome)
        except TransitionNotAllowed as refused:
            raise StepRefused(refused, position) from None
    return state


def replay(steps: Iterable[ReplayStep]) -> str:
    """The status after replaying ``steps`` from the initial status (raises on a bad step)."""
    return replay_state(steps).status
