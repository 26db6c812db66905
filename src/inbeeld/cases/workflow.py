"""The chain workflow as an explicit transition table.

A case's status is the chain phase it has reached. It is never set by hand: it is the result of
replaying the case's effective events (those not superseded by a correction) through TRANSITIONS,
in recording order, with a correction standing in the place of the event it supersedes. An event
that the table does not allow in the current status is refused with a Dutch message.

TRANSITIONS[status][event_code] is either
- SAME: allowed, the status stays;
- a Status: allowed, the case moves there;
- a dict {outcome_code: Status, "*": Status}: the next status depends on the event's outcome.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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
    ev.REFLECTION_PERIOD_END: SAME,
}
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
        ev.OTHER_COOPERATION: SAME,
        ev.SUSPECT_ARRESTED: SAME,
        ev.RC_HEARING: SAME,
        ev.TRIAL_HEARING: Status.TRIAL,
        ev.CASE_CLOSED: Status.CLOSED,
    },
    Status.DISMISSED: {
        **_ALONGSIDE,
        # After a successful art. 12 Sv complaint the OM decides again.
        ev.PROSECUTION_DECISION: _BY_PROSECUTION_OUTCOME,
        ev.CASE_CLOSED: Status.CLOSED,
    },
    Status.TRIAL: {
        **_ALONGSIDE,
        ev.RC_HEARING: SAME,
        ev.TRIAL_HEARING: SAME,
        ev.VERDICT: Status.VERDICT,
        ev.CASE_CLOSED: Status.CLOSED,
    },
    Status.VERDICT: {
        **_ALONGSIDE,
        ev.APPEAL_FILED: Status.APPEAL,
        ev.CASE_CLOSED: Status.CLOSED,
    },
    Status.APPEAL: {
        **_ALONGSIDE,
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
class ReplayStep:
    code: str
    outcome: str


def replay(steps: Iterable[ReplayStep]) -> str:
    """The status after replaying ``steps`` from the initial status (raises on a bad step)."""
    status = INITIAL_STATUS
    for step in steps:
        status = next_status(status, step.code, step.outcome)
    return status
