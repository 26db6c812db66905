"""The suspects and non-punishment sections of the case page:
{% load suspect_tags %}{% suspect_case_section case %}.

``case`` is the case the page loaded through cases.selectors.case_get_for (authorised and
audited); the section reads through suspects.selectors with the requesting user, so care roles
get only the count and roles without either action nothing at all.
"""

from django import template

from inbeeld import policy
from inbeeld.suspects import selectors
from inbeeld.suspects.consistency import case_outcome_mismatches

register = template.Library()


@register.inclusion_tag("suspects/_case_section.html", takes_context=True)
def suspect_case_section(context, case):
    user = context["request"].user
    rows = selectors.case_suspects(user, case)
    return {
        "case": case,
        "rows": rows,
        # ADR 0023 decision 6: the case's decisions and verdicts against its suspects' (police
        # and prosecutor only).
        "mismatches": (
            case_outcome_mismatches(user, case, rows=rows, timeline=context.get("timeline"))
            if rows is not None
            else None
        ),
        "count": selectors.suspect_count(user, case) if rows is None else None,
        "can_link": policy.can(user, policy.Action.SUSPECT_LINK, case),
        "modus_operandi": selectors.case_modus_operandi(user, case),
        "safety": selectors.case_safety(user, case),
        "non_punishment": selectors.case_non_punishment(user, case),
        "can_non_punishment": policy.can(user, policy.Action.NON_PUNISHMENT_RECORD, case),
        "show_notes": policy.can(user, policy.Action.NOTE_READ, case),
    }
