"""Reports for researchers: the evaluation report and the monitor report as HTML or PDF. The same
access rules as the pages they summarise (the policy decides); every download is audited."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.publication import reports

FORMATS = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}
SCOPE_LABEL = "landelijk, alleen casussen met toestemming voor onderzoek"


def _require(user, action: policy.Action) -> None:
    if not policy.can(user, action):
        raise PermissionDenied(_("U heeft geen toegang tot deze rapporten."))


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
            "min_cell": reports.min_cell(),
        },
    )


def _respond(request, report: reports.Report, fmt: str, kind: str) -> HttpResponse:
    data = report.pdf() if fmt == "pdf" else report.html.encode("utf-8")
    audit_record(
        actor=request.user,
        action=AuditAction.REPORT_CREATED,
        subject_type="report",
        subject_ref=kind,
        extra={"format": fmt, "bytes": len(data)},
    )
    response = HttpResponse(data, content_type=FORMATS[fmt])
    disposition = "attachment" if fmt == "pdf" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{report.filename_stem}.{fmt}"'
    return response


@require_http_methods(["GET"])
def evaluation(request: HttpRequest, fmt: str) -> HttpResponse:
    _require(request.user, policy.Action.EVALUATION_READ)
    if fmt not in FORMATS:
        raise Http404("unknown format")
    from inbeeld.analysis.evaluation import evaluation_for

    result = evaluation_for(request.user)
    report = reports.evaluation_report(result, scope_label=SCOPE_LABEL)
    return _respond(request, report, fmt, "evaluation")


@require_http_methods(["GET"])
def monitor(request: HttpRequest, fmt: str) -> HttpResponse:
    _require(request.user, policy.Action.MONITOR_READ)
    if fmt not in FORMATS:
        raise Http404("unknown format")
    from inbeeld.publication.monitor_report import monitor_report_for

    report = monitor_report_for(request.user, scope_label=SCOPE_LABEL)
    return _respond(request, report, fmt, "monitor")


@require_http_methods(["GET"])
def microdata(request: HttpRequest, fmt: str) -> HttpResponse:
    """Pseudonymised microdata for the researcher's own analysis (not for publication)."""
    from inbeeld.publication.exports import CONTENT_TYPES, export_microdata

    _require(request.user, policy.Action.EXPORT_MICRODATA)
    if fmt not in CONTENT_TYPES:
        raise Http404("unknown format")
    export = export_microdata(actor=request.user, format=fmt)
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@require_http_methods(["GET"])
def monitor_page(request: HttpRequest) -> HttpResponse:
    from inbeeld.publication.monitor_report import monitor_context_for

    _require(request.user, policy.Action.MONITOR_READ)
    return render(request, "monitor/page.html", monitor_context_for(request.user))
