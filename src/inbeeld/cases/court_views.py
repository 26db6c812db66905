"""Setting the court of a case (issue 14 item 2): thin, like cases.views. The form validates, the
selector fetches and authorises, cases.services.case_set_court writes and audits."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from inbeeld import policy
from inbeeld.cases import selectors, services
from inbeeld.cases.court_forms import CourtForm
from inbeeld.web import ConcurrentChange, apply_service_errors


@require_http_methods(["GET", "POST"])
def case_court(request: HttpRequest, code: str) -> HttpResponse:
    case = selectors.case_get_for(request.user, code, action=policy.Action.CASE_SET_COURT)
    courts = services.court_choices(case)
    district = case.police_unit.om_district
    proposed = case.court or (district.derived_court() if district else None)
    form = CourtForm(
        request.POST or None,
        courts=courts,
        initial={"version": case.version, "court": proposed.code if proposed else None},
    )
    if request.method == "POST" and form.is_valid():
        court = form.cleaned_data["court"]
        try:
            services.case_set_court(
                actor=request.user,
                case=case,
                court=court,
                expected_version=form.cleaned_data["version"],
            )
        except (ValidationError, PermissionDenied, ConcurrentChange) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "De casus staat nu bij %(court)s. De rechter-commissaris van deze rechtbank "
                    "ziet de casus en kan het verhoor vastleggen."
                )
                % {"court": court.name},
            )
            return redirect("cases:detail", code=case.code)
    return render(
        request,
        "cases/court_form.html",
        {"case": case, "form": form, "district": district, "several": courts.count() > 1},
    )
