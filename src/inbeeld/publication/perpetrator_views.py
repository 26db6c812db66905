"""The perpetrator and non-punishment tables (issue 17 item 6) for who may read the monitor, over
their monitor scope (researchers: consented cases whose consent covers the monitor): the page, the
report as PDF or HTML and the tables as CSV or XLSX.

All of them serve the tables the worker stored for the user's data scope
(publication.stored_results.PERPETRATORS, ADR 0020): nothing is counted in the request, and the
page says how fresh the figures are or that they are still being computed. Every rendering shows
the same protected cells (publication.perpetrator_report), and each one that hands figures over
(the page too) is a release, audited by the one release service (publication.release).

The PDF is laid out in the request from the stored tables, not as a background job like the
monitor PDF (which computes its figures): nine small tables and no charts, about 1 s of WeasyPrint
(4 s measured on the two-core development machine under a load of 8). Should it grow (charts, many
years), it becomes a job kind like MONITOR_PDF (publication.job_kinds)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from inbeeld import policy
from inbeeld.jobs import views as job_views
from inbeeld.publication.perpetrator_report import perpetrator_report, perpetrator_tables_file
from inbeeld.publication.release import ReleaseKind, release_record
from inbeeld.publication.stored_results import stored_perpetrators

SCOPE_LABEL = "landelijk, alleen casussen met toestemming voor onderzoek"
REPORT_FORMATS = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}
TABLE_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _require(request: HttpRequest) -> None:
    policy.require(
        request.user, policy.Action.MONITOR_READ, _("U heeft geen toegang tot deze rapporten.")
    )


def _stored(request: HttpRequest):
    """The stored tables of the user's scope (the caller checked the policy), or the waiting
    page while the worker computes them for the first time."""
    served = stored_perpetrators(request.user)
    if not served.ready:
        return served, job_views.results_pending(
            request,
            served,
            title=_("Daders en non-punishment"),
            back_url=reverse("reports:index"),
        )
    return served, None


@require_http_methods(["GET"])
def perpetrator_page(request: HttpRequest) -> HttpResponse:
    _require(request)
    served, pending = _stored(request)
    if pending:
        return pending
    context = served.value
    release_record(
        user=request.user,
        kind=ReleaseKind.REPORT,
        subject_ref="perpetrator_tables",
        extra={"format": "html", "tables": len(context["tables"])},
    )
    return render(request, "reports/perpetrators.html", {**context, "served": served})


@require_http_methods(["GET"])
def perpetrator_report_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """The perpetrator report as PDF (WeasyPrint) or HTML."""
    _require(request)
    if fmt not in REPORT_FORMATS:
        raise Http404("unknown format")
    served, pending = _stored(request)
    if pending:
        return pending
    report = perpetrator_report(served.value, scope_label=SCOPE_LABEL)
    data = report.pdf() if fmt == "pdf" else report.html.encode("utf-8")
    release_record(
        user=request.user,
        kind=ReleaseKind.REPORT,
        subject_ref="perpetrators",
        extra={"format": fmt, "bytes": len(data)},
    )
    response = HttpResponse(data, content_type=REPORT_FORMATS[fmt])
    response["Content-Disposition"] = f'inline; filename="{report.filename_stem}.{fmt}"'
    return response


@require_http_methods(["GET"])
def perpetrator_tables(request: HttpRequest, fmt: str) -> HttpResponse:
    """The published tables (disclosure-controlled, as on the page) as CSV or XLSX."""
    _require(request)
    if fmt not in TABLE_FORMATS:
        raise Http404("unknown format")
    served, pending = _stored(request)
    if pending:
        return pending
    data = perpetrator_tables_file(served.value, fmt)
    release_record(
        user=request.user,
        kind=ReleaseKind.PERPETRATOR_TABLES,
        subject_ref="perpetrator_tables",
        extra={"format": fmt, "bytes": len(data)},
    )
    response = HttpResponse(data, content_type=TABLE_FORMATS[fmt])
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="inbeeld-dadertabellen-{stamp}.{fmt}"'
    return response
