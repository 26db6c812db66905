"""Forms of the agenda pages: they validate (every 400 comes from here); the services act."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from inbeeld.agenda import ladder
from inbeeld.agenda.models import (
    Addressee,
    DatePrecision,
    EvidenceKind,
    PublicationKind,
    Source,
    Theme,
    WithdrawalReason,
)
from inbeeld.agenda.selectors import STATUS_CHOICES
from inbeeld.forms_safe import (
    SafeDateField,
    SafeIntegerField,
    SafeModelChoiceField,
    SafeModelMultipleChoiceField,
)

YES_NO = [("yes", _("Ja")), ("no", _("Nee"))]


def _required(message):
    return {"required": message, "invalid_choice": _("Kies een waarde uit de lijst.")}


class _Form(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class PublicationForm(_Form):
    project_title = forms.CharField(
        label=_("Onderzoek (project)"),
        max_length=200,
        help_text=_("Een bestaand onderzoek of een nieuw; de naam moet precies overeenkomen."),
        error_messages={"required": _("Vul het onderzoek in waar de publicatie bij hoort.")},
    )
    kind = forms.ChoiceField(
        label=_("Soort publicatie"),
        choices=[("", "—"), *PublicationKind.choices],
        error_messages=_required(_("Kies de soort publicatie.")),
    )
    title = forms.CharField(
        label=_("Titel"), max_length=300, error_messages={"required": _("Vul de titel in.")}
    )
    published_on = SafeDateField(
        label=_("Verschenen op"),
        help_text=_("Bijvoorbeeld 12-06-2018."),
        input_formats=["%d-%m-%Y", "%Y-%m-%d"],
        error_messages={
            "required": _("Vul de datum van verschijnen in."),
            "invalid": _("Vul een datum in als 12-06-2018."),
        },
    )
    date_precision = forms.ChoiceField(
        label=_("Nauwkeurigheid van de datum"), choices=DatePrecision.choices, initial="day"
    )
    url = forms.URLField(
        label=_("Vindplaats (internetadres)"), required=False, max_length=500, assume_scheme="https"
    )


class RecommendationForm(_Form):
    text = forms.CharField(
        label=_("Aanbeveling"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Vul de tekst van de aanbeveling in.")},
    )
    addressee = forms.ChoiceField(
        label=_("Gericht aan"),
        choices=[("", "—"), *Addressee.choices],
        error_messages=_required(_("Kies aan wie de aanbeveling is gericht.")),
    )
    theme = forms.ChoiceField(
        label=_("Thema"),
        choices=[("", "—"), *Theme.choices],
        error_messages=_required(_("Kies het thema.")),
    )
    source = forms.ChoiceField(
        label=_("Herkomst"),
        choices=[("", "—"), *Source.choices],
        error_messages=_required(_("Kies van wie de aanbeveling komt.")),
    )
    intervention = SafeModelChoiceField(
        label=_("Ondersteund door interventie uit de proeftuin (optioneel)"),
        queryset=None,
        required=False,
    )

    def __init__(self, *args, interventions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["intervention"].queryset = interventions


class WithdrawForm(_Form):
    reason = forms.ChoiceField(
        label=_("Reden van intrekken"),
        choices=WithdrawalReason.choices,
        widget=forms.RadioSelect,
        error_messages=_required(_("Kies waarom u dit intrekt.")),
    )
    explanation = forms.CharField(
        label=_("Toelichting"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Openbaar: iedereen die de agenda leest, ziet deze toelichting."),
        error_messages={"required": _("Licht toe waarom dit wordt ingetrokken.")},
    )


def _kind_choices():
    return [("", "—")] + [
        (str(ladder.RUNG_LABELS[rung]), [(code, label) for code, label in kinds])
        for rung, kinds in ladder.KINDS.items()
    ]


class MilestoneForm(_Form):
    kind = forms.ChoiceField(
        label=_("Wat gebeurde er?"),
        choices=_kind_choices,
        error_messages=_required(_("Kies wat er gebeurde.")),
    )
    occurred_on = SafeDateField(
        label=_("Datum"),
        help_text=_("Bijvoorbeeld 14-12-2023."),
        input_formats=["%d-%m-%Y", "%Y-%m-%d"],
        error_messages={
            "required": _("Vul de datum in."),
            "invalid": _("Vul een datum in als 14-12-2023."),
        },
    )
    date_precision = forms.ChoiceField(
        label=_("Nauwkeurigheid van de datum"), choices=DatePrecision.choices, initial="day"
    )
    description = forms.CharField(
        label=_("Omschrijving"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Beschrijf kort wat er gebeurde.")},
    )
    evidence_kind = forms.ChoiceField(
        label=_("Soort bewijs"),
        choices=EvidenceKind.choices,
        widget=forms.RadioSelect,
        error_messages=_required(_("Kies het soort bewijs.")),
    )
    evidence_reference = forms.CharField(
        label=_("Kenmerk van het bewijs"),
        max_length=120,
        required=False,
        help_text=_(
            "Kamerstuk of zaak (bijvoorbeeld 28638-123 of 2023Z12345), of officiële bekendmaking "
            "(bijvoorbeeld Stb. 2024, 12)."
        ),
    )
    document = forms.FileField(
        label=_("Document (pdf, png of jpeg, hoogstens 5 MB)"), required=False
    )
    deployments = SafeModelMultipleChoiceField(
        label=_("Uitgevoerd via inzet in de proeftuin (alleen bij een uitvoering)"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, deployments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deployments"].queryset = deployments


class CodingForm(_Form):
    rung = forms.ChoiceField(
        label=_("Welke trede toont het bewijs?"),
        choices=list(ladder.RUNG_LABELS.items()),
        widget=forms.RadioSelect,
        error_messages=_required(_("Kies de trede.")),
    )
    causal_link = forms.ChoiceField(
        label=_("Noemt het bewijs de aanbeveling of de publicatie als aanleiding?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages=_required(_("Kies ja of nee.")),
    )

    def link(self) -> bool:
        return self.cleaned_data["causal_link"] == "yes"


class AdjudicationForm(CodingForm):
    explanation = forms.CharField(
        label=_("Motivering van de beslissing"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Motiveer de beslissing.")},
    )


class FilterForm(_Form):
    theme = forms.ChoiceField(
        label=_("Thema"), choices=[("", _("Alle"))] + Theme.choices, required=False
    )
    addressee = forms.ChoiceField(
        label=_("Gericht aan"), choices=[("", _("Alle"))] + Addressee.choices, required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Alle")), *STATUS_CHOICES, ("withdrawn", _("Ingetrokken"))],
        required=False,
    )


class HorizonForm(_Form):
    horizon = SafeIntegerField(
        label=_("Oud genoeg na (jaren)"),
        min_value=1,
        max_value=10,
        required=False,
        error_messages={
            "min_value": _("Kies 1 tot en met 10 jaar."),
            "max_value": _("Kies 1 tot en met 10 jaar."),
            "invalid": _("Vul een heel aantal jaren in."),
        },
    )


class ParliamentLinkForm(_Form):
    number = forms.CharField(
        label=_("Kamernummer"),
        max_length=40,
        help_text=_(
            "Een zaak, document, dossier of Kamerstuk, bijvoorbeeld 36 015-12 of 2023Z12345."
        ),
        error_messages={"required": _("Vul het Kamernummer in.")},
    )
    note = forms.CharField(
        label=_("Waarom relevant"),
        max_length=300,
        error_messages={"required": _("Schrijf kort op waarom dit nummer relevant is.")},
    )


PARLIAMENT_FILE_MAX_BYTES = 20 * 1024 * 1024


class ParliamentFileForm(_Form):
    file = forms.FileField(
        label=_(
            "Bestand (JSON van de OData-dienst of een SyncFeed-pagina in XML, hoogstens 20 MB)"
        ),
        error_messages={
            "required": _("Kies het bestand met de opgeslagen Kamergegevens."),
            "empty": _("Het bestand is leeg."),
        },
    )
    entity = forms.ChoiceField(
        label=_("Soort, als het bestand die niet zelf noemt"),
        required=False,
        choices=[("", _("uit het bestand zelf"))],
    )

    def __init__(self, *args, entities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].choices = [("", _("uit het bestand zelf"))] + [
            (entity, entity) for entity in entities
        ]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > PARLIAMENT_FILE_MAX_BYTES:
            raise forms.ValidationError(_("Het bestand is groter dan 20 MB."))
        return upload
