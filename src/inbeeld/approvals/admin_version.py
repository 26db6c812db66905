"""Optimistic locking for every admin change form, without a version column on every table.

A change form carries a hidden ``row_fingerprint``: a keyed HMAC (salted_hmac, SECRET_KEY) over
the canonical JSON of the object's stored editable values as the page was read, its many-to-many
fields and the rows of its inlines. On saving, inside the admin's transaction, the row (and its
inline rows) are locked with select_for_update before they are read again; the form is valid only
while the fingerprint of the stored values still equals the posted one. A mismatch, a forged or a
missing fingerprint all give the same Dutch error at the top of the form and nothing is stored: no
save, no audit row, no change request (those are written only after the form validated). The form
comes back with the user's input and a link to the current values.

Deleting carries no fingerprint: the confirmation page is always read afresh
when the administrator asks to delete and shows the row as it is then, with everything deleted
with it; a delete names the row, not its values, and the audit row keeps the values it had.
"""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.forms.models import _get_foreign_key  # how the admin's own inlines find it
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.html import format_html
from django.utils.translation import gettext as _

from inbeeld.approvals.admin_guard import editable_fields
from inbeeld.approvals.services import values_of

FIELD_NAME = "row_fingerprint"
_SALT = "inbeeld.approvals.admin_version.row_fingerprint"
_CACHE = "_inbeeld_row_fingerprint"

STALE_MESSAGE = (
    "Iemand anders heeft dit gegevensitem gewijzigd nadat u het opende. Bekijk de huidige "
    "waarden en voer uw wijziging opnieuw in."
)


def _inline_rows(parent, inline_model, fk_name, *, lock: bool) -> list:
    fk = _get_foreign_key(type(parent), inline_model, fk_name=fk_name)
    rows = inline_model._default_manager.filter(**{fk.name: parent.pk}).order_by("pk")
    if lock:
        rows = rows.select_for_update()
    names = [name for name in editable_fields(inline_model) if name != fk.name]
    return [[str(row.pk), values_of(row, names)] for row in rows]


def row_fingerprint(obj, inlines=(), *, lock: bool = False) -> str:
    """The keyed fingerprint of ``obj``'s stored editable values (many-to-many included) and of
    the rows of ``inlines`` (InlineModelAdmin classes) that belong to it."""
    state = {
        "model": obj._meta.label_lower,
        "pk": str(obj.pk),
        "values": values_of(obj, editable_fields(type(obj))),
        "inlines": {
            inline.model._meta.label_lower: _inline_rows(
                obj, inline.model, inline.fk_name, lock=lock
            )
            for inline in inlines
        },
    }
    canonical = json.dumps(
        state, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return salted_hmac(_SALT, canonical, algorithm="sha256").hexdigest()


def _stale_error(request) -> ValidationError:
    return ValidationError(
        format_html(
            '{} <a href="{}">{}</a>',
            _(STALE_MESSAGE),
            request.get_full_path(),
            _("Huidige waarden openen"),
        ),
        code="stale",
    )


class RowVersionAdminMixin:
    """On a ModelAdmin: the change form carries ``row_fingerprint`` and a save from a page whose
    object (or its inline rows) changed since it was read is refused. Rendered by
    templates/admin/change_form.html; PolicyAdminMixin brings this to every admin."""

    def _in_transaction(self) -> bool:
        return connections[router.db_for_write(self.model)].in_atomic_block

    def get_object(self, request, object_id, from_field=None):
        # Lock first, then read: what the fingerprint is compared with, and what the admin saves
        # over, is the row as it is now, and no other writer changes it until this one commits.
        if request.method == "POST" and self._in_transaction():
            model = self.model
            field = model._meta.pk if from_field is None else model._meta.get_field(from_field)
            try:
                key = field.to_python(object_id)
            except (ValidationError, ValueError):
                key = None
            if key is not None:
                locked = model._default_manager.select_for_update().filter(**{field.name: key})
                list(locked.values_list("pk", flat=True))
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and request.method == "POST" and self._in_transaction():
            self.stored_fingerprint(request, obj, lock=True)
        return obj

    def stored_fingerprint(self, request, obj, *, lock: bool = False) -> str:
        """The fingerprint of ``obj`` as stored, computed once per request (before the form
        writes the posted values onto ``obj``)."""
        cached = obj.__dict__.get(_CACHE)
        if cached is None:
            cached = row_fingerprint(obj, self.get_inlines(request, obj), lock=lock)
            obj.__dict__[_CACHE] = cached
        return cached

    def get_fields(self, request, obj=None):
        # The fingerprint is rendered by the template, never as a row of the fieldsets.
        return [name for name in super().get_fields(request, obj) if name != FIELD_NAME]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None or obj.pk is None:
            return form  # adding: there is nothing anyone else could have changed
        expected = self.stored_fingerprint(request, obj)

        def clean(self):
            data = super(versioned, self).clean()
            posted = (self.data.get(FIELD_NAME) or "")[:200]
            if not constant_time_compare(posted, expected):
                self.add_error(None, _stale_error(request))
            return data

        versioned = type(
            form.__name__,
            (form,),
            {
                FIELD_NAME: forms.CharField(
                    widget=forms.HiddenInput, required=False, initial=expected
                ),
                "clean": clean,
            },
        )
        return versioned
