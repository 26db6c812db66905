"""The audit log: append-only, chained with a keyed MAC and anchored outside the database.

Shaped like Zulip's RealmAuditLog: who (actor), what (an enumerated action), on what (subject
type and reference, plus the case code when a case is involved), when, and `extra` with old/new
values. Each row stores the HMAC-SHA256 (key from the environment) of the previous row's MAC and
its own content, so a changed or removed row breaks the chain from there on; signed checkpoints
of the head, written outside the database, catch a log that was cut short or emptied (verified by
`inbeeld audit verify`; audit/chain.py, audit/checkpoints.py, docs/adr/0009-audit-anchoring.md).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an append-only row through the ORM."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")

    def rewrite_ciphertext(self, **values) -> int:
        """The one permitted change to append-only rows: replacing the ciphertext of a column
        listed in the model's ENCRYPTED_FIELDS (key rotation keeps the plaintext; retention blanks
        free text that is past its period). Anything else raises AppendOnlyError."""
        allowed = set(getattr(self.model, "ENCRYPTED_FIELDS", ()))
        if not values or not set(values) <= allowed:
            raise AppendOnlyError(
                f"only {sorted(allowed)} of {self.model.__name__} may be rewritten"
            )
        return models.QuerySet.update(self, **values)


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")


class AuditAction(models.TextChoices):
    CASE_CREATED = "case.created", _("Casus geregistreerd")
    CASE_READ = "case.read", _("Casus ingezien")
    CASE_UPDATED = "case.updated", _("Casus gewijzigd")
    CASE_LIST_READ = "case.list_read", _("Casuslijst ingezien")
    CASE_ACCESS_DENIED = "case.access_denied", _("Toegang tot casus geweigerd")
    EVENT_RECORDED = "event.recorded", _("Ketengebeurtenis vastgelegd")
    EVENT_CORRECTED = "event.corrected", _("Ketengebeurtenis gecorrigeerd")
    EVENT_WITHDRAWN = "event.withdrawn", _("Ketengebeurtenis ingetrokken")
    LOGIN_SUCCEEDED = "auth.login", _("Ingelogd")
    LOGIN_FAILED = "auth.login_failed", _("Mislukte inlogpoging")
    LOGOUT = "auth.logout", _("Uitgelogd")
    LOGIN_BLOCKED = "auth.login_blocked", _("Inlogpoging tijdens blokkade")
    LOGOUT_EVERYWHERE = "auth.logout_everywhere", _("Overal uitgelogd")
    SECOND_FACTOR_ENROLLED = "auth.2fa_enrolled", _("Tweede factor ingesteld")
    SECOND_FACTOR_VERIFIED = "auth.2fa_verified", _("Tweede factor gecontroleerd")
    SECOND_FACTOR_FAILED = "auth.2fa_failed", _("Onjuiste code tweede factor")
    MEMBERSHIP_CHANGED = "membership.changed", _("Lidmaatschap gewijzigd")
    ORGANISATION_CHANGED = "organisation.changed", _("Organisatie gewijzigd")
    USER_CHANGED = "user.changed", _("Gebruiker gewijzigd")
    DEMO_LOADED = "demo.loaded", _("Demogegevens geladen")
    BREAK_GLASS_OPENED = "case.break_glass", _("Noodtoegang tot casus")
    BREAK_GLASS_REVIEWED = "case.break_glass_reviewed", _("Noodtoegang beoordeeld")
    AUDIT_LOG_READ = "audit.read", _("Auditlog ingezien")
    LINKAGE_KEY_ADDED = "case.linkage_added", _("Koppelsleutel toegevoegd")
    CONSENT_RECORDED = "case.consent", _("Toestemming onderzoek vastgelegd")
    KEYS_ROTATED = "crypto.keys_rotated", _("Sleutels geroteerd")
    RETENTION_APPLIED = "retention.applied", _("Bewaartermijnen toegepast")
    BACKUP_CREATED = "backup.created", _("Back-up gemaakt")
    BACKUP_RESTORED = "backup.restored", _("Back-up teruggezet")
    DELIVERY_RECORDED = "pilot.delivery", _("Uitvoering interventie vastgelegd")
    DELIVERY_CORRECTED = "pilot.delivery_corrected", _("Uitvoering interventie gecorrigeerd")
    DELIVERY_WITHDRAWN = "pilot.delivery_withdrawn", _("Uitvoering interventie ingetrokken")
    MEASURE_RECORDED = "pilot.measure", _("Meting vastgelegd")
    DEPLOYMENT_CHANGED = "pilot.deployment", _("Inzet interventie gewijzigd")
    SIGNAL_SUBMITTED = "signal.submitted", _("Signaal ontvangen")
    SIGNAL_READ = "signal.read", _("Signaal ingezien")
    SIGNAL_ACCESS_DENIED = "signal.access_denied", _("Toegang tot signaal geweigerd")
    SIGNAL_STATUS_CHANGED = "signal.status", _("Status signaal gewijzigd")
    SIGNAL_REROUTED = "signal.rerouted", _("Signaal doorgestuurd")
    SIGNAL_QUESTION = "signal.question", _("Vraag aan signaalgever gesteld")
    SIGNAL_ANSWERED = "signal.answered", _("Vraag beantwoord door signaalgever")
    SIGNAL_CONVERTED = "signal.converted", _("Signaal omgezet in casus")
    INTAKE_LINK_CREATED = "signal.link_created", _("Eenmalige meldlink gemaakt")
    EVALUATION_EXPORTED = "evaluation.exported", _("Evaluatie geëxporteerd")
    DP_BUDGET_CREATED = "publication.dp_budget", _("Privacybudget vastgelegd")
    DP_RELEASE = "publication.dp_release", _("Cijfers met differentiële privacy vrijgegeven")
    REPORT_CREATED = "publication.report", _("Rapport gemaakt")
    EXPORT_CREATED = "publication.export", _("Microdata geëxporteerd")
    CTDC_IMPORTED = "publication.ctdc_import", _("CTDC-bestand ingelezen")
    # Second wave (issue 11): account administration, four eyes, audit anchoring, refusals.
    PASSWORD_CHANGED = "auth.password_changed", _("Wachtwoord gewijzigd")
    PASSWORD_RESET_LINK_CREATED = "auth.reset_link", _("Herstellink voor wachtwoord gemaakt")
    PASSWORD_RESET = "auth.password_reset", _("Wachtwoord opnieuw ingesteld via herstellink")
    ENROLMENT_LINK_CREATED = "auth.enrolment_link", _("Inschrijflink tweede factor gemaakt")
    SECOND_FACTOR_REMOVED = "auth.2fa_removed", _("Tweede factor verwijderd")
    SESSION_EXPIRED = "auth.session_expired", _("Sessie verlopen")
    APPROVAL_REQUESTED = "approval.requested", _("Wijziging ter goedkeuring aangeboden")
    APPROVAL_APPROVED = "approval.approved", _("Wijziging goedgekeurd (vier ogen)")
    APPROVAL_REJECTED = "approval.rejected", _("Wijziging afgewezen (vier ogen)")
    REFERENCE_CHANGED = "reference.changed", _("Referentiegegevens gewijzigd")
    FUNCTION_ACCESS_DENIED = "page.access_denied", _("Toegang tot functie geweigerd")
    AUDIT_CHECKPOINT = "audit.checkpoint", _("Controlepunt auditketen vastgelegd")
    DATA_USE_AGREEMENT_ACCEPTED = "publication.dua", _("Gebruiksvoorwaarden microdata aanvaard")
    MICRODATA_POLICY_CHANGED = "publication.microdata_k", _("Drempel microdata gewijzigd")
    RECEIPT_CHECK_FAILED = "signal.receipt_failed", _("Onjuiste ontvangstcode")
    RECEIPT_LOCKED = "signal.receipt_locked", _("Ontvangstcode tijdelijk geblokkeerd")
    RECEIPT_UNLOCKED = "signal.receipt_unlocked", _("Ontvangstcode vrijgegeven met eigen antwoord")
    # Issue 14: feedback that reaches the signaller; notification e-mails.
    SIGNAL_ANSWER_SEEN = "signal.answer_seen", _("Antwoord van signaalgever gelezen")
    NOTIFICATIONS_CHANGED = "user.notifications", _("E-mailmeldingen aan- of uitgezet")
    # Issue 14 item 8: assignment.
    CASE_ASSIGNED = "case.assigned", _("Casus toegewezen")
    SIGNAL_ASSIGNED = "signal.assigned", _("Signaal toegewezen")
    # Issue 15 item 6: single sign-on per organisation (OpenID Connect).
    SSO_LOGIN_SUCCEEDED = "auth.sso_login", _("Ingelogd via de eigen organisatie (SSO)")
    SSO_LOGIN_FAILED = "auth.sso_login_failed", _("Inloggen via de eigen organisatie mislukt")
    SSO_ACCOUNT_CREATED = "auth.sso_account", _("Account aangemaakt bij eerste SSO-login")
    # Issue 15 item 1: the first administrator of an empty installation (accounts/bootstrap.py).
    FIRST_ADMINISTRATOR_CREATED = "auth.first_administrator", _("Eerste beheerder aangemaakt")
    IDENTITY_PROVIDER_CHANGED = "sso.provider_changed", _("Identiteitsprovider (SSO) gewijzigd")
    # Issue 14 item 14: the printable case summary.
    CASE_SUMMARY_READ = "case.summary_read", _("Samenvatting casus ingezien (afdrukbaar)")
    # Bulk import (issue 16, imports app): the dry run, the commit, a cancel, the report file.
    IMPORT_CHECKED = "import.checked", _("Importbestand gecontroleerd (proefimport)")
    IMPORT_COMMITTED = "import.committed", _("Importbestand ingevoerd")
    IMPORT_CANCELLED = "import.cancelled", _("Import geannuleerd")
    IMPORT_REPORT_READ = "import.report_read", _("Importverslag gedownload")
    # Issue 16: API clients of partner systems and their keys.
    API_CLIENT_CHANGED = "api.client_changed", _("API-koppeling vastgelegd of gewijzigd")
    API_KEY_CREATED = "api.key_created", _("API-sleutel aangemaakt")
    API_KEY_REVOKED = "api.key_revoked", _("API-sleutel ingetrokken")
    # Issue 17: suspects, their prosecution and non-punishment (suspects app).
    SUSPECT_REGISTERED = "suspect.registered", _("Verdachte geregistreerd")
    SUSPECT_LINKED = "suspect.linked", _("Verdachte aan casus gekoppeld")
    SUSPECT_LINK_CORRECTED = "suspect.link_corrected", _("Koppeling verdachte gecorrigeerd")
    SUSPECT_LINK_WITHDRAWN = "suspect.link_withdrawn", _("Koppeling verdachte ingetrokken")
    PROCEEDING_RECORDED = "suspect.proceeding", _("Vervolgingsstap verdachte vastgelegd")
    PROCEEDING_CORRECTED = "suspect.proceeding_corrected", _("Vervolgingsstap gecorrigeerd")
    PROCEEDING_WITHDRAWN = "suspect.proceeding_withdrawn", _("Vervolgingsstap ingetrokken")
    NON_PUNISHMENT_RECORDED = "case.non_punishment", _("Non-punishment vastgelegd")
    NON_PUNISHMENT_WITHDRAWN = "case.non_punishment_withdrawn", _("Non-punishment ingetrokken")
    MODUS_OPERANDI_RECORDED = "case.modus_operandi", _("Modus operandi vastgelegd")
    SAFETY_FACT_RECORDED = "case.safety_fact", _("Veiligheidsfeit vastgelegd")
    SAFETY_FACT_CORRECTED = "case.safety_fact_corrected", _("Veiligheidsfeit gecorrigeerd")
    SAFETY_FACT_WITHDRAWN = "case.safety_fact_withdrawn", _("Veiligheidsfeit ingetrokken")
    # Issue 18: the agenda register (ADR 0024).
    AGENDA_PUBLICATION_REGISTERED = "agenda.publication", _("Publicatie in de agenda vastgelegd")
    AGENDA_RECOMMENDATION_ADDED = "agenda.recommendation", _("Aanbeveling vastgelegd")
    AGENDA_RECOMMENDATION_WITHDRAWN = (
        "agenda.recommendation_withdrawn",
        _("Aanbeveling ingetrokken"),
    )
    AGENDA_MILESTONE_RECORDED = "agenda.milestone", _("Mijlpaal van een aanbeveling vastgelegd")
    AGENDA_MILESTONE_WITHDRAWN = "agenda.milestone_withdrawn", _("Mijlpaal ingetrokken")
    AGENDA_MILESTONE_CODED = "agenda.milestone_coded", _("Mijlpaal gecodeerd")
    AGENDA_MILESTONE_ADJUDICATED = "agenda.milestone_adjudicated", _("Beslissing over een mijlpaal")
    AGENDA_DOCUMENT_READ = "agenda.document_read", _("Bewijsdocument gedownload")
    AGENDA_REPORT_READ = "agenda.report_read", _("Agendarapport (pdf) gedownload")
    AGENDA_PARLIAMENT_IMPORTED = "agenda.parliament_import", _("Kamergegevens ingelezen")
    AGENDA_PARLIAMENT_LINKED = "agenda.parliament_link", _("Kamernummer als relevant gemarkeerd")


class AuditEvent(AppendOnlyModel):
    created_at = models.DateTimeField(_("tijdstip"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gebruiker"),
    )
    actor_label = models.CharField(_("gebruikersnaam"), max_length=150, blank=True)
    # No choices on the column: the list of actions is code (AuditAction), so a new action needs
    # no migration. audit_record and clean() refuse a value that is not an AuditAction.
    action = models.CharField(_("handeling"), max_length=40)
    subject_type = models.CharField(_("soort object"), max_length=40, blank=True)
    subject_ref = models.CharField(_("object"), max_length=80, blank=True)
    case_code = models.CharField(_("casus"), max_length=20, blank=True)
    extra = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64, unique=True)
    # 1: legacy unkeyed SHA-256 (rows from before issue 11); 2: HMAC-SHA256 (issue 11, chain 0
    # only); 3: HMAC-SHA256 with the chain number in the MAC (issue 15; audit/chain.py).
    chain_version = models.PositiveSmallIntegerField(default=3)
    # Which of the parallel chains the row belongs to (docs/adr/0019-audit-that-scales.md);
    # every row written before issue 15 is in chain 0.
    chain = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = _("auditregel")
        verbose_name_plural = _("auditregels")
        indexes = [
            # Walking one chain and counting it from a checkpoint on (audit/checkpoints.py).
            models.Index(fields=["chain", "id"], name="audit_chain_id"),
            # The privacy officer's pages (oversight/selectors.py), newest first, at millions of
            # rows: search by user name (iexact is UPPER(...) = UPPER(...) on PostgreSQL), by
            # user as subject (failed logins), by case, and the alerts' action-and-period scans.
            # The search by user reads each name index apart (UserSearchQuerySet): with id in the
            # key a page of either comes in order (newest first, then id) and, with the columns
            # the conditions name included (PostgreSQL plans an index-only scan on an expression
            # index only when the column itself is in it), the counts and the page come from the
            # indexes alone.
            models.Index(
                Upper("actor_label"),
                "created_at",
                "id",
                name="audit_actor_time",
                include=["actor_label"],
            ),
            models.Index(
                Upper("subject_ref"),
                "created_at",
                "id",
                name="audit_user_subject_time",
                condition=models.Q(subject_type="user"),
                include=["subject_ref", "actor_label"],
            ),
            models.Index(fields=["case_code", "created_at"], name="audit_case_time"),
            # Covering (PostgreSQL; elsewhere a plain index): the overview's alerts count the
            # reads of 44 days per user and day from the index alone.
            models.Index(
                fields=["action", "created_at"],
                include=["actor_label", "case_code"],
                name="audit_action_time",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.subject_ref}"
        )

    @property
    def action_label(self) -> str:
        """The action in Dutch (the code itself for an action this version does not know)."""
        return AuditAction(self.action).label if is_audit_action(self.action) else self.action

    def clean(self) -> None:
        super().clean()
        if not is_audit_action(self.action):
            raise ValidationError({"action": _("Onbekende handeling.")})


# AuditAction.values builds its list on every use: keep it as a set, per AuditAction class (a
# test extends the class in place of the module's).
_ACTIONS: tuple[type | None, frozenset[str]] = (None, frozenset())


def is_audit_action(value) -> bool:
    global _ACTIONS
    if _ACTIONS[0] is not AuditAction:
        _ACTIONS = (AuditAction, frozenset(AuditAction.values))
    return str(value) in _ACTIONS[1]


class AuditChainHead(models.Model):
    """The head of one chain: serialises that chain's writers (select_for_update) and holds its
    last MAC. One row per chain, primary key = chain + 1 (audit/services.py picks the chain)."""

    last_hash = models.CharField(max_length=64)
    # Rows written since the last automatic checkpoint was scheduled (audit/services.py).
    since_checkpoint = models.PositiveIntegerField(default=0)
    chain = models.PositiveSmallIntegerField(default=0, unique=True)

    class Meta:
        verbose_name = _("auditketen")

    def __str__(self) -> str:
        return self.last_hash


class DeletionLog(AppendOnlyModel):
    """What `inbeeld retention apply` removed or anonymised, per category and run."""

    run_at = models.DateTimeField(_("tijdstip"))
    category = models.CharField(_("categorie"), max_length=40)
    period = models.CharField(_("bewaartermijn"), max_length=40)
    count = models.PositiveIntegerField(_("aantal"))
    detail = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-run_at", "category"]
        verbose_name = _("verwijderlog")
        verbose_name_plural = _("verwijderlog")

    def __str__(self) -> str:
        return f"{self.run_at:%Y-%m-%d} {self.category}: {self.count}"
