"""Build the evaluation's input tables (stats.tables) from the database, within a user's scope.

Only what the statistics need leaves the database: case ids (never codes), units, dates, the
minor flag, exploitation forms, the FIRST date of each relevant chain event per case (effective
events only: a corrected event is replaced by its correction), deliveries and deployments. The
cases are those ``cases_visible_to(user)`` returns, so a researcher's tables hold only cases with
research consent (ADR 0004). The data cut-off is the last day with a recorded event in scope.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db.models import Max, Min
from django.utils import timezone

from inbeeld import policy
from inbeeld.cases.models import Case, ChainEvent, ConsentRecord
from inbeeld.cases.selectors import cases_visible_to
from inbeeld.pilot.models import Delivery, Deployment, Intervention, Phase
from inbeeld.stats.outcomes import FIRST_DATE_EVENTS
from inbeeld.stats.tables import FORMS, EvaluationTables


def _frame(rows, schema: dict) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row")


def research_cases():
    """The cases every researcher sees (national, research consent given and not withdrawn):
    the scope of `inbeeld evaluate`, which runs without a user."""
    return Case.objects.filter(research_consent=True)


def evaluation_tables_for(user, *, cutoff: dt.date | None = None) -> EvaluationTables:
    return tables_for_cases(cases_visible_to(user, policy.Action.CASE_LIST), cutoff=cutoff)


def tables_for_cases(cases, *, cutoff: dt.date | None = None) -> EvaluationTables:
    case_ids = cases.values("pk")
    case_rows = _frame(
        list(cases.values_list("pk", "police_unit__code", "intake_date", "minor_at_intake")),
        {
            "case_id": pl.Int64,
            "police_unit": pl.String,
            "intake_date": pl.Date,
            "minor": pl.Boolean,
        },
    )
    through = Case.exploitation_forms.through
    form_rows = _frame(
        list(
            through.objects.filter(
                case_id__in=case_ids, exploitationform__code__in=FORMS
            ).values_list("case_id", "exploitationform__code")
        ),
        {"case_id": pl.Int64, "form": pl.String},
    )
    for form in FORMS:
        with_form = form_rows.filter(pl.col("form") == form).select("case_id").unique()
        case_rows = case_rows.with_columns(
            pl.col("case_id").is_in(with_form.get_column("case_id").implode()).alias(f"form_{form}")
        )
    effective = ChainEvent.objects.filter(case_id__in=case_ids, superseded_by__isnull=True)
    event_rows = _frame(
        list(
            effective.filter(event_type__code__in=FIRST_DATE_EVENTS)
            .values("case_id", "event_type__code")
            .annotate(first=Min("event_date"))
            .values_list("case_id", "event_type__code", "first")
            .order_by()
        ),
        {"case_id": pl.Int64, "event": pl.String, "date": pl.Date},
    )
    delivery_rows = _frame(
        list(
            Delivery.objects.filter(case_id__in=case_ids).values_list(
                "case_id", "intervention__code", "date", "delivered"
            )
        ),
        {"case_id": pl.Int64, "intervention": pl.String, "date": pl.Date, "delivered": pl.Boolean},
    )
    deployment_rows = _frame(
        list(
            Deployment.police_units.through.objects.values_list(
                "deployment__intervention__code",
                "policeunit__code",
                "deployment__start",
                "deployment__end",
            )
        ),
        {"intervention": pl.String, "police_unit": pl.String, "start": pl.Date, "end": pl.Date},
    )
    if cutoff is None:
        last = effective.aggregate(last=Max("event_date"))["last"]
        cutoff = min(last, timezone.localdate()) if last else timezone.localdate()
    event_rows = event_rows.filter(pl.col("date") <= cutoff)
    return EvaluationTables.build(
        cases=case_rows,
        events=event_rows,
        deliveries=delivery_rows,
        deployments=deployment_rows,
        cutoff=cutoff,
    )


def data_fingerprint(cases) -> tuple:
    """Cheap to compute; changes whenever anything the evaluation reads changes."""
    return (
        cases.count(),
        cases.aggregate(last=Max("version"))["last"],
        ChainEvent.objects.aggregate(last=Max("pk"))["last"],
        Delivery.objects.aggregate(last=Max("pk"))["last"],
        Delivery.objects.count(),
        ConsentRecord.objects.aggregate(last=Max("pk"))["last"],
        tuple(Deployment.objects.values_list("pk", "start", "end").order_by("pk")),
        tuple(
            Deployment.police_units.through.objects.values_list(
                "deployment_id", "policeunit_id"
            ).order_by("deployment_id", "policeunit_id")
        ),
        # The intervention specs (labels, stage, phase target) are part of the result too.
        tuple(
            Intervention.objects.values_list(
                "pk", "code", "label", "chain_stage", "order", "min_important_difference"
            ).order_by("pk")
        ),
        tuple(Phase.objects.values_list("pk", "start", "target_victims").order_by("pk")),
    )
