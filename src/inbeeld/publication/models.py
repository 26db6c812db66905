"""Publication: the privacy-budget ledger of differentially private releases (models).

A data set that is published as open data with differential privacy gets one PrivacyBudget: the
total epsilon all its releases together may spend. Every release is one append-only
PrivacyRelease row holding the epsilon it spent and the noisy values it published (never the true
counts). What is spent is the sum of the releases, so it cannot drift from the ledger; the budget
row itself is never changed after it is made (raising a budget after releases would undo the
guarantee it stands for). Writes go through inbeeld.publication.services.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from inbeeld.audit.models import AppendOnlyModel

# Epsilon is kept as a decimal with this many places, so the ledger sums exactly (0.1 + 0.2 is
# 0.3, not 0.30000000000000004). A release's epsilon is charged rounded UP to this precision.
EPSILON_PLACES = 6
EPSILON_QUANTUM = Decimal(1).scaleb(-EPSILON_PLACES)
MAX_EPSILON = Decimal(1000)  # far above any meaningful budget; guards the decimal column


def _epsilon_field(verbose_name):
    return models.DecimalField(
        verbose_name,
        max_digits=12,
        decimal_places=EPSILON_PLACES,
        validators=[MinValueValidator(EPSILON_QUANTUM), MaxValueValidator(MAX_EPSILON)],
    )


class PrivacyBudget(AppendOnlyModel):
    """The total privacy loss (epsilon) the releases of one data set may spend together."""

    dataset = models.SlugField(_("dataset"), max_length=80, unique=True)
    label = models.CharField(_("naam"), max_length=200)
    epsilon_total = _epsilon_field(_("totaal privacybudget (epsilon)"))
    created_at = models.DateTimeField(_("vastgelegd op"))

    class Meta:
        ordering = ["dataset"]
        verbose_name = _("privacybudget")
        verbose_name_plural = _("privacybudgetten")

    def __str__(self) -> str:
        return f"{self.label} ({self.dataset})"

    def epsilon_spent(self) -> Decimal:
        """The epsilon spent by this data set's releases so far."""
        total = self.releases.aggregate(total=Sum("epsilon"))["total"]
        return Decimal(total or 0).quantize(EPSILON_QUANTUM)

    def epsilon_remaining(self) -> Decimal:
        return max(self.epsilon_total - self.epsilon_spent(), Decimal(0))


class PrivacyRelease(AppendOnlyModel):
    """One differentially private release of a data set: what it spent and what it published."""

    budget = models.ForeignKey(
        PrivacyBudget,
        on_delete=models.PROTECT,
        related_name="releases",
        verbose_name=_("privacybudget"),
    )
    epsilon = _epsilon_field(_("epsilon"))
    query = models.CharField(_("vraag"), max_length=500)
    labels = models.JSONField(_("cellen"), default=list)
    values = models.JSONField(_("gepubliceerde waarden"), default=list)
    mechanism = models.CharField(_("mechanisme"), max_length=40)
    sensitivity = models.PositiveIntegerField(_("gevoeligheid (L1)"), default=1)
    scale = models.FloatField(_("ruisschaal"))
    confidence_halfwidth_95 = models.FloatField(_("nauwkeurigheid (95 %)"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gebruiker"),
    )
    created_at = models.DateTimeField(_("tijdstip"))

    class Meta:
        ordering = ["budget", "created_at", "id"]
        verbose_name = _("privacyvrijgave")
        verbose_name_plural = _("privacyvrijgaven")

    def __str__(self) -> str:
        return f"{self.budget.dataset} ε={self.epsilon} {self.created_at:%Y-%m-%d %H:%M}"


# --- microdata: the disclosure-control threshold and the data-use agreement ---------------------

DEFAULT_MICRODATA_K = 5
DEFAULT_MICRODATA_L = 2
MAX_MICRODATA_K = 100
MAX_MICRODATA_L = 10


class MicrodataPolicy(AppendOnlyModel):
    """The k (and l) every microdata export must reach, set by the administrator.

    Append-only: a change is a new row (who, when, the new values), so the history of thresholds
    stays; the newest row is in force (``microdata_policy_current``). Without a row the defaults
    hold (k = 5, l = 2). Written through services.microdata_policy_set (audited)."""

    k = models.PositiveSmallIntegerField(
        _("k (minimale groepsgrootte)"),
        default=DEFAULT_MICRODATA_K,
        validators=[MinValueValidator(2), MaxValueValidator(MAX_MICRODATA_K)],
        help_text=_(
            "Elke combinatie van quasi-identificerende kenmerken komt in de microdata ten minste "
            "k keer voor."
        ),
    )
    l_diversity = models.PositiveSmallIntegerField(
        _("l (verschillende uitkomsten per groep)"),
        default=DEFAULT_MICRODATA_L,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MICRODATA_L)],
        help_text=_(
            "Elke groep bevat ten minste l verschillende vervolgingsbeslissingen (1: uit)."
        ),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vastgelegd door"),
    )
    created_at = models.DateTimeField(_("vastgelegd op"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("drempel microdata")
        verbose_name_plural = _("drempels microdata")

    def __str__(self) -> str:
        return f"k = {self.k}, l = {self.l_diversity} ({self.created_at:%Y-%m-%d %H:%M})"


class DataUseAgreementAcceptance(AppendOnlyModel):
    """A researcher accepted a version of the data-use agreement for microdata (append-only).

    Written through services.data_use_agreement_accept with the audit row in the same
    transaction; a microdata export needs a row for the current version."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("gebruiker"),
    )
    version = models.CharField(_("versie"), max_length=20)
    accepted_at = models.DateTimeField(_("aanvaard op"))

    class Meta:
        ordering = ["-accepted_at", "-id"]
        verbose_name = _("aanvaarding gebruiksvoorwaarden microdata")
        verbose_name_plural = _("aanvaardingen gebruiksvoorwaarden microdata")
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="dua_once_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.version} {self.accepted_at:%Y-%m-%d %H:%M}"
