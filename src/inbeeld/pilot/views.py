"""Pilot pages on a case: record, correct or withdraw a delivery of an intervention, record a
victim-reported measure.

Thin, like the case views: the case is loaded and authorised (404 outside scope, audited) through
cases.selectors.case_get_for with the pilot action; forms validate; the services write.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from inbeeld import policy
from inbeeld.cases.forms import WithdrawalForm
from inbeeld.cases.selectors import case_get_for
from inbeeld.pilot import eligibility, selectors, services
from inbeeld.pilot.forms import ITEM_PREFIX, DeliveryForm, InstrumentChoiceForm, MeasureForm
from inbeeld.pilot.models import Intervention
from inbeeld.web import apply_service_errors


def _back_to_case(case):
    return redirect(reverse("cases:detail", args=[case.code]) + "#proeftuin")


def _delivery_page(request: HttpRequest, case, *, row=None) -> HttpResponse:
    """The delivery form: a new delivery, or (``row``) the correction of one."""
    codes = policy.deliverable_intervention_codes(request.user, case)
    if not codes:
        raise PermissionDenied(
            _("U mag bij deze casus geen uitvoering van interventies vastleggen.")
        )
    index_date = eligibility.case_index_date(case)
    eligible = selectors.eligible_for_case(case, index_date=index_date)
    eligible_ids = {e.intervention.pk for e in eligible}
    # Eligible ones first (intention to treat), then the other interventions this user may record:
    # as-delivered exposure can differ from the assignment by unit and date.
    interventions = sorted(
        Intervention.objects.filter(code__in=codes).prefetch_related("fidelity_items"),
        key=lambda i: (i.pk not in eligible_ids, i.order),
    )
    initial = None
    if row is not None:
        initial = DeliveryForm.initial_from(row.delivery)
        # The reason only for a reader of its family (like a note), else typed again.
        initial["reason_not_delivered"] = row.reason or ""
    form = DeliveryForm(
        request.POST if request.method == "POST" else None,
        interventions=interventions,
        eligible_ids=eligible_ids,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        intervention = form.chosen_intervention()
        values = {
            "actor": request.user,
            "intervention": intervention,
            "date": form.cleaned_data["date"],
            "delivered": form.is_delivered(),
            "fidelity": form.fidelity(),
            "reason_not_delivered": form.cleaned_data["reason_not_delivered"],
        }
        try:
            if row is None:
                services.delivery_record(case=case, **values)
            else:
                services.delivery_correct(delivery=row.delivery, **values)
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            if row is None:
                done = _("De uitvoering van '%(intervention)s' is vastgelegd.")
            else:
                done = _(
                    "De correctie van de uitvoering van '%(intervention)s' is vastgelegd; het "
                    "origineel blijft zichtbaar als gecorrigeerd."
                )
            messages.success(request, done % {"intervention": intervention.label})
            return _back_to_case(case)
    return render(
        request,
        "pilot/case_delivery_form.html",
        {
            "case": case,
            "form": form,
            "eligible": eligible,
            "index_date": index_date,
            "original": row,
        },
    )


@require_http_methods(["GET", "POST"])
def delivery_create(request: HttpRequest, code: str) -> HttpResponse:
    case = case_get_for(request.user, code, action=policy.Action.DELIVERY_RECORD)
    return _delivery_page(request, case)


def _changeable_row(request: HttpRequest, case, delivery_id: int):
    row = selectors.delivery_row_for(request.user, case, delivery_id)
    if not row.may_change and row.effective:
        raise PermissionDenied(_("U mag de uitvoering van deze interventie niet wijzigen."))
    return row


@require_http_methods(["GET", "POST"])
def delivery_correct(request: HttpRequest, code: str, delivery_id: int) -> HttpResponse:
    """Correct a delivery: a new delivery supersedes it; the original stays visible."""
    case = case_get_for(request.user, code, action=policy.Action.DELIVERY_RECORD)
    return _delivery_page(request, case, row=_changeable_row(request, case, delivery_id))


@require_http_methods(["GET", "POST"])
def delivery_withdraw(request: HttpRequest, code: str, delivery_id: int) -> HttpResponse:
    """Withdraw a delivery entered by mistake (with a reason); it stays visible, struck through."""
    case = case_get_for(request.user, code, action=policy.Action.DELIVERY_RECORD)
    row = _changeable_row(request, case, delivery_id)
    form = WithdrawalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.delivery_withdraw(
                actor=request.user, delivery=row.delivery, reason=form.cleaned_data["reason"]
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "De uitvoering van '%(intervention)s' is ingetrokken; ze blijft doorgestreept "
                    "zichtbaar en telt niet meer mee."
                )
                % {"intervention": row.delivery.intervention.label},
            )
            return _back_to_case(case)
    return render(
        request, "pilot/case_delivery_withdraw.html", {"case": case, "form": form, "row": row}
    )


@require_http_methods(["GET", "POST"])
def measure_create(request: HttpRequest, code: str) -> HttpResponse:
    case = case_get_for(request.user, code, action=policy.Action.MEASURE_RECORD)
    instruments = selectors.instruments_newest_first()
    if not instruments:
        raise PermissionDenied(_("Er is nog geen vragenlijst ingericht."))
    by_pk = {str(i.pk): i for i in instruments}
    wanted = request.POST.get("instrument") if request.method == "POST" else None
    wanted = wanted or request.GET.get("vragenlijst")
    instrument = by_pk.get(wanted or "", instruments[0])
    data = request.POST if request.method == "POST" else None
    form = MeasureForm(data, instrument=instrument)
    if request.method == "POST" and form.is_valid():
        try:
            services.measure_record(
                actor=request.user,
                case=case,
                instrument=instrument,
                moment=form.cleaned_data["moment"],
                date=form.cleaned_data["date"],
                answers=form.answers(),
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc, item_prefix=ITEM_PREFIX)
        else:
            messages.success(
                request,
                _("De meting '%(instrument)s' is vastgelegd.") % {"instrument": instrument.label},
            )
            return _back_to_case(case)
    chooser = None
    if len(instruments) > 1:
        chooser = InstrumentChoiceForm(
            initial={"vragenlijst": instrument.pk}, instruments=instruments
        )
    return render(
        request,
        "pilot/case_measure_form.html",
        {"case": case, "form": form, "instrument": instrument, "chooser": chooser},
    )
