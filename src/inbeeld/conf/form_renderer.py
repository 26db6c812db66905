"""The form renderer: Django's own form and widget templates, rendered by Jinja2.

Django ships every form and widget template twice, for its own template engine and for Jinja2
(django/forms/jinja2/), with the same markup. A page with a filter form of ten fields renders a
few hundred small templates (a select renders one per option); in Django's engine that was about
a third of the CPU time of the case list and the signal queue (issue 15 item 5, profiles in
BENCHMARKS.md). Jinja2 compiles them to Python functions. Templates that exist only for Django's
engine (the admin's widgets) are rendered there, unchanged.
"""

from __future__ import annotations

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class FormRenderer(BaseRenderer):
    def __init__(self) -> None:
        self._jinja2 = Jinja2()
        self._django = DjangoTemplates()

    def get_template(self, template_name):
        try:
            return self._jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self._django.get_template(template_name)
