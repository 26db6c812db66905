"""A JSON form field for the admin that parses hostile input into a Dutch message, never a 500.

Django's forms.JSONField catches only JSONDecodeError; Python refuses to convert an integer of more
than 4,300 digits with ValueError, and deep nesting raises RecursionError. This field bounds the
text, the digits of a number and the nesting, and turns every parse failure into a form error.
"""

from __future__ import annotations

import json
import math

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_CHARACTERS = 100_000
MAX_NUMBER_DIGITS = 30
MAX_DEPTH = 20


class _TooLong(ValueError):
    pass


def _bounded_number(text: str):
    digits = sum(ch.isdigit() for ch in text)
    if digits > MAX_NUMBER_DIGITS:
        raise _TooLong(text[:20])
    return text


def _int(text: str) -> int:
    return int(_bounded_number(text))


def _float(text: str) -> float:
    value = float(_bounded_number(text))
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _refuse_constant(text: str):
    raise ValueError(text)  # NaN and Infinity are not JSON


def _depth(value, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def parse_bounded_json(text: str):
    """Parse ``text`` as JSON within the bounds above; ValidationError (Dutch) otherwise."""
    if len(text) > MAX_CHARACTERS:
        raise ValidationError(
            _("De JSON-tekst is te lang (ten hoogste %(n)s tekens).") % {"n": MAX_CHARACTERS},
            code="too_long",
        )
    try:
        value = json.loads(
            text,
            parse_int=_int,
            parse_float=_float,
            parse_constant=_refuse_constant,
        )
    except _TooLong as exc:
        raise ValidationError(
            _("Een getal in de JSON heeft te veel cijfers (ten hoogste %(n)s).")
            % {"n": MAX_NUMBER_DIGITS},
            code="number_too_long",
        ) from exc
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise ValidationError(_("Dit is geen geldige JSON."), code="invalid") from exc
    if _depth(value) > MAX_DEPTH:
        raise ValidationError(
            _("De JSON is te diep genest (ten hoogste %(n)s niveaus).") % {"n": MAX_DEPTH},
            code="too_deep",
        )
    return value


class BoundedJSONFormField(forms.JSONField):
    default_error_messages = {"invalid": _("Dit is geen geldige JSON.")}

    def to_python(self, value):
        if self.disabled:
            return value
        if value in self.empty_values:
            return None
        if isinstance(value, list | dict | int | float | forms.fields.JSONString):
            return value
        converted = parse_bounded_json(value)
        if isinstance(converted, str):
            return forms.fields.JSONString(converted)
        return converted

    def bound_data(self, data, initial):
        if self.disabled:
            return initial
        if data is None:
            return None
        try:
            return parse_bounded_json(data)
        except ValidationError:
            return forms.fields.InvalidJSONInput(data)

    def has_changed(self, initial, data):
        try:
            return super().has_changed(initial, data)
        except (ValidationError, ValueError, RecursionError):
            return True
