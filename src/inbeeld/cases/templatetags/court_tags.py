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


@register.inclusion_tag("cases/_nothing_to_record.html", takes_context=True)
def nothing_to_record(context, case):
    """Instead of an empty event list: what the user may record on this case in principle, and
    in which phases (the workflow's table), so the examining judge knows why and when."""
    from inbeeld.cases.models import event_type_label
    from inbeeld.cases.workflow import TRANSITIONS, Status

    user = context["request"].user
    recordable = sorted(policy.recordable_event_codes(user, case))
    events = [
        {
            "label": event_type_label(code),
            "phases": [Status(s).label for s, allowed in TRANSITIONS.items() if code in allowed],
        }
        for code in recordable
    ]
    return {"case": case, "events": events}
