"""The privacy officer's screens: audit search, per-case access history, alerts, break-glass
review. No case content is shown here: only who did what, when, on which case code."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from inbeeld import policy
from inbeeld.cases import services as case_services
from inbeeld.oversight import selectors
from inbeeld.oversight.forms import AuditSearchForm, BreakGlassReviewForm


def _require(user, action):
    if not policy.can(user, action):
        raise PermissionDenied(_("U heeft geen toegang tot deze functie."))


@require_http_methods(["GET"])
def overview(request: HttpRequest) -> HttpResponse:
    _require(request.user, policy.Action.AUDIT_READ)
    # Newest first, 25 at a time: a busy fortnight can give hundreds of alerts.
    alerts = Paginator(selectors.access_alerts(request.user), 25).get_page(
        request.GET.get("pagina")
    )
    return render(
        request,
        "oversight/overview.html",
        {
            "alerts": alerts,
            "pending": selectors.break_glass_queue(request.user),
            "anchoring": selectors.audit_anchoring(request.user),
        },
    )


@require_http_methods(["GET"])
def audit_log(request: HttpRequest) -> HttpResponse:
    _require(request.user, policy.Action.AUDIT_READ)
    form = AuditSearchForm(request.GET or None)
    rows = selectors.audit_log_search(
        request.user, form.filters() if request.GET else AuditSearchForm().filters()
    )
    page = Paginator(rows, 50).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(
        request, "oversight/log.html", {"form": form, "page": page, "query": query.urlencode()}
    )


@require_http_methods(["GET"])
def case_access(request: HttpRequest, code: str) -> HttpResponse:
    _require(request.user, policy.Action.AUDIT_READ)
    rows = selectors.case_access_history(request.user, code)
    page = Paginator(rows, 50).get_page(request.GET.get("pagina"))
    return render(request, "oversight/case_access.html", {"code": code.upper(), "page": page})


def _with_unit(grants):
    grants = list(grants)
    for grant in grants:
        grant.requester_unit = selectors.requester_unit(grant)
    return grants


@require_http_methods(["GET"])
def break_glass_queue(request: HttpRequest) -> HttpResponse:
    _require(request.user, policy.Action.BREAK_GLASS_REVIEW)
    return render(
        request,
        "oversight/break_glass.html",
        {
            "pending": _with_unit(selectors.break_glass_queue(request.user)),
            "reviewed": _with_unit(
                selectors.break_glass_queue(request.user, pending_only=False)[:50]
            ),
            "form": BreakGlassReviewForm(),
        },
    )


@require_http_methods(["POST"])
def break_glass_review(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = selectors.break_glass_get(request.user, grant_id)
    form = BreakGlassReviewForm(request.POST)
    if form.is_valid():
        try:
            case_services.break_glass_review(
                actor=request.user,
                grant=grant,
                verdict=form.cleaned_data["verdict"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
        else:
            messages.success(request, _("De beoordeling is vastgelegd."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("privacy:break_glass")
