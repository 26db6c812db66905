"""The researcher's microdata pages: the data-use agreement (accept before any download) and the
microdata page (what the disclosure control does to the files, the downloads).

The downloads themselves are views.microdata; without an accepted agreement it redirects here
(to the agreement, and back to the download after accepting), so nobody reaches a dead end.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from inbeeld import policy
from inbeeld.publication import agreement, services
from inbeeld.web import apply_service_errors

NEXT = "volgende"


def _require_export(user) -> None:
    if not policy.can(user, policy.Action.EXPORT_MICRODATA):
        raise PermissionDenied(_("U heeft geen toegang tot deze rapporten."))


def safe_next(request: HttpRequest, value: str | None) -> str:
    """Where to go after accepting: a path within the reports, else the microdata page."""
    fallback = reverse("reports:microdata_page")
    if not value or len(value) > 200 or not value.startswith(reverse("reports:index")):
        return fallback
    if not url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return fallback
    return value


def agreement_url(next_url: str | None = None) -> str:
    url = reverse("reports:data_use_agreement")
    return f"{url}?{urlencode({NEXT: next_url})}" if next_url else url


class AgreementForm(forms.Form):
    version = forms.CharField(widget=forms.HiddenInput, max_length=20)
    accept = forms.BooleanField(
        label=_lazy(
            "Ik heb de gebruiksvoorwaarden gelezen en houd mij eraan bij elk gebruik van de "
            "microdata."
        ),
        error_messages={
            "required": _lazy("Vink aan dat u de gebruiksvoorwaarden aanvaardt om verder te gaan.")
        },
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)


@require_http_methods(["GET", "POST"])
def data_use_agreement(request: HttpRequest) -> HttpResponse:
    """The agreement in Dutch with one checkbox; accepting records it (audited) and goes on to
    the download the researcher asked for, or to the microdata page."""
    _require_export(request.user)
    wanted = safe_next(request, request.POST.get("next") or request.GET.get(NEXT))
    form = AgreementForm(
        request.POST or None, initial={"version": agreement.VERSION, "next": wanted}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.data_use_agreement_accept(
                actor=request.user, version=form.cleaned_data["version"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("U heeft de gebruiksvoorwaarden voor microdata aanvaard."))
            return redirect(wanted)
    return render(
        request,
        "reports/data_use_agreement.html",
        {
            "form": form,
            "agreement": agreement,
            "accepted": services.data_use_agreement_accepted(request.user),
        },
    )


@require_http_methods(["GET"])
def microdata_page(request: HttpRequest) -> HttpResponse:
    """What the researcher will get: the agreement status, what the disclosure control does to
    the microdata and the CTDC file now (the same computation as the download), and the
    downloads."""
    from inbeeld.publication import microdata_anonymity as anonymity
    from inbeeld.publication.ctdc.source import ctdc_frame
    from inbeeld.publication.exports import microdata_table

    _require_export(request.user)
    k, l_required = services.microdata_policy_current()
    table = microdata_table(request.user)
    microdata = anonymity.release_microdata(table)
    ctdc = anonymity.release_ctdc(ctdc_frame(request.user))
    return render(
        request,
        "reports/microdata.html",
        {
            "accepted": services.data_use_agreement_accepted(request.user),
            "agreement_url": agreement_url(),
            "k": k,
            "l": l_required,
            "microdata": microdata,
            "microdata_lines": anonymity.codebook_lines(microdata),
            "ctdc_lines": anonymity.codebook_lines(ctdc),
            "unique_before": round(microdata.unique_share_before * 100),
        },
    )
