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
    "safety_assessment": SAME,
    "comensha_registration": SAME,
    "revictimisation": SAME,
    "withdrawal_from_process": SAME,
    "reflection_period_end": SAME,
}
_BY_PROSECUTION_OUTCOME = {"summons": Status.PROSECUTION, "*": Status.DISMISSED}

TRANSITIONS: dict[str, dict[str, object]] = {
    Status.INTAKE: {
        **_ALONGSIDE,
        "signal_received": SAME,
        "first_police_contact": Status.POLICE_CONTACT,
        "informative_interview": Status.POLICE_CONTACT,
        "reflection_period_start": Status.POLICE_CONTACT,
        "complaint_filed": Status.INVESTIGATION,
        "complaint_declined": Status.POLICE_CONTACT,
        "other_cooperation": Status.POLICE_CONTACT,
        "investigation_started": Status.INVESTIGATION,
        "case_closed": Status.CLOSED,
    },
    Status.POLICE_CONTACT: {
        **_ALONGSIDE,
        "signal_received": SAME,
        "informative_interview": SAME,
        "reflection_period_start": SAME,
        "complaint_declined": SAME,
        "other_cooperation": SAME,
        "complaint_filed": Status.INVESTIGATION,
        "investigation_started": Status.INVESTIGATION,
        "case_closed": Status.CLOSED,
    },
    Status.INVESTIGATION: {
        **_ALONGSIDE,
        "informative_interview": SAME,
        "reflection_period_start": SAME,
        "complaint_filed": SAME,
        "complaint_declined": SAME,
        "other_cooperation": SAME,
        "investigation_started": SAME,
        "suspect_arrested": SAME,
        "rc_hearing": SAME,
        "prosecution_decision": _BY_PROSECUTION_OUTCOME,
        "case_closed": Status.CLOSED,
    },
    Status.PROSECUTION: {
        **_ALONGSIDE,
        "other_cooperation": SAME,
        "suspect_arrested": SAME,
        "rc_hearing": SAME,
        "trial_hearing": Status.TRIAL,
        "case_closed": Status.CLOSED,
    },
    Status.DISMISSED: {
        **_ALONGSIDE,
        # After a successful art. 12 Sv complaint the OM decides again.
        "prosecution_decision": _BY_PROSECUTION_OUTCOME,
        "case_closed": Status.CLOSED,
    },
    Status.TRIAL: {
        **_ALONGSIDE,
        "rc_hearing": SAME,
        "trial_hearing": SAME,
        "verdict": Status.VERDICT,
        "case_closed": Status.CLOSED,
    },
    Status.VERDICT: {
        **_ALONGSIDE,
        "appeal_filed": Status.APPEAL,
        "case_closed": Status.CLOSED,
    },
    Status.APPEAL: {
        **_ALONGSIDE,
        "rc_hearing": SAME,
        "trial_hearing": SAME,
        "appeal_verdict": Status.VERDICT,
        "case_closed": Status.CLOSED,
    },
    Status.CLOSED: {
        "revictimisation": SAME,
        "comensha_registration": SAME,
        "safety_assessment": SAME,
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
