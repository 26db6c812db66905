"""Reports for researchers: the evaluation report and the monitor report as HTML or PDF. The same
access rules as the pages they summarise (the policy decides); every download is audited. And the
open-data page: noisy counts of a monitor table with differential privacy, charged to a privacy
budget (publication.services.dp_release). Every download's audit row is written by the release
service (publication.release)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from inbeeld import policy
from inbeeld.jobs import views as job_views
from inbeeld.publication import reports
from inbeeld.publication.models import PrivacyBudget, PrivacyRelease
from inbeeld.publication.release import ReleaseKind, release_record
from inbeeld.publication.services import dp_release
from inbeeld.reference.models import PoliceUnit
from inbeeld.web import apply_service_errors

FORMATS = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}
SCOPE_LABEL = "landelijk, alleen casussen met toestemming voor onderzoek"


def _require(user, action: policy.Action) -> None:
    policy.require(user, action, _("U heeft geen toegang tot deze rapporten."))


@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    may_evaluation = policy.can(request.user, policy.Action.EVALUATION_READ)
    may_monitor = policy.can(request.user, policy.Action.MONITOR_READ)
    may_export = policy.can(request.user, policy.Action.EXPORT_MICRODATA)
    if not (may_evaluation or may_monitor or may_export):
        raise PermissionDenied(_("U heeft geen toegang tot deze rapporten."))
    return render(
        request,
        "reports/index.html",
        {
            "may_evaluation": may_evaluation,
            "may_monitor": may_monitor,
            "may_export": may_export,
            "may_open_data": policy.can(request.user, policy.Action.DP_RELEASE),
            "min_cell": reports.min_cell(),
        },
    )


def _respond(request, report: reports.Report, fmt: str, kind: str) -> HttpResponse:
    data = report.html.encode("utf-8")  # the PDF is made by the worker (job_kinds)
    release_record(
        user=request.user,
        kind=ReleaseKind.REPORT,
        subject_ref=kind,
        extra={"format": fmt, "bytes": len(data)},
    )
    response = HttpResponse(data, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'inline; filename="{report.filename_stem}.{fmt}"'
    return response


@require_http_methods(["GET", "POST"])
def evaluation(request: HttpRequest, fmt: str) -> HttpResponse:
    _require(request.user, policy.Action.EVALUATION_READ)
    if fmt not in FORMATS:
        raise Http404("unknown format")
    if fmt == "pdf":  # made by the worker, with progress (publication.job_kinds)
        return job_views.start(request, "evaluation_pdf")
    if request.method != "GET":
        raise Http404("unknown format")
    from inbeeld.analysis.evaluation import stored_evaluation

    served = stored_evaluation(request.user)  # as the worker stored it (jobs.results)
    if not served.ready:
        return job_views.results_pending(
            request, served, title=_("Evaluatie"), back_url=reverse("reports:index")
        )
    report = reports.evaluation_report(served.value, scope_label=SCOPE_LABEL)
    return _respond(request, report, fmt, "evaluation")


@require_http_methods(["GET", "POST"])
def monitor(request: HttpRequest, fmt: str) -> HttpResponse:
    _require(request.user, policy.Action.MONITOR_READ)
    if fmt not in FORMATS:
        raise Http404("unknown format")
    if fmt == "pdf":  # made by the worker, with progress (publication.job_kinds)
        return job_views.start(request, "monitor_pdf")
    if request.method != "GET":
        raise Http404("unknown format")
    from inbeeld.publication.monitor_report import monitor_report_of_context
    from inbeeld.publication.stored_results import stored_monitor

    served = stored_monitor(request.user)  # the PDF (worker) adds the bootstrap of the estimate
    if not served.ready:
        return job_views.results_pending(
            request, served, title=_("Monitor"), back_url=reverse("reports:index")
        )
    report = monitor_report_of_context(served.value, scope_label=SCOPE_LABEL)
    return _respond(request, report, fmt, "monitor")


@require_http_methods(["GET", "POST"])
def microdata(request: HttpRequest, fmt: str) -> HttpResponse:
    """Pseudonymised, disclosure-controlled microdata for the researcher's own analysis (not for
    publication), after the data-use agreement; made on the background (publication.job_kinds)."""
    from inbeeld.publication.exports import CONTENT_TYPES
    from inbeeld.publication.job_kinds import microdata_kind
    from inbeeld.publication.microdata_views import agreement_url
    from inbeeld.publication.services import data_use_agreement_accepted

    _require(request.user, policy.Action.EXPORT_MICRODATA)
    if fmt not in CONTENT_TYPES:
        raise Http404("unknown format")
    if not data_use_agreement_accepted(request.user):
        # First the data-use agreement, then back to this download.
        return redirect(agreement_url(reverse("reports:microdata", args=[fmt])))
    return job_views.start(request, microdata_kind(fmt))


@require_http_methods(["GET"])
def monitor_page(request: HttpRequest) -> HttpResponse:
    """The monitor as the worker stored it for the user's data scope (jobs.results)."""
    from inbeeld.publication.stored_results import stored_monitor

    _require(request.user, policy.Action.MONITOR_READ)
    served = stored_monitor(request.user)
    if not served.ready:
        return job_views.results_pending(
            request, served, title=_("Monitor"), back_url=reverse("reports:index")
        )
    return render(request, "monitor/page.html", {**served.value, "served": served})


# --- open data with differential privacy ---------------------------------------------------------

OPEN_DATA_TABLES = {
    "form": (
        "by_form",
        _lazy("Geregistreerde casussen per jaar van instroom, naar uitbuitingsvorm"),
    ),
    "police_unit": (
        "by_police_unit",
        _lazy("Geregistreerde casussen per jaar van instroom, naar politie-eenheid"),
    ),
}
CELL_SEPARATOR = " – "
FIRST_YEAR = 2000
MAX_YEARS = 25


class OpenDataForm(forms.Form):
    """Which table (and which intake years) to release, charged to which data set's budget, at
    what epsilon."""

    field_order = ["dataset", "table", "first_year", "last_year", "epsilon"]

    dataset = forms.ChoiceField(
        label=_lazy("Dataset (privacybudget)"),
        error_messages={
            "required": _lazy("Kies de dataset waarvan het budget wordt gebruikt."),
            "invalid_choice": _lazy("Kies een dataset uit de lijst."),
        },
    )
    table = forms.ChoiceField(
        label=_lazy("Tabel"),
        choices=[(code, label) for code, (_attr, label) in OPEN_DATA_TABLES.items()],
        widget=forms.RadioSelect,
        error_messages={
            "required": _lazy("Kies welke tabel u wilt vrijgeven."),
            "invalid_choice": _lazy("Kies een tabel uit de lijst."),
        },
    )
    epsilon = forms.CharField(
        label=_lazy("Epsilon (privacyverlies van deze vrijgave)"),
        max_length=20,
        help_text=_lazy(
            "Een getal groter dan 0, bijvoorbeeld 0,5. Hoe kleiner epsilon, hoe meer ruis en hoe "
            "beter de privacy; de vrijgave kost precies dit deel van het budget."
        ),
        error_messages={"required": _lazy("Vul epsilon in.")},
    )

    first_year = forms.IntegerField(
        label=_lazy("Van jaar van instroom"),
        min_value=FIRST_YEAR,
        error_messages={
            "required": _lazy("Vul het eerste jaar in."),
            "invalid": _lazy("Vul een jaartal in, bijvoorbeeld 2022."),
            "min_value": _lazy("Kies een jaar vanaf %(limit_value)s."),
        },
    )
    last_year = forms.IntegerField(
        label=_lazy("Tot en met jaar van instroom"),
        min_value=FIRST_YEAR,
        help_text=_lazy(
            "Elk jaar telt als een kolom, ook een jaar zonder casussen: welke jaren er zijn, "
            "kiest u vooraf en volgt niet uit de gegevens."
        ),
        error_messages={
            "required": _lazy("Vul het laatste jaar in."),
            "invalid": _lazy("Vul een jaartal in, bijvoorbeeld 2024."),
            "min_value": _lazy("Kies een jaar vanaf %(limit_value)s."),
        },
    )

    def __init__(self, *args, budgets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dataset"].choices = [(b.dataset, f"{b.label} ({b.dataset})") for b in budgets]

    def clean_epsilon(self) -> Decimal:
        text = self.cleaned_data["epsilon"].strip().replace(" ", "").replace(",", ".")
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise forms.ValidationError(_("Epsilon moet een getal zijn, bijvoorbeeld 0,5."))
        if value <= 0:
            raise forms.ValidationError(_("Epsilon moet groter zijn dan 0."))
        return value

    def clean(self):
        data = super().clean()
        first, last = data.get("first_year"), data.get("last_year")
        this_year = timezone.localdate().year
        if last is not None and last > this_year:
            self.add_error(
                "last_year", _("Kies een jaar tot en met %(year)s.") % {"year": this_year}
            )
        elif first is not None and last is not None:
            if first > last:
                self.add_error("last_year", _("Het laatste jaar ligt voor het eerste jaar."))
            elif last - first + 1 > MAX_YEARS:
                self.add_error("last_year", _("Kies ten hoogste %(n)d jaren.") % {"n": MAX_YEARS})
        return data


def _epsilon_text(value) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text.replace(".", ",")


def _budget_rows(budgets) -> list[dict]:
    return [
        {
            "budget": budget,
            "total": _epsilon_text(budget.epsilon_total),
            "spent": _epsilon_text(budget.epsilon_spent()),
            "remaining": _epsilon_text(budget.epsilon_remaining()),
            "releases": [
                {
                    "pk": release.pk,
                    "query": release.query,
                    "epsilon": _epsilon_text(release.epsilon),
                    "created_at": release.created_at,
                }
                for release in budget.releases.order_by("-created_at", "-pk")[:5]
            ],
        }
        for budget in budgets
    ]


def _open_data_rows(table_code: str) -> list[str]:
    """The row codes of a released table, fixed in advance (never taken from the data: which
    categories occur is itself information about the victims)."""
    from inbeeld.stats.monitor import MONITOR_FORMS

    if table_code == "form":
        return list(MONITOR_FORMS)
    return list(PoliceUnit.objects.values_list("code", flat=True))


def _open_data_cells(
    user, table_code: str, first_year: int, last_year: int
) -> tuple[list[int], list[str], int, str]:
    """The chosen monitor table within ``user``'s scope as flat cells (counts, labels), its L1
    sensitivity and a description of the query.

    The cells are every row of the catalogue (all exploitation forms, all police units) × every
    chosen year, also the empty ones: the table's shape depends on the question, not on the data.
    """
    from inbeeld.analysis.monitor_tables import monitor_tables_for
    from inbeeld.publication.monitor_report import _row_labels
    from inbeeld.stats.monitor import yearly_counts

    attribute, description = OPEN_DATA_TABLES[table_code]
    tables = monitor_tables_for(user)
    table = yearly_counts(tables, table_code)
    found = {
        (row, year): int(table.counts[i, j])
        for i, row in enumerate(table.row_labels)
        for j, year in enumerate(table.years)
    }
    codes = _open_data_rows(table_code)
    names = _row_labels(attribute, codes)
    years = range(first_year, last_year + 1)
    counts = [found.get((code, year), 0) for code in codes for year in years]
    labels = [f"{name}{CELL_SEPARATOR}{year}" for name in names for year in years]
    # One victim (case) is in one year and, per breakdown, in one row; with exploitation forms a
    # case counts once in each of its forms, so it can change every form row (of its year).
    sensitivity = len(codes) if table.overlapping else 1
    query = _("%(table)s, %(first)s–%(last)s, gegevens tot en met %(cutoff)s") % {
        "table": description,
        "first": first_year,
        "last": last_year,
        "cutoff": tables.cutoff.strftime("%d-%m-%Y"),
    }
    return counts, labels, sensitivity, query


def _release_context(release) -> dict:
    from inbeeld.analysis import presenter

    cells = []
    for label, value in zip(release.labels, release.values, strict=False):
        group, _sep, year = label.rpartition(CELL_SEPARATOR)
        cells.append({"group": group or label, "year": year if group else "", "value": value})
    return {
        "release": release,
        "cells": cells,
        "epsilon": _epsilon_text(release.epsilon),
        "accuracy": presenter.number(release.confidence_halfwidth_95, 1),
        "remaining": _epsilon_text(release.budget.epsilon_remaining()),
    }


@require_http_methods(["GET", "POST"])
def open_data(request: HttpRequest) -> HttpResponse:
    """Open data with differential privacy: the privacy budgets (spent and remaining), and a
    release of noisy counts of a monitor table charged to a chosen budget (researchers only).

    A release is refused (over budget, a bad epsilon) with a Dutch message on the form and leaves
    nothing behind; after a release the page shows it (post/redirect/get, so reloading the page
    does not spend the budget twice)."""
    _require(request.user, policy.Action.DP_RELEASE)
    budgets = list(PrivacyBudget.objects.order_by("dataset"))
    this_year = timezone.localdate().year
    form = OpenDataForm(
        request.POST or None,
        budgets=budgets,
        initial={"first_year": this_year - 4, "last_year": this_year},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        counts, labels, sensitivity, query = _open_data_cells(
            request.user, data["table"], data["first_year"], data["last_year"]
        )
        try:
            release = dp_release(
                actor=request.user,
                dataset=data["dataset"],
                counts=counts,
                labels=labels,
                epsilon=data["epsilon"],
                query=query,
                sensitivity=sensitivity,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("De cijfers met ruis zijn vrijgegeven."))
            return redirect(f"{reverse('reports:open_data')}?vrijgave={release.pk}")
    shown = None
    wanted = request.GET.get("vrijgave", "")
    if request.method == "GET" and wanted.isdigit() and len(wanted) < 12:
        release = PrivacyRelease.objects.select_related("budget").filter(pk=int(wanted)).first()
        if release is not None:
            shown = _release_context(release)
    return render(
        request,
        "reports/open_data.html",
        {"form": form, "budgets": _budget_rows(budgets), "shown": shown},
    )


TABLE_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@require_http_methods(["GET"])
def monitor_tables(request: HttpRequest, fmt: str) -> HttpResponse:
    """The monitor's published tables (disclosure-controlled) as CSV or XLSX."""
    from django.utils import timezone

    from inbeeld.publication.monitor_report import monitor_tables_file
    from inbeeld.publication.stored_results import stored_monitor

    _require(request.user, policy.Action.MONITOR_READ)
    if fmt not in TABLE_FORMATS:
        raise Http404("unknown format")
    served = stored_monitor(request.user)  # the page's figures, as the worker stored them
    if not served.ready:
        return job_views.results_pending(
            request, served, title=_("Monitor"), back_url=reverse("reports:index")
        )
    data = monitor_tables_file(served.value, fmt)
    release_record(
        user=request.user,
        kind=ReleaseKind.MONITOR_TABLES,
        subject_ref="monitor_tables",
        extra={"format": fmt, "bytes": len(data)},
    )
    response = HttpResponse(data, content_type=TABLE_FORMATS[fmt])
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="inbeeld-monitortabellen-{stamp}.{fmt}"'
    )
    return response
