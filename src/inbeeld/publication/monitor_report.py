"""The monitor as it may leave the platform: the figures of stats.monitor with disclosure control
applied to every table (stats.disclosure), the dark number (stats.mse over the linkage keys), and
the same context for the researchers' monitor page, the HTML report and the PDF.

Rules: counts below the minimum cell size are suppressed (primary), and so many others that no
suppressed count can be recovered from the totals (secondary, checked by linear programming; in
the chain funnel also from the nesting of its stages, see stats.funnel_disclosure.protect_funnel);
percentages only over a denominator of at least the policy's minimum; a repeat-victimisation
share only for a group of at least that size whose number of events is 0 or at least the minimum
cell size."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from inbeeld.analysis import presenter
from inbeeld.analysis.monitor_tables import monitor_tables_for_cases, monitor_tables_of_scope
from inbeeld.cases import selectors as case_selectors
from inbeeld.cases.models import NationalityGroup
from inbeeld.policy import research_scope
from inbeeld.publication.reports import Report
from inbeeld.reference.models import ExploitationForm, PoliceUnit
from inbeeld.spreadsheet_safety import number_from_dutch_text
from inbeeld.stats import vocabulary as ev
from inbeeld.stats.disclosure import DisclosurePolicy, protect_one_way, protect_table
from inbeeld.stats.exceptions import StatsError
from inbeeld.stats.funnel_disclosure import protect_funnel
from inbeeld.stats.monitor import build_monitor

SUPPRESSED = "×"
STAGE_LABELS = {
    "cases": gettext_noop("Geregistreerde casussen"),
    "police_contact": gettext_noop("Eerste politiecontact"),
    "complaint": gettext_noop("Aangifte"),
    ev.PROSECUTION_DECISION: gettext_noop("Beslissing OM"),
    "summons": gettext_noop("Dagvaarding"),
    "conviction": gettext_noop("Veroordeling (eerste aanleg)"),
}
BREAKDOWNS = (
    ("by_form", gettext_noop("Uitbuitingsvorm")),
    ("by_minor", gettext_noop("Minderjarig of meerderjarig")),
    ("by_nationality", gettext_noop("Nationaliteit")),
    ("by_police_unit", gettext_noop("Politie-eenheid")),
)


def disclosure_policy() -> DisclosurePolicy:
    return DisclosurePolicy(min_cell=settings.INBEELD_DISCLOSURE_MIN_CELL)


def _row_labels(by: str, codes) -> list[str]:
    if by == "by_form":
        names = dict(ExploitationForm.objects.values_list("code", "label"))
    elif by == "by_police_unit":
        names = dict(PoliceUnit.objects.values_list("code", "name"))
    elif by == "by_nationality":
        names = dict(NationalityGroup.choices)
    else:
        names = {"minor": _("Minderjarig"), "adult": _("Meerderjarig"), "unknown": _("Onbekend")}
    return [str(names.get(code, code)) for code in codes]


def _cell(value) -> str:
    return SUPPRESSED if value is None else presenter.number(value, 0)


def protected_count_table(table, by: str, policy: DisclosurePolicy) -> dict:
    years = [str(y) for y in table.years]
    labels = _row_labels(by, table.row_labels)
    if not years or not labels:
        return {"years": [], "rows": [], "footer": None, "unique": None, "note": "", "empty": True}
    protected = protect_table(table.counts, labels, years, policy)
    rows = [
        {
            "label": label,
            "cells": [_cell(protected.value(i, j)) for j in range(len(years))],
            "total": _cell(protected.value(i, None)),
        }
        for i, label in enumerate(labels)
    ]
    footer = {
        "label": _("Totaal (vormen)") if table.overlapping else _("Totaal"),
        "cells": [_cell(protected.value(None, j)) for j in range(len(years))],
        "total": _cell(protected.value(None, None)),
    }
    unique = None
    if table.overlapping:
        series = protect_one_way(list(table.cases_per_year), years, policy)
        unique = {
            "label": _("Casussen (elke casus één keer)"),
            "cells": [_cell(series.value(j)) for j in range(len(years))],
            "total": _cell(series.value(None)),
        }
    return {
        "years": years,
        "rows": rows,
        "footer": footer,
        "unique": unique,
        "note": table.note,
        "suppressed": protected.n_suppressed,
    }


def protected_funnel(funnel, policy: DisclosurePolicy) -> dict:
    years = [str(y.year) for y in funnel.years]
    if not years:
        return {"years": [], "rows": []}
    labels, counts = [], []
    for code, label in STAGE_LABELS.items():
        row = []
        for year in funnel.years:
            stage = next((s for s in year.stages if s.code == code), None)
            row.append(None if stage is None else stage.reached)
        if any(c is None for c in row):
            continue  # the stage needs outcomes that are not recorded
        labels.append(_(label))
        counts.append(row)
    rows = [
        {
            "label": label,
            "cells": [_cell(value) for value in published[:-1]],
            "total": _cell(published[-1]),
            "published_total": published[-1],
        }
        for label, published in zip(labels, protect_funnel(counts, years, policy), strict=True)
    ]
    for previous, row in zip(rows, rows[1:], strict=False):
        a, b = previous["published_total"], row["published_total"]
        row["share"] = (
            presenter.pct(b / a, 0) if a and b is not None and a >= policy.min_denominator else "–"
        )
    if rows:
        rows[0]["share"] = ""
    return {"years": years, "rows": rows}


def protected_repeat(repeat, policy: DisclosurePolicy) -> list[dict]:
    out = []
    names = {
        "all": _("Alle slachtoffers"),
        "minor": _("Minderjarig bij instroom"),
        "adult": _("Meerderjarig"),
    }
    for name in ("all", "minor", "adult"):
        try:
            group = repeat.group(name)
        except StatsError:  # a group these data do not have
            continue
        cells = []
        publishable = group.n >= policy.min_denominator and (
            group.n_events == 0 or group.n_events >= policy.min_cell
        )
        for years in (5, 7):
            at = group.at(years)
            if not publishable:
                cells.append(_("onderdrukt (te weinig slachtoffers)"))
            elif at.estimate is None:
                cells.append(_("nog niet te schatten"))
            else:
                cells.append(presenter.interval_pct(at.estimate))
        out.append(
            {
                "label": names[name],
                "n": presenter.number(group.n, 0)
                if group.n >= policy.min_cell
                else f"<{policy.min_cell}",
                "cells": cells,
            }
        )
    return out


SOURCE_LABELS = {
    "police": gettext_noop("politie"),
    "kmar": gettext_noop("Koninklijke Marechaussee"),
    "nla": gettext_noop("Arbeidsinspectie"),
    "comensha": gettext_noop("CoMensha"),
    "care": gettext_noop("zorg en opvang"),
    "om": gettext_noop("Openbaar Ministerie"),
    "other": gettext_noop("andere bron"),
}


def dark_number_context(
    dark, *, min_cell: int | None = None, years=(), compute_bootstrap: bool = False
) -> dict | None:
    """What the page and the report say about the dark number. ``dark`` is an
    analysis.dark_number.DarkNumber (the estimate, or the reason there is none) or None. Nothing
    is published when fewer than ``min_cell`` victims are in view."""
    if dark is None:
        return None
    min_cell = min_cell or settings.INBEELD_DISCLOSURE_MIN_CELL
    result = getattr(dark, "result", dark)
    if result is None or not hasattr(result, "estimate"):
        return {"reason": getattr(dark, "reason", "") or _("te weinig gegevens.")}
    if result.observed < min_cell:
        return {"reason": _("te weinig slachtoffers in beeld om iets te publiceren.")}
    from inbeeld.publication.dark_number_uncertainty import uncertainty_context

    return {
        **uncertainty_context(dark, years=years, compute_bootstrap=compute_bootstrap),
        "observed": presenter.number(result.observed, 0),
        "estimate": presenter.number(result.estimate, 0),
        "low": presenter.number(result.interval.low, 0),
        "high": presenter.number(result.interval.high, 0),
        "ratio": presenter.number(result.ratio, 1),
        "lists": ", ".join(_(SOURCE_LABELS.get(code, code)) for code in result.lists),
        "model": ", ".join(
            " × ".join(_(SOURCE_LABELS.get(part, part)) for part in term.split(":"))
            for term in result.model
        )
        or _("geen (onafhankelijke bronnen)"),
    }


def _published(cell: str) -> int | None:
    return None if cell == SUPPRESSED else int(cell.replace(".", ""))


def _charts(breakdowns: list[dict], funnel: dict) -> dict:
    """Bar charts drawn from the PROTECTED tables (never from the raw counts)."""
    from inbeeld.publication import bar_charts

    out = {}
    table = breakdowns[0]["table"] if breakdowns else {}
    per_year = table.get("unique") or table.get("footer")  # cases, each counted once
    if per_year:
        cells = [_published(c) for c in per_year["cells"]]
        out["per_year"] = bar_charts.bar_chart(
            list(zip(table["years"], cells, strict=True)),
            title=_("Geregistreerde casussen per jaar van instroom"),
            desc=_(
                "Aantal casussen per jaar; × is onderdrukt. De tabel eronder geeft dezelfde getallen."
            ),
        )
    if funnel["rows"]:
        out["funnel"] = bar_charts.bar_chart(
            [(row["label"], _published(row["total"])) for row in funnel["rows"]],
            title=_("De keten, alle jaren samen"),
            desc=_("Aantal casussen dat elke stap bereikte; × is onderdrukt."),
        )
    return out


def monitor_context(
    tables,
    *,
    dark_number=None,
    progress: Callable[[str], None] | None = None,
    compute_bootstrap: bool = False,
) -> dict:
    progress = progress or (lambda step: None)
    policy = disclosure_policy()
    report = build_monitor(tables)
    progress(_("monitorcijfers"))
    breakdowns = []
    for attribute, title in BREAKDOWNS:
        breakdowns.append(
            {
                "title": _(title),
                "table": protected_count_table(getattr(report, attribute), attribute, policy),
            }
        )
    progress(_("onthullingscontrole"))
    charts_ = _charts(breakdowns, funnel_table := protected_funnel(report.funnel, policy))
    return {
        "charts": charts_,
        "cutoff": report.cutoff,
        "n_cases": presenter.number(report.n_cases, 0),
        "breakdowns": breakdowns,
        "funnel": funnel_table,
        "repeat": protected_repeat(report.repeat_victimisation, policy),
        "dark": dark_number_context(
            dark_number,
            years=getattr(getattr(report, BREAKDOWNS[0][0]), "years", ()),
            compute_bootstrap=compute_bootstrap,
        ),
        "min_cell": policy.min_cell,
        "min_denominator": policy.min_denominator,
        "suppressed_symbol": SUPPRESSED,
    }


def _dark_number(cases):
    from inbeeld.analysis import dark_number

    return dark_number.dark_number_for_cases(cases)


def monitor_report_of_context(context: dict, *, scope_label: str) -> Report:
    """The monitor report of a computed context (the stored one, publication.stored_results)."""
    return _report(context, scope_label)


def _report(context: dict, scope_label: str) -> Report:
    title = _("Monitor mensenhandel: slachtoffers in beeld")
    html = render_to_string(
        "reports/monitor.html",
        {
            **context,
            "title": title,
            "generated_at": timezone.localtime(),
            "scope_label": scope_label,
        },
    )
    stamp = timezone.localdate().isoformat()
    return Report(title=title, html=html, filename_stem=f"inbeeld-monitor-{stamp}")


def monitor_context_for(user, *, compute_bootstrap: bool = False, progress=None) -> dict:
    """The page leaves the model-choice bootstrap to the report (it shows it once cached)."""
    return monitor_context_of_scope(
        research_scope(user, monitor=True),
        compute_bootstrap=compute_bootstrap,
        progress=progress,
    )


def monitor_context_of_scope(scope, *, compute_bootstrap: bool = False, progress=None) -> dict:
    """The monitor of a research scope (policy.research_scope with ``monitor``), rebuilt from the
    scope alone: what the worker stores for the page (publication.stored_results)."""
    tables = monitor_tables_of_scope(scope)
    if progress:
        progress(_("tabellen geladen"))
    return monitor_context(
        tables,
        dark_number=_dark_number(cases=case_selectors.cases_of_research_scope(scope)),
        progress=progress,
        compute_bootstrap=compute_bootstrap,
    )


def monitor_report_for(user, *, scope_label: str, progress=None) -> Report:
    context = monitor_context_for(user, compute_bootstrap=True, progress=progress)
    if progress:
        progress(_("verborgen aantal geschat"))
    return _report(context, scope_label)


def research_monitor_report(*, scope_label: str, progress=None) -> Report:
    """The national monitor without a user: the cases of case_selectors.cases_in_research_scope(monitor=True)
    (research consent whose current scope covers the monitor)."""
    cases = case_selectors.cases_in_research_scope(monitor=True)
    tables = monitor_tables_for_cases(cases)
    if progress:
        progress(_("tabellen geladen"))
    context = monitor_context(
        tables, dark_number=_dark_number(cases), progress=progress, compute_bootstrap=True
    )
    if progress:
        progress(_("verborgen aantal geschat"))
    return _report(context, scope_label)


def monitor_table_rows(context: dict) -> list[list[str]]:
    """The monitor's tables as they are published (the protected values, × where suppressed), in
    long format for CSV and XLSX: table, row, column, value."""
    rows = [["tabel", "rij", "kolom", "waarde"]]
    for breakdown in context["breakdowns"]:
        table = breakdown["table"]
        if table.get("empty"):
            continue
        lines = [*table["rows"], table["footer"], *([table["unique"]] if table["unique"] else [])]
        for line in lines:
            for year, cell in zip(table["years"], line["cells"], strict=True):
                rows.append([breakdown["title"], line["label"], year, cell])
            rows.append([breakdown["title"], line["label"], _("Totaal"), line["total"]])
    funnel = context["funnel"]
    for line in funnel["rows"]:
        for year, cell in zip(funnel["years"], line["cells"], strict=True):
            rows.append([_("Keten"), line["label"], year, cell])
        rows.append([_("Keten"), line["label"], _("Totaal"), line["total"]])
    for line in context["repeat"]:
        rows.append([_("Herhaald slachtofferschap"), line["label"], _("Slachtoffers"), line["n"]])
        for years, cell in zip((5, 7), line["cells"], strict=True):
            rows.append(
                [
                    _("Herhaald slachtofferschap"),
                    line["label"],
                    _("binnen %(y)s jaar") % {"y": years},
                    cell,
                ]
            )
    return rows


def monitor_table_values(context: dict) -> list[list]:
    """The rows of :func:`monitor_table_rows` for a spreadsheet: a published count ("1.504" on
    the page) as a number, so a spreadsheet can add it up; × and shares stay text."""
    header, *rows = monitor_table_rows(context)
    return [header, *([*row[:3], number_from_dutch_text(row[3])] for row in rows)]


def monitor_tables_file(context: dict, fmt: str) -> bytes:
    from inbeeld.spreadsheet_safety import tables_file

    # Labels come from reference data (unit names): never a formula in a spreadsheet.
    notes = [
        _("Aantallen kleiner dan %(n)s en aantallen die ze zouden verraden zijn vervangen door ×.")
        % {"n": context["min_cell"]},
        _("Gegevens tot en met %(d)s; alleen casussen met toestemming voor onderzoek.")
        % {"d": context["cutoff"].isoformat()},
    ]
    return tables_file(monitor_table_values(context), fmt, sheet_title="Monitor", notes=notes)
