"""The feedback pages' own actions: a coordinator marks the signaller's answer read, and the
signaller's news on the start page (a panel registered with accounts.home_panels, so accounts
does not import intake)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inbeeld import policy
from inbeeld.intake import feedback_selectors, selectors, services


@require_POST
def answer_seen(request: HttpRequest, reference: str) -> HttpResponse:
    signal = selectors.signal_get_for(request.user, reference, log_read=False)
    try:
        services.signal_answer_seen(actor=request.user, signal=signal)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Het antwoord is als gelezen gemarkeerd."))
    return redirect("intake:detail", reference=signal.reference)


def home_news_panel(request: HttpRequest) -> str:
    """The signaller's start page: what is new on their own signals (empty for other roles)."""
    user = request.user
    if not policy.can(user, policy.Action.SIGNAL_OWN_READ):
        return ""
    signals, total = feedback_selectors.signaller_news_for(user)
    return render_to_string(
        "intake/_home_news.html", {"signals": signals, "total": total}, request=request
    )
