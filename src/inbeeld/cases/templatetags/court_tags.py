"""The court on the case page and the examining judge's explanation on an empty case list
(issue 14 item 2): {% load court_tags %}{% court_fact case %} / {% court_list_help %}.

``case`` is the case the page already loaded through cases.selectors.case_get_for (authorised and
audited); the tags only ask the policy what the requesting user may do with it.
"""

from __future__ import annotations

from django import template

from inbeeld import policy
from inbeeld.roles import Role

register = template.Library()


@register.inclusion_tag("cases/_court_fact.html", takes_context=True)
def court_fact(context, case):
    user = context["request"].user
    return {"case": case, "may_set": policy.can(user, policy.Action.CASE_SET_COURT, case)}


@register.inclusion_tag("cases/_court_list_help.html", takes_context=True)
def court_list_help(context):
    """For an examining judge: why the list is empty and when a case appears in it."""
    user = context["request"].user
    courts = [
        m.court
        for m in policy.memberships_for(user, policy.Action.CASE_LIST)
        if m.role == Role.EXAMINING_JUDGE and m.court_id is not None
    ]
    return {"courts": courts}
