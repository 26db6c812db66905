"""The pilot (proeftuin) section of the case page: {% load pilot_tags %}{% pilot_case_section case %}.

``case`` is the case the page already loaded through cases.selectors.case_get_for (authorised and
audited); the section reads through pilot.selectors with the requesting user.
"""

from django import template

from inbeeld import policy
from inbeeld.pilot import selectors

register = template.Library()


@register.inclusion_tag("pilot/_case_section.html", takes_context=True)
def pilot_case_section(context, case):
    user = context["request"].user
    summary = selectors.pilot_case_summary(user, case, timeline=context.get("timeline"))
    return {"case": case, "pilot": summary}


@register.inclusion_tag("pilot/_case_deliveries.html", takes_context=True)
def pilot_case_deliveries(context, case):
    """The deliveries of ``case`` only, read only: the printable case summary. The same rows and
    the same rules (who sees names and reasons) as the case page's section."""
    user = context["request"].user
    return {
        "case": case,
        "pilot": {
            "deliveries": selectors.case_deliveries(user, case),
            "show_people": policy.can(user, policy.Action.NOTE_READ, case),
        },
    }
