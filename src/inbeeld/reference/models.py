"""Reference data: police units, OM districts, courts, exploitation forms, chain-event catalogue.

The rows are data (reference/data/*.json, loaded by reference.sync), not code. Police/OM regions
and courts are separate tables because they are not 1:1 (Oost-Nederland has two courts).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CourtOfAppeal(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("naam"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("gerechtshof")
        verbose_name_plural = _("gerechtshoven")

    def __str__(self) -> str:
        return self.name


class Court(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("naam"), max_length=100)
    court_of_appeal = models.ForeignKey(
        CourtOfAppeal, on_delete=models.PROTECT, related_name="courts", verbose_name=_("ressort")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("rechtbank")
        verbose_name_plural = _("rechtbanken")

    def __str__(self) -> str:
        return self.name


class OMDistrict(models.Model):
    class Kind(models.TextChoices):
        DISTRICT = "district", _("arrondissementsparket")
        NATIONAL = "national", _("landelijk parket")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("naam"), max_length=100)
    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    courts = models.ManyToManyField(Court, blank=True, related_name="om_districts")

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("parket")
        verbose_name_plural = _("parketten")

    def __str__(self) -> str:
        return self.name

    def derived_court(self) -> Court | None:
        """The court a case of this district goes to, when that follows from the district alone:
        its only court. None for a district with two courts (Oost-Nederland: Gelderland or
        Overijssel) or none (the national parketten), where a person chooses."""
        courts = list(self.courts.all()[:2])
        return courts[0] if len(courts) == 1 else None

    def court_choices(self):
        """The courts a case of this district may go to: its own, or every court for a national
        parket (which brings its cases before any court)."""
        own = self.courts.all()
        return own if own.exists() else Court.objects.all()


class PoliceUnit(models.Model):
    class Kind(models.TextChoices):
        REGIONAL = "regional", _("regionale eenheid")
        NATIONAL = "national", _("landelijke dienst")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("naam"), max_length=100)
    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    om_district = models.ForeignKey(
        OMDistrict,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="police_units",
        verbose_name=_("parket"),
    )
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("eenheid")
        verbose_name_plural = _("eenheden")

    def __str__(self) -> str:
        return self.name


class ExploitationForm(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("omschrijving"), max_length=100)
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("uitbuitingsvorm")
        verbose_name_plural = _("uitbuitingsvormen")

    def __str__(self) -> str:
        return self.label


class ModusOperandiValue(models.Model):
    """One value of a modus-operandi list (issue 17 item 4): the criminal-exploitation subform,
    where the exploitation happened, the recruitment channel and the platform *category* (never a
    platform's name). Versioned as reference data: codes are added, never removed."""

    class Dimension(models.TextChoices):
        CRIMINAL_SUBFORM = "criminal_subform", _("vorm van criminele uitbuiting")
        LOCATION = "location", _("plaats van uitbuiting")
        RECRUITMENT_CHANNEL = "recruitment_channel", _("wervingskanaal")
        PLATFORM_CATEGORY = "platform_category", _("soort platform")

    dimension = models.CharField(_("lijst"), max_length=30, choices=Dimension.choices)
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("omschrijving"), max_length=100)
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)

    class Meta:
        ordering = ["dimension", "order"]
        verbose_name = _("modus-operandiwaarde")
        verbose_name_plural = _("modus-operandiwaarden")
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "code"], name="unique_modus_operandi_code_per_dimension"
            )
        ]

    def __str__(self) -> str:
        return self.label


class ChainEventType(models.Model):
    """One kind of event in a victim's path through the chain (DESIGN §4)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("omschrijving"), max_length=100)
    description = models.TextField(_("toelichting"), blank=True)
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    outcome_required = models.BooleanField(_("uitkomst verplicht"), default=False)

    class Meta:
        ordering = ["order"]
        verbose_name = _("soort ketengebeurtenis")
        verbose_name_plural = _("soorten ketengebeurtenissen")

    def __str__(self) -> str:
        return self.label


class ChainEventOutcome(models.Model):
    """An allowed outcome or reason of an event type (e.g. dismissal ground, verdict)."""

    event_type = models.ForeignKey(
        ChainEventType, on_delete=models.CASCADE, related_name="outcomes"
    )
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("omschrijving"), max_length=150)
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)

    class Meta:
        ordering = ["event_type", "order"]
        constraints = [
            models.UniqueConstraint(fields=["event_type", "code"], name="unique_outcome_per_type")
        ]
        verbose_name = _("uitkomst")
        verbose_name_plural = _("uitkomsten")

    def __str__(self) -> str:
        return self.label


class IndicatorCatalogueVersion(models.Model):
    """One published version of the indicator list (signalenlijst, DOMAIN §4).

    A version is frozen once loaded: its categories and items never change (reference.sync only
    adds versions), so a signal keeps exactly the items it recorded when a newer version appears.
    """

    version = models.PositiveSmallIntegerField(_("versie"), unique=True)
    label = models.CharField(_("naam"), max_length=150)
    valid_from = models.DateField(_("geldig vanaf"))
    notes = models.TextField(_("toelichting"), blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("versie signalenlijst")
        verbose_name_plural = _("versies signalenlijst")

    def __str__(self) -> str:
        return f"{self.label} (versie {self.version})"


class IndicatorCategory(models.Model):
    catalogue_version = models.ForeignKey(
        IndicatorCatalogueVersion,
        on_delete=models.PROTECT,
        related_name="categories",
        verbose_name=_("versie"),
    )
    code = models.SlugField(_("code"), max_length=60)
    # Empty: the category applies to every form (e.g. the three-cluster model).
    form = models.ForeignKey(
        ExploitationForm,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uitbuitingsvorm"),
    )
    label = models.CharField(_("omschrijving"), max_length=150)
    source = models.CharField(_("bron"), max_length=250)
    source_url = models.URLField(_("adres bron"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)

    class Meta:
        ordering = ["catalogue_version", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["catalogue_version", "code"], name="unique_indicator_category_per_version"
            )
        ]
        verbose_name = _("categorie signalen")
        verbose_name_plural = _("categorieën signalen")

    def __str__(self) -> str:
        return self.label


class Indicator(models.Model):
    category = models.ForeignKey(
        IndicatorCategory,
        on_delete=models.PROTECT,
        related_name="items",
        verbose_name=_("categorie"),
    )
    code = models.SlugField(_("code"), max_length=60)
    label = models.CharField(_("signaal"), max_length=200)
    help_text = models.TextField(_("uitleg"), blank=True)
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)

    class Meta:
        ordering = ["category", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "code"], name="unique_indicator_per_category"
            )
        ]
        verbose_name = _("signaal (indicator)")
        verbose_name_plural = _("signalen (indicatoren)")

    def __str__(self) -> str:
        return self.label
