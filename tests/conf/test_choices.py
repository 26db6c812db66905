"""get_FOO_display of InBeeld's models (conf/choices.py) against Django's own implementation."""

from __future__ import annotations

import functools

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.db import models
from django.utils import translation

from inbeeld.conf import choices
from inbeeld.intake.models import Signal


def _choice_fields():
    for model in apps.get_models():
        if model.__module__.startswith("inbeeld."):
            for field in model._meta.concrete_fields:
                if field.choices:
                    yield model, field


def test_every_choice_field_of_every_model_shows_the_label_django_would():
    checked = 0
    with translation.override("nl"):
        for model, field in _choice_fields():
            instance = model()
            values = [value for value, _label in field.flatchoices] + ["geen-keuze", None]
            for value in values:
                setattr(instance, field.attname, value)
                ours = getattr(instance, f"get_{field.name}_display")()
                assert ours == models.Model._get_FIELD_display(instance, field), (model, field)
                assert isinstance(ours, str) or ours is None
                checked += 1
    assert checked > 200  # every model's choices were reached


def test_the_fast_method_is_installed_on_inbeeld_models_only():
    method = Signal.__dict__["get_urgency_display"]
    assert isinstance(method, functools.partialmethod) and method.func is choices.display
    # Django's own models keep Django's method.
    assert LogEntry.__dict__["get_action_flag_display"].func is models.Model._get_FIELD_display


def test_the_label_is_translated_when_shown_not_when_the_map_is_built():
    signal = Signal(urgency="acute")
    with translation.override("nl"):
        dutch = signal.get_urgency_display()
    with translation.override("en"):
        english = signal.get_urgency_display()
    assert dutch == models.Model._get_FIELD_display(signal, Signal._meta.get_field("urgency"))
    with translation.override("en"):
        assert english == models.Model._get_FIELD_display(
            signal, Signal._meta.get_field("urgency")
        )
