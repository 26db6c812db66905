"""Links and moments in the rows of long lists: {% load list_rows %}{% row_url 'cases:event_correct'
case.code event.pk %} gives what {% url %} gives with the same arguments (strings and integers),
without reversing the URL for every row (web.row_url); {{ moment|row_moment }} what
|date:"j M Y H:i" gives, without Django's format parser (web.short_moment). {% rows "name"
key=value %} renders a long list's whole table with Jinja2 (conf/jinja.py, ADR 0030)."""

from django import template
from django.template import engines
from django.utils.safestring import mark_safe

from inbeeld import web

register = template.Library()


@register.simple_tag
def row_url(viewname: str, *args) -> str:
    return web.row_url(viewname, *args)


@register.filter
def row_moment(value) -> str:
    return web.short_moment(value, year=True)


@register.simple_tag
def rows(template_name: str, **values) -> str:
    """The Jinja2 table ``template_name`` (src/inbeeld/jinja2/, conf/jinja.py) rendered with
    ``values``; what it gives is escaped by Jinja2 (autoescape) and inserted as it is."""
    return mark_safe(engines["rows"].get_template(template_name).render(values))  # noqa: S308
