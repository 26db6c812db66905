"""The agenda register (issue 18, ADR 0024): research project → publication → recommendation →
dated, evidenced milestones, each coded by two people.

Every row is append-only (AppendOnlyModel): the list of recommendations is fixed when its
publication appears, so the denominator of the published share cannot be tuned afterwards. A
recommendation or a milestone is withdrawn by a row with a reason and an explanation, never
deleted; a milestone is corrected by a new one that ``supersedes`` it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inbeeld.agenda import ladder
from inbeeld.audit.models import AppendOnlyModel


class PublicationKind(models.TextChoices):
    REPORT = "report", _("Rapport")
    POSITION_PAPER = "position_paper", _("Position paper")
    DEBATE_CONTRIBUTION = "debate_contribution", _("Inbreng voor een debat")


class Addressee(models.TextChoices):
    JUSTICE = "justice", _("Ministerie van Justitie en Veiligheid")
    OTHER_MINISTRIES = "other_ministries", _("Andere ministeries")
    POLICE = "police", _("Politie")
    PROSECUTION = "prosecution", _("Openbaar Ministerie")
    PARLIAMENT = "parliament", _("Tweede Kamer")
    MUNICIPALITIES = "municipalities", _("Gemeenten")
    PLATFORMS = "platforms", _("Online platforms")
    CARE = "care", _("Zorg en hulpverlening")
    OTHER = "other", _("Anders")


class Theme(models.TextChoices):
    CRIMINAL_EXPLOITATION = "criminal_exploitation", _("Criminele uitbuiting")
    SEXUAL_EXPLOITATION = "sexual_exploitation", _("Seksuele uitbuiting")
    MINORS = "minors", _("Minderjarige slachtoffers")
    CLIENTS = "clients", _("Aanpak van klanten")
    TECHNOLOGY = "technology", _("Technologie en online platforms")
    WILLINGNESS_TO_REPORT = "willingness_to_report", _("Aangiftebereidheid")
    PROTECTION = "protection", _("Bescherming van slachtoffers")
    POLICY_FUNDING = "policy_funding", _("Beleid en financiering")
    OTHER = "other", _("Anders")


class Source(models.TextChoices):
    OWN = "own", _("Eigen organisatie (CKM)")
    GRETA = "greta", _("GRETA (Raad van Europa)")
    RAPPORTEUR = "rapporteur", _("Nationaal Rapporteur")
    OTHER = "other", _("Anders")


class DatePrecision(models.TextChoices):
    DAY = "day", _("dag")
    MONTH = "month", _("maand")
    YEAR = "year", _("jaar")


class EvidenceKind(models.TextChoices):
    PARLIAMENT = "parliament", _("Kamerstuk, zaak of besluit (Tweede Kamer)")
    OFFICIAL_PUBLICATION = "official_publication", _("Officiële bekendmaking")
    DOCUMENT = "document", _("Geüpload document")
    # A public source that is none of the above (a web page of a partner, a news report): it
    # needs its address or description as the reference (ADR 0024).
    PUBLIC_SOURCE = "public_source", _("Andere openbare bron")


class WithdrawalReason(models.TextChoices):
    MISTAKE = "mistake", _("Per vergissing vastgelegd")
    DUPLICATE = "duplicate", _("Dubbel")
    NOT_A_RECOMMENDATION = "not_a_recommendation", _("Geen aanbeveling")
    NOT_HAPPENED = "not_happened", _("Niet gebeurd")


class _Recorded(AppendOnlyModel):
    """Who recorded a row and when, and whether it is example data (not from a source)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_example = models.BooleanField(_("voorbeeldgegevens"), default=False)
    source_note = models.CharField(_("bron van dit gegeven"), max_length=300, blank=True)

    class Meta:
        abstract = True


class ResearchProject(_Recorded):
    title = models.CharField(_("onderzoek"), max_length=200, unique=True)

    def __str__(self) -> str:
        return self.title


class Publication(_Recorded):
    project = models.ForeignKey(
        ResearchProject, on_delete=models.PROTECT, related_name="publications"
    )
    kind = models.CharField(_("soort"), max_length=24, choices=PublicationKind.choices)
    title = models.CharField(_("titel"), max_length=300)
    published_on = models.DateField(_("verschenen op"))
    date_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    url = models.URLField(_("vindplaats"), blank=True, max_length=500)

    class Meta:
        ordering = ["-published_on", "pk"]

    def __str__(self) -> str:
        return self.title


class Recommendation(_Recorded):
    publication = models.ForeignKey(
        Publication, on_delete=models.PROTECT, related_name="recommendations"
    )
    number = models.PositiveSmallIntegerField(_("nummer"))
    text = models.TextField(_("aanbeveling"), max_length=2000)
    addressee = models.CharField(_("gericht aan"), max_length=20, choices=Addressee.choices)
    theme = models.CharField(_("thema"), max_length=24, choices=Theme.choices)
    source = models.CharField(_("herkomst"), max_length=12, choices=Source.choices)
    issued_on = models.DateField(_("datum"))
    date_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    # Item 8: the pilot's intervention that supports it (optional).
    intervention = models.ForeignKey(
        "pilot.Intervention", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["publication", "number"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "number"], name="agenda_rec_number")
        ]

    def __str__(self) -> str:
        return f"{self.publication.title} – {self.number}"


class RecommendationWithdrawal(_Recorded):
    recommendation = models.OneToOneField(
        Recommendation, on_delete=models.PROTECT, related_name="withdrawal"
    )
    reason = models.CharField(_("reden"), max_length=24, choices=WithdrawalReason.choices)
    explanation = models.CharField(_("toelichting"), max_length=500)


class Milestone(_Recorded):
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="milestones"
    )
    rung = models.CharField(_("trede"), max_length=12, choices=list(ladder.RUNG_LABELS.items()))
    kind = models.CharField(_("soort"), max_length=20, choices=list(ladder.KIND_LABELS.items()))
    occurred_on = models.DateField(_("datum"))
    date_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    description = models.CharField(_("omschrijving"), max_length=500)
    evidence_kind = models.CharField(_("bewijs"), max_length=24, choices=EvidenceKind.choices)
    evidence_reference = models.CharField(_("kenmerk van het bewijs"), max_length=120, blank=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )

    class Meta:
        ordering = ["occurred_on", "pk"]


# Not superseded by a correction and not withdrawn: the milestones that count.
EFFECTIVE_MILESTONE = Q(superseded_by__isnull=True, withdrawal__isnull=True)


class MilestoneDocument(_Recorded):
    """An uploaded evidence document, encrypted at rest like an import's upload."""

    ENCRYPTED_FIELDS = ("document_ciphertext",)

    milestone = models.OneToOneField(Milestone, on_delete=models.PROTECT, related_name="document")
    file_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    document_ciphertext = models.TextField()


class MilestoneWithdrawal(_Recorded):
    milestone = models.OneToOneField(Milestone, on_delete=models.PROTECT, related_name="withdrawal")
    reason = models.CharField(_("reden"), max_length=24, choices=WithdrawalReason.choices)
    explanation = models.CharField(_("toelichting"), max_length=500)


class MilestoneCoding(_Recorded):
    """One coder's independent judgement of a milestone: its rung, and whether the evidence names
    the recommendation (or its publication) as a reason — the strict variant's causal link."""

    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="codings")
    rung = models.CharField(_("trede"), max_length=12, choices=list(ladder.RUNG_LABELS.items()))
    causal_link = models.BooleanField(_("verband expliciet in het bewijs"))

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["milestone", "created_by"], name="agenda_one_code_each")
        ]


class Adjudication(_Recorded):
    """The decision of a third person where the two coders differ."""

    milestone = models.OneToOneField(
        Milestone, on_delete=models.PROTECT, related_name="adjudication"
    )
    rung = models.CharField(_("trede"), max_length=12, choices=list(ladder.RUNG_LABELS.items()))
    causal_link = models.BooleanField(_("verband expliciet in het bewijs"))
    explanation = models.CharField(_("motivering"), max_length=500)


class ParliamentRecord(AppendOnlyModel):
    """One version of one record of the Tweede Kamer's open data (the OData v4 "gegevensmagazijn"),
    mirrored from a saved response (issue 18, item 3). Keyed on the parliament's GUID and its
    change timestamp (``GewijzigdOp``): importing the same file again adds nothing, a changed
    record adds a version; the newest version of a GUID is the current one. The raw JSON is kept."""

    entity = models.CharField(max_length=20)
    guid = models.UUIDField()
    changed_at = models.DateTimeField()
    deleted = models.BooleanField(default=False)
    number = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=100, blank=True)
    subject = models.TextField(blank=True)
    cabinet_appraisal = models.CharField(max_length=100, blank=True)
    dossier = models.CharField(max_length=20, blank=True)
    relevant = models.BooleanField(default=False)
    raw = models.JSONField()
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["guid", "changed_at"], name="agenda_parliament_version")
        ]
        indexes = [models.Index(fields=["entity", "relevant"])]


class ParliamentLink(AppendOnlyModel):
    """A parliamentary number a CKM staff member marked as relevant by hand (item 3): a Zaak or
    document number ("2023Z12345"), a dossier ("36 015") or a Kamerstuk ("36 015-12"). Records
    with that number count as relevant even outside dossier 28638. Append-only; ``key`` is the
    number without spaces, dots and case, so "36 015-12" and "36015-12" are the same link."""

    number = models.CharField(_("nummer"), max_length=40)
    key = models.CharField(max_length=40, unique=True)
    note = models.CharField(_("waarom relevant"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)


class MilestoneDeployment(AppendOnlyModel):
    """Item 8: the pilot deployment that carries out an implemented recommendation."""

    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="deployments")
    deployment = models.ForeignKey("pilot.Deployment", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["milestone", "deployment"], name="agenda_one_link")
        ]
