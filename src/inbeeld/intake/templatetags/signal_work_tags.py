"""Who works on a signal, on its page (issue 14 item 8): {% signal_owner_box signal %}.

``signal`` was loaded through intake.selectors.signal_get_for (authorised and audited)."""

from __future__ import annotations

from django import template
from django.urls import reverse

from inbeeld import policy
from inbeeld.intake import selectors

register = template.Library()


@register.inclusion_tag("_owner_box.html", takes_context=True)
def signal_owner_box(context, signal):
    user = context["request"].user
    may_assign = policy.may_assign_signal(user, signal)
    return {
        "assign_url": reverse("intake:assign", args=[signal.reference]),
        "version": signal.version,
        "owner_testid": "signal-owner",
        "csrf_token": context.get("csrf_token"),
        "owner": signal.owner,
        # Coordinators of a unit see each other's names; whoever may triage may take it.
        "show_name": True,
        "may_take": may_assign,
        "is_me": signal.owner_id == user.pk,
        "may_assign": may_assign,
        "colleagues": selectors.signal_assignee_choices(user, signal) if may_assign else [],
    }
