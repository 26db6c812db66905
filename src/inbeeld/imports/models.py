"""An import of a partner's file (ImportRun) and the partner record ids it brought in
(ImportedRecord), which make a second import of the same file change nothing (ADR 0022)."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    CASES = "cases", _("casussen met gebeurtenissen")
    SIGNALS = "signals", _("signalen")


class ImportMode(models.TextChoices):
    ALL = "all", _("alles of niets")
    ROW = "row", _("per rij")


class ImportStatus(models.TextChoices):
    CHECKED = "checked", _("gecontroleerd, wacht op invoeren")
    COMMITTING = "committing", _("wordt ingevoerd")
    DONE = "done", _("ingevoerd")
    FAILED = "failed", _("niet ingevoerd")
    CANCELLED = "cancelled", _("geannuleerd")


# An organisation has at most one import in these statuses (a database constraint).
ACTIVE_STATUSES = (ImportStatus.CHECKED, ImportStatus.COMMITTING)

# The only status changes an import makes (imports.services checks every change against it).
TRANSITIONS: dict[str, frozenset[str]] = {
    ImportStatus.CHECKED: frozenset(
        {ImportStatus.COMMITTING, ImportStatus.CANCELLED, ImportStatus.FAILED}
    ),
    # A killed commit stays "committing" and is resumed (idempotently) by the next run.
    ImportStatus.COMMITTING: frozenset(
        {ImportStatus.COMMITTING, ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED}
    ),
    ImportStatus.DONE: frozenset(),
    ImportStatus.FAILED: frozenset(),
    ImportStatus.CANCELLED: frozenset(),
}


class ImportRun(models.Model):
    """One uploaded file, its dry run and (once chosen) its commit.

    The uploaded file and the report file hold case data: both are stored encrypted
    (``*_ciphertext``, inbeeld.crypto) and blanked by `inbeeld retention apply`."""

    ENCRYPTED_FIELDS = ("upload_ciphertext", "report_ciphertext", "problems_ciphertext")

    kind = models.CharField(_("soort"), max_length=10, choices=ImportKind.choices)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="imports",
        verbose_name=_("organisatie"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="imports",
        verbose_name=_("geüpload door"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.CHECKED
    )
    mode = models.CharField(_("manier"), max_length=4, choices=ImportMode.choices, blank=True)
    file_name = models.CharField(_("bestandsnaam"), max_length=200)
    file_format = models.CharField(_("bestandssoort"), max_length=4)  # csv | xlsx
    file_sha256 = models.CharField(max_length=64)
    upload_ciphertext = models.TextField(blank=True)
    report_ciphertext = models.TextField(blank=True)
    report_is_final = models.BooleanField(default=False)
    rows_total = models.PositiveIntegerField(_("rijen"), default=0)
    rows_done = models.PositiveIntegerField(_("rijen verwerkt"), default=0)
    # The dry run's (and later the commit's) counts: create/update/unchanged/error.
    counts = models.JSONField(_("aantallen"), default=dict, blank=True)
    # The problems (row, column, value, reason, code) as encrypted JSON: a value is case data.
    problems_ciphertext = models.TextField(blank=True)
    job_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(_("geüpload op"), auto_now_add=True)
    finished_at = models.DateTimeField(_("klaar op"), null=True, blank=True)
    purged_at = models.DateTimeField(_("bestanden verwijderd op"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(status__in=["checked", "committing"]),
                name="import_one_active_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.get_status_display()})"

    @property
    def problems(self) -> list[dict]:
        from inbeeld.crypto import decrypt_text

        return (
            json.loads(decrypt_text(self.problems_ciphertext)) if self.problems_ciphertext else []
        )

    def set_problems(self, problems: list[dict]) -> None:
        from inbeeld.crypto import encrypt_text

        self.problems_ciphertext = encrypt_text(json.dumps(problems, ensure_ascii=False))

    @property
    def is_checked(self) -> bool:
        """Whether the dry run has finished (it stores the counts; a large file's dry run runs
        in the worker after the upload)."""
        return bool(self.counts)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return min(99, round(100 * self.rows_done / max(self.rows_total, 1)))


class RecordKind(models.TextChoices):
    CASE = "case", _("casus")
    EVENT = "event", _("gebeurtenis")
    SIGNAL = "signal", _("signaal")


class ImportedRecord(models.Model):
    """A partner's record id mapped to what it became in InBeeld, with a keyed digest of the
    values it was imported with: the same values again change nothing; other values update it."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=RecordKind.choices)
    # A keyed digest (inbeeld.crypto.keyed_digest) of the partner's id — for an event
    # "<dossiernummer>/<gebeurtenisnummer>" —, never the id itself: it may identify a victim in
    # the partner's system, like the linkage keys.
    partner_key = models.CharField(max_length=64)
    # Case code, chain-event pk (the newest correction) or signal reference.
    target = models.CharField(max_length=40)
    values_digest = models.CharField(max_length=64)
    import_run = models.ForeignKey(
        ImportRun, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "partner_key"], name="imported_record_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.target}"
