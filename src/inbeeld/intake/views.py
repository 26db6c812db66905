"""Intake pages.

Public (no account): the signal form (/melden/), the form behind a one-time link, and the status
page for a receipt code. Signallers: submit, and follow their own signals. Safety coordinators: the
queue of their unit (acute on top), the overdue view, a signal's page with triage, re-routing, a
follow-up question and conversion into a case, one-time links, and the funnel figures.

Thin: forms validate, the services act; signals are loaded through the selectors only.
"""

from __future__ import annotations

import functools
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from inbeeld import policy
from inbeeld.crypto import decrypt_text, encrypt_text
from inbeeld.intake import funnel, receipts, selectors, services
from inbeeld.intake.forms import (
    AnswerForm,
    ConvertForm,
    FunnelFilterForm,
    IntakeLinkForm,
    QuestionForm,
    QueueFilterForm,
    ReceiptForm,
    RerouteForm,
    SignalForm,
    TriageForm,
)
from inbeeld.intake.models import Channel, SignallerType
from inbeeld.intake.workflow import SignalStatus, allowed_targets
from inbeeld.reference.models import PoliceUnit
from inbeeld.web import ConcurrentChange, apply_service_errors

PAGE_SIZE = 50
# The one-time link just made, shown once on the page after the redirect.
NEW_LINK_SESSION_KEY = "intake_new_link"
# The receipt code of the anonymous signal just sent, shown once on the page after the redirect.
RECEIPT_SESSION_KEY = "intake_receipt"


def _require(user, action: policy.Action) -> None:
    if not policy.can(user, action):
        raise PermissionDenied(_("U heeft geen toegang tot deze pagina."))


def _client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def public_body_cap(view):
    """The anonymous pages take small bodies only: a larger one is refused before it is read,
    with a Dutch 413 page (INBEELD_PUBLIC_FORM_MAX_BYTES; the site-wide caps are Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE and DATA_UPLOAD_MAX_NUMBER_FIELDS, answered with the Dutch 400)."""

    @functools.wraps(view)
    def capped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > settings.INBEELD_PUBLIC_FORM_MAX_BYTES:
            return render(
                request,
                "intake/too_large.html",
                {"limit_kb": settings.INBEELD_PUBLIC_FORM_MAX_BYTES // 1024},
                status=413,
            )
        return view(request, *args, **kwargs)

    return capped


# --- submitting --------------------------------------------------------------------------------------


def _anonymous(channel: str) -> bool:
    return channel != Channel.ACCOUNT


def _fresh_token_data(request: HttpRequest):
    """The posted form with a new one-time token (the old one was expired or not ours)."""
    data = request.POST.copy()
    data["submission_token"] = receipts.submission_token_new()
    return data


def _already_sent(request: HttpRequest) -> HttpResponse:
    """A used form token came back (reload, second click, "resend"): nothing is stored again."""
    return render(request, "intake/receipt_sent.html")


def _submit(request: HttpRequest, *, channel: str, link=None) -> HttpResponse:
    organisation = None
    if channel == Channel.ACCOUNT:
        memberships = policy.memberships_for(request.user, policy.Action.SIGNAL_SUBMIT)
        organisation = memberships[0].organisation
    version = services.current_catalogue_version()
    data = request.POST if request.method == "POST" else None
    token = (data or {}).get("submission_token", "") if _anonymous(channel) else ""
    if data is not None and _anonymous(channel) and not receipts.submission_token_valid(token):
        data = _fresh_token_data(request)
    form = SignalForm(
        data,
        channel=channel,
        catalogue_version=version,
        organisation=organisation,
        initial={"submission_token": receipts.submission_token_new()},
    )
    template = "intake/signal_form.html"
    context = {"form": form, "channel": channel, "link": link, "catalogue": version}
    if request.method != "POST":
        return render(request, template, context)
    if _anonymous(channel):
        if form.is_spam():
            # A bot filled the hidden field: it sees a thank-you page, nothing is stored.
            return render(request, "intake/receipt.html", {"receipt": "", "acute": False})
        if receipts.submission_token_valid(token) and receipts.submission_token_used(token):
            return _already_sent(request)
        if not services.public_attempt_allowed(address=_client_address(request), scope="submit"):
            form.add_error(
                None,
                _(
                    "Er zijn vanaf dit adres te veel meldingen gedaan. Probeer het over een uur "
                    "opnieuw, of bel bij acuut gevaar 112."
                ),
            )
            return render(request, template, context, status=429)
        if data is not request.POST:
            form.add_error(
                None,
                _(
                    "Dit formulier stond te lang open en is nog niet verstuurd. Controleer uw "
                    "antwoorden en klik opnieuw op 'Signaal versturen'."
                ),
            )
            return render(request, template, context)
    if not form.is_valid():
        return render(request, template, context)
    submission = {
        "actor": request.user,
        "channel": channel,
        "signaller_type": form.chosen_signaller_type(),
        "police_unit": form.cleaned_data.get("police_unit"),
        "indicators": form.chosen_indicators(),
        "age_band": form.cleaned_data["age_band"],
        "gender": form.cleaned_data["gender"],
        "urgency": form.cleaned_data["urgency"],
        "description": form.cleaned_data["description"],
        "subject_name": form.cleaned_data["subject_name"],
        "municipality": form.cleaned_data["municipality"],
        "contact": form.contact(),
        "intake_link": link,
        "catalogue_version": version,
        "recovery_question": form.recovery()[0] if _anonymous(channel) else "",
        "recovery_answer": form.recovery()[1] if _anonymous(channel) else "",
    }
    try:
        if _anonymous(channel):
            signal, receipt = receipts.signal_submit_once(submission_token=token, **submission)
        else:
            signal, receipt = services.signal_submit(**submission)
    except receipts.AlreadySubmitted:
        return _already_sent(request)
    except (ValidationError, PermissionDenied) as exc:
        apply_service_errors(form, exc)
        return render(request, template, context)
    if channel == Channel.ACCOUNT:
        messages.success(
            request,
            _("Uw signaal %(reference)s is ontvangen en ligt bij de veiligheidscoördinator.")
            % {"reference": signal.reference},
        )
        return redirect("intake:own_detail", reference=signal.reference)
    # Post/redirect/get: the receipt code travels to the next page once, encrypted in the session
    # (never in a URL, never stored in plain text); reloading that page shows "al verzonden".
    request.session[RECEIPT_SESSION_KEY] = encrypt_text(
        json.dumps(
            {
                "receipt": receipt,
                "acute": signal.is_acute,
                "unit": signal.police_unit.name,
                "has_recovery": bool(signal.recovery_answer_hash),
            }
        )
    )
    return redirect("public_intake:receipt")


@login_not_required
@never_cache
@require_http_methods(["GET"])
def receipt(request: HttpRequest) -> HttpResponse:
    """The receipt code, shown once after submitting; a reload (or a later visit) answers that the
    signal was already sent, and never submits anything."""
    stored = request.session.pop(RECEIPT_SESSION_KEY, None)
    if stored is None:
        return _already_sent(request)
    shown = json.loads(decrypt_text(stored))
    return render(request, "intake/receipt.html", shown)


@require_http_methods(["GET", "POST"])
def signal_create(request: HttpRequest) -> HttpResponse:
    _require(request.user, policy.Action.SIGNAL_SUBMIT)
    return _submit(request, channel=Channel.ACCOUNT)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
@public_body_cap
def public_create(request: HttpRequest) -> HttpResponse:
    return _submit(request, channel=Channel.PUBLIC)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
@public_body_cap
def link_create_signal(request: HttpRequest, token: str) -> HttpResponse:
    link = selectors.intake_link_by_token(token)
    if link is None:
        posted = request.POST.get("submission_token", "") if request.method == "POST" else ""
        if posted and receipts.submission_token_used(posted):
            return _already_sent(request)  # the link's own signal, sent again by a reload
        return render(request, "intake/link_invalid.html", status=404)
    return _submit(request, channel=Channel.LINK, link=link)


LOCK_MESSAGES = {
    ("code", "address"): _lazy(
        "Te veel onjuiste codes. Probeer het over een uur opnieuw. Koos u bij het melden een eigen "
        "vraag? Vul dan hieronder uw code en het antwoord in; dan kunt u meteen verder."
    ),
    ("code", "code"): _lazy(
        "Met deze code is het afgelopen uur te vaak geprobeerd. Probeer het over een uur opnieuw. "
        "Koos u bij het melden een eigen vraag? Vul dan hieronder uw code en het antwoord in; dan "
        "kunt u meteen verder."
    ),
    ("answer", "address"): _lazy(
        "Te veel pogingen met een antwoord vanaf dit adres. Probeer het over een uur opnieuw."
    ),
    ("answer", "code"): _lazy(
        "Te veel pogingen met een antwoord bij deze code. Probeer het over een uur opnieuw."
    ),
}


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
@public_body_cap
def receipt_status(request: HttpRequest) -> HttpResponse:
    """An anonymous submitter checks the status with the receipt code (POST only, so the code
    never lands in a URL or a log) and can answer an open question. Every check is counted before
    it is made (intake/receipts.py); a blocked code opens with the reporter's own answer."""
    form = ReceiptForm(request.POST if request.method == "POST" else None)
    context = {"form": form}
    if request.method != "POST" or not form.is_valid():
        return render(request, "intake/receipt_status.html", context)
    code = form.cleaned_data["code"]
    recovery_answer = form.cleaned_data["recovery_answer"].strip()
    address = _client_address(request)
    path = "answer" if recovery_answer else "code"
    if recovery_answer:
        result = receipts.receipt_unlock(code=code, answer=recovery_answer, address=address)
    else:
        result = receipts.receipt_check(code=code, address=address)
    if result.locked:
        form.add_error(None, LOCK_MESSAGES[(path, result.locked)])
        context["locked"] = True
        return render(request, "intake/receipt_status.html", context, status=429)
    if result.opened is None:
        if recovery_answer:
            form.add_error(None, _("De code of het antwoord klopt niet. Controleer beide."))
        else:
            form.add_error("code", _("Deze ontvangstcode kennen we niet. Controleer de code."))
        return render(request, "intake/receipt_status.html", context)
    signal = result.opened
    answer_form = AnswerForm(request.POST if "answer" in request.POST else None)
    if "answer" in request.POST and answer_form.is_valid():
        try:
            signal = services.signal_answer(
                actor=None, signal=signal, answer=answer_form.cleaned_data["answer"]
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(answer_form, exc)
        else:
            context["answered"] = True
            answer_form = AnswerForm()
    context.update(
        {
            "signal": signal,
            "history": selectors.signal_history(signal, for_signaller=True),
            "answer_form": answer_form,
            "code": code,
            "recovery_answer": recovery_answer,
        }
    )
    return render(request, "intake/receipt_status.html", context)


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
    return render(
        request,
        "intake/own_detail.html",
        {
            "signal": signal,
            "history": selectors.signal_history(signal, for_signaller=True),
            "indicator_groups": selectors.signal_indicators(signal),
            "answer_form": answer_form,
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
    return render(request, "intake/overdue.html", {"groups": groups, "now": timezone.now()})


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
