"""Forms of the deployment pages: parse and validate input; every message is Dutch.

The rules of a deployment (for example: the end does not lie before the start) live in
``pilot.services.deployment_save``; the view puts the service's messages on this form.
"""

from __future__ import annotations

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from inbeeld.cases.forms import DateInput
from inbeeld.forms_safe import SafeModelChoiceField, SafeModelMultipleChoiceField
from inbeeld.pilot.models import Deployment, Intervention, Phase
from inbeeld.reference.models import PoliceUnit

# The largest version a form accepts: a larger posted number would overflow the database integer.
MAX_VERSION = 2**31 - 1
STALE_PAGE = _(
    "Deze pagina is onvolledig of verouderd. Open de inzet opnieuw via 'Inzet beheren' en voer "
    "uw wijziging opnieuw in."
)


class DeploymentForm(forms.Form):
    intervention = SafeModelChoiceField(
        label=_("Interventie"),
        queryset=Intervention.objects.order_by("order"),
        empty_label=_("Kies een interventie"),
        error_messages={"required": _("Kies een interventie.")},
    )
    phase = SafeModelChoiceField(
        label=_("Fase"),
        queryset=Phase.objects.order_by("start"),
        empty_label=_("Kies een fase"),
        error_messages={"required": _("Kies een fase.")},
    )
    police_units = SafeModelMultipleChoiceField(
        label=_("Politie-eenheden"),
        queryset=PoliceUnit.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Laat leeg als de regio's nog niet bekend zijn."),
    )
    start = forms.DateField(
        label=_("Begin"),
        widget=DateInput(),
        error_messages={"required": _("Vul de begindatum in.")},
    )
    end = forms.DateField(
        label=_("Einde"),
        required=False,
        widget=DateInput(),
        help_text=_("Laat leeg als de inzet doorloopt. De einddatum telt mee."),
    )
    partners = forms.CharField(
        label=_("Partners"),
        required=False,
        max_length=300,
        help_text=_("Bijvoorbeeld: Politie, recherchepsycholoog."),
    )
    regions_assumed = forms.BooleanField(
        label=_("De regio's zijn aangenomen"),
        required=False,
        help_text=_("Aanvinken als de bron de regio's niet noemt en deze keuze een aanname is."),
    )
    note = forms.CharField(
        label=_("Toelichting"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Alleen zichtbaar voor wie de inzet beheert; versleuteld opgeslagen."),
    )

    def __init__(self, *args, deployment: Deployment | None = None, **kwargs):
        self.deployment = deployment
        if deployment is not None and deployment.pk:
            kwargs.setdefault(
                "initial",
                {
                    "intervention": deployment.intervention_id,
                    "phase": deployment.phase_id,
                    "police_units": [u.pk for u in deployment.police_units.all()],
                    "start": deployment.start,
                    "end": deployment.end,
                    "partners": deployment.partners,
                    "regions_assumed": deployment.regions_assumed,
                    "note": deployment.note,
                    "version": deployment.version,
                },
            )
        super().__init__(*args, **kwargs)
        if deployment is not None and deployment.pk:
            # The version this page was read at: the service refuses the save when someone else
            # changed the deployment in between (optimistic locking, as for cases).
            self.fields["version"] = forms.IntegerField(
                widget=forms.HiddenInput,
                min_value=1,
                max_value=MAX_VERSION,
                error_messages={
                    key: STALE_PAGE for key in ("required", "invalid", "min_value", "max_value")
                },
            )
            # An existing deployment keeps its intervention and phase (another intervention or
            # phase is a new deployment); what changes is where, when and with whom.
            for name in ("intervention", "phase"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "Vast voor een bestaande inzet; maak een nieuwe inzet voor een andere "
                    "interventie of fase."
                )

    def conflict_rows(self, current: Deployment) -> list[tuple[str, str, str]]:
        """(label, stored now, what this form asked) for every field where the writer's unsaved
        input differs from the stored deployment: shown when the save lost a version race."""
        data = self.cleaned_data

        def units(values) -> str:
            names = sorted(u.name for u in values)
            return ", ".join(names) if names else str(_("geen"))

        def day(value) -> str:
            return date_format(value, "j F Y") if value else str(_("loopt door"))

        def yes_no(value: bool) -> str:
            return str(_("ja") if value else _("nee"))

        pairs = [
            ("police_units", units(current.police_units.all()), units(data["police_units"])),
            ("start", day(current.start), day(data["start"])),
            ("end", day(current.end), day(data["end"])),
            ("partners", current.partners or "–", data["partners"].strip() or "–"),
            (
                "regions_assumed",
                yes_no(current.regions_assumed),
                yes_no(data["regions_assumed"]),
            ),
            ("note", current.note or "–", data["note"].strip() or "–"),
        ]
        return [
            (str(self.fields[name].label), now, asked) for name, now, asked in pairs if now != asked
        ]
