"""The prosecution of one suspect in one case, as a transition table (ADR 0002, ADR 0023).

A case's own workflow (cases.workflow) stays the victim's path; every suspect linked to the case
has this small one besides it. The status is never stored: it is the replay of the standing
proceeding entries (decision, trial hearing, verdict) in date order.

    registered --decision: summons--------------------> summoned
    registered --decision: penalty order--------------> penalty_order   (final)
    registered --decision: (conditional) dismissal----> dismissed       (final)
    summoned   --trial hearing------------------------> on_trial
    summoned   --verdict------------------------------> judged          (final)
    on_trial   --trial hearing------------------------> on_trial
    on_trial   --verdict------------------------------> judged          (final)
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProceedingStatus(models.TextChoices):
    REGISTERED = "registered", _("geregistreerd, geen beslissing")
    SUMMONED = "summoned", _("gedagvaard")
    PENALTY_ORDER = "penalty_order", _("strafbeschikking")
    DISMISSED = "dismissed", _("geseponeerd")
    ON_TRIAL = "on_trial", _("ter zitting")
    JUDGED = "judged", _("uitspraak gedaan")


S = ProceedingStatus

# (status, kind, decision or "") → next status; "" matches any decision of that kind.
TRANSITIONS: dict[tuple[str, str, str], str] = {
    (S.REGISTERED, "decision", "summons"): S.SUMMONED,
    (S.REGISTERED, "decision", "penalty_order"): S.PENALTY_ORDER,
    (S.REGISTERED, "decision", "conditional_dismissal"): S.DISMISSED,
    (S.REGISTERED, "decision", "dismissal"): S.DISMISSED,
    (S.SUMMONED, "trial", ""): S.ON_TRIAL,
    (S.SUMMONED, "verdict", ""): S.JUDGED,
    (S.ON_TRIAL, "trial", ""): S.ON_TRIAL,
    (S.ON_TRIAL, "verdict", ""): S.JUDGED,
}


class StepNotAllowed(Exception):
    """A proceeding step that does not follow from the suspect's status (Dutch message)."""


def next_status(status: str, kind: str, decision: str = "") -> str:
    for key in ((status, kind, decision), (status, kind, "")):
        if key in TRANSITIONS:
            return TRANSITIONS[key]
    raise StepNotAllowed(
        _("Deze stap past niet bij de stand van de vervolging (%(status)s).")
        % {"status": ProceedingStatus(status).label}
    )


def allowed_kinds(status: str) -> set[str]:
    return {kind for (state, kind, _d) in TRANSITIONS if state == status}


def replay(steps: Iterable[tuple[str, str]]) -> str:
    """The status after ``steps`` ((kind, decision) in date order); StepNotAllowed if one does
    not fit."""
    status = S.REGISTERED
    for kind, decision in steps:
        status = next_status(status, kind, decision)
    return status
