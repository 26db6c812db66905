"""Intake pages.

Public (no account): intake/public_views.py (the signal form, the form behind a one-time link, the
receipt and the status page for a receipt code). Signallers: submit, and follow their own signals.
Safety coordinators: the queue of their unit (acute on top), the overdue view, a signal's page with
triage, re-routing, a follow-up question and conversion into a case, one-time links, and the funnel
figures.

Thin: forms validate, the services act; signals are loaded through the selectors only.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from inbeeld import policy
from inbeeld.crypto import decrypt_text, encrypt_text
from inbeeld.intake import feedback_selectors, funnel, public_views, selectors, services
from inbeeld.intake.forms import (
    AnswerForm,
    ConvertForm,
    FunnelFilterForm,
    IntakeLinkForm,
    QuestionForm,
    QueueFilterForm,
    RerouteForm,
    TriageForm,
)
from inbeeld.intake.models import Channel, SignallerType
from inbeeld.intake.workflow import SignalStatus, allowed_targets
from inbeeld.reference.models import PoliceUnit
from inbeeld.web import ConcurrentChange, apply_service_errors

PAGE_SIZE = 50
# The one-time link just made, shown once on the page after the redirect.
NEW_LINK_SESSION_KEY = "intake_new_link"


def _require(user, action: policy.Action) -> None:
    if not policy.can(user, action):
        raise PermissionDenied(_("U heeft geen toegang tot deze pagina."))


# --- submitting (the form: intake/public_views.py) ------------------------------------------------


@require_http_methods(["GET", "POST"])
def signal_create(request: HttpRequest) -> HttpResponse:
    _require(request.user, policy.Action.SIGNAL_SUBMIT)
    return public_views.submit_signal(request, channel=Channel.ACCOUNT)


# --- the signaller's own signals ----------------------------------------------------------------------


@require_http_methods(["GET"])
def own_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, policy.Action.SIGNAL_OWN_READ)
    page = Paginator(selectors.own_signals_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("pagina")
    )
    return render(request, "intake/own_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
def own_detail(request: HttpRequest, reference: str) -> HttpResponse:
    signal = selectors.signal_get_for(
        request.user, reference, action=policy.Action.SIGNAL_OWN_READ, log_read=False
    )
    answer_form = AnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and answer_form.is_valid():
        try:
            services.signal_answer(
                actor=request.user, signal=signal, answer=answer_form.cleaned_data["answer"]
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(answer_form, exc)
        else:
            messages.success(request, _("Uw antwoord is verstuurd naar de veiligheidscoördinator."))
            return redirect("intake:own_detail", reference=signal.reference)
    if request.method == "GET":
        # Opened: its news is no longer "new" on the start page (a read marker, not audited).
        services.signal_seen_by_signaller(actor=request.user, signal=signal)
    return render(
        request,
        "intake/own_detail.html",
        {
            "signal": signal,
            "history": selectors.signal_history(signal, for_signaller=True),
            "indicator_groups": selectors.signal_indicators(signal),
            "answer_form": answer_form,
            "open_question": feedback_selectors.open_question(signal),
        },
    )


# --- the safety coordinator -----------------------------------------------------------------------------


@require_http_methods(["GET"])
def queue(request: HttpRequest) -> HttpResponse:
    _require(request.user, policy.Action.SIGNAL_TRIAGE)
    form = QueueFilterForm(request.GET or None)
    filters = selectors.QueueFilters()
    if form.is_valid():
        filters = selectors.QueueFilters(
            status=form.cleaned_data["status"],
            urgency=form.cleaned_data["urgency"],
            overdue=form.cleaned_data["overdue"],
            work=form.cleaned_data["work"],
        )
    page = Paginator(selectors.signal_queue_for(request.user, filters), PAGE_SIZE).get_page(
        request.GET.get("pagina")
    )
    page.object_list = list(page.object_list)
    selectors.flag_likely_duplicates(page.object_list)
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(
        request,
        "intake/queue.html",
        {
            "form": form,
            "page": page,
            "now": timezone.now(),
            "query": query.urlencode(),
            "units": [
                m.police_unit
                for m in policy.memberships_for(request.user, policy.Action.SIGNAL_TRIAGE)
            ],
        },
    )


@require_http_methods(["GET"])
def overdue(request: HttpRequest) -> HttpResponse:
    _require(request.user, policy.Action.SIGNAL_TRIAGE)
    groups = selectors.overdue_signals_for(request.user)
    # Each group a page at a time (an unbounded list took ~90 ms of CPU per view at 5,000
    # signals); each group's own page number, the other group's kept in its links.
    pages = {
        name: Paginator(groups[name], PAGE_SIZE).get_page(request.GET.get(param))
        for name, param in OVERDUE_PAGE_PARAMS.items()
    }
    for page in pages.values():
        page.object_list = list(page.object_list)
    links = {}
    for name, param in OVERDUE_PAGE_PARAMS.items():
        query = request.GET.copy()
        query.pop(param, None)
        links[name] = {"param": param, "query": query.urlencode()}
    return render(
        request,
        "intake/overdue.html",
        {"pages": pages, "links": links, "now": timezone.now()},
    )


OVERDUE_PAGE_PARAMS = {"acknowledge": "pagina_oppakken", "decision": "pagina_besluit"}


@require_http_methods(["GET"])
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    signal = selectors.signal_get_for(request.user, reference)
    return render(
        request,
        "intake/detail.html",
        {
            "signal": signal,
            "content": selectors.signal_content(request.user, signal),
            "history": selectors.signal_history(signal, for_signaller=False),
            "indicator_groups": selectors.signal_indicators(signal),
            "latest_answer": feedback_selectors.latest_answer(signal),
            "targets": allowed_targets(signal.status),
            "may_convert": SignalStatus.CONVERTED
            in allowed_targets(signal.status, include_conversion=True),
            "may_reroute": signal.status in (SignalStatus.RECEIVED, SignalStatus.IN_TRIAGE),
            "now": timezone.now(),
        },
    )


def _action_page(request, signal, form, *, title: str, intro: str = "", button: str):
    return render(
        request,
        "intake/action_form.html",
        {"signal": signal, "form": form, "title": title, "intro": intro, "button": button},
    )


def _back(signal) -> HttpResponse:
    return redirect("intake:detail", reference=signal.reference)


@require_http_methods(["GET", "POST"])
def triage(request: HttpRequest, reference: str) -> HttpResponse:
    signal = selectors.signal_get_for(request.user, reference, log_read=False)
    data = request.POST if request.method == "POST" else None
    form = TriageForm(data, current_status=signal.status, initial={"version": signal.version})
    if not form.fields["to_status"].choices:
        messages.error(request, _("Dit signaal is afgerond; de status kan niet meer veranderen."))
        return _back(signal)
    if request.method == "POST" and form.is_valid():
        try:
            services.signal_triage(
                actor=request.user,
                signal=signal,
                to_status=form.cleaned_data["to_status"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                message=form.cleaned_data["message"],
                expected_version=form.cleaned_data["version"],
            )
        except (ValidationError, PermissionDenied, ConcurrentChange) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("De status van het signaal is bijgewerkt."))
            return _back(signal)
    return _action_page(
        request,
        signal,
        form,
        title=_("Status wijzigen"),
        intro=_("Huidige status: %(status)s.") % {"status": signal.get_status_display()},
        button=_("Status opslaan"),
    )


@require_http_methods(["GET", "POST"])
def reroute(request: HttpRequest, reference: str) -> HttpResponse:
    signal = selectors.signal_get_for(request.user, reference, log_read=False)
    data = request.POST if request.method == "POST" else None
    form = RerouteForm(data, current_unit=signal.police_unit, initial={"version": signal.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.signal_reroute(
                actor=request.user,
                signal=signal,
                police_unit=form.cleaned_data["police_unit"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except (ValidationError, PermissionDenied, ConcurrentChange) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Signaal %(reference)s is doorgestuurd naar %(unit)s.")
                % {"reference": signal.reference, "unit": form.cleaned_data["police_unit"]},
            )
            return redirect("intake:queue")
    return _action_page(
        request,
        signal,
        form,
        title=_("Doorsturen naar een andere eenheid"),
        intro=_(
            "Het signaal verdwijnt uit uw wachtrij en komt bij de veiligheidscoördinatoren van de "
            "gekozen eenheid. De termijnen lopen door vanaf ontvangst."
        ),
        button=_("Doorsturen"),
    )


@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest, reference: str) -> HttpResponse:
    signal = selectors.signal_get_for(request.user, reference, log_read=False)
    form = QuestionForm(
        request.POST if request.method == "POST" else None, initial={"version": signal.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.signal_ask(
                actor=request.user,
                signal=signal,
                question=form.cleaned_data["question"],
                expected_version=form.cleaned_data["version"],
            )
        except (ValidationError, PermissionDenied, ConcurrentChange) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Uw vraag staat klaar voor de signaalgever."))
            return _back(signal)
    return _action_page(
        request,
        signal,
        form,
        title=_("Vraag stellen aan de signaalgever"),
        intro=_(
            "De signaalgever ziet uw vraag bij de status (ingelogd, of met de ontvangstcode) en "
            "kan één keer antwoorden."
        ),
        button=_("Vraag versturen"),
    )


@require_http_methods(["GET", "POST"])
def convert(request: HttpRequest, reference: str) -> HttpResponse:
    signal = selectors.signal_get_for(request.user, reference, log_read=False)
    forms_from_indicators = sorted(
        {
            item.category.form_id
            for _, items in selectors.signal_indicators(signal)
            for item in items
            if item.category.form_id
        }
    )
    form = ConvertForm(
        request.POST if request.method == "POST" else None,
        initial={"version": signal.version, "exploitation_forms": forms_from_indicators},
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = services.signal_convert(
                actor=request.user,
                signal=signal,
                exploitation_forms=form.cleaned_data["exploitation_forms"],
                nationality_group=form.cleaned_data["nationality_group"],
                message=form.cleaned_data["message"],
                expected_version=form.cleaned_data["version"],
            )
        except (ValidationError, PermissionDenied, ConcurrentChange) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Signaal %(reference)s is omgezet in casus %(code)s.")
                % {"reference": signal.reference, "code": case.code},
            )
            return redirect(reverse("cases:detail", args=[case.code]))
    return _action_page(
        request,
        signal,
        form,
        title=_("Omzetten in een casus"),
        intro=_(
            "De casus krijgt de eenheid, leeftijd en gender van het signaal en als eerste "
            "gebeurtenis 'signaal ontvangen' op de datum van ontvangst. Naam, beschrijving en "
            "contactgegevens blijven bij het signaal."
        ),
        button=_("Casus aanmaken"),
    )


@require_http_methods(["GET", "POST"])
def links(request: HttpRequest) -> HttpResponse:
    _require(request.user, policy.Action.INTAKE_LINK_MANAGE)
    units = policy.intake_link_units(request.user)
    form = IntakeLinkForm(request.POST if request.method == "POST" else None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            _, token = services.intake_link_create(
                actor=request.user,
                police_unit=form.cleaned_data["police_unit"],
                label=form.cleaned_data["label"],
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            # Post/redirect/get: a reload shows the list, it never makes a second link. The new
            # URL travels to the next page once, encrypted in the session (never in a URL).
            url = request.build_absolute_uri(reverse("public_intake:link", args=[token]))
            request.session[NEW_LINK_SESSION_KEY] = encrypt_text(url)
            return redirect("intake:links")
    new_link_url = ""
    if request.method == "GET" and NEW_LINK_SESSION_KEY in request.session:
        new_link_url = decrypt_text(request.session.pop(NEW_LINK_SESSION_KEY))
    return render(
        request,
        "intake/links.html",
        {
            "form": form,
            "new_link_url": new_link_url,
            "links": selectors.intake_links_for(request.user)[:100],
            "now": timezone.now(),
        },
    )


@require_http_methods(["GET"])
def funnel_view(request: HttpRequest) -> HttpResponse:
    _require(request.user, policy.Action.SIGNAL_FUNNEL)
    form = FunnelFilterForm(request.GET or None)
    received_from = received_to = None
    if form.is_valid():
        received_from = form.cleaned_data["received_from"]
        received_to = form.cleaned_data["received_to"]
    result = funnel.signal_funnel_for(
        request.user, received_from=received_from, received_to=received_to
    )
    unit_names = dict(PoliceUnit.objects.values_list("code", "name"))
    kind_names = dict(SignallerType.choices)
    units = [
        {
            "label": unit_names.get(total.police_unit, total.police_unit),
            "counts": total.counts,
            "kinds": [
                {
                    "label": kind_names.get(row.signaller_type, row.signaller_type),
                    "counts": row.counts,
                }
                for row in result.rows
                if row.police_unit == total.police_unit
            ],
        }
        for total in result.by_unit
    ]
    kinds = [
        {"label": kind_names.get(row.signaller_type, row.signaller_type), "counts": row.counts}
        for row in result.by_signaller_type
    ]
    return render(
        request,
        "intake/funnel.html",
        {"form": form, "result": result, "units": units, "kinds": kinds},
    )
