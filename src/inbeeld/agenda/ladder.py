"""The outcome ladder of a recommendation as a transition table (issue 18, item 2; ADR 0024).

A recommendation's status is the replay of its effective milestones (not superseded, not
withdrawn) in date order through TRANSITIONS: status × milestone rung → new status. A milestone
the table does not allow is refused with a Dutch message, and nothing is stored. Plain data and
one replay function, no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inbeeld.web import TransitionNotAllowed

OPEN = "open"
ON_AGENDA = "on_agenda"
ADOPTED = "adopted"
IMPLEMENTED = "implemented"
DURABLE = "durable"
REVERSED = "reversed"
ABANDONED = "abandoned"

RUNGS = (ON_AGENDA, ADOPTED, IMPLEMENTED, DURABLE, REVERSED, ABANDONED)

RUNG_LABELS = {
    ON_AGENDA: gettext_lazy("Geagendeerd"),
    ADOPTED: gettext_lazy("Aangenomen of toegezegd"),
    IMPLEMENTED: gettext_lazy("Uitgevoerd"),
    DURABLE: gettext_lazy("Duurzaam"),
    REVERSED: gettext_lazy("Teruggedraaid"),
    ABANDONED: gettext_lazy("Verlaten"),
}
STATUS_LABELS = {OPEN: gettext_lazy("Nog geen opvolging"), **RUNG_LABELS}

# The kinds of milestone per rung (what the evidence shows).
KINDS: dict[str, tuple[tuple[str, object], ...]] = {
    ON_AGENDA: (
        ("questions", gettext_lazy("Kamervragen")),
        ("motion_filed", gettext_lazy("Motie ingediend")),
        ("debate", gettext_lazy("Debat")),
    ),
    ADOPTED: (
        ("motion_carried", gettext_lazy("Motie aangenomen")),
        ("commitment", gettext_lazy("Toezegging van de regering")),
        ("bill_tabled", gettext_lazy("Wetsvoorstel ingediend")),
    ),
    IMPLEMENTED: (
        ("law_in_force", gettext_lazy("Wet in werking")),
        ("regulation", gettext_lazy("Regeling of besluit")),
        ("budget_line", gettext_lazy("Begrotingspost")),
        ("partner_protocol", gettext_lazy("Werkwijze of protocol bij een partner")),
    ),
    DURABLE: (("reverified", gettext_lazy("Opnieuw vastgesteld: nog van kracht")),),
    REVERSED: (("reversed", gettext_lazy("Teruggedraaid of ingetrokken")),),
    ABANDONED: (("abandoned", gettext_lazy("Niet meer nagestreefd")),),
}
KIND_LABELS = {code: label for kinds in KINDS.values() for code, label in kinds}
RUNG_OF_KIND = {code: rung for rung, kinds in KINDS.items() for code, _label in kinds}

_FORWARD = {ON_AGENDA: ON_AGENDA, ADOPTED: ADOPTED, IMPLEMENTED: IMPLEMENTED, ABANDONED: ABANDONED}

# status → {rung of the new milestone: status after it}. Absent: not allowed.
TRANSITIONS: dict[str, dict[str, str]] = {
    OPEN: dict(_FORWARD),
    ON_AGENDA: dict(_FORWARD),
    # A new debate after a carried motion does not undo the adoption.
    ADOPTED: {**_FORWARD, ON_AGENDA: ADOPTED},
    # Implemented: it lasts (re-verified), or it is reversed; a second implementing act is allowed.
    IMPLEMENTED: {IMPLEMENTED: IMPLEMENTED, DURABLE: DURABLE, REVERSED: REVERSED},
    DURABLE: {DURABLE: DURABLE, REVERSED: REVERSED},
    # A reversed or abandoned recommendation can come back on the agenda.
    REVERSED: {ON_AGENDA: ON_AGENDA, ADOPTED: ADOPTED, IMPLEMENTED: IMPLEMENTED},
    ABANDONED: {ON_AGENDA: ON_AGENDA, ADOPTED: ADOPTED, IMPLEMENTED: IMPLEMENTED},
}

# Durable means still in force at least this many months after the implementation.
DURABLE_AFTER_MONTHS = 24


def add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


@dataclass(frozen=True)
class Step:
    rung: str
    occurred_on: dt.date
    label: str = ""


def replay(steps: Iterable[Step], *, issued_on: dt.date) -> str:
    """The status after ``steps`` (sorted by date, ties in the given order). Raises
    TransitionNotAllowed (Dutch message naming the milestone) at the first step that does not fit."""
    status = OPEN
    implemented_on: dt.date | None = None
    for step in sorted(steps, key=lambda s: s.occurred_on):
        name = step.label or str(RUNG_LABELS[step.rung])
        if step.occurred_on < issued_on:
            raise TransitionNotAllowed(
                status,
                step.rung,
                _("'%(name)s' ligt vóór de datum van de aanbeveling (%(date)s).")
                % {"name": name, "date": issued_on.strftime("%d-%m-%Y")},
            )
        after = TRANSITIONS[status].get(step.rung)
        if after is None:
            raise TransitionNotAllowed(
                status,
                step.rung,
                _("'%(name)s' kan niet volgen op de status '%(status)s'.")
                % {"name": name, "status": STATUS_LABELS[status]},
            )
        if step.rung == IMPLEMENTED and status != IMPLEMENTED:
            implemented_on = step.occurred_on
        if step.rung == DURABLE and (
            implemented_on is None
            or step.occurred_on < add_months(implemented_on, DURABLE_AFTER_MONTHS)
        ):
            raise TransitionNotAllowed(
                status,
                step.rung,
                _(
                    "'%(name)s' kan pas %(months)s maanden na de uitvoering worden vastgesteld "
                    "(uitgevoerd op %(date)s)."
                )
                % {
                    "name": name,
                    "months": DURABLE_AFTER_MONTHS,
                    "date": implemented_on.strftime("%d-%m-%Y") if implemented_on else "-",
                },
            )
        status = after
    return status
