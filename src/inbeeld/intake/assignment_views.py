"""Assign a signal to oneself or a colleague from its page (issue 14 item 8)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inbeeld.intake import selectors, services
from inbeeld.web import owner_change


@require_POST
def signal_assign(request: HttpRequest, reference: str) -> HttpResponse:
    signal = selectors.signal_get_for(request.user, reference, log_read=False)
    return owner_change(
        request,
        choices=lambda: selectors.signal_assignee_choices(request.user, signal),
        assign=lambda assignee, version: services.signal_assign(
            actor=request.user, signal=signal, assignee=assignee, expected_version=version
        ),
        back=redirect("intake:detail", reference=signal.reference),
        cleared=_("Het signaal heeft nu geen behandelaar."),
        assigned=_("%(name)s is nu behandelaar van dit signaal."),
    )
