"""The pilot (proeftuin) section of the case page: {% load pilot_tags %}{% pilot_case_section case %}.

``case`` is the case the page already loaded through cases.selectors.case_get_for (authorised and
audited); the section reads through pilot.selectors with the requesting user.
"""

from django import template

from inbeeld.pilot import selectors

register = template.Library()


@register.inclusion_tag("pilot/_case_section.html", takes_context=True)
def pilot_case_section(context, case):
    user = context["request"].user
    return {"case": case, "pilot": selectors.pilot_case_summary(user, case)}
