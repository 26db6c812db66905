"""Form fields that refuse crafted input with the normal Dutch message instead of a 500.

Django's model choice fields hand whatever the browser sent to the database: a 30-digit id in a
multiple-choice field raises ``OverflowError`` on SQLite (and a numeric-range error on PostgreSQL),
and a 5,000-digit value is echoed whole into the error message. These fields check first that a
key of an integer column is a plain decimal number within that column's range, so an impossible
id is simply "not one of the choices". ``SafeIntegerField`` bounds numbers to the database's
integer range; ``SafeDateField`` to years a date calculation cannot overflow.

Every ModelChoiceField, ModelMultipleChoiceField and IntegerField of the product's forms uses
these, the admin's too (administration.mixins.PolicyAdminMixin); every admin inline formset refuses a
crafted management form (``SafeInlineFormSetMixin``). tests/security/test_crafted_input.py fuzzes
every form page.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import connections
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

# Integers that fit every integer column we use (PostgreSQL's integer is the narrowest).
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
_DECIMAL = re.compile(r"-?[0-9]{1,20}")
# What an error message may repeat of a value the user sent.
_ECHO_LIMIT = 40


def _echo(value) -> str:
    text = str(value)
    return text if len(text) <= _ECHO_LIMIT else text[:_ECHO_LIMIT] + "…"


class _SafeKeyMixin:
    """Checks a submitted key against the type and range of the column it is looked up in."""

    def _key_range(self) -> tuple[int, int] | None:
        model = self.queryset.model
        field = model._meta.get_field(self.to_field_name) if self.to_field_name else model._meta.pk
        internal = field.target_field.get_internal_type() if field.is_relation else None
        internal = internal or field.get_internal_type()
        ops = connections[self.queryset.db].ops
        if internal not in ops.integer_field_ranges:
            return None
        low, high = ops.integer_field_range(internal)
        return (INT32_MIN if low is None else low, INT32_MAX if high is None else high)

    def _key_is_possible(self, value) -> bool:
        if isinstance(value, self.queryset.model):
            return True
        if not isinstance(value, str | int) or isinstance(value, bool):
            return False
        bounds = self._key_range()
        if bounds is None:
            return len(str(value)) <= 1000
        text = str(value).strip()
        if not _DECIMAL.fullmatch(text):
            return False
        return bounds[0] <= int(text) <= bounds[1]

    def _refuse(self, value):
        raise ValidationError(
            self.error_messages["invalid_choice"],
            code="invalid_choice",
            params={"value": _echo(value)},
        )


class _ReferenceChoices(ModelChoiceIterator):
    """The choices read with one plain query. Django's iterator reads them with
    ``QuerySet.iterator()``, which on PostgreSQL is a server-side cursor: a transaction,
    DECLARE, FETCH, CLOSE and COMMIT — five round trips for the dozen units or forms of a select
    box, three times on the case list's filter (issue 15 item 5). The choices of these fields are
    reference lists, small enough to read at once."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():  # a fresh clone each time: never stale choices
            yield self.choice(obj)


class SafeModelChoiceField(_SafeKeyMixin, forms.ModelChoiceField):
    iterator = _ReferenceChoices

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not self._key_is_possible(value):
            self._refuse(value)
        return super().to_python(value)


class SafeModelMultipleChoiceField(_SafeKeyMixin, forms.ModelMultipleChoiceField):
    iterator = _ReferenceChoices

    def _check_values(self, value):
        if not isinstance(value, list | tuple):
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        for item in value:
            if not self._key_is_possible(item):
                self._refuse(item)
        return super()._check_values(value)


class SafeIntegerField(forms.IntegerField):
    """An IntegerField bounded to what a (32-bit) integer column holds, unless narrower bounds are
    given."""

    def __init__(self, *, min_value=None, max_value=None, **kwargs):
        super().__init__(
            min_value=INT32_MIN if min_value is None else min_value,
            max_value=INT32_MAX if max_value is None else max_value,
            **kwargs,
        )

    def to_python(self, value):
        if isinstance(value, str) and len(value.strip()) > 30:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class SafeDateField(forms.DateField):
    """A DateField limited to years where adding a day, a time zone or a working-day calendar
    cannot overflow (0001-01-01 and 9999-12-31 do)."""

    EARLIEST = dt.date(1900, 1, 1)
    LATEST = dt.date(2999, 12, 31)

    def validate(self, value):
        super().validate(value)
        if value is not None and not (self.EARLIEST <= value <= self.LATEST):
            raise ValidationError(_("Kies een datum tussen 1900 en 2999."), code="out_of_range")


class SafeInlineFormSetMixin:
    """For an inline formset (the rows of one parent, e.g. an intervention's fidelity items).

    Django trusts the posted management form: INITIAL_FORMS says how many of the posted rows are
    stored ones. Lower than the stored count (or negative), the remaining stored rows come back
    as new rows and their insert breaks a unique constraint (a 500); an initial row whose id is
    not one of this parent's (another parent's, or none) is silently skipped while the rest is
    saved. A browser always posts the stored rows, each once, as the initial forms; anything else
    is refused here with one Dutch error above the rows, so nothing of the whole form is stored.
    Django itself refuses a broken management form and more than ``absolute_max`` forms (we then
    build none, instead of thousands of empty rows to validate and show again)."""

    def _posted_counts(self) -> tuple[int, int] | None:
        if not self.is_bound:
            return None  # (an unbound management form asks total_form_count: check this first)
        management = self.management_form
        if not management.is_valid():
            return None
        data = management.cleaned_data
        return data[TOTAL_FORM_COUNT], data[INITIAL_FORM_COUNT]

    def total_form_count(self):
        counts = self._posted_counts()
        if counts is not None and counts[0] > self.absolute_max:
            return 0  # refused by Django's full_clean as too many forms
        return super().total_form_count()

    def clean(self):
        super().clean()
        counts = self._posted_counts()
        if counts is None:
            return  # Django reports the missing or broken management form itself
        total, initial = counts
        stored = {obj.pk for obj in self.get_queryset()}
        posted = [form.instance.pk for form in self.forms[: max(initial, 0)]]
        if initial != len(stored) or total < initial or set(posted) != stored:
            raise ValidationError(
                _(
                    "Deze regels passen niet bij wat er is opgeslagen: het formulier is aangepast "
                    "of verouderd. Er is niets opgeslagen. Open de pagina opnieuw en voer uw "
                    "wijziging opnieuw in."
                ),
                code="rows_mismatch",
            )
