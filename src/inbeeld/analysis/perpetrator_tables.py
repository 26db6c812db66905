"""The input tables of stats.perpetrators from the database, for a scoped queryset of cases
(issue 17 item 6). The caller scopes the cases (cases.selectors: cases_in_monitor_scope(user),
cases_of_research_scope(...)); only standing links and proceedings count (ADR 0015), and no free
text or code of a suspect leaves this module (suspects are numbered by database id only)."""

from __future__ import annotations

import polars as pl
from django.db.models import Count, Max, QuerySet

from inbeeld.cases.models import Case, ConsentRecord
from inbeeld.reference.models import ExploitationForm, ModusOperandiValue
from inbeeld.suspects import models as sm


def suspect_rows(cases: QuerySet[Case]) -> pl.DataFrame:
    links = list(
        sm.SuspectCaseLink.objects.filter(
            sm.EFFECTIVE_LINK, case__in=cases.values("pk")
        ).values_list("suspect_id", "case_id", "role", "relationship", "recorded_at")
    )
    forms = list(
        Case.exploitation_forms.through.objects.filter(case__in=cases.values("pk")).values_list(
            "case_id", "exploitationform__code"
        )
    )
    minor = dict(cases.values_list("pk", "minor_at_intake"))
    steps = sm.ProceedingEntry.objects.filter(
        sm.EFFECTIVE_PROCEEDING, case__in=cases.values("pk")
    ).order_by("date", "id")
    prosecuted: dict[tuple[int, int], int] = {}
    convicted: dict[tuple[int, int], tuple[int, float | None]] = {}
    for case_id, suspect_id, kind, decision, verdict, date, months in steps.values_list(
        "case_id", "suspect_id", "kind", "decision", "verdict", "date", "unconditional_months"
    ):
        key = (suspect_id, case_id)
        if kind == sm.ProceedingKind.DECISION and decision in (
            sm.Decision.SUMMONS,
            sm.Decision.PENALTY_ORDER,
        ):
            prosecuted.setdefault(key, date.year)
        if kind == sm.ProceedingKind.VERDICT and verdict == sm.Verdict.CONVICTION:
            convicted.setdefault(key, (date.year, None if months is None else float(months)))
    forms_of: dict[int, list[str]] = {}
    for case_id, code in forms:
        forms_of.setdefault(case_id, []).append(code)
    rows = []
    for suspect_id, case_id, role, relationship, recorded_at in links:
        key = (suspect_id, case_id)
        year, months = convicted.get(key, (None, None))
        for form in forms_of.get(case_id, ["unknown"]):
            rows.append(
                (
                    suspect_id,
                    form,
                    minor[case_id],
                    role,
                    relationship,
                    recorded_at.year,
                    prosecuted.get(key),
                    year,
                    months,
                )
            )
    return pl.DataFrame(
        rows,
        schema={
            "suspect": pl.Int64,
            "form": pl.Utf8,
            "minor": pl.Boolean,
            "role": pl.Utf8,
            "relationship": pl.Utf8,
            "registered_year": pl.Int32,
            "prosecuted_year": pl.Int32,
            "convicted_year": pl.Int32,
            "unconditional_months": pl.Float64,
        },
        orient="row",
    )


def non_punishment_rows(cases: QuerySet[Case]) -> pl.DataFrame:
    """Per criminal-exploitation case whose victim was a suspect: the year of the first entry and
    whether the principle was applied (the latest standing outcome)."""
    criminal = cases.filter(exploitation_forms__code="criminal").values("pk")
    entries = sm.NonPunishmentEntry.objects.filter(
        sm.EFFECTIVE_NON_PUNISHMENT, case__in=criminal
    ).order_by("date", "id")
    year: dict[int, int] = {}
    applied: dict[int, bool] = {}
    for case_id, step, date, outcome in entries.values_list("case_id", "step", "date", "outcome"):
        year.setdefault(case_id, date.year)
        if step == sm.NonPunishmentStep.OUTCOME:
            applied[case_id] = outcome in sm.NON_PUNISHMENT_APPLIED
    return pl.DataFrame(
        [(case_id, y, applied.get(case_id, False)) for case_id, y in year.items()],
        schema={"case": pl.Int64, "year": pl.Int32, "applied": pl.Boolean},
        orient="row",
    )


def recruitment_rows(cases: QuerySet[Case]) -> pl.DataFrame:
    """Per (case, form) of a case with a recorded modus operandi: the recruitment-channel code of
    its current (newest) record, or null when the channel was not recorded."""
    channel: dict[int, str | None] = {}
    for case_id, code in (
        sm.ModusOperandiRecord.objects.filter(case__in=cases.values("pk"))
        .order_by("case_id", "-recorded_at", "-id")
        .values_list("case_id", "recruitment_channel__code")
    ):
        channel.setdefault(case_id, code)
    forms = Case.exploitation_forms.through.objects.filter(case_id__in=list(channel)).values_list(
        "case_id", "exploitationform__code"
    )
    return pl.DataFrame(
        [(case_id, form, channel[case_id]) for case_id, form in forms],
        schema={"case": pl.Int64, "form": pl.Utf8, "channel": pl.Utf8},
        orient="row",
    )


def ctdc_suspect_rows(case_ids: list[int]) -> pl.DataFrame:
    """Per standing link of the given cases (already scoped by the caller): case_id, role,
    relationship and the suspect's gender, for the CTDC IP_* columns."""
    rows = list(
        sm.SuspectCaseLink.objects.filter(sm.EFFECTIVE_LINK, case_id__in=case_ids).values_list(
            "case_id", "role", "relationship", "suspect__gender"
        )
    )
    return pl.DataFrame(
        rows,
        schema={"case_id": pl.Int64, "role": pl.Utf8, "relationship": pl.Utf8, "gender": pl.Utf8},
        orient="row",
    )


def _count_and_last(queryset) -> tuple:
    return tuple(queryset.order_by().aggregate(n=Count("pk"), last=Max("pk")).values())


def perpetrator_fingerprint(cases: QuerySet[Case]) -> tuple:
    """Cheap to compute; changes whenever anything the perpetrator tables read may have changed:
    the cases in scope (their number, latest version, consent records, exploitation forms), the
    suspect links, proceeding entries, non-punishment entries and modus operandi records of those
    cases and every withdrawal of one, and the reference labels the tables show. For the stored
    result (publication.stored_results.PERPETRATORS)."""
    in_scope = cases.order_by().values("pk")
    counted = cases.order_by().aggregate(n=Count("pk"), last=Max("version"))
    return (
        counted["n"],
        counted["last"],
        ConsentRecord.objects.aggregate(last=Max("pk"))["last"],
        _count_and_last(Case.exploitation_forms.through.objects.filter(case__in=in_scope)),
        _count_and_last(sm.SuspectCaseLink.objects.filter(case__in=in_scope)),
        _count_and_last(sm.ProceedingEntry.objects.filter(case__in=in_scope)),
        _count_and_last(sm.NonPunishmentEntry.objects.filter(case__in=in_scope)),
        _count_and_last(sm.ModusOperandiRecord.objects.filter(case__in=in_scope)),
        _count_and_last(sm.LinkWithdrawal.objects.all()),
        _count_and_last(sm.ProceedingWithdrawal.objects.all()),
        _count_and_last(sm.NonPunishmentWithdrawal.objects.all()),
        tuple(ExploitationForm.objects.values_list("code", "label", "order").order_by("pk")),
        tuple(
            ModusOperandiValue.objects.filter(dimension="recruitment_channel")
            .values_list("code", "label", "order")
            .order_by("pk")
        ),
    )
