"""Assign a signal to oneself or a colleague from its page (issue 14 item 8)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inbeeld.intake import selectors, services
from inbeeld.web import ConcurrentChange


@require_POST
def signal_assign(request: HttpRequest, reference: str) -> HttpResponse:
    signal = selectors.signal_get_for(request.user, reference, log_read=False)
    back = redirect("intake:detail", reference=signal.reference)
    choice = request.POST.get("assignee", "")
    if choice == "me":
        assignee = request.user
    elif choice == "":
        assignee = None
    else:
        assignee = next(
            (
                u
                for u in selectors.signal_assignee_choices(request.user, signal)
                if str(u.pk) == choice
            ),
            None,
        )
        if assignee is None:
            messages.error(request, _("Kies een collega uit de lijst."))
            return back
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        services.signal_assign(
            actor=request.user, signal=signal, assignee=assignee, expected_version=version
        )
    except ValidationError as exc:
        for msgs in exc.message_dict.values():
            for message in msgs:
                messages.error(request, message)
        return back
    except ConcurrentChange as exc:
        messages.error(request, str(exc))
        return back
    if assignee is None:
        messages.success(request, _("Het signaal heeft nu geen behandelaar."))
    else:
        name = assignee.get_full_name() or assignee.username
        messages.success(request, _("%(name)s is nu behandelaar van dit signaal.") % {"name": name})
    return back
