"""Links and moments in the rows of long lists: {% load list_rows %}{% row_url 'cases:event_correct'
case.code event.pk %} gives what {% url %} gives with the same arguments (strings and integers),
without reversing the URL for every row (web.row_url); {{ moment|row_moment }} what
|date:"j M Y H:i" gives, without Django's format parser (web.short_moment)."""

from django import template

from inbeeld import web

register = template.Library()


@register.simple_tag
def row_url(viewname: str, *args) -> str:
    return web.row_url(viewname, *args)


@register.filter
def row_moment(value) -> str:
    return web.short_moment(value, year=True)
