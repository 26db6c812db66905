"""Forms: parse and validate input; every message is Dutch; services do the writing."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inbeeld.cases.models import (
    MINOR_AGE_BANDS,
    AgeBand,
    ConsentRecord,
    DatePrecision,
    Gender,
    LinkageKey,
    NationalityGroup,
    WithdrawalReason,
)
from inbeeld.cases.selectors import (
    CASE_LIST_EXTENSIONS,
    SORTS,
    WORK_FILTERS,
    CaseFilters,
    units_visible_to,
)
from inbeeld.cases.services import MAX_NOTE_LENGTH
from inbeeld.cases.work_counts import TODO_CHOICES
from inbeeld.cases.workflow import Status
from inbeeld.forms_safe import SafeIntegerField, SafeModelChoiceField, SafeModelMultipleChoiceField
from inbeeld.reference.models import ChainEventOutcome, ChainEventType, ExploitationForm, PoliceUnit


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Fase"), required=False, choices=[("", _("Alle fasen")), *Status.choices]
    )
    form = SafeModelChoiceField(
        label=_("Uitbuitingsvorm"),
        required=False,
        queryset=ExploitationForm.objects.all(),
        to_field_name="code",
        empty_label=_("Alle vormen"),
    )
    minor = forms.TypedChoiceField(
        label=_("Minderjarig"),
        required=False,
        choices=[("", _("Alle leeftijden")), ("ja", _("Minderjarig")), ("nee", _("Meerderjarig"))],
    )
    intake_from = forms.DateField(label=_("Instroom vanaf"), required=False, widget=DateInput())
    intake_to = forms.DateField(label=_("Instroom tot en met"), required=False, widget=DateInput())
    reached_by = SafeModelChoiceField(
        label=_("Bereikt door interventie"),
        required=False,
        queryset=None,  # the pilot's interventions, registered by the pilot (__init__)
        to_field_name="code",
        empty_label=_("Alle casussen"),
    )
    unit = SafeModelChoiceField(
        label=_("Eenheid"),
        required=False,
        queryset=PoliceUnit.objects.all(),
        to_field_name="code",
        empty_label=_("Alle eenheden"),
    )
    work = forms.ChoiceField(
        label=_("Behandelaar"),
        required=False,
        choices=[("", _("Alle casussen")), *WORK_FILTERS],
    )
    todo = forms.ChoiceField(
        label=_("Te doen"), required=False, choices=[("", _("Alles")), *TODO_CHOICES]
    )
    sort = forms.ChoiceField(
        label=_("Sorteren"),
        required=False,
        choices=[
            ("-intake_date", _("Instroom, nieuwste eerst")),
            ("intake_date", _("Instroom, oudste eerst")),
            ("code", _("Casuscode")),
            ("status", _("Fase")),
        ],
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reached_by"].queryset = CASE_LIST_EXTENSIONS["reached_by"].choices()
        if user is not None:
            # Only the units whose cases this user can see (issue 14 item 7).
            self.fields["unit"].queryset = units_visible_to(user)

    def clean(self):
        data = super().clean()
        start, end = data.get("intake_from"), data.get("intake_to")
        if start and end and start > end:
            self.add_error("intake_to", _("De einddatum ligt vóór de begindatum."))
        return data

    def filters(self) -> CaseFilters:
        data = self.cleaned_data if self.is_valid() else {}
        minor = {"ja": True, "nee": False}.get(data.get("minor") or "")
        sort = data.get("sort") or "-intake_date"
        return CaseFilters(
            status=data.get("status") or "",
            exploitation_form=data["form"].code if data.get("form") else "",
            minor=minor,
            intake_from=data.get("intake_from"),
            intake_to=data.get("intake_to"),
            police_unit=data["unit"].code if data.get("unit") else "",
            reached_by=data["reached_by"].code if data.get("reached_by") else "",
            sort=sort if sort in SORTS else "-intake_date",
            work=data.get("work") or "",
            todo=data.get("todo") or "",
        )


def required_choice(label, choices, *, prompt, missing) -> forms.ChoiceField:
    """A required choice that starts empty: the first option is ``prompt`` (no value), so
    nothing is stored unless the user chose (issue 14: no silent defaults that store data);
    left empty it says ``missing``."""
    return forms.ChoiceField(
        label=label,
        choices=[("", prompt), *choices],
        error_messages={"required": missing},
    )


class CaseForm(forms.Form):
    police_unit = SafeModelChoiceField(
        label=_("Eenheid"),
        queryset=PoliceUnit.objects.none(),
        empty_label=_("Kies een eenheid"),
        error_messages={"required": _("Kies de eenheid van de casus.")},
    )
    exploitation_forms = SafeModelMultipleChoiceField(
        label=_("Uitbuitingsvorm(en)"),
        queryset=ExploitationForm.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Kies ten minste één uitbuitingsvorm.")},
    )
    age_band = required_choice(
        _("Leeftijdscategorie"),
        AgeBand.choices,
        prompt=_("Kies een leeftijdscategorie"),
        missing=_("Kies een leeftijdscategorie (of 'onbekend')."),
    )
    minor_at_intake = forms.BooleanField(label=_("Minderjarig bij instroom"), required=False)
    gender = required_choice(
        _("Gender"),
        Gender.choices,
        prompt=_("Kies een gender"),
        missing=_("Kies een gender (of 'onbekend')."),
    )
    nationality_group = required_choice(
        _("Nationaliteit"),
        NationalityGroup.choices,
        prompt=_("Kies een nationaliteit"),
        missing=_("Kies een nationaliteit (of 'onbekend')."),
    )
    intake_date = forms.DateField(
        label=_("Datum instroom"),
        widget=DateInput(),
        error_messages={"invalid": _("Vul een geldige datum in (jjjj-mm-dd).")},
    )

    def __init__(self, *args, units=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["police_unit"].queryset = (
            units if units is not None else PoliceUnit.objects.none()
        )
        if units is not None and len(units) == 1:
            # The only unit one may register in is no silent choice: offer just that one.
            self.fields["police_unit"].empty_label = None
        if not self.is_bound:
            self.initial.setdefault("intake_date", timezone.localdate())

    def clean(self):
        data = super().clean()
        band, minor = data.get("age_band"), data.get("minor_at_intake")
        if band in MINOR_AGE_BANDS and not minor:
            self.add_error(
                "minor_at_intake",
                _("Deze leeftijdscategorie is minderjarig: vink 'minderjarig bij instroom' aan."),
            )
        if band and band not in MINOR_AGE_BANDS and band != AgeBand.UNKNOWN and minor:
            self.add_error(
                "minor_at_intake",
                _(
                    "Deze leeftijdscategorie is meerderjarig: 'minderjarig bij instroom' klopt niet."
                ),
            )
        return data


class EventForm(forms.Form):
    event_type = SafeModelChoiceField(
        label=_("Gebeurtenis"),
        queryset=ChainEventType.objects.none(),
        to_field_name="code",
        empty_label=_("Kies een gebeurtenis"),
        error_messages={
            "required": _("Kies welke gebeurtenis u vastlegt."),
            "invalid_choice": _("Deze gebeurtenis kunt u hier niet kiezen."),
        },
    )
    outcome = forms.ChoiceField(label=_("Uitkomst of reden"), required=False, choices=())
    event_date = forms.DateField(
        label=_("Datum"),
        widget=DateInput(),
        error_messages={
            "required": _("Vul de datum van de gebeurtenis in."),
            "invalid": _("Vul een geldige datum in (jjjj-mm-dd)."),
        },
    )
    date_precision = forms.ChoiceField(
        label=_("Nauwkeurigheid van de datum"),
        choices=DatePrecision.choices,
        initial=DatePrecision.DAY,
    )
    note = forms.CharField(
        label=_("Notitie (versleuteld opgeslagen)"),
        required=False,
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    version = SafeIntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _(
                "Dit formulier is niet volledig meegekomen. Open het opnieuw vanaf de casus."
            )
        },
    )

    def __init__(self, *args, event_codes=(), allow_note=True, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        types = ChainEventType.objects.filter(code__in=event_codes).order_by("order")
        self.fields["event_type"].queryset = types
        outcomes = ChainEventOutcome.objects.filter(event_type__in=types).select_related(
            "event_type"
        )
        grouped: dict[str, list[tuple[str, str]]] = {}
        for outcome in outcomes:
            grouped.setdefault(outcome.event_type.label, []).append((outcome.code, outcome.label))
        self.fields["outcome"].choices = [("", _("— geen —")), *grouped.items()]
        if not allow_note:
            del self.fields["note"]

    def clean(self):
        data = super().clean()
        event_type = data.get("event_type")
        outcome = data.get("outcome") or ""
        if event_type is None:
            return data
        valid = set(event_type.outcomes.values_list("code", flat=True))
        if outcome and outcome not in valid:
            self.add_error(
                "outcome",
                _("'%(outcome)s' past niet bij '%(event)s'.")
                % {"outcome": outcome, "event": event_type.label},
            )
        if event_type.outcome_required and not outcome:
            self.add_error(
                "outcome",
                _("Kies een uitkomst of reden bij '%(event)s'.") % {"event": event_type.label},
            )
        return data


class WithdrawalForm(forms.Form):
    """Why an entry is withdrawn (a chain event, a pilot delivery): a required choice, no
    default; the optimistic-locking version of the case."""

    reason = forms.ChoiceField(
        label=_("Reden van intrekken"),
        choices=WithdrawalReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Kies waarom u dit intrekt."),
            "invalid_choice": _("Kies een reden uit de lijst."),
        },
    )
    version = SafeIntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class BreakGlassForm(forms.Form):
    code = forms.CharField(
        label=_("Casuscode"),
        max_length=20,
        help_text=_("Bijvoorbeeld IB-7K3Q-9XWD."),
        error_messages={"required": _("Vul de code in van de casus die u nodig heeft.")},
    )
    reason = forms.CharField(
        label=_("Reden voor noodtoegang"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_(
            "Deze reden wordt vastgelegd en beoordeeld door de functionaris gegevensbescherming."
        ),
        error_messages={"required": _("Schrijf op waarom u deze casus nu nodig heeft.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class LinkageKeyForm(forms.Form):
    source = forms.ChoiceField(label=_("Bron"), choices=LinkageKey.Source.choices)
    identifier_type = forms.ChoiceField(
        label=_("Soort kenmerk"), choices=LinkageKey.IdentifierType.choices
    )
    identifier = forms.CharField(
        label=_("Kenmerk"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "Wordt niet opgeslagen: InBeeld bewaart alleen een versleutelde "
            "koppelsleutel (HMAC), zodat dezelfde persoon bij twee bronnen herkend kan "
            "worden."
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Toestemming"), choices=ConsentRecord.Kind.choices, widget=forms.RadioSelect
    )
    scope = forms.ChoiceField(
        label=_("Waarvoor"),
        required=False,
        choices=[("", _("— alleen bij toestemming —")), *ConsentRecord.Scope.choices],
    )
    date = forms.DateField(
        label=_("Datum"),
        widget=DateInput(),
        error_messages={"invalid": _("Vul een geldige datum in (jjjj-mm-dd).")},
    )
    version = SafeIntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())
