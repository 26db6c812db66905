"""Reference data: police units, OM districts, courts, exploitation forms, chain-event catalogue.

The rows are data (reference/data/*.json, loaded by reference.sync), not code. Police/OM regions
and courts are separate tables because they are not 1:1 (Oost-Nederland has two courts).
"""

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
