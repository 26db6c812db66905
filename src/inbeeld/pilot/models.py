"""The pilot (proeftuin) as data: phases, interventions, deployments, deliveries, measures.

Phases, interventions, fidelity items, instruments and the seeded deployments come from
pilot/data/pilot.json (synced after migrate, like the reference data). Deliveries and measures are
recorded per case by the professionals who deliver or ask them. A delivery is never edited: a
correction is a new delivery that supersedes it, a delivery entered by mistake is withdrawn by a
DeliveryWithdrawal row; only effective deliveries (EFFECTIVE_DELIVERY) count anywhere.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inbeeld.cases.models import NoteFamily, Withdrawal, standing
from inbeeld.reference.models import PoliceUnit
from inbeeld.stats import vocabulary as ev


class Phase(models.Model):
    code = models.SlugField(_("code"), max_length=20, unique=True)
    label = models.CharField(_("naam"), max_length=100)
    start = models.DateField(_("begin"))
    end = models.DateField(_("einde"))
    target_victims = models.PositiveIntegerField(_("doel (aantal slachtoffers)"))
    description = models.TextField(_("toelichting"), blank=True)

    class Meta:
        ordering = ["start"]
        verbose_name = _("fase")
        verbose_name_plural = _("fasen")

    def __str__(self) -> str:
        return self.label


# Chain stages at which an intervention acts only after the complaint (the RC hearing, the OM's
# decision, the trial): such an intervention is never judged on the complaint itself.
STAGES_AFTER_COMPLAINT = frozenset(
    {ev.RC_HEARING, ev.PROSECUTION_DECISION, ev.TRIAL_HEARING, ev.VERDICT}
)


class PrimaryOutcome(models.TextChoices):
    COMPLAINT_WITHIN = "complaint_within", _("aangifte binnen de horizon")
    COOPERATION_WITHIN = "cooperation_within", _("medewerking binnen de horizon")
    RETAINED_AFTER_COMPLAINT = (
        "retained_after_complaint",
        _("in het strafproces blijven na de aangifte"),
    )


class PrimaryComparison(models.TextChoices):
    ITT_CONCURRENT = (
        "itt_concurrent",
        _("naar toewijzing met gelijktijdige controlegroep (verschil in aandeel)"),
    )
    STAGGERED_ATT = (
        "staggered_att",
        _("gespreide invoering: groep-tijd-effect (Callaway–Sant'Anna)"),
    )


class Intervention(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("naam"), max_length=100)
    description = models.TextField(_("omschrijving"))
    chain_stage = models.CharField(_("ketenfase waarop het aangrijpt"), max_length=40)
    partner_type = models.CharField(_("verantwoordelijke partner"), max_length=100)
    # The smallest difference in willingness to report (a proportion, 0.10 = 10 percentage points)
    # the pilot wants to be able to show: the cases still needed are planned for it
    # (stats.assurance). Pilot design data (pilot/data/pilot.json); 10 points is the pilot's aim.
    min_important_difference = models.FloatField(
        _("kleinste relevante verschil"),
        default=0.10,
        validators=[MinValueValidator(0.01), MaxValueValidator(0.9)],
    )
    # The primary analysis, fixed in the pilot design before the data are looked at (issue 12
    # item 7; stats.primary): its outcome, comparison (estimand) and horizon; with the MID above
    # it gives the one verdict the pages, the report and `inbeeld evaluate` show first.
    primary_outcome = models.CharField(
        _("primaire uitkomst"),
        max_length=40,
        choices=PrimaryOutcome.choices,
        default=PrimaryOutcome.COMPLAINT_WITHIN,
    )
    primary_comparison = models.CharField(
        _("primaire vergelijking"),
        max_length=40,
        choices=PrimaryComparison.choices,
        default=PrimaryComparison.ITT_CONCURRENT,
    )
    primary_horizon_days = models.PositiveSmallIntegerField(
        _("horizon van de primaire analyse (dagen)"),
        default=180,
        validators=[MinValueValidator(30), MaxValueValidator(730)],
        help_text=_(
            "Voor aangifte of medewerking: dagen na de indexdatum; voor 'in het strafproces "
            "blijven': dagen na de aangifte."
        ),
    )
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("interventie")
        verbose_name_plural = _("interventies")

    def __str__(self) -> str:
        return self.label

    @property
    def acts_after_complaint(self) -> bool:
        return self.chain_stage in STAGES_AFTER_COMPLAINT

    def primary_design(self):
        from inbeeld.stats.primary import PrimaryDesign

        return PrimaryDesign(
            outcome=self.primary_outcome,
            comparison=self.primary_comparison,
            horizon_days=self.primary_horizon_days,
        )

    def clean(self) -> None:
        """Refuse a primary analysis that does not fit the intervention (stats.primary's rules),
        with the reason in Dutch, on the field it concerns."""
        from inbeeld.stats.primary import design_problems

        super().clean()
        if self.primary_horizon_days is None:
            return  # the field's own validation reports it
        errors: dict[str, list] = {}
        for code in design_problems(
            self.primary_design(), after_complaint=self.acts_after_complaint
        ):
            field, message = PRIMARY_DESIGN_MESSAGES.get(
                code, ("primary_outcome", _("Deze primaire analyse past niet bij de interventie."))
            )
            errors.setdefault(field, []).append(message)
        if errors:
            raise ValidationError(errors)


PRIMARY_DESIGN_MESSAGES = {
    "unknown_outcome": ("primary_outcome", _("Kies een van de primaire uitkomsten.")),
    "unknown_comparison": ("primary_comparison", _("Kies een van de vergelijkingen.")),
    "horizon_out_of_range": (
        "primary_horizon_days",
        _("Kies een horizon van 30 tot en met 730 dagen."),
    ),
    "after_complaint_needs_retention": (
        "primary_outcome",
        _(
            "Deze interventie grijpt pas na de aangifte aan: zij kan niet beoordeeld worden op "
            "aangifte of medewerking (wie zij bereikt, deed al aangifte). Kies 'in het "
            "strafproces blijven na de aangifte'."
        ),
    ),
    "retention_needs_after_complaint": (
        "primary_outcome",
        _(
            "'In het strafproces blijven na de aangifte' is alleen de primaire uitkomst van een "
            "interventie die na de aangifte aangrijpt: een eerdere interventie verandert wie "
            "aangifte doet, zodat de groepen niet meer vergelijkbaar zijn."
        ),
    ),
    "staggered_needs_index_outcome": (
        "primary_comparison",
        _(
            "De gespreide vergelijking kan alleen met aangifte of medewerking binnen de horizon "
            "als uitkomst."
        ),
    ),
}


class FidelityItem(models.Model):
    """One check of whether an intervention was delivered as designed."""

    intervention = models.ForeignKey(
        Intervention, on_delete=models.CASCADE, related_name="fidelity_items"
    )
    code = models.SlugField(_("code"), max_length=60)
    label = models.CharField(_("omschrijving"), max_length=200)
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)

    class Meta:
        verbose_name = _("controlepunt uitvoering")
        verbose_name_plural = _("controlepunten uitvoering")
        ordering = ["intervention", "order"]
        constraints = [
            models.UniqueConstraint(fields=["intervention", "code"], name="unique_fidelity_item")
        ]

    def __str__(self) -> str:
        return self.label


class Deployment(models.Model):
    """An intervention deployed in police unit(s) for a period with partner organisations."""

    intervention = models.ForeignKey(
        Intervention,
        on_delete=models.PROTECT,
        related_name="deployments",
        verbose_name=_("interventie"),
    )
    phase = models.ForeignKey(
        Phase, on_delete=models.PROTECT, related_name="deployments", verbose_name=_("fase")
    )
    police_units = models.ManyToManyField(
        PoliceUnit, blank=True, related_name="deployments", verbose_name=_("eenheden")
    )
    start = models.DateField(_("begin"))
    end = models.DateField(_("einde"), null=True, blank=True)
    partners = models.CharField(_("partners"), max_length=300, blank=True)
    regions_assumed = models.BooleanField(
        _("regio's aangenomen"),
        default=False,
        help_text=_("De bron noemt de regio's niet; deze keuze is een aanname voor de demo."),
    )
    # Free text, so encrypted at rest like every note (read through ``note``; rotated by
    # ``inbeeld rotate_keys`` through ENCRYPTED_FIELDS).
    note_ciphertext = models.TextField(_("toelichting (versleuteld)"), blank=True)
    seed_key = models.CharField(max_length=60, blank=True, unique=True, null=True, editable=False)
    # Optimistic locking (as Case.version): every change bumps the version; a writer that read an
    # older version gets a conflict instead of silently overwriting the other edit.
    version = models.PositiveIntegerField(default=1, editable=False)

    ENCRYPTED_FIELDS = ("note_ciphertext",)

    class Meta:
        ordering = ["phase__start", "intervention__order", "start"]
        verbose_name = _("inzet")
        verbose_name_plural = _("inzet van interventies")

    def __str__(self) -> str:
        return f"{self.intervention} – {self.phase}"

    @property
    def note(self) -> str:
        """The decrypted note; show it only to those who manage the pilot (PILOT_MANAGE)."""
        from inbeeld.crypto import decrypt_text

        return decrypt_text(self.note_ciphertext)


class Delivery(models.Model):
    """An intervention that reached (or did not reach) a case, with its fidelity checklist."""

    ENCRYPTED_FIELDS = ("reason_ciphertext",)

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="deliveries")
    intervention = models.ForeignKey(
        Intervention,
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("interventie"),
    )
    date = models.DateField(_("datum"))
    delivered = models.BooleanField(_("uitgevoerd"))
    # Free text, so encrypted at rest like every note (read through reason_not_delivered), and
    # tagged with the role family of its writer: only that family reads it (policy.NOTE_FAMILY).
    # Empty with a reason: the family is unknown and nobody is shown the reason.
    reason_ciphertext = models.TextField(_("reden niet uitgevoerd (versleuteld)"), blank=True)
    reason_family = models.CharField(
        _("beroepsgroep van de reden"), max_length=20, choices=NoteFamily.choices, blank=True
    )
    fidelity = models.JSONField(_("uitvoering volgens ontwerp"), default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("vastgelegd op"))
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("corrigeert"),
    )

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("uitvoering")
        verbose_name_plural = _("uitvoeringen")

    def __str__(self) -> str:
        return f"{self.case_id}:{self.intervention_id}@{self.date}"

    @property
    def reason_not_delivered(self) -> str:
        """The decrypted reason; show it only to readers of ``reason_family`` (see
        pilot.selectors.case_deliveries), never in an export."""
        from inbeeld.crypto import decrypt_text

        return decrypt_text(self.reason_ciphertext)

    @property
    def fidelity_share(self) -> float | None:
        """Share of fidelity items met, or None when not delivered or no items."""
        if not self.delivered or not self.fidelity:
            return None
        return sum(bool(v) for v in self.fidelity.values()) / len(self.fidelity)


class DeliveryWithdrawal(Withdrawal):
    """A delivery entered by mistake, withdrawn: it stays on the case page, struck through with
    who, when and why, and counts nowhere (EFFECTIVE_DELIVERY)."""

    delivery = models.OneToOneField(
        Delivery, on_delete=models.CASCADE, related_name="withdrawal", verbose_name=_("uitvoering")
    )

    class Meta:
        verbose_name = _("intrekking van een uitvoering")
        verbose_name_plural = _("intrekkingen van uitvoeringen")

    def __str__(self) -> str:
        return f"{self.delivery_id} ingetrokken ({self.reason})"


# The one definition of an effective delivery: not superseded by a correction, not withdrawn. The
# evaluation (analysis.builders.delivery_table), the dashboard and the case list count only these
# (``EFFECTIVE_DELIVERY``, made on first use). NOT EXISTS, as cases.models.EFFECTIVE_EVENT, so
# that PostgreSQL estimates it right.
def _effective_delivery() -> Q:
    return standing(Delivery, DeliveryWithdrawal, "delivery")


def __getattr__(name: str):
    if name == "EFFECTIVE_DELIVERY":
        value = globals()["EFFECTIVE_DELIVERY"] = _effective_delivery()
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Instrument(models.Model):
    """A versioned short questionnaire of victim-reported measures (5-point items)."""

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveSmallIntegerField(_("versie"))
    label = models.CharField(_("naam"), max_length=100)
    items = models.JSONField(_("vragen"))  # [{"code": ..., "label": ...}, ...]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="unique_instrument_version")
        ]
        verbose_name = _("vragenlijst")
        verbose_name_plural = _("vragenlijsten")

    def __str__(self) -> str:
        return f"{self.label} (v{self.version})"


class Moment(models.TextChoices):
    INTAKE = "intake", _("bij instroom")
    AFTER_INTERVIEW = "after_informative_interview", _("na het informatief gesprek")
    AFTER_COMPLAINT = "after_complaint", _("na de aangifte")
    AFTER_RC_HEARING = "after_rc_hearing", _("na het verhoor bij de RC")
    CLOSURE = "closure", _("bij afsluiting")


class Measure(models.Model):
    """The answers of one victim at one moment; an item may be left unanswered (null)."""

    # The unique (case, instrument, moment) index starts with it (ADR 0026).
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="measures", db_index=False
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="measures")
    moment = models.CharField(_("moment"), max_length=40, choices=Moment.choices)
    date = models.DateField(_("datum"))
    answers = models.JSONField(_("antwoorden"))  # {item code: 1..5 or null}
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("vastgelegd op"))

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "instrument", "moment"], name="one_measure_per_moment"
            )
        ]
        verbose_name = _("meting")
        verbose_name_plural = _("metingen")

    def __str__(self) -> str:
        return f"{self.case_id}:{self.moment}"

    @property
    def answered(self) -> int:
        return sum(v is not None for v in self.answers.values())
