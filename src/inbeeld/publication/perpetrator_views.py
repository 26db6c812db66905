"""The perpetrator and non-punishment tables (issue 17 item 6, first version): a page for who may
read the monitor, over the cases of their monitor scope (researchers: consented cases whose
consent covers the monitor). Every number goes through disclosure control
(stats.perpetrators → stats.disclosure.protect_table); showing the page is recorded as a release.

Computed on request, not stored by the worker as the monitor is: with suspects only on cases
where the OM decided, the tables are small; moving them into the stored monitor is left to the
monitor's next version (docs/adr/0023-suspects.md)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from inbeeld import policy
from inbeeld.analysis.perpetrator_tables import (
    non_punishment_rows,
    recruitment_rows,
    suspect_rows,
)
from inbeeld.cases import selectors as case_selectors
from inbeeld.publication import reports
from inbeeld.publication.monitor_report import SUPPRESSED
from inbeeld.publication.release import ReleaseKind, release_record
from inbeeld.reference.models import ExploitationForm, ModusOperandiValue
from inbeeld.stats import perpetrators
from inbeeld.stats.disclosure import DisclosurePolicy
from inbeeld.suspects.models import Relationship

STAGE_LABELS = {
    "registered": _lazy("geregistreerd"),
    "prosecuted": _lazy("vervolgd (dagvaarding of strafbeschikking)"),
    "convicted": _lazy("veroordeeld"),
}


def _cell(value) -> str:
    return SUPPRESSED if value is None else str(value)


def _table(title: str, head: str, protected, row_names=None, col_names=None) -> dict:
    row_names = row_names or {}
    col_names = col_names or {}
    return {
        "title": title,
        "head": head,
        "cols": [str(col_names.get(c, c)) for c in protected.col_labels],
        "rows": [
            {
                "label": row_names.get(r, r),
                "cells": [_cell(v) for v in values],
                "total": _cell(total),
            }
            for r, values, total in zip(
                protected.row_labels, protected.values, protected.row_totals, strict=True
            )
        ],
        "footer": [_cell(v) for v in protected.col_totals],
        "total": _cell(protected.grand_total),
    }


def perpetrator_context(cases, *, today) -> dict:
    rule = DisclosurePolicy(min_cell=reports.min_cell())
    rows = suspect_rows(cases)
    forms = list(ExploitationForm.objects.order_by("order").values_list("code", "label"))
    form_codes, form_names = [c for c, _l in forms], dict(forms)
    first = min(rows.get_column("registered_year").min() or today.year, today.year - 4)
    years = list(range(int(first), today.year + 1))
    tables = [
        _table(
            _("Verdachten %(stage)s per jaar, naar uitbuitingsvorm")
            % {"stage": STAGE_LABELS[stage]},
            _("Jaar"),
            perpetrators.stage_table(rows, stage, forms=form_codes, years=years, policy=rule),
            col_names=form_names,
        )
        for stage in perpetrators.STAGES
    ]
    tables.append(
        _table(
            _("Klanten in zaken met minderjarige slachtoffers, per jaar"),
            _("Jaar"),
            perpetrators.client_table(rows, years=years, policy=rule),
            col_names=STAGE_LABELS,
        )
    )
    relationships = {code: str(label) for code, label in Relationship.choices}
    for minor, who in ((True, _("minderjarige")), (False, _("meerderjarige"))):
        tables.append(
            _table(
                _("Relatie van verdachten tot %(who)s slachtoffers, naar uitbuitingsvorm")
                % {"who": who},
                _("Relatie"),
                perpetrators.relationship_table(rows, forms=form_codes, minor=minor, policy=rule),
                row_names=relationships,
                col_names=form_names,
            )
        )
    tables.append(
        _table(
            _(
                "Slachtoffers van criminele uitbuiting die ook verdachte waren, per jaar: "
                "non-punishmentbeginsel toegepast of niet"
            ),
            _("Jaar"),
            perpetrators.non_punishment_table(non_punishment_rows(cases), years=years, policy=rule),
        )
    )
    channels = list(
        ModusOperandiValue.objects.filter(dimension="recruitment_channel")
        .order_by("order")
        .values_list("code", "label")
    )
    tables.append(
        _table(
            _("Casussen naar wervingskanaal en uitbuitingsvorm"),
            _("Wervingskanaal"),
            perpetrators.recruitment_table(
                recruitment_rows(cases),
                channels=[c for c, _l in channels],
                forms=form_codes,
                policy=rule,
            ),
            row_names={**dict(channels), "unknown": _("onbekend")},
            col_names=form_names,
        )
    )
    medians = perpetrators.median_unconditional_months(rows, min_n=reports.min_cell())
    return {
        "tables": tables,
        "medians": [
            {
                "year": year,
                "form": form_names.get(form, form),
                "n": _cell(n if n >= rule.min_cell else None),
                "median": "–" if median is None else f"{median:g}",
            }
            for year, form, n, median in medians.iter_rows()
        ],
        "min_cell": rule.min_cell,
        "suppressed_symbol": SUPPRESSED,
    }


@require_http_methods(["GET"])
def perpetrator_page(request: HttpRequest) -> HttpResponse:
    policy.require(
        request.user, policy.Action.MONITOR_READ, _("U heeft geen toegang tot deze rapporten.")
    )
    cases = case_selectors.cases_in_monitor_scope(request.user)
    context = perpetrator_context(cases, today=timezone.localdate())
    release_record(
        user=request.user,
        kind=ReleaseKind.REPORT,
        subject_ref="perpetrator_tables",
        extra={"format": "html", "tables": len(context["tables"])},
    )
    return render(request, "reports/perpetrators.html", context)
