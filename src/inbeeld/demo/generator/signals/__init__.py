"""Demo signals (vroegsignalering): what schools, sports clubs, care organisations and
neighbourhood teams noticed, and what the safety coordinators did with it.

Two steps, like the cases:

- ``plan_demo_signals(data, catalogue)``: no database. From the generated cases (``DemoData``) and
  the indicator catalogue it draws every signal and its whole history, deterministically in the
  seed (its own random stream, so the cases' draws stay as they were). Each history is replayed
  through the intake workflow (``workflow.check_transition`` and the services' own
  ``apply_move``), so status, ``acknowledged_at``, ``decided_at``, ``version`` and
  ``question_open`` are exactly what the services would have stored after these steps; the time
  targets come from intake.deadlines.
- ``write_demo_signals(plan)``: bulk inserts (intake links, signals, their indicators and history)
  in one transaction, free text encrypted. No audit rows: the demo load has its one DEMO_LOADED row.

What the demo holds (shares of all signals, roughly): 20 % converted into a case, 25 % referred to
care, 15 % referred to the police, 20 % advice given, 15 % no action (with a reason) and the rest
still open. Schools report mostly criminal exploitation and loverboy signs about 12–17-year-olds;
sports clubs criminal exploitation; care organisations sexual exploitation and the general
three-cluster signs of 16–29-year-olds; neighbourhood teams labour exploitation and general signs
of adults. Two to five items per signal, from one or two categories of the matching form; about
10 % acute. Units are weighted like the cases, with extra weight on Noord-Holland (the demo's
safety coordinator works there). Decided signals fall in the three years before the cut-off;
coordinators act on working days during office hours, on acute signals day and night, and now and
then miss a time target. The open signals are the most recent ones, in the days before
``open_until`` (default: the cut-off, so the rows do not depend on today's date; `inbeeld demo`
passes today when the cut-off lies in the past, so a coordinator's queue holds fresh signals, some
within their time target and some past it). Each signal's items come from the
catalogue version in force on its day of receipt (the oldest when none was yet), like a signal
submitted that day: version 1 before 1 December 2026, version 2 (with online recruitment, drawn on
each kind of signaller's ``online_share``) from then on.

Converted signals link to demo cases that already start with a 'signal received' event on their
intake date (the calibrated 45 % of cases): ``signal_convert`` gives a case exactly that (intake
date = the signal's date of receipt, first event 'signal received' on it), so the signal is dated
on the case's intake date and copies its unit, age band and gender; its items come from one of the
case's exploitation forms. The case rows and their events are left as the case generator wrote
them (created at noon of the intake day, without author). When too few such cases lie in the
period (a small demo), fewer signals are converted and the others get the remaining outcomes.

A few signals belong to the demo signaller ``school.zaandam`` (channel 'account', different
statuses) so that login has a list of its own; the others came in through the public form or, in
Noord-Holland, through a one-time link made by ``coordinator.nh``. Names are synthetic initials
("J.") in about 30 % of the signals, contact details use example.org. Only coordinator.nh exists
as a demo safety coordinator: steps in other units have no actor (as for an anonymous step).

The package follows those steps: ``shares`` (counts and shares), ``texts`` (the synthetic Dutch
texts), ``plan`` (the catalogue, the planned rows and the drawing helpers), ``history`` (one
signal's steps, replayed through the workflow), ``draw`` (``plan_demo_signals``) and ``write``
(``write_demo_signals``, ``generate_demo_signals``).
"""

from __future__ import annotations

from inbeeld.demo.generator.signals.draw import eligible_cases, plan_demo_signals
from inbeeld.demo.generator.signals.plan import (
    Catalogue,
    PlannedEvent,
    PlannedSignal,
    SignalPlan,
    signal_count,
)
from inbeeld.demo.generator.signals.texts import DESCRIPTIONS
from inbeeld.demo.generator.signals.write import generate_demo_signals, write_demo_signals

__all__ = [
    "DESCRIPTIONS",
    "Catalogue",
    "PlannedEvent",
    "PlannedSignal",
    "SignalPlan",
    "eligible_cases",
    "generate_demo_signals",
    "plan_demo_signals",
    "signal_count",
    "write_demo_signals",
]
