"""API clients of partner systems (issue 16, ADR 0021): bound to one organisation, acting for
one named user, with scopes (policy actions); their hashed keys; the stored answers of
idempotent POSTs. No secret is ever stored in plain text: a key is kept as its HMAC-SHA256."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiClient(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="api_clients",
        verbose_name=_("organisatie"),
    )
    name = models.CharField(_("naam"), max_length=100)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_clients",
        verbose_name=_("werkt namens"),
        help_text=_("De medewerker namens wie de koppeling werkt; hij staat in de auditlog."),
    )
    scopes = models.JSONField(
        _("rechten"),
        default=list,
        help_text=_("De handelingen uit het autorisatiebeleid die de koppeling mag gebruiken."),
    )
    is_active = models.BooleanField(_("actief"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("aangemaakt door"),
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name = _("API-koppeling")
        verbose_name_plural = _("API-koppelingen")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="unique_api_client_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class ApiKey(models.Model):
    """One key of a client. The key is ``ib_<prefix>_<secret>``; the prefix (public) finds the
    row, the stored digest is the HMAC-SHA256 of the whole key under the server's key."""

    client = models.ForeignKey(
        ApiClient, on_delete=models.CASCADE, related_name="keys", verbose_name=_("koppeling")
    )
    prefix = models.CharField(_("kenmerk"), max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("aangemaakt door"),
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    expires_at = models.DateTimeField(_("verloopt op"))
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("laatst gebruikt"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API-sleutel")
        verbose_name_plural = _("API-sleutels")

    def __str__(self) -> str:
        return f"ib_{self.prefix}_…"

    def usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class IdempotentRequest(models.Model):
    """The answer to one POST with an Idempotency-Key, per client: a retry with the same key and
    the same body gets this answer again; with another body it is refused (422)."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    location = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="unique_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.client_id}: {self.key}"
