"""The shared base of every ModelAdmin (users, reference data, the pilot's and the publication's
admin pages): permissions from policy.py, hostile input refused with a Dutch message, and every
change form optimistically locked. It lives here, above approvals and below every app with an
admin page, so no app imports another app's admin module (ADR 0012)."""

from django import forms
from django.contrib import messages
from django.db import models
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.administration.admin_json import BoundedJSONFormField
from inbeeld.approvals.admin_version import RowVersionAdminMixin
from inbeeld.forms_safe import (
    SafeInlineFormSetMixin,
    SafeModelChoiceField,
    SafeModelMultipleChoiceField,
)

ADMIN_SEARCH_MAX_CHARS = 200


def admin_has_permission(request) -> bool:
    return policy.may_administer(request.user)


def _widget(field: forms.Field) -> forms.Widget:
    """The widget itself, unwrapped from the admin's add/change-related wrapper."""
    widget = field.widget
    return getattr(widget, "widget", widget)


def label_subwidgets(field: forms.Field, suffix: str = "") -> None:
    """Give each input of a split widget (date and time) its own accessible name: the admin's
    single <label> points at the first input only (axe: label)."""
    widget = _widget(field)
    if not isinstance(widget, forms.MultiWidget):
        return
    parts = (
        [_("datum"), _("tijd")]
        if isinstance(widget, forms.SplitDateTimeWidget)
        else [str(i + 1) for i in range(len(widget.widgets))]
    )
    for part, sub in zip(parts, widget.widgets, strict=False):
        sub.attrs["aria-label"] = f"{field.label} – {part}{suffix}"


class LabelledFormMixin:
    """Names the inputs of split widgets on every form instance (a subclass made later, such as
    the user form's in recovery_admin, rebuilds ``base_fields``, so this works on ``fields``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            label_subwidgets(field)


class LabelledInlineFormSetMixin:
    """Tabular inlines show their labels only as column headings, so every input, select and
    the delete checkbox gets an accessible name of its own: "Rol (rij 2)" (axe: label,
    select-name; issue 14)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        row = _("rij %(n)s") % {"n": index + 1} if index is not None else _("nieuwe rij")
        for name, field in form.fields.items():
            if field.widget.is_hidden:
                continue
            label = _("Verwijderen") if name == "DELETE" else (field.label or name)
            suffix = f" ({row})"
            if isinstance(_widget(field), forms.MultiWidget):
                label_subwidgets(field, suffix)
            else:
                # The inner widget: the admin's related-object wrapper keeps a stale ``attrs``.
                _widget(field).attrs["aria-label"] = f"{label}{suffix}"


class PolicyAdminMixin(RowVersionAdminMixin):
    """Admin permissions come from policy.py (the ADMINISTER action), not Django model perms.
    Hostile input gets a Dutch message, never a 500: JSON fields parse with bounds, every choice
    of a related object (foreign key, many-to-many) checks an id against its column's range
    first (inbeeld.forms_safe: a 30-digit id overflowed the database's integer), and every inline
    formset refuses a crafted management form. Every change form is optimistically locked
    (RowVersionAdminMixin: a save over someone else's newer change is refused); on inlines the
    mixin's ModelAdmin hooks are simply never called, and get_formset only on inlines."""

    formfield_overrides = {models.JSONField: {"form_class": BoundedJSONFormField}}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", SafeModelChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", SafeModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        # A search term becomes a LIKE pattern per search field; SQLite refuses one over 50,000
        # bytes (a 500) and no name or code is anywhere near this long.
        if len(search_term) > ADMIN_SEARCH_MAX_CHARS:
            messages.error(
                request,
                _("Zoek met hoogstens %(max)s tekens.") % {"max": ADMIN_SEARCH_MAX_CHARS},
            )
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if issubclass(form, LabelledFormMixin):
            return form
        return type(form.__name__, (LabelledFormMixin, form), {})

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        bases = (LabelledInlineFormSetMixin, formset)
        if not issubclass(formset, SafeInlineFormSetMixin):
            bases = (SafeInlineFormSetMixin, *bases)
        return type(formset.__name__, bases, {})

    def has_module_permission(self, request):
        return policy.may_administer(request.user)

    def has_view_permission(self, request, obj=None):
        return policy.may_administer(request.user)

    def has_add_permission(self, request, *args):
        return policy.may_administer(request.user)

    def has_change_permission(self, request, obj=None):
        return policy.may_administer(request.user)

    def has_delete_permission(self, request, obj=None):
        return policy.may_administer(request.user)
