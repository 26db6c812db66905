"""Finding and owning work on the case list and the case page (issue 14 items 7-8): saved filters
and assignment. Thin: selectors read, services write (and audit)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inbeeld import policy
from inbeeld.cases import selectors, services
from inbeeld.cases.forms import CaseFilterForm
from inbeeld.web import owner_change


def _require_list(user) -> None:
    if not policy.can(user, policy.Action.CASE_LIST):
        raise PermissionDenied(_("U heeft geen toegang tot deze functie."))


@require_POST
def filter_save(request: HttpRequest) -> HttpResponse:
    _require_list(request.user)
    querystring = services.clean_querystring(request.POST, set(CaseFilterForm.base_fields))
    try:
        saved = services.saved_filter_save(
            user=request.user, name=request.POST.get("name", ""), querystring=querystring
        )
    except ValidationError as exc:
        return render(
            request,
            "cases/filter_save_error.html",
            {
                "errors": [m for ms in exc.message_dict.values() for m in ms],
                "query": querystring,
                "query_pairs": parse_qsl(querystring),
            },
            status=400,
        )
    messages.success(request, _("Het filter „%(name)s” is bewaard.") % {"name": saved.name})
    return redirect(f"{reverse('cases:list')}?{querystring}" if querystring else "cases:list")


@require_POST
def filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_list(request.user)
    if not services.saved_filter_delete(user=request.user, pk=pk):
        raise Http404(_("Er is geen bewaard filter met dit nummer."))
    messages.success(request, _("Het bewaarde filter is verwijderd."))
    return redirect("cases:list")


@require_POST
def case_assign(request: HttpRequest, code: str) -> HttpResponse:
    case = selectors.case_get_for(request.user, code, log_read=False)
    return owner_change(
        request,
        choices=lambda: selectors.assignee_choices(request.user, case),
        assign=lambda assignee, version: services.case_assign(
            actor=request.user, case=case, assignee=assignee, expected_version=version
        ),
        back=redirect("cases:detail", code=case.code),
        cleared=_("De casus heeft nu geen behandelaar."),
        assigned=_("%(name)s is nu behandelaar van deze casus."),
    )
