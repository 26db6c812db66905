"""``get_FOO_display`` of InBeeld's models without rebuilding the field's choices on every call.

Django's ``Model._get_FIELD_display`` builds ``dict(make_hashable(field.flatchoices))`` on each
call, and hashing a lazily translated label translates it: every label of the field is translated
to show one. A queue of 50 signals with their urgency and status did that 200 times per page,
4 ms of the signals-overdue page's 30 ms of CPU (issue 15 item 5). Here the value → label map of
each field is built once; the label itself stays lazy and is translated when shown, as before.

``install`` is connected to ``class_prepared`` when the conf app's configuration is imported,
before any model class exists (Django imports every app configuration before any models). It
replaces only the method Django generated, never one a model defines itself, and only on
InBeeld's models.
"""

from __future__ import annotations

import functools

from django.db import models
from django.utils.encoding import force_str

_DJANGO_DISPLAY = models.Model._get_FIELD_display


@functools.cache
def _labels(field) -> dict:
    return dict(field.flatchoices)


def display(instance, field) -> str:
    value = getattr(instance, field.attname)
    try:
        label = _labels(field).get(value, value)
    except TypeError:  # an unhashable value: Django's own way
        return _DJANGO_DISPLAY(instance, field)
    return force_str(label, strings_only=True)


def install(sender, **kwargs) -> None:
    if not sender.__module__.startswith("inbeeld."):
        return
    for field in sender._meta.local_fields:  # the relation tree is not ready yet
        if not field.choices:
            continue
        name = f"get_{field.name}_display"
        generated = sender.__dict__.get(name)
        if isinstance(generated, functools.partialmethod) and generated.func is _DJANGO_DISPLAY:
            setattr(sender, name, functools.partialmethod(display, field=field))
