from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from inbeeld import web
from inbeeld.intake.workflow import SignalStatus

register = template.Library()


@register.filter
def pct(value) -> str:
    """A share in [0, 1] as a Dutch whole percentage ("42 %"); empty when there is no share."""
    if value is None:
        return ""
    return f"{round(value * 100)} %"


@register.simple_tag
def signal_due(signal, now) -> str:
    """The deadline of an open signal as the queue, the overdue view and the signal page show it:
    "oppakken vóór 5 Dec 14:00" while it waits to be picked up, "besluit vóór …" in triage, with
    "Te laat:" in bold once the moment has passed; a dash for a signal that is dealt with.

    A tag rather than an included template: the overdue view shows 100 signals, and an include
    per row was a quarter of its CPU time (issue 15 item 5)."""
    if signal.status == SignalStatus.RECEIVED:
        due, what = signal.acknowledge_due_at, _("oppakken vóór")
    elif signal.status == SignalStatus.IN_TRIAGE:
        due, what = signal.decision_due_at, _("besluit vóór")
    else:
        return "—"
    when = web.short_moment(due)
    if due < now:
        return format_html('<strong class="overdue">{}</strong> {} {}', _("Te laat:"), what, when)
    return format_html("{} {}", what, when)
