"""The form with which the prosecutor sets or changes the court of a case (issue 14 item 2)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from inbeeld.forms_safe import SafeIntegerField, SafeModelChoiceField
from inbeeld.reference.models import Court


class CourtForm(forms.Form):
    court = SafeModelChoiceField(
        label=_("Rechtbank"),
        queryset=Court.objects.none(),
        to_field_name="code",
        empty_label=_("— kies een rechtbank —"),
        error_messages={
            "required": _("Kies de rechtbank waar de casus dient."),
            "invalid_choice": _("Kies een rechtbank uit de lijst."),
        },
    )
    version = SafeIntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, courts, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["court"].queryset = courts
