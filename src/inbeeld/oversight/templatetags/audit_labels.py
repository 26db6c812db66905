"""Audit codes in Dutch on the privacy pages (see inbeeld.oversight.labels)."""

from django import template

from inbeeld.oversight import labels

register = template.Library()


@register.filter
def subject_label(subject_type: str) -> str:
    return labels.subject_label(subject_type)


@register.filter
def audit_details(extra) -> list[labels.Detail]:
    return labels.extra_details(extra)
