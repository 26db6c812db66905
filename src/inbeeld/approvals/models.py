"""Four-eyes change requests: an administrator's change that would widen someone's reach.

A request holds the change itself (``changes``, field → new value) and the values it replaces
(``before``), so the change is applied exactly as asked, and only while the object still holds
those values. It is decided once, by a second person (policy.may_decide_change); the decision's
reason is free text and encrypted at rest.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeRequest(models.Model):
    ENCRYPTED_FIELDS = ("reason_ciphertext",)

    class Status(models.TextChoices):
        PENDING = "pending", _("Wacht op goedkeuring")
        APPROVED = "approved", _("Goedgekeurd")
        REJECTED = "rejected", _("Afgewezen")

    # "app_label.model" of the object; object_id is empty for a new object (a new membership).
    target = models.CharField(_("soort gegeven"), max_length=60)
    object_id = models.PositiveBigIntegerField(_("object"), null=True, blank=True)
    before = models.JSONField(_("oude waarden"), default=dict, blank=True)
    changes = models.JSONField(_("nieuwe waarden"))
    summary = models.CharField(_("omschrijving"), max_length=400)
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("voor gebruiker"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("aangevraagd door"),
    )
    requested_at = models.DateTimeField(_("aangevraagd op"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("beoordeeld door"),
    )
    decided_at = models.DateTimeField(_("beoordeeld op"), null=True, blank=True)
    reason_ciphertext = models.TextField(_("toelichting (versleuteld)"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["target", "object_id", "status"])]
        verbose_name = _("wijzigingsverzoek")
        verbose_name_plural = _("wijzigingsverzoeken")

    def __str__(self) -> str:
        return self.summary

    @property
    def reason(self) -> str:
        from inbeeld.crypto import decrypt_text

        return decrypt_text(self.reason_ciphertext)
