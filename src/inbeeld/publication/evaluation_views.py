"""The researchers' evaluation pages: an overview per intervention, one page per intervention
(the primary analysis's verdict first, then the sensitivity analyses: effects, survival curves,
staggered rollout, precision; then safety and how often the victim told the story) and the lead
times per chain stage.
Every number comes from analysis.evaluation (the same as `inbeeld evaluate`), as the worker stored
it for the user's data scope (jobs.results: the page computes nothing); the sentences that
explain them come from analysis.presenter. The pages render, so they live in publication, above
analysis (ADR 0010); the URLs stay /evaluatie/..."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from inbeeld import policy
from inbeeld.analysis import presenter, presenter_lead_times, presenter_primary, presenter_safety
from inbeeld.analysis.evaluation import stored_evaluation
from inbeeld.jobs.views import results_pending
from inbeeld.publication import bar_charts, charts
from inbeeld.stats.outcomes import DEFAULT_HORIZON_DAYS


class HorizonForm(forms.Form):
    horizon = forms.IntegerField(
        label=gettext_lazy("Horizon (dagen na de indexdatum)"),
        min_value=30,
        max_value=730,
        required=False,
        error_messages={
            "invalid": gettext_lazy("Vul een aantal dagen in."),
            "min_value": gettext_lazy("Kies een horizon van ten minste 30 dagen."),
            "max_value": gettext_lazy("Kies een horizon van hoogstens 730 dagen."),
        },
    )


def _evaluation(request: HttpRequest):
    """The horizon form, the horizon and the stored evaluation of the user's data scope (computed
    by the worker, jobs.results); ``result`` is None while it is being computed."""
    policy.require(
        request.user, policy.Action.EVALUATION_READ, _("U heeft geen toegang tot de evaluatie.")
    )
    form = HorizonForm(request.GET or None)
    horizon = DEFAULT_HORIZON_DAYS
    if form.is_valid() and form.cleaned_data["horizon"]:
        horizon = form.cleaned_data["horizon"]
    served = stored_evaluation(request.user, horizon_days=horizon)
    return form, horizon, served, served.value


def _pending(request: HttpRequest, served) -> HttpResponse:
    return results_pending(request, served, title=_("Evaluatie"), back_url=reverse("reports:index"))


@require_http_methods(["GET"])
def overview(request: HttpRequest) -> HttpResponse:
    form, horizon, served, result = _evaluation(request)
    if result is None:
        return _pending(request, served)
    return render(
        request,
        "evaluation/overview.html",
        {
            "form": form,
            "horizon": horizon,
            "result": result,
            "served": served,
            "summary": presenter.overall_sentences(result),
            "rows": [presenter.overview_row(item, horizon) for item in result.interventions],
        },
    )


@require_http_methods(["GET"])
def intervention(request: HttpRequest, code: str) -> HttpResponse:
    form, horizon, served, result = _evaluation(request)
    if result is None:
        return _pending(request, served)
    item = next((i for i in result.interventions if i.spec.code == code), None)
    if item is None:
        raise Http404("intervention not found")
    km_itt = km_delivered = km_itt_table = km_delivered_table = None
    if item.survival_itt is not None:  # none for an intervention acting after the complaint
        itt = [
            (_("regio's met de interventie"), item.survival_itt.exposed),
            (_("regio's zonder"), item.survival_itt.unexposed),
        ]
        delivered = [
            (_("uitgevoerd"), item.survival_delivered.exposed),
            (_("niet uitgevoerd"), item.survival_delivered.unexposed),
        ]
        km_itt = charts.incidence_chart(itt, title=_("Aangifte in de tijd: naar toewijzing"))
        km_delivered = charts.incidence_chart(
            delivered, title=_("Aangifte in de tijd: zoals uitgevoerd")
        )
        km_itt_table, km_delivered_table = (
            charts.incidence_table(itt),
            charts.incidence_table(delivered),
        )
    return render(
        request,
        "evaluation/intervention.html",
        {
            "form": form,
            "horizon": horizon,
            "result": result,
            "served": served,
            "item": item,
            "primary": presenter_primary.primary_block(item.primary),
            "sections": presenter.intervention_sections(item, horizon),
            "safety": presenter_safety.safety_block(item, horizon),
            "km_itt": km_itt,
            "km_delivered": km_delivered,
            "km_itt_table": km_itt_table,
            "km_delivered_table": km_delivered_table,
        },
    )


@require_http_methods(["GET"])
def lead_times(request: HttpRequest) -> HttpResponse:
    form, horizon, served, result = _evaluation(request)
    if result is None:
        return _pending(request, served)
    rows = presenter_lead_times.lead_time_rows(result)
    chart = bar_charts.lead_time_chart(
        [(row["label"], row["summary"]) for row in rows],
        title=_("Doorlooptijd per ketenstap"),
    )
    return render(
        request,
        "evaluation/lead_times.html",
        {
            "form": form,
            "horizon": horizon,
            "result": result,
            "served": served,
            "rows": rows,
            "chart": chart,
            "sentences": presenter_lead_times.lead_time_sentences(result),
            "units": presenter_lead_times.unit_bottleneck_rows(result),
        },
    )
