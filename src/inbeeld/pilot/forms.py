"""Forms of the pilot pages on a case: parse and validate input, Dutch messages; the services
(delivery_record, measure_record) do the writing and the remaining checks."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inbeeld.cases.forms import DateInput
from inbeeld.forms_safe import SafeModelChoiceField
from inbeeld.pilot.models import Instrument, Intervention, Moment

DATE_ERRORS = {
    "required": _("Vul een datum in."),
    "invalid": _("Vul een geldige datum in (jjjj-mm-dd)."),
}
FIDELITY_PREFIX = "fidelity_"
ITEM_PREFIX = "item_"

YES, NO = "ja", "nee"
SCALE_CHOICES = [
    ("1", _("1 – helemaal niet mee eens")),
    ("2", _("2 – niet mee eens")),
    ("3", _("3 – neutraal")),
    ("4", _("4 – mee eens")),
    ("5", _("5 – helemaal mee eens")),
    ("", _("geen antwoord")),
]


class DeliveryForm(forms.Form):
    """Which intervention reached the case, when, and how (fidelity) — or why not.

    The checklist of every offered intervention is rendered (no script needed); only the chosen
    intervention's items count: ``fidelity()`` reads that one group and ignores the others.
    """

    intervention = forms.ChoiceField(
        label=_("Interventie"),
        error_messages={
            "required": _("Kies een interventie."),
            "invalid_choice": _("Deze interventie kunt u hier niet vastleggen."),
        },
    )
    date = forms.DateField(label=_("Datum"), widget=DateInput(), error_messages=DATE_ERRORS)
    delivered = forms.ChoiceField(
        label=_("Uitgevoerd"),
        choices=[(YES, _("Ja, uitgevoerd")), (NO, _("Nee, niet uitgevoerd"))],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Geef aan of de interventie is uitgevoerd."),
            "invalid_choice": _("Kies 'ja' of 'nee'."),
        },
    )
    reason_not_delivered = forms.CharField(
        label=_("Reden niet uitgevoerd"),
        required=False,
        max_length=300,
        help_text=_(
            "Alleen bij 'Nee, niet uitgevoerd'. Kort en zonder namen: onderzoekers lezen geen "
            "vrije tekst."
        ),
        error_messages={"max_length": _("Gebruik ten hoogste %(limit_value)d tekens.")},
    )

    def __init__(
        self, *args, interventions: list[Intervention] = (), eligible_ids=frozenset(), **kwargs
    ):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.interventions = {i.code: i for i in interventions}
        eligible = [(i.code, i.label) for i in interventions if i.pk in eligible_ids]
        others = [(i.code, i.label) for i in interventions if i.pk not in eligible_ids]
        if eligible and others:
            choices = [
                (_("Actief voor deze casus op de indexdatum"), eligible),
                (_("Andere interventies"), others),
            ]
        else:
            choices = eligible or others
        # Required choices start empty (issue 14): one click on "Vastleggen" stores nothing, not
        # even with a single intervention on offer or for "uitgevoerd".
        self.fields["intervention"].choices = [("", _("Kies een interventie")), *choices]
        for intervention in interventions:
            self.fields[FIDELITY_PREFIX + intervention.code] = forms.MultipleChoiceField(
                label=_("Controlepunten %(intervention)s") % {"intervention": intervention.label},
                required=False,
                choices=[(item.code, item.label) for item in intervention.fidelity_items.all()],
                widget=forms.CheckboxSelectMultiple,
                error_messages={"invalid_choice": _("Onbekend controlepunt: %(value)s.")},
            )
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())

    @classmethod
    def initial_from(cls, delivery) -> dict:
        """The form's values for a correction of ``delivery`` (the reason stays encrypted: it
        is typed again when the correction keeps 'niet uitgevoerd')."""
        checked = [code for code, met in delivery.fidelity.items() if met]
        return {
            "intervention": delivery.intervention.code,
            "date": delivery.date,
            "delivered": YES if delivery.delivered else NO,
            FIDELITY_PREFIX + delivery.intervention.code: checked,
        }

    def clean(self):
        # The service checks this too (it is the authority); here so that every mistake shows
        # at once, also when another field is wrong.
        data = super().clean()
        reason = (data.get("reason_not_delivered") or "").strip()
        if data.get("delivered") == NO and not reason:
            self.add_error(
                "reason_not_delivered", _("Geef aan waarom de interventie niet is uitgevoerd.")
            )
        if data.get("delivered") == YES and reason:
            self.add_error(
                "reason_not_delivered",
                _("Een reden hoort alleen bij een interventie die niet is uitgevoerd."),
            )
        return data

    def main_fields(self):
        return [f for f in self.visible_fields() if not f.name.startswith(FIDELITY_PREFIX)]

    def fidelity_fields(self):
        return [f for f in self.visible_fields() if f.name.startswith(FIDELITY_PREFIX)]

    def chosen_intervention(self) -> Intervention:
        return self.interventions[self.cleaned_data["intervention"]]

    def is_delivered(self) -> bool:
        return self.cleaned_data["delivered"] == YES

    def fidelity(self) -> dict[str, bool]:
        """The checklist of the chosen intervention: every item, checked or not."""
        intervention = self.chosen_intervention()
        checked = set(self.cleaned_data.get(FIDELITY_PREFIX + intervention.code) or ())
        return {item.code: item.code in checked for item in intervention.fidelity_items.all()}


class MeasureForm(forms.Form):
    """The victim's answers on one questionnaire at one moment; every item may stay empty."""

    instrument = SafeModelChoiceField(
        queryset=Instrument.objects.all(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Kies een vragenlijst."),
            "invalid_choice": _("Deze vragenlijst bestaat niet."),
        },
    )
    moment = forms.ChoiceField(
        label=_("Moment"),
        choices=[("", _("Kies een moment")), *Moment.choices],
        error_messages={
            "required": _("Kies het moment van de meting."),
            "invalid_choice": _("Kies een moment uit de lijst."),
        },
    )
    date = forms.DateField(label=_("Datum"), widget=DateInput(), error_messages=DATE_ERRORS)

    def __init__(self, *args, instrument: Instrument, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.initial["instrument"] = instrument.pk
        for item in instrument.items:
            self.fields[ITEM_PREFIX + item["code"]] = forms.TypedChoiceField(
                label=item["label"],
                required=False,
                choices=SCALE_CHOICES,
                coerce=int,
                empty_value=None,
                initial="",
                widget=forms.RadioSelect(attrs={"class": "scale"}),
                error_messages={
                    "invalid_choice": _("Kies een antwoord van 1 tot en met 5, of 'geen antwoord'.")
                },
            )
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())

    def clean_instrument(self):
        instrument = self.cleaned_data["instrument"]
        if instrument.pk != self.instrument.pk:
            raise forms.ValidationError(_("De vragenlijst is gewijzigd; vul de vragen opnieuw in."))
        return instrument

    def main_fields(self):
        return [f for f in self.visible_fields() if not f.name.startswith(ITEM_PREFIX)]

    def item_fields(self):
        return [f for f in self.visible_fields() if f.name.startswith(ITEM_PREFIX)]

    def answers(self) -> dict[str, int | None]:
        return {
            item["code"]: self.cleaned_data.get(ITEM_PREFIX + item["code"])
            for item in self.instrument.items
        }


class InstrumentChoiceForm(forms.Form):
    """A GET form to switch questionnaire (shown only when there is more than one)."""

    vragenlijst = SafeModelChoiceField(
        label=_("Vragenlijst"), queryset=Instrument.objects.none(), empty_label=None
    )

    def __init__(self, *args, instruments: list[Instrument], **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["vragenlijst"].queryset = Instrument.objects.filter(
            pk__in=[i.pk for i in instruments]
        ).order_by("code", "-version")
