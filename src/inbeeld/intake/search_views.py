"""The search box in the header of every page (issue 14 item 7): one exact code or reference."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from inbeeld.intake import search as search_module


@require_http_methods(["GET"])
def search(request: HttpRequest) -> HttpResponse:
    if not search_module.may_search(request.user):
        raise PermissionDenied(_("U heeft geen toegang tot deze functie."))
    query = (request.GET.get("q") or "").strip()
    hit = search_module.search(request.user, query) if query else None
    if hit is not None:
        return redirect(hit.url)
    return render(
        request,
        "search/search.html",
        {"query": query[: search_module.MAX_QUERY], "searched": bool(query)},
    )
