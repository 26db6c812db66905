"""Forms of the intake pages. Views validate with these; the services act (and check again)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from inbeeld.cases.models import AgeBand, Gender, NationalityGroup
from inbeeld.cases.selectors import WORK_FILTERS
from inbeeld.forms_safe import SafeIntegerField, SafeModelChoiceField, SafeModelMultipleChoiceField
from inbeeld.intake import receipts
from inbeeld.intake.models import SignallerType, Urgency
from inbeeld.intake.services import Contact
from inbeeld.intake.workflow import (
    MESSAGE_REQUIRED,
    NoActionReason,
    SignalStatus,
    allowed_targets,
)
from inbeeld.reference.models import ExploitationForm, Indicator, PoliceUnit

# The age question a signaller can answer: the bands of a case (minors first, as schools report
# mostly about pupils).
AGE_CHOICES = [(band.value, band.label) for band in AgeBand]
ORGANISATION_TYPE_TO_SIGNALLER = {
    "school": SignallerType.SCHOOL,
    "sports_club": SignallerType.SPORTS_CLUB,
    "care": SignallerType.CARE,
    "neighbourhood_team": SignallerType.NEIGHBOURHOOD_TEAM,
}


# The areas each regional unit covers (DOMAIN §2), so a signaller who does not know the police's
# map can still find the region: "Noord-Holland (Noord-Holland-Noord, Zaanstreek-Waterland, ...)".
UNIT_AREAS = {
    "noord-nederland": "Groningen, Friesland, Drenthe",
    "oost-nederland": "Overijssel, Gelderland",
    "midden-nederland": "Utrecht, Gooi en Vechtstreek, Flevoland",
    "noord-holland": "Noord-Holland-Noord, Zaanstreek-Waterland, Kennemerland",
    "amsterdam": "Amsterdam, Amstelland",
    "den-haag": "Haaglanden, Hollands Midden",
    "rotterdam": "Rotterdam-Rijnmond, Zuid-Holland-Zuid",
    "zeeland-west-brabant": "Zeeland, West-Brabant",
    "oost-brabant": "Brabant-Noord, Zuidoost-Brabant",
    "limburg": "Limburg",
}


SIGNALLER_CHOICES = [
    (SignallerType.PRIVATE, _("Als privépersoon (bijvoorbeeld ouder, familielid, buur of vriend)")),
    *[(value, label) for value, label in SignallerType.choices if value != SignallerType.PRIVATE],
]


def regional_units():
    return PoliceUnit.objects.filter(kind=PoliceUnit.Kind.REGIONAL).order_by("order", "name")


class UnitChoiceField(SafeModelChoiceField):
    def label_from_instance(self, obj) -> str:
        areas = UNIT_AREAS.get(obj.code)
        return f"{obj.name} ({areas})" if areas else obj.name


class SignalForm(forms.Form):
    """What was noticed, about whom, where, how urgent, and how to reach the signaller.

    ``channel`` decides which questions are asked: a logged-in signaller's organisation answers the
    signaller type (and proposes the unit); a one-time link fixes the unit; the anonymous channels
    get a honeypot field that people never see.
    """

    # A private person (a parent, a neighbour) is not asked for an organisation: "Wie bent u?"
    # offers that first, and the organisation contact field is hidden (CSS) and ignored for them.
    signaller_type = forms.ChoiceField(
        label=_("Meldt u als privépersoon of vanuit uw werk?"),
        choices=SIGNALLER_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Kies of u als privépersoon meldt of vanuit welke organisatie.")
        },
    )
    urgency = forms.ChoiceField(
        label=_("Is er nu acuut gevaar?"),
        choices=[
            (Urgency.ACUTE, _("Ja, er is nu acuut gevaar")),
            (Urgency.NORMAL, _("Nee, geen acuut gevaar")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Geef aan of er nu acuut gevaar is.")},
    )
    indicators = forms.MultipleChoiceField(
        label=_("Wat is u opgevallen?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Kies signalen uit de lijst.")},
    )
    description = forms.CharField(
        label=_("In uw eigen woorden (niet verplicht)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Wat zag of hoorde u, wanneer, en hoe vaak? Schrijf alleen op wat u zelf weet; u "
            "hoeft niets uit te zoeken."
        ),
    )
    age_band = forms.ChoiceField(
        label=_("Leeftijd (schatting is goed)"),
        choices=[("", _("— kies —")), *AGE_CHOICES],
        error_messages={"required": _("Kies een leeftijd, of 'onbekend'.")},
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=[("", _("— kies —")), *Gender.choices],
        error_messages={"required": _("Kies een gender, of 'onbekend'.")},
    )
    subject_name = forms.CharField(
        label=_("Naam van de persoon (niet verplicht)"),
        required=False,
        max_length=150,
        help_text=_(
            "Alleen de veiligheidscoördinator ziet deze naam; hij wordt versleuteld bewaard."
        ),
    )
    police_unit = UnitChoiceField(
        label=_("In welke regio speelt het?"),
        queryset=PoliceUnit.objects.none(),
        empty_label=_("— kies een politie-eenheid —"),
        error_messages={"required": _("Kies de regio (politie-eenheid) waar het speelt.")},
        help_text=_("Het signaal gaat naar de veiligheidscoördinatoren van deze regio."),
    )
    municipality = forms.CharField(
        label=_("Gemeente of plaats (niet verplicht)"), required=False, max_length=80
    )
    contact_name = forms.CharField(label=_("Uw naam"), required=False, max_length=200)
    contact_organisation = forms.CharField(
        label=_("Uw organisatie"),
        required=False,
        max_length=200,
        help_text=_("Alleen als u vanuit uw werk meldt."),
    )
    contact_phone = forms.CharField(label=_("Telefoonnummer"), required=False, max_length=200)
    contact_email = forms.EmailField(
        label=_("E-mailadres"),
        required=False,
        max_length=200,
        error_messages={"invalid": _("Vul een geldig e-mailadres in.")},
    )
    # The reporter's own second factor, for when their receipt code is blocked (receipts.py).
    recovery_question = forms.ChoiceField(
        label=_("Eigen vraag (niet verplicht)"),
        required=False,
        choices=[("", _("— geen eigen vraag —")), *receipts.RecoveryQuestion.choices],
        error_messages={"invalid_choice": _("Kies een vraag uit de lijst.")},
        help_text=_(
            "Als uw ontvangstcode ooit geblokkeerd raakt (bijvoorbeeld omdat op hetzelfde netwerk "
            "vaak een verkeerde code is ingevuld), kunt u met uw code en dit antwoord toch verder."
        ),
    )
    recovery_answer = forms.CharField(
        label=_("Uw antwoord (niet verplicht)"),
        required=False,
        max_length=receipts.MAX_ANSWER,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Wij bewaren alleen een onleesbare controlewaarde, nooit het antwoord zelf."),
        error_messages={"max_length": _("Uw antwoord is te lang (maximaal 100 tekens).")},
    )
    # Honeypot: hidden from people (CSS and aria-hidden); a bot that fills it stores nothing.
    website = forms.CharField(label=_("Laat dit veld leeg"), required=False)
    # The one-time form token (receipts.submission_token_new): one form, one signal.
    submission_token = forms.CharField(required=False, widget=forms.HiddenInput, max_length=200)

    def __init__(self, *args, channel: str, catalogue_version, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        self.catalogue_version = catalogue_version
        self.items = list(
            Indicator.objects.filter(category__catalogue_version=catalogue_version)
            .select_related("category", "category__form")
            .order_by("category__order", "order")
        )
        self.fields["indicators"].choices = [(str(i.pk), i.label) for i in self.items]
        self.fields["police_unit"].queryset = regional_units()
        if channel == "account":
            del self.fields["signaller_type"]
            del self.fields["website"]
            del self.fields["recovery_question"]
            del self.fields["recovery_answer"]
            del self.fields["submission_token"]
            self.organisation = organisation
            if organisation is not None and organisation.police_unit_id:
                self.fields["police_unit"].initial = organisation.police_unit_id
                self.fields["contact_organisation"].initial = organisation.name
        elif channel == "link":
            del self.fields["police_unit"]
        for name in ("subject_name", "municipality", "contact_name", "contact_phone"):
            self.fields[name].widget.attrs["autocomplete"] = "off"

    def indicator_groups(self):
        """The catalogue, grouped by category, with the checked state for re-rendering."""
        chosen = set(self["indicators"].value() or [])
        groups: dict = {}
        for item in self.items:
            groups.setdefault(item.category, []).append((item, str(item.pk) in chosen))
        return list(groups.items())

    def is_spam(self) -> bool:
        return bool(self.data.get("website"))

    def chosen_indicators(self) -> list[Indicator]:
        wanted = {int(pk) for pk in self.cleaned_data.get("indicators", [])}
        return [i for i in self.items if i.pk in wanted]

    def chosen_signaller_type(self) -> str:
        if "signaller_type" in self.fields:
            return self.cleaned_data["signaller_type"]
        org_type = getattr(getattr(self, "organisation", None), "type", "")
        return ORGANISATION_TYPE_TO_SIGNALLER.get(org_type, SignallerType.OTHER)

    def is_private_person(self) -> bool:
        return (self.cleaned_data.get("signaller_type") or "") == SignallerType.PRIVATE

    def contact(self) -> Contact:
        data = self.cleaned_data
        # A private person has no organisation: whatever the hidden field holds is dropped.
        organisation = "" if self.is_private_person() else data.get("contact_organisation", "")
        return Contact(
            name=data.get("contact_name", "").strip(),
            organisation=organisation.strip(),
            phone=data.get("contact_phone", "").strip(),
            email=data.get("contact_email", "").strip(),
        )

    def clean(self):
        data = super().clean()
        if not data.get("indicators") and not (data.get("description") or "").strip():
            self.add_error(
                "indicators",
                _("Kies ten minste één signaal of beschrijf in eigen woorden wat u opviel."),
            )
        if "recovery_answer" in self.fields:
            question = data.get("recovery_question") or ""
            answer = (data.get("recovery_answer") or "").strip()
            if question and not answer:
                self.add_error("recovery_answer", _("Vul uw antwoord op de gekozen vraag in."))
            elif answer and not question and "recovery_question" not in self.errors:
                self.add_error("recovery_question", _("Kies bij welke vraag uw antwoord hoort."))
            elif answer and len(answer) < receipts.MIN_ANSWER:
                self.add_error(
                    "recovery_answer", _("Gebruik voor uw antwoord ten minste 2 tekens.")
                )
        return data

    def recovery(self) -> tuple[str, str]:
        """(question, answer) the reporter chose, or two empty strings."""
        return (
            self.cleaned_data.get("recovery_question") or "",
            (self.cleaned_data.get("recovery_answer") or "").strip(),
        )


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Open (ontvangen of in triage)")),
            ("all", _("Alle")),
            ("answered", _("Antwoord ontvangen (elke status)")),
            *SignalStatus.choices,
        ],
    )
    urgency = forms.ChoiceField(
        label=_("Urgentie"), required=False, choices=[("", _("Alle")), *Urgency.choices]
    )
    overdue = forms.BooleanField(label=_("Alleen te laat"), required=False)
    work = forms.ChoiceField(
        label=_("Behandelaar"), required=False, choices=[("", _("Alle signalen")), *WORK_FILTERS]
    )


class TriageForm(forms.Form):
    to_status = forms.ChoiceField(
        label=_("Nieuwe status"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Kies een nieuwe status.")},
    )
    reason = forms.ChoiceField(
        label=_("Reden (bij 'Geen actie')"),
        required=False,
        choices=[("", _("— geen —")), *NoActionReason.choices],
    )
    note = forms.CharField(
        label=_("Interne toelichting (alleen voor veiligheidscoördinatoren)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    message = forms.CharField(
        label=_("Bericht aan de signaalgever (verplicht bij 'Advies gegeven' en 'Geen actie')"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "De signaalgever leest dit bij de status. Kort en zonder gegevens over de persoon of "
            "een casus."
        ),
    )
    version = SafeIntegerField(widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        target = data.get("to_status")
        if target == SignalStatus.NO_ACTION and not data.get("reason"):
            self.add_error("reason", _("Kies waarom er geen actie volgt."))
        if target in MESSAGE_REQUIRED and not (data.get("message") or "").strip():
            self.add_error(
                "message",
                _(
                    "Schrijf een bericht aan de signaalgever: bij '%(status)s' moet de "
                    "signaalgever weten wat er nu gebeurt."
                )
                % {"status": SignalStatus(target).label},
            )
        return data

    def __init__(self, *args, current_status: str, **kwargs):
        super().__init__(*args, **kwargs)
        targets = allowed_targets(current_status)
        self.fields["to_status"].choices = [(t, SignalStatus(t).label) for t in targets]
        self.fields["to_status"].error_messages["invalid_choice"] = _(
            "Deze status kan vanuit de huidige status niet."
        )


class RerouteForm(forms.Form):
    police_unit = SafeModelChoiceField(
        label=_("Naar eenheid"),
        queryset=PoliceUnit.objects.none(),
        empty_label=_("— kies —"),
        error_messages={"required": _("Kies de eenheid waar het signaal heen moet.")},
    )
    reason = forms.CharField(
        label=_("Reden"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Geef aan waarom het signaal naar een andere eenheid gaat.")},
    )
    version = SafeIntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, current_unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["police_unit"].queryset = regional_units().exclude(pk=current_unit.pk)


class QuestionForm(forms.Form):
    question = forms.CharField(
        label=_("Vraag aan de signaalgever"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Schrijf uw vraag op.")},
        help_text=_("De signaalgever ziet de vraag bij de status van het signaal."),
    )
    version = SafeIntegerField(widget=forms.HiddenInput)


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Uw antwoord"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Schrijf uw antwoord op.")},
    )


class ConvertForm(forms.Form):
    exploitation_forms = SafeModelMultipleChoiceField(
        label=_("Uitbuitingsvormen"),
        queryset=ExploitationForm.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Kies ten minste één uitbuitingsvorm.")},
    )
    nationality_group = forms.ChoiceField(
        label=_("Nationaliteit"),
        choices=NationalityGroup.choices,
        initial=NationalityGroup.UNKNOWN,
    )
    message = forms.CharField(
        label=_("Bericht aan de signaalgever (niet verplicht)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("De signaalgever ziet alleen dat het signaal is opgepakt, nooit de casus."),
    )
    version = SafeIntegerField(widget=forms.HiddenInput)


class IntakeLinkForm(forms.Form):
    label = forms.CharField(
        label=_("Voor wie is de link? (alleen intern zichtbaar)"),
        max_length=100,
        error_messages={"required": _("Geef aan voor wie de link is.")},
    )
    police_unit = SafeModelChoiceField(
        label=_("Eenheid"), queryset=PoliceUnit.objects.none(), empty_label=None
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["police_unit"].queryset = PoliceUnit.objects.filter(
            pk__in=[u.pk for u in units]
        )


class ReceiptForm(forms.Form):
    code = forms.CharField(
        label=_("Uw ontvangstcode"),
        max_length=30,
        help_text=_("Bijvoorbeeld ABCD-EFGH-JKMN. U kreeg de code na het melden."),
        error_messages={
            "required": _("Vul uw ontvangstcode in."),
            "max_length": _("Een ontvangstcode heeft 12 tekens, bijvoorbeeld ABCD-EFGH-JKMN."),
        },
    )
    recovery_answer = forms.CharField(
        label=_("Antwoord op uw eigen vraag"),
        required=False,
        max_length=receipts.MAX_ANSWER,
        help_text=_(
            "Alleen nodig als de code geblokkeerd is en u bij het melden een eigen vraag koos."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"max_length": _("Uw antwoord is te lang (maximaal 100 tekens).")},
    )

    def clean_code(self):
        code = self.cleaned_data["code"]
        if not receipts.code_is_well_formed(code):
            raise forms.ValidationError(
                _("Een ontvangstcode heeft 12 tekens, bijvoorbeeld ABCD-EFGH-JKMN.")
            )
        return code


class FunnelFilterForm(forms.Form):
    received_from = forms.DateField(
        label=_("Ontvangen vanaf"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Vul een geldige datum in (JJJJ-MM-DD).")},
    )
    received_to = forms.DateField(
        label=_("tot en met"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Vul een geldige datum in (JJJJ-MM-DD).")},
    )

    # Dates far outside any plausible period overflow when turned into a local-midnight range
    # (9999-12-31 + 1 day, or 0001-01-01 in UTC): refuse them here instead of failing with a 500.
    EARLIEST = dt.date(1900, 1, 1)
    LATEST = dt.date(2999, 12, 31)

    def _in_range(self, name: str):
        value = self.cleaned_data.get(name)
        if value is not None and not (self.EARLIEST <= value <= self.LATEST):
            raise forms.ValidationError(_("Kies een datum tussen 1900 en 2999."))
        return value

    def clean_received_from(self):
        return self._in_range("received_from")

    def clean_received_to(self):
        return self._in_range("received_to")

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("De einddatum ligt vóór de begindatum."))
        return data
