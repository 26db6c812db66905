"""The anonymous intake pages (no account): the signal form (/melden/), the form behind a one-time
link, the receipt shown once after sending (/melden/ontvangen/) and the status page for a receipt
code (/melden/status/); and the form itself, which the logged-in signaller's page uses too.

One form sends one signal (ADR 0013): the anonymous form carries a signed one-time token claimed
with the signal (intake/receipts.py), and the receipt code travels to its page once, encrypted in
the session (post/redirect/get). Thin: forms validate, the services act.
"""

from __future__ import annotations

import functools
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from inbeeld import policy
from inbeeld.crypto import decrypt_text, encrypt_text
from inbeeld.intake import feedback_selectors, receipts, selectors, services
from inbeeld.intake.forms import AnswerForm, ReceiptForm, SignalForm
from inbeeld.intake.models import Channel
from inbeeld.web import apply_service_errors

# The receipt code of the anonymous signal just sent, shown once on the page after the redirect.
RECEIPT_SESSION_KEY = "intake_receipt"


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


def submit_signal(request: HttpRequest, *, channel: str, link=None) -> HttpResponse:
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


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
@public_body_cap
def public_create(request: HttpRequest) -> HttpResponse:
    return submit_signal(request, channel=Channel.PUBLIC)


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
    return submit_signal(request, channel=Channel.LINK, link=link)


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
            "open_question": feedback_selectors.open_question(signal),
            "code": code,
            "recovery_answer": recovery_answer,
        }
    )
    return render(request, "intake/receipt_status.html", context)
