from django import forms
from django.utils.translation import gettext_lazy as _

from inbeeld.approvals.services import REASON_MAX_LENGTH

APPROVE, REJECT = "approve", "reject"


class DecisionForm(forms.Form):
    request = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        max_value=2**63 - 1,
        error_messages={"required": _("Kies een verzoek."), "invalid": _("Kies een verzoek.")},
    )
    decision = forms.ChoiceField(
        label=_("Beslissing"),
        choices=[(APPROVE, _("Goedkeuren")), (REJECT, _("Afwijzen"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Kies goedkeuren of afwijzen.")},
    )
    reason = forms.CharField(
        label=_("Toelichting"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Waarom keurt u dit goed of af? Wordt versleuteld bewaard."),
        error_messages={"required": _("Geef een toelichting bij uw beslissing.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
