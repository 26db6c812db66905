from django import template

register = template.Library()


@register.filter
def pct(value) -> str:
    """A share in [0, 1] as a Dutch whole percentage ("42 %"); empty when there is no share."""
    if value is None:
        return ""
    return f"{round(value * 100)} %"
