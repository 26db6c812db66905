"""The agenda pages (issue 18, item 6). Thin: forms validate, selectors read through the user,
services write (policy + audit in one transaction)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from inbeeld.agenda import figure as figures
from inbeeld.agenda import forms, ladder, selectors, services
from inbeeld.agenda.figure_chart import share_chart
from inbeeld.publication.reports import render_pdf
from inbeeld.web import apply_service_errors


def _require_manage(user) -> None:
    if not selectors.may_manage(user):
        raise PermissionDenied(_("Alleen medewerkers van CKM houden de agenda bij."))


def _require_code(user) -> None:
    if not selectors.may_code(user):
        raise PermissionDenied(_("Alleen medewerkers van CKM coderen mijlpalen."))


def _status(request: HttpRequest, form, template: str, context: dict) -> HttpResponse:
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, template, {"form": form, **context}, status=status)


@require_GET
def register(request: HttpRequest) -> HttpResponse:
    form = forms.FilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.register_for(
        request.user,
        theme=filters.get("theme", ""),
        addressee=filters.get("addressee", ""),
        status=filters.get("status", ""),
    )
    return render(
        request,
        "agenda/register.html",
        {
            "form": form,
            "rows": rows,
            "publications": selectors.publications_for(request.user),
            "may_manage": selectors.may_manage(request.user),
            "filtered": bool(filters and any(filters.values())),
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def publication_create(request: HttpRequest) -> HttpResponse:
    _require_manage(request.user)
    form = forms.PublicationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            publication = services.publication_register(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("De publicatie is vastgelegd. Voeg nu de aanbevelingen toe.")
            )
            return redirect("agenda:publication", publication_id=publication.pk)
    return _status(request, form, "agenda/publication_form.html", {})


@require_GET
def publication(request: HttpRequest, publication_id: int) -> HttpResponse:
    item = selectors.publication_get_for(request.user, publication_id)
    rows = [
        r for r in selectors.all_rows(request.user) if r.recommendation.publication_id == item.pk
    ]
    return render(
        request,
        "agenda/publication.html",
        {"publication": item, "rows": rows, "may_manage": selectors.may_manage(request.user)},
    )


@require_http_methods(["GET", "POST"])
def recommendation_create(request: HttpRequest, publication_id: int) -> HttpResponse:
    _require_manage(request.user)
    item = selectors.publication_get_for(request.user, publication_id)
    form = forms.RecommendationForm(
        request.POST if request.method == "POST" else None,
        interventions=selectors.interventions(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.recommendation_add(actor=request.user, publication=item, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("De aanbeveling is vastgelegd."))
            return redirect("agenda:publication", publication_id=item.pk)
    return _status(request, form, "agenda/recommendation_form.html", {"publication": item})


@require_GET
def recommendation(request: HttpRequest, recommendation_id: int) -> HttpResponse:
    row = selectors.recommendation_get_for(request.user, recommendation_id)
    coder = selectors.may_code(request.user)
    entries = selectors.timeline_for(request.user, row)
    parliament, suggestions = selectors.parliament_for(request.user, row)
    for entry in entries:
        entry["parliament"] = parliament.get(entry["milestone"].evidence_reference)
    return render(
        request,
        "agenda/recommendation.html",
        {
            "row": row,
            "entries": entries,
            "may_manage": selectors.may_manage(request.user),
            "may_code": coder,
            "suggestions": suggestions if selectors.may_manage(request.user) else [],
        },
    )


@require_http_methods(["GET", "POST"])
def recommendation_withdraw(request: HttpRequest, recommendation_id: int) -> HttpResponse:
    _require_manage(request.user)
    row = selectors.recommendation_get_for(request.user, recommendation_id)
    form = forms.WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.recommendation_withdraw(
                actor=request.user, recommendation=row.recommendation, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("De aanbeveling is ingetrokken; ze blijft zichtbaar."))
            return redirect("agenda:recommendation", recommendation_id=row.recommendation.pk)
    return _status(
        request, form, "agenda/withdraw_form.html", {"row": row, "what": _("de aanbeveling")}
    )


def _document(request: HttpRequest):
    upload = request.FILES.get("document")
    if upload is None:
        return None
    return upload.name, upload.content_type or "", upload.read(services.MAX_DOCUMENT_BYTES + 1)


def _milestone_page(request: HttpRequest, row, *, supersedes=None) -> HttpResponse:
    initial = None
    if supersedes is not None:
        initial = {
            "kind": supersedes.kind,
            "occurred_on": supersedes.occurred_on.strftime("%d-%m-%Y"),
            "date_precision": supersedes.date_precision,
            "description": supersedes.description,
            "evidence_kind": supersedes.evidence_kind,
            "evidence_reference": supersedes.evidence_reference,
        }
    form = forms.MilestoneForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial=initial,
        deployments=selectors.deployments(),
    )
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "document"}
        try:
            services.milestone_record(
                actor=request.user,
                recommendation=row.recommendation,
                document=_document(request),
                supersedes=supersedes,
                **values,
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("De mijlpaal is vastgelegd."))
            return redirect("agenda:recommendation", recommendation_id=row.recommendation.pk)
    return _status(
        request, form, "agenda/milestone_form.html", {"row": row, "supersedes": supersedes}
    )


@require_http_methods(["GET", "POST"])
def milestone_create(request: HttpRequest, recommendation_id: int) -> HttpResponse:
    _require_manage(request.user)
    return _milestone_page(
        request, selectors.recommendation_get_for(request.user, recommendation_id)
    )


@require_http_methods(["GET", "POST"])
def milestone_correct(request: HttpRequest, milestone_id: int) -> HttpResponse:
    _require_manage(request.user)
    milestone = selectors.milestone_get_for(request.user, milestone_id)
    row = selectors.recommendation_get_for(request.user, milestone.recommendation_id)
    return _milestone_page(request, row, supersedes=milestone)


@require_http_methods(["GET", "POST"])
def milestone_withdraw(request: HttpRequest, milestone_id: int) -> HttpResponse:
    _require_manage(request.user)
    milestone = selectors.milestone_get_for(request.user, milestone_id)
    row = selectors.recommendation_get_for(request.user, milestone.recommendation_id)
    form = forms.WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_withdraw(
                actor=request.user, milestone=milestone, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("De mijlpaal is ingetrokken; ze blijft zichtbaar."))
            return redirect("agenda:recommendation", recommendation_id=row.recommendation.pk)
    return _status(
        request,
        form,
        "agenda/withdraw_form.html",
        {"row": row, "milestone": milestone, "what": _("de mijlpaal")},
    )


def _coding_page(request: HttpRequest, milestone_id: int, *, decide: bool) -> HttpResponse:
    _require_code(request.user)
    milestone = selectors.milestone_get_for(request.user, milestone_id)
    row = selectors.recommendation_get_for(request.user, milestone.recommendation_id)
    form_class = forms.AdjudicationForm if decide else forms.CodingForm
    form = form_class(request.POST if request.method == "POST" else None)
    coding = selectors.coding_of(milestone)
    if request.method == "POST" and form.is_valid():
        try:
            if decide:
                services.milestone_adjudicate(
                    actor=request.user,
                    milestone=milestone,
                    rung=form.cleaned_data["rung"],
                    causal_link=form.link(),
                    explanation=form.cleaned_data["explanation"],
                )
            else:
                services.milestone_code(
                    actor=request.user,
                    milestone=milestone,
                    rung=form.cleaned_data["rung"],
                    causal_link=form.link(),
                )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Uw beslissing is vastgelegd.") if decide else _("Uw codering is vastgelegd."),
            )
            return redirect("agenda:recommendation", recommendation_id=row.recommendation.pk)
    return _status(
        request,
        form,
        "agenda/coding_form.html",
        {
            "row": row,
            "milestone": milestone,
            "kind_label": ladder.KIND_LABELS[milestone.kind],
            "decide": decide,
            # The decider sees both codes; a coder sees none (independence).
            "codes": coding.codes if decide else (),
        },
    )


@require_http_methods(["GET", "POST"])
def milestone_code(request: HttpRequest, milestone_id: int) -> HttpResponse:
    return _coding_page(request, milestone_id, decide=False)


@require_http_methods(["GET", "POST"])
def milestone_adjudicate(request: HttpRequest, milestone_id: int) -> HttpResponse:
    return _coding_page(request, milestone_id, decide=True)


@require_GET
def document(request: HttpRequest, milestone_id: int) -> HttpResponse:
    _require_manage(request.user)
    milestone = selectors.milestone_get_for(request.user, milestone_id)
    item = selectors.document_of(milestone)
    data = services.document_read(actor=request.user, document=item)
    response = HttpResponse(data, content_type=item.content_type)
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[
        item.content_type
    ]
    response["Content-Disposition"] = f'attachment; filename="bewijs-{milestone.pk}.{extension}"'
    return response


@require_http_methods(["GET", "POST"])
def parliament(request: HttpRequest) -> HttpResponse:
    """The parliament mirror: relevant records and the numbers CKM staff linked by hand."""
    may_manage = selectors.may_manage(request.user)
    if request.method == "POST":
        _require_manage(request.user)
    form = forms.ParliamentLinkForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.parliament_link_add(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Het nummer is als relevant gemarkeerd."))
            return redirect("agenda:parliament")
    links, records = selectors.parliament_overview(request.user)
    context = {"links": links, "records": records, "may_manage": may_manage}
    return _status(request, form, "agenda/parliament.html", context)


@require_http_methods(["GET", "POST"])
def parliament_upload(request: HttpRequest) -> HttpResponse:
    """CKM staff read a saved set of parliamentary items in (the same importer as
    `inbeeld parliament_import`): all or nothing, idempotent."""
    from inbeeld.agenda.parliament import ENTITIES, parliament_import

    _require_manage(request.user)
    form = forms.ParliamentFileForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        entities=ENTITIES,
    )
    if request.method == "POST" and form.is_valid():
        try:
            counts = parliament_import(
                actor=request.user,
                data=form.cleaned_data["file"].read(),
                entity=form.cleaned_data["entity"] or None,
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Ingelezen: %(added)s nieuw, %(versions)s gewijzigd, %(unchanged)s al "
                    "aanwezig; %(relevant)s over mensenhandel."
                )
                % counts.__dict__,
            )
            return redirect("agenda:parliament")
    return _status(request, form, "agenda/parliament_upload.html", {})


def _figure(request: HttpRequest):
    form = forms.HorizonForm(
        request.GET or None, initial={"horizon": figures.DEFAULT_HORIZON_YEARS}
    )
    horizon = figures.DEFAULT_HORIZON_YEARS
    if form.is_valid() and form.cleaned_data.get("horizon"):
        horizon = form.cleaned_data["horizon"]
    return form, figures.figure_for(request.user, horizon_years=horizon)


def _figure_context(result) -> dict:
    return {
        "figure": result,
        "variants": [(_("Strikt"), result.strict.result), (_("Ruim"), result.lenient.result)],
        "chart": share_chart(result),
        "strict_keys": result.strict_keys(),
        "lenient_keys": result.lenient_keys(),
        "old_keys": result.old_enough_keys(),
        "min_followed": figures.MIN_FOLLOWED_TO_HORIZON,
    }


@require_GET
def figure(request: HttpRequest) -> HttpResponse:
    form, result = _figure(request)
    return render(
        request,
        "agenda/figure.html",
        {"form": form, **_figure_context(result)},
        status=400 if form.errors else 200,
    )


@require_GET
def figure_pdf(request: HttpRequest) -> HttpResponse:
    form, result = _figure(request)
    if form.errors:
        return render(
            request, "agenda/figure.html", {"form": form, **_figure_context(result)}, status=400
        )
    services.report_read(actor=request.user, fmt="pdf")
    html = render_to_string(
        "agenda/figure_pdf.html",
        {
            "title": _("Van aanbeveling tot duurzame verandering"),
            "generated_at": timezone.now(),
            "scope_label": _("landelijk register"),
            "cutoff": result.cut_off,
            **_figure_context(result),
        },
    )
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="agenda-aanbevelingen.pdf"'
    return response
