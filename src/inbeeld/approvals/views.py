"""The four-eyes page: pending requests to decide, decided ones, and every active grant of a role
that reaches cases or approvals. Privacy officers and administrators only; a person never decides
their own request or one that grants them something (policy.may_decide_change)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from inbeeld import policy
from inbeeld.approvals import selectors, services
from inbeeld.approvals.forms import APPROVE, DecisionForm


def _page(request: HttpRequest, bound: DecisionForm | None = None, status: int = 200):
    pending = selectors.pending_requests(request.user)
    forms = {}
    bound_id = (
        bound.cleaned_data.get("request")
        if bound is not None and hasattr(bound, "cleaned_data")
        else None
    )
    for item in pending:
        pk = item.request.pk
        if bound is not None and bound_id == pk:
            forms[pk] = bound
        else:
            forms[pk] = DecisionForm(auto_id=f"verzoek{pk}_%s", initial={"request": pk})
    return render(
        request,
        "approvals/list.html",
        {
            "pending": [(item, forms[item.request.pk]) for item in pending],
            "error_form": bound if bound is not None and bound.errors else None,
            "decided": selectors.decided_requests(request.user),
            "grants": selectors.active_guarded_grants(request.user),
            "may_administer": policy.may_administer(request.user),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def approval_list(request: HttpRequest) -> HttpResponse:
    selectors.require_decider(request.user)
    if request.method == "GET":
        return _page(request)
    pk_hint = request.POST.get("request", "")
    auto_id = f"verzoek{pk_hint}_%s" if pk_hint.isdigit() and len(pk_hint) < 19 else "%s"
    form = DecisionForm(request.POST, auto_id=auto_id)
    if form.is_valid():
        change = selectors.pending_request_get(request.user, form.cleaned_data["request"])
        service = (
            services.change_request_approve
            if form.cleaned_data["decision"] == APPROVE
            else services.change_request_reject
        )
        try:
            service(actor=request.user, request_id=change.pk, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            for error in exc.messages:
                form.add_error(None, error)
        else:
            done = (
                _("Verzoek %(pk)s is goedgekeurd en doorgevoerd.")
                if form.cleaned_data["decision"] == APPROVE
                else _("Verzoek %(pk)s is afgewezen; er is niets gewijzigd.")
            )
            messages.success(request, done % {"pk": change.pk})
            return redirect("approvals:list")
    return _page(request, bound=form)
