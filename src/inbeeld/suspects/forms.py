"""Forms of the suspect pages (Dutch labels and messages). The services validate again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from inbeeld.cases.forms import DateInput, WithdrawalForm
from inbeeld.cases.models import AgeBand, Gender
from inbeeld.cases.services import MAX_NOTE_LENGTH
from inbeeld.forms_safe import SafeDateField, SafeIntegerField
from inbeeld.suspects.models import (
    Assessment,
    Decision,
    DismissalGround,
    Measure,
    NonPunishmentOutcome,
    NonPunishmentStep,
    Offence,
    ProceedingKind,
    Relationship,
    SafetyFactKind,
    SentenceType,
    SuspectLinkageKey,
    SuspectRole,
    Verdict,
)

__all__ = [
    "LinkForm",
    "LinkCorrectForm",
    "ProceedingForm",
    "NonPunishmentForm",
    "WithdrawalForm",
    "ModusOperandiForm",
    "SafetyFactForm",
]


def _blank(choices, label):
    return [("", label), *choices]


def _date_field() -> SafeDateField:
    return SafeDateField(
        label=_("Datum"),
        widget=DateInput(),
        error_messages={
            "required": _("Vul de datum in."),
            "invalid": _("Vul een geldige datum in (jjjj-mm-dd)."),
        },
    )


class _Form(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class LinkCorrectForm(_Form):
    role = forms.ChoiceField(
        label=_("Rol van de verdachte"),
        choices=SuspectRole.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Kies de rol van de verdachte."),
            "invalid_choice": _("Kies een rol uit de lijst."),
        },
    )
    relationship = forms.ChoiceField(
        label=_("Relatie tot het slachtoffer"),
        choices=_blank(Relationship.choices, _("— kies een relatie —")),
        error_messages={
            "required": _("Kies de relatie tot het slachtoffer."),
            "invalid_choice": _("Kies een relatie uit de lijst."),
        },
    )
    note = forms.CharField(
        label=_("Notitie (versleuteld; alleen uw eigen beroepsgroep leest haar)"),
        required=False,
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class LinkForm(LinkCorrectForm):
    """Link an existing suspect by their code, or register a new one."""

    suspect_code = forms.CharField(
        label=_("Code van een bestaande verdachte (leeg laten voor een nieuwe verdachte)"),
        required=False,
        max_length=20,
        help_text=_("Bijvoorbeeld VD-7K3Q-9XWD, van een andere casus die u kunt zien."),
    )
    age_band = forms.ChoiceField(
        label=_("Leeftijd van een nieuwe verdachte"),
        choices=AgeBand.choices,
        initial=AgeBand.UNKNOWN,
        required=False,
    )
    gender = forms.ChoiceField(
        label=_("Gender van een nieuwe verdachte"),
        choices=Gender.choices,
        initial=Gender.UNKNOWN,
        required=False,
    )
    identifier_type = forms.ChoiceField(
        label=_("Soort kenmerk (optioneel)"),
        choices=_blank(SuspectLinkageKey.IdentifierType.choices, _("— geen kenmerk —")),
        required=False,
    )
    identifier = forms.CharField(
        label=_("Kenmerk (wordt niet bewaard, alleen een versleutelde koppelsleutel)"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    field_order = ["suspect_code", "role", "relationship", "age_band", "gender"]


class ProceedingForm(_Form):
    kind = forms.ChoiceField(
        label=_("Stap"),
        choices=ProceedingKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Kies de stap in de vervolging."),
            "invalid_choice": _("Deze stap kunt u nu niet vastleggen."),
        },
    )
    date = _date_field()
    decision = forms.ChoiceField(
        label=_("Beslissing (bij een vervolgingsbeslissing)"),
        choices=_blank(Decision.choices, _("— kies een beslissing —")),
        required=False,
    )
    ground = forms.ChoiceField(
        label=_("Sepotgrond (bij een sepot)"),
        choices=_blank(DismissalGround.choices, _("— geen sepot —")),
        required=False,
    )
    verdict = forms.ChoiceField(
        label=_("Uitspraak (bij een uitspraak)"),
        choices=_blank(Verdict.choices, _("— kies een uitspraak —")),
        required=False,
    )
    sentence_type = forms.ChoiceField(
        label=_("Soort straf (bij een veroordeling)"),
        choices=_blank(SentenceType.choices, _("— geen straf —")),
        required=False,
    )
    unconditional_months = forms.DecimalField(
        label=_("Onvoorwaardelijk (maanden)"),
        required=False,
        min_value=0,
        max_value=480,
        max_digits=5,
        decimal_places=1,
        error_messages={"invalid": _("Vul een aantal maanden in, bijvoorbeeld 18 of 4,5.")},
        localize=True,
    )
    conditional_months = forms.DecimalField(
        label=_("Voorwaardelijk (maanden)"),
        required=False,
        min_value=0,
        max_value=480,
        max_digits=5,
        decimal_places=1,
        error_messages={"invalid": _("Vul een aantal maanden in, bijvoorbeeld 6.")},
        localize=True,
    )
    community_service_hours = SafeIntegerField(
        label=_("Taakstraf (uren)"),
        required=False,
        min_value=0,
        max_value=240,
        error_messages={"invalid": _("Vul een heel aantal uren in.")},
    )
    measures = forms.MultipleChoiceField(
        label=_("Maatregelen"),
        choices=Measure.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Kies maatregelen uit de lijst.")},
    )

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = [c for c in ProceedingKind.choices if c[0] in kinds]


class NonPunishmentForm(_Form):
    step = forms.ChoiceField(
        label=_("Wat legt u vast?"),
        choices=NonPunishmentStep.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Kies wat u vastlegt."),
            "invalid_choice": _("Kies een stap uit de lijst."),
        },
    )
    date = _date_field()
    offence = forms.ChoiceField(
        label=_("Strafbaar feit van het slachtoffer"),
        choices=_blank(Offence.choices, _("— kies een strafbaar feit —")),
        error_messages={
            "required": _("Kies het strafbare feit."),
            "invalid_choice": _("Kies een strafbaar feit uit de lijst."),
        },
    )
    assessment = forms.ChoiceField(
        label=_("Uitkomst van de toets (bij een toets)"),
        choices=_blank(Assessment.choices, _("— geen toets —")),
        required=False,
    )
    outcome = forms.ChoiceField(
        label=_("Afloop (bij de afloop)"),
        choices=_blank(NonPunishmentOutcome.choices, _("— geen afloop —")),
        required=False,
    )


_YES_NO = [("", _("— onbekend —")), ("ja", _("Ja")), ("nee", _("Nee"))]


def _mo_choices(dimension: str, blank: str | None):
    from inbeeld.reference.models import ModusOperandiValue

    rows = [(v.code, v.label) for v in ModusOperandiValue.objects.filter(dimension=dimension)]
    return _blank(rows, blank) if blank else rows


class ModusOperandiForm(_Form):
    """The case's modus operandi (issue 17 item 4). Platforms by category only."""

    location = forms.ChoiceField(
        label=_("Waar vond de uitbuiting plaats?"),
        error_messages={"required": _("Kies waar de uitbuiting plaatsvond.")},
    )
    criminal_subform = forms.ChoiceField(
        label=_("Vorm van criminele uitbuiting"),
        required=False,
        help_text=_("Alleen bij criminele uitbuiting."),
    )
    recruitment_channel = forms.ChoiceField(label=_("Wervingskanaal"), required=False)
    advertisement_found = forms.ChoiceField(
        label=_("Is er een advertentie gevonden?"), choices=_YES_NO, required=False
    )
    platform_category = forms.ChoiceField(
        label=_("Soort platform"),
        required=False,
        help_text=_("Alleen het soort platform, nooit de naam."),
    )
    platform_notified = forms.ChoiceField(
        label=_("Is het platform ingelicht?"), choices=_YES_NO, required=False
    )
    taken_down = forms.ChoiceField(
        label=_("Heeft het platform de advertentie offline gehaald?"),
        choices=_YES_NO,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        none = _("— niet van toepassing of onbekend —")
        self.fields["location"].choices = _mo_choices("location", _("— kies —"))
        self.fields["criminal_subform"].choices = _mo_choices("criminal_subform", none)
        self.fields["recruitment_channel"].choices = _mo_choices("recruitment_channel", none)
        self.fields["platform_category"].choices = _mo_choices("platform_category", none)

    def clean(self):
        data = super().clean()
        for name in ("advertisement_found", "platform_notified", "taken_down"):
            value = data.get(name)
            data[name] = {"ja": True, "nee": False}.get(value)
        return data


class SafetyFactForm(_Form):
    """One safety fact of the case or one time the victim told the story (issue 17 item 5)."""

    kind = forms.ChoiceField(
        label=_("Wat is er gebeurd?"),
        choices=SafetyFactKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Kies wat er is gebeurd."),
            "invalid_choice": _("Kies wat er is gebeurd."),
        },
    )
    date = _date_field()
