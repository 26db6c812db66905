"""Who works on a case, on the case page (issue 14 item 8): {% load work_tags %}{% owner_box case %}.

``case`` was loaded through cases.selectors.case_get_for (authorised and audited); the tag only asks
the policy what the requesting user may see and do with it."""

from __future__ import annotations

from django import template
from django.urls import reverse

from inbeeld import policy
from inbeeld.cases import selectors

register = template.Library()


@register.inclusion_tag("_owner_box.html", takes_context=True)
def owner_box(context, case, readonly=False):
    """``readonly``: only who works on the case (the printable summary), no assignment forms."""
    user = context["request"].user
    may_assign = not readonly and policy.may_assign_case(user, case)
    return {
        "assign_url": reverse("cases:assign", args=[case.code]),
        "version": case.version,
        "owner_testid": "case-owner",
        "csrf_token": context.get("csrf_token"),
        "owner": case.owner,
        # Names of people only for those who see them elsewhere on the case (notes' authors).
        "show_name": policy.can(user, policy.Action.NOTE_READ, case),
        "is_me": case.owner_id == user.pk,
        "may_assign": may_assign,
        "may_take": may_assign and policy.may_own_case(user, case),
        "colleagues": selectors.assignee_choices(user, case) if may_assign else [],
    }
