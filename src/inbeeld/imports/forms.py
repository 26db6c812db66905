from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from inbeeld.imports.models import ImportKind, ImportMode
from inbeeld.imports.reading import MAX_FILE_BYTES


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Wat importeert u?"), choices=ImportKind.choices, widget=forms.RadioSelect
    )
    file = forms.FileField(
        label=_("Bestand (CSV of Excel)"),
        help_text=_("Gebruik het sjabloon. Maximaal 20 MB."),
        error_messages={"required": _("Kies een bestand."), "empty": _("Het bestand is leeg.")},
    )

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = [c for c in ImportKind.choices if c[0] in kinds]
        self.fields["kind"].error_messages["required"] = _("Kies wat u importeert.")
        self.fields["kind"].error_messages["invalid_choice"] = _("Kies wat u importeert.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("Het bestand is te groot (maximaal 20 MB)."))
        name = upload.name.lower()
        if not (name.endswith(".csv") or name.endswith(".xlsx") or name.endswith(".txt")):
            raise forms.ValidationError(
                _("Kies een CSV-bestand (.csv) of een Excel-bestand (.xlsx).")
            )
        return upload


class CommitForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Hoe wilt u invoeren?"),
        choices=[
            (ImportMode.ROW, _("Per rij: goede rijen invoeren, rijen met een fout overslaan")),
            (
                ImportMode.ALL,
                _("Alles of niets: alleen invoeren als geen enkele rij een fout heeft"),
            ),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Kies hoe u wilt invoeren."),
            "invalid_choice": _("Kies hoe u wilt invoeren."),
        },
    )
