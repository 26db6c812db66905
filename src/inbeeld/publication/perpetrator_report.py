"""The perpetrator and non-punishment report (issue 17 item 6): the tables in the style of the
National Rapporteur's perpetrator monitor, built once per data scope by the worker
(publication.stored_results.PERPETRATORS) and rendered from that stored context as the page, the
PDF (WeasyPrint) and the tables file (CSV, XLSX). Every rendering shows the same protected cells:
the context holds only the published values (× where suppressed), never a raw count.

Every number goes through disclosure control (stats.perpetrators → stats.disclosure.protect_table;
a median only with at least the minimum number of convictions)."""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from inbeeld.analysis.perpetrator_tables import (
    non_punishment_rows,
    recruitment_rows,
    suspect_rows,
)
from inbeeld.analysis.presenter import number
from inbeeld.cases import selectors as case_selectors
from inbeeld.publication import reports
from inbeeld.publication.monitor_report import SUPPRESSED
from inbeeld.reference.models import ExploitationForm, ModusOperandiValue
from inbeeld.spreadsheet_safety import number_from_dutch_text, tables_file
from inbeeld.stats import perpetrators
from inbeeld.stats.disclosure import DisclosurePolicy
from inbeeld.suspects.models import Relationship

STAGE_LABELS = {
    "registered": _lazy("geregistreerd"),
    "prosecuted": _lazy("vervolgd (dagvaarding of strafbeschikking)"),
    "convicted": _lazy("veroordeeld"),
}
TITLE = _lazy("Daders en non-punishment")


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
                "label": str(row_names.get(r, r)),
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


def perpetrator_context(cases, *, today: dt.date) -> dict:
    """The published tables of ``cases`` (already scoped by the caller), as plain strings."""
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
    medians = perpetrators.median_unconditional_months(rows, min_n=rule.min_cell)
    return {
        "tables": tables,
        "medians": [
            {
                "year": year,
                "form": str(form_names.get(form, form)),
                "n": _cell(n if n >= rule.min_cell else None),
                "median": "–" if median is None else number(median, 1).removesuffix(",0"),
                "median_value": median,
            }
            for year, form, n, median in medians.iter_rows()
        ],
        "min_cell": rule.min_cell,
        "suppressed_symbol": SUPPRESSED,
        "cutoff": today,
    }


def perpetrator_context_of_scope(scope) -> dict:
    """The tables of a research scope (policy.research_scope with ``monitor``), rebuilt from the
    scope alone: what the worker stores for the page (publication.stored_results)."""
    cases = case_selectors.cases_of_research_scope(scope)
    return perpetrator_context(cases, today=timezone.localdate())


def perpetrator_report(context: dict, *, scope_label: str) -> reports.Report:
    """The report (HTML for WeasyPrint) of a computed context."""
    title = str(TITLE)
    html = render_to_string(
        "reports/perpetrators_report.html",
        {
            **context,
            "title": title,
            "generated_at": timezone.localtime(),
            "scope_label": scope_label,
        },
    )
    stamp = timezone.localdate().isoformat()
    return reports.Report(title=title, html=html, filename_stem=f"inbeeld-daders-{stamp}")


def perpetrator_table_rows(context: dict) -> list[list]:
    """The published tables in long format (table, row, column, value) for CSV and XLSX: the
    page's cells (× where suppressed); a count as a number, a median as a number."""
    rows: list[list] = [["tabel", "rij", "kolom", "waarde"]]
    total = _("Totaal")
    for table in context["tables"]:
        lines = [
            *table["rows"],
            {"label": total, "cells": table["footer"], "total": table["total"]},
        ]
        for line in lines:
            for col, cell in zip(table["cols"], line["cells"], strict=True):
                rows.append([table["title"], line["label"], col, number_from_dutch_text(cell)])
            rows.append(
                [table["title"], line["label"], total, number_from_dutch_text(line["total"])]
            )
    title = _("Mediane onvoorwaardelijke straf (maanden), per jaar van veroordeling en vorm")
    for m in context["medians"]:
        label = f"{m['year']} – {m['form']}"
        rows.append([title, label, _("Veroordeelden"), number_from_dutch_text(m["n"])])
        median = m["median_value"]
        rows.append([title, label, _("Mediaan (maanden)"), "–" if median is None else median])
    return rows


def perpetrator_tables_file(context: dict, fmt: str) -> bytes:
    """The tables as CSV (Excel-NL) or XLSX, with a sheet that explains the × and the scope."""
    notes = [
        _(
            "Aantallen kleiner dan %(n)s en aantallen die ze zouden verraden zijn vervangen "
            "door ×; een mediaan staat er alleen bij ten minste %(n)s veroordeelden."
        )
        % {"n": context["min_cell"]},
        _("Gegevens tot en met %(d)s; alleen casussen met toestemming voor onderzoek.")
        % {"d": context["cutoff"].isoformat()},
    ]
    return tables_file(perpetrator_table_rows(context), fmt, sheet_title="Daders", notes=notes)
