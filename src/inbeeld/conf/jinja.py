"""The Jinja2 environment of the long lists' tables (ADR 0030).

A page stays a Django template; its table of 25–100 rows is a Jinja2 template in
src/inbeeld/jinja2/, rendered by ``{% table "cases/_case_table.html" page=page %}``
(conf/templatetags/list_rows.py). Django's template engine walks its node tree for every cell of
every row (~40 % of the case list's and the signal queue's CPU per view); Jinja2 compiles a
template to a Python function once. Forms and widgets already render through Jinja2
(conf/form_renderer.py), for the same reason.

What the tables use: Django's gettext (the ``i18n`` extension, so ``_("…")`` is marked and
translated as ``{% translate %}`` is), ``row_url`` (what ``{% url %}`` gives), the filters
``row_moment`` and ``short_date`` (what ``|date:"j M Y H:i"`` and ``|date:"j M Y"`` give), the
signal lists' ``signal_due`` (intake_extras), every
value escaped (autoescape), and an undefined name is an error, not an empty cell.
"""

from __future__ import annotations

import jinja2
from django.utils.translation import gettext, ngettext

from inbeeld import web
from inbeeld.intake.templatetags.intake_extras import signal_due


def _moment(value) -> str:
    return web.short_moment(value, year=True)


def environment(**options) -> jinja2.Environment:
    options["undefined"] = jinja2.StrictUndefined
    options["autoescape"] = True
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], **options)  # noqa: S701 (autoescape above)
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.globals["row_url"] = web.row_url
    env.globals["signal_due"] = signal_due
    env.filters["row_moment"] = _moment
    env.filters["short_date"] = web.short_date
    return env
