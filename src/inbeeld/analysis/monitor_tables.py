"""Build the monitor's input tables (stats.monitor.MonitorTables) from the database, within a
user's scope.

On top of the evaluation's tables (analysis.tables.tables_for_cases: case ids, units, dates, minor
flag, forms, the first date of each chain event) the monitor needs

- the nationality group and the forms 'organ_removal' and 'unknown' of each case;
- the *outcome* of the prosecution decisions (summons or dismissal) and of the first-instance
  verdicts (conviction, acquittal, discharge), and every revictimisation date — all from the
  effective events only (a corrected event is replaced by its correction);
- the signals the user may count (policy: SIGNAL_FUNNEL), by local date of receipt.

All in a constant number of queries, whatever the number of cases.

Scope and consent (ADR 0004): the cases are those ``cases_visible_to(user)`` returns. For a
researcher the research consent must also cover the monitor: consent is given either for "the
evaluation" or for "the evaluation and the monitor" (ConsentRecord.Scope), so a case whose current
consent is for the evaluation only is left out of the monitor, and so is a consented case without
any consent record (its scope is unknown). The rule applies to every user with a researcher
membership: a user who is also, say, a police officer then loses those cases in their unit's
monitor too (the safe side). A signal whose case lies outside the tables counts as converted, but
its case id is not passed on (``case_id`` null, ``converted`` true): no id of an out-of-scope case
reaches the tables.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db.models import Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from inbeeld import policy
from inbeeld.accounts.models import Role
from inbeeld.analysis.tables import tables_for_cases
from inbeeld.cases.models import Case, ChainEvent, ConsentRecord
from inbeeld.cases.selectors import cases_visible_to
from inbeeld.intake.selectors import signals_visible_to
from inbeeld.stats.monitor import (
    OPTIONAL_FORMS,
    PROSECUTION_EVENT,
    REVICTIMISATION_EVENT,
    VERDICT_EVENT,
    MonitorTables,
)

MONITOR_CONSENT_SCOPE = ConsentRecord.Scope.EVALUATION_AND_MONITOR
OUTCOME_EVENTS = (PROSECUTION_EVENT, VERDICT_EVENT)


def _frame(rows, schema: dict) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row")


def monitor_cases_for(user) -> QuerySet[Case]:
    """The cases ``user`` may count in the monitor: their visible cases, and for a researcher only
    those whose current research consent covers the monitor (see the module docstring)."""
    cases = cases_visible_to(user, policy.Action.CASE_LIST)
    if Role.RESEARCHER in policy.roles_of(user):
        latest_scope = (
            ConsentRecord.objects.filter(case=OuterRef("pk")).order_by("-pk").values("scope")[:1]
        )
        cases = cases.annotate(consent_scope=Subquery(latest_scope)).filter(
            Q(research_consent=False) | Q(consent_scope=MONITOR_CONSENT_SCOPE)
        )
    return cases


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _signals_for(user, cutoff: dt.date, visible: pl.Series) -> pl.DataFrame | None:
    """The signals ``user`` may count, received up to the cut-off (local dates); None when the
    user may not count signals at all."""
    if policy.signal_scope_filter(user, policy.Action.SIGNAL_FUNNEL) is None:
        return None
    rows = list(
        signals_visible_to(user, policy.Action.SIGNAL_FUNNEL)
        .filter(received_at__lt=_local_midnight(cutoff + dt.timedelta(days=1)))
        .annotate(received_date=TruncDate("received_at"))
        .order_by()
        .values_list("pk", "police_unit__code", "received_date", "case_id")
    )
    frame = _frame(
        rows,
        {
            "signal_id": pl.Int64,
            "police_unit": pl.String,
            "received_date": pl.Date,
            "case_id": pl.Int64,
        },
    )
    in_tables = pl.col("case_id").is_in(visible.implode())
    return frame.with_columns(
        pl.col("case_id").is_not_null().alias("converted"),
        pl.when(in_tables).then(pl.col("case_id")).otherwise(None).alias("case_id"),
    ).select("signal_id", "police_unit", "received_date", "case_id", "converted")


def monitor_tables_for(user, *, cutoff: dt.date | None = None) -> MonitorTables:
    """The monitor's tables within ``user``'s scope; the cut-off (default: the last effective
    event in scope, as for the evaluation) bounds events and signals alike."""
    return monitor_tables_for_cases(
        monitor_cases_for(user), cutoff=cutoff, signals_of=lambda c, ids: _signals_for(user, c, ids)
    )


def monitor_tables_for_cases(
    cases: QuerySet[Case], *, cutoff: dt.date | None = None, signals_of=None
) -> MonitorTables:
    """The monitor's tables of ``cases`` (already scoped); ``signals_of(cutoff, case_ids)``, when
    given, returns the signals table (or None)."""
    evaluation = tables_for_cases(cases, cutoff=cutoff)
    cutoff = evaluation.cutoff
    case_ids = cases.values("pk")
    extra = _frame(
        list(cases.order_by().values_list("pk", "nationality_group")),
        {"case_id": pl.Int64, "nationality_group": pl.String},
    )
    through = Case.exploitation_forms.through
    form_rows = _frame(
        list(
            through.objects.filter(
                case_id__in=case_ids, exploitationform__code__in=OPTIONAL_FORMS
            ).values_list("case_id", "exploitationform__code")
        ),
        {"case_id": pl.Int64, "form": pl.String},
    )
    extra = extra.with_columns(
        pl.col("case_id")
        .is_in(form_rows.filter(pl.col("form") == form).get_column("case_id").implode())
        .alias(f"form_{form}")
        for form in OPTIONAL_FORMS
    )
    # Outcome events: the first date of each (case, event, outcome); revictimisation: every date.
    effective = ChainEvent.objects.filter(
        case_id__in=case_ids, superseded_by__isnull=True, event_date__lte=cutoff
    )
    outcome_rows = list(
        effective.filter(event_type__code__in=OUTCOME_EVENTS)
        .values("case_id", "event_type__code", "outcome")
        .annotate(first=Min("event_date"))
        .values_list("case_id", "event_type__code", "first", "outcome")
        .order_by()
    )
    again_rows = list(
        effective.filter(event_type__code=REVICTIMISATION_EVENT)
        .values_list("case_id", "event_type__code", "event_date", "outcome")
        .order_by()
        .distinct()
    )
    outcomes = _frame(
        outcome_rows + again_rows,
        {"case_id": pl.Int64, "event": pl.String, "date": pl.Date, "outcome": pl.String},
    ).with_columns(
        pl.when(pl.col("outcome") == "").then(None).otherwise(pl.col("outcome")).alias("outcome")
    )
    # The evaluation's events of these codes are replaced, so every code is there (even when
    # no row of it is in scope).
    signals = (
        signals_of(cutoff, evaluation.cases.get_column("case_id"))
        if signals_of is not None
        else None
    )
    return MonitorTables.from_evaluation(
        evaluation,
        extra,
        outcomes=outcomes,
        replace=(*OUTCOME_EVENTS, REVICTIMISATION_EVENT),
        signals=signals,
    )
