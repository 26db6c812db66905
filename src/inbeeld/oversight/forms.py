import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from inbeeld.audit.models import AuditAction
from inbeeld.cases.models import BreakGlassGrant
from inbeeld.oversight.selectors import AuditFilters


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


# The search accepts dates within these bounds; outside them, date arithmetic in the query would
# overflow (?date_to=9999-12-31 answered 500 before issue 11).
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


class AuditSearchForm(forms.Form):
    username = forms.CharField(label=_("Gebruikersnaam"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Handeling"),
        required=False,
        choices=[("", _("Alle handelingen")), *AuditAction.choices],
    )
    case_code = forms.CharField(label=_("Casuscode"), required=False, max_length=20)
    date_from = forms.DateField(label=_("Vanaf"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Tot en met"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def _bounded(self, name: str) -> dt.date | None:
        value = self.cleaned_data.get(name)
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise forms.ValidationError(
                _("Kies een datum tussen %(first)s en %(last)s.")
                % {"first": f"{EARLIEST_DATE:%d-%m-%Y}", "last": f"{LATEST_DATE:%d-%m-%Y}"}
            )
        return value

    def clean_date_from(self):
        return self._bounded("date_from")

    def clean_date_to(self):
        return self._bounded("date_to")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("De einddatum ligt vóór de begindatum."))
        return data

    def filters(self) -> AuditFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return AuditFilters(
            username=data.get("username", ""),
            action=data.get("action", ""),
            case_code=data.get("case_code", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


class BreakGlassReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Oordeel"),
        choices=[
            (BreakGlassGrant.Review.JUSTIFIED, _("Gerechtvaardigd")),
            (BreakGlassGrant.Review.UNJUSTIFIED, _("Niet gerechtvaardigd")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Toelichting"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
