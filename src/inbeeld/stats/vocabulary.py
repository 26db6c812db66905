"""The chain's vocabulary and the two rules every analysis of a case starts from, in one place.

- **Event codes**: the codes of the chain event types (reference.json ``chain_event_types``, the
  keys of cases.workflow.TRANSITIONS). Code everywhere writes these constants, never the string.
- **Milestones**: the chain stages in order (first police contact → complaint → prosecution
  decision → trial → verdict), the events that count as cooperation and the events after which a
  case has left the process (withdrawal, closure).
- **Index date** (DESIGN §6): the date of the case's first *effective* (not superseded by a
  correction) ``first_police_contact`` event, else its intake date. See :func:`index_date_expr`
  (polars) and :func:`index_day` (arrays); the ORM form is pilot.eligibility.index_date_expression
  and a test requires it to give the same dates as the polars form on the same database rows.
- **Exposure** (intention to treat): a case is exposed to an intervention when its police unit is
  in a deployment of that intervention that is *active on the case's index date*: start <= index
  date <= end, both ends inclusive, a deployment without an end runs on. Delivery plays no part
  in exposure. See :func:`deployment_active` (scalars and arrays) and
  :func:`deployment_active_expr` (polars); the ORM form is pilot.eligibility.active_on.

No Django here: the workflow, the pilot app, the demo generator and the statistics all import
this module, so it imports polars and numpy only inside the functions that need them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import polars as pl

# --- chain event codes (reference.json order) ---------------------------------------------------

SIGNAL_RECEIVED = "signal_received"
SAFETY_ASSESSMENT = "safety_assessment"
FIRST_POLICE_CONTACT = "first_police_contact"
INFORMATIVE_INTERVIEW = "informative_interview"
REFLECTION_PERIOD_START = "reflection_period_start"
REFLECTION_PERIOD_END = "reflection_period_end"
COMPLAINT_FILED = "complaint_filed"
COMPLAINT_DECLINED = "complaint_declined"
OTHER_COOPERATION = "other_cooperation"
COMENSHA_REGISTRATION = "comensha_registration"
INVESTIGATION_STARTED = "investigation_started"
SUSPECT_ARRESTED = "suspect_arrested"
RC_HEARING = "rc_hearing"
PROSECUTION_DECISION = "prosecution_decision"
TRIAL_HEARING = "trial_hearing"
VERDICT = "verdict"
APPEAL_FILED = "appeal_filed"
APPEAL_VERDICT = "appeal_verdict"
CASE_CLOSED = "case_closed"
REVICTIMISATION = "revictimisation"
WITHDRAWAL_FROM_PROCESS = "withdrawal_from_process"

EVENT_CODES = (
    SIGNAL_RECEIVED,
    SAFETY_ASSESSMENT,
    FIRST_POLICE_CONTACT,
    INFORMATIVE_INTERVIEW,
    REFLECTION_PERIOD_START,
    REFLECTION_PERIOD_END,
    COMPLAINT_FILED,
    COMPLAINT_DECLINED,
    OTHER_COOPERATION,
    COMENSHA_REGISTRATION,
    INVESTIGATION_STARTED,
    SUSPECT_ARRESTED,
    RC_HEARING,
    PROSECUTION_DECISION,
    TRIAL_HEARING,
    VERDICT,
    APPEAL_FILED,
    APPEAL_VERDICT,
    CASE_CLOSED,
    REVICTIMISATION,
    WITHDRAWAL_FROM_PROCESS,
)

# Outcome codes the figures read (reference.json chain_event_types[].outcomes).
SUMMONS_OUTCOME = "summons"  # of prosecution_decision
CONVICTION_OUTCOME = "conviction"  # of verdict

# --- milestones and event sets --------------------------------------------------------------------

# The chain stages in order: (event code, short name used in column names).
MILESTONES = (
    (FIRST_POLICE_CONTACT, "contact"),
    (COMPLAINT_FILED, "complaint"),
    (PROSECUTION_DECISION, "prosecution"),
    (TRIAL_HEARING, "trial"),
    (VERDICT, "verdict"),
)
# Cooperation with the criminal process: a complaint, another statement, the RC hearing.
COOPERATION_EVENTS = (COMPLAINT_FILED, OTHER_COOPERATION, RC_HEARING)
# After these the case has left the process (competing events for every later step).
ENDING_EVENTS = (WITHDRAWAL_FROM_PROCESS, CASE_CLOSED)

# --- the index date ---------------------------------------------------------------------------------

# The event whose first effective date is the index date; without one, the intake date.
INDEX_EVENT = FIRST_POLICE_CONTACT


def index_date_expr(
    first_police_contact: str | pl.Expr = FIRST_POLICE_CONTACT,
    intake_date: str | pl.Expr = "intake_date",
) -> pl.Expr:
    """The index date as a polars expression: the first effective police contact (a column of
    first dates, null when there was none), else the intake date. Aliased ``index_date``."""
    import polars as pl

    return pl.coalesce(first_police_contact, intake_date).alias("index_date")


def index_day(first_police_contact_day: np.ndarray, intake_day: np.ndarray) -> np.ndarray:
    """The index date over arrays of day numbers: the first police contact day where there is one
    (>= 0; -1 means none), else the intake day."""
    import numpy as np

    contact = np.asarray(first_police_contact_day)
    return np.where(contact >= 0, contact, np.asarray(intake_day))


# --- exposure ----------------------------------------------------------------------------------------


def deployment_active(day, start, end):
    """Whether a deployment from ``start`` to ``end`` (None: open-ended) is active on ``day``:
    start <= day <= end, both ends inclusive. Works on dates, day numbers and numpy arrays of day
    numbers (elementwise; ``start`` and ``end`` scalars)."""
    active = start <= day
    if end is None:
        return active
    return active & (day <= end)


def deployment_active_expr(
    day: str | pl.Expr = "index_date",
    start: str | pl.Expr = "start",
    end: str | pl.Expr = "end",
) -> pl.Expr:
    """:func:`deployment_active` as a polars expression (a null ``end`` is open-ended)."""
    import polars as pl

    day, start, end = (pl.col(c) if isinstance(c, str) else c for c in (day, start, end))
    return (start <= day) & (end.is_null() | (day <= end))


__all__ = [  # the rules; the event codes are module constants
    "COOPERATION_EVENTS",
    "ENDING_EVENTS",
    "EVENT_CODES",
    "INDEX_EVENT",
    "MILESTONES",
    "deployment_active",
    "deployment_active_expr",
    "index_date_expr",
    "index_day",
]
