"""The triage workflow of a signal as an explicit transition table.

received → in triage → referred to police / referred to care / advice given / no action (with a
reason) / converted to case. A referral or an outcome can be reopened for triage (new information),
a referral can still become a case; a conversion is final. TRANSITIONS is enforced on the one write
path (intake.services) and walked whole by the tests.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from inbeeld.web import TransitionNotAllowed


class SignalStatus(models.TextChoices):
    RECEIVED = "received", _("Ontvangen")
    IN_TRIAGE = "in_triage", _("In triage")
    REFERRED_POLICE = "referred_police", _("Doorverwezen naar politie")
    REFERRED_CARE = "referred_care", _("Doorverwezen naar zorg")
    ADVICE_GIVEN = "advice_given", _("Advies gegeven")
    NO_ACTION = "no_action", _("Geen actie")
    CONVERTED = "converted", _("Omgezet in casus")


S = SignalStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.IN_TRIAGE}),
    S.IN_TRIAGE: frozenset(
        {S.REFERRED_POLICE, S.REFERRED_CARE, S.ADVICE_GIVEN, S.NO_ACTION, S.CONVERTED}
    ),
    S.REFERRED_POLICE: frozenset({S.IN_TRIAGE, S.CONVERTED}),
    S.REFERRED_CARE: frozenset({S.IN_TRIAGE, S.CONVERTED}),
    S.ADVICE_GIVEN: frozenset({S.IN_TRIAGE}),
    S.NO_ACTION: frozenset({S.IN_TRIAGE}),
    S.CONVERTED: frozenset(),
}

# Statuses in which the coordinator still owes a decision (the decision time target runs).
OPEN_STATUSES = frozenset({S.RECEIVED, S.IN_TRIAGE})
# Conversion needs the case's facts: it has its own service (intake.services.signal_convert).
CONVERSION_ONLY = frozenset({S.CONVERTED})
# A move into one of these needs a reason code.
REASON_REQUIRED = frozenset({S.NO_ACTION})
# A move into one of these ends the coordinator's work without a referral: the signaller must be
# told what happens now (issue 14), so it needs a message to the signaller.
MESSAGE_REQUIRED = frozenset({S.ADVICE_GIVEN, S.NO_ACTION})


class NoActionReason(models.TextChoices):
    NO_INDICATIONS = "no_indications", _("Geen aanwijzingen voor mensenhandel")
    ALREADY_KNOWN = "already_known", _("Al bekend en in behandeling bij hulpverlening of politie")
    INSUFFICIENT_INFORMATION = (
        "insufficient_information",
        _("Te weinig informatie en geen contact mogelijk"),
    )
    DUPLICATE = "duplicate", _("Dubbel signaal (al eerder gemeld)")
    OTHER = "other", _("Andere reden (toelichting verplicht)")


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise TransitionNotAllowed(current, target)


def allowed_targets(current: str, *, include_conversion: bool = False) -> list[str]:
    """The statuses a signal in ``current`` may move to, in the table's order of SignalStatus."""
    targets = TRANSITIONS.get(current, frozenset())
    return [
        s.value
        for s in SignalStatus
        if s in targets and (include_conversion or s not in CONVERSION_ONLY)
    ]
