"""Cases and their chain timeline.

A Case is one pseudonymised victim trajectory: a random public code, no names. Its timeline is a
list of ChainEvents that is only ever appended to; a correction is a new event that supersedes the
old one, and an event entered by mistake is withdrawn by an EventWithdrawal row (who, when, which
reason): it stays on the timeline, struck through, and leaves every replay and figure. Free text in an event is stored encrypted (see inbeeld.crypto) and tagged with the role
family that wrote it, so the policy can show it only to that family.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inbeeld.audit.models import AppendOnlyModel
from inbeeld.cases.workflow import Status
from inbeeld.crypto import decrypt_text, encrypt_text
from inbeeld.reference.models import (
    ChainEventType,
    Court,
    ExploitationForm,
    PoliceUnit,
)

# Crockford-style alphabet without look-alikes (no 0/O, 1/I/L, U).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_case_code() -> str:
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"IB-{chars[:4]}-{chars[4:]}"


def event_type_label(code: str) -> str:
    label = ChainEventType.objects.filter(code=code).values_list("label", flat=True).first()
    return label or code


class AgeBand(models.TextChoices):
    UNDER_12 = "0-11", _("jonger dan 12")
    FROM_12 = "12-15", _("12–15 jaar")
    FROM_16 = "16-17", _("16–17 jaar")
    FROM_18 = "18-22", _("18–22 jaar")
    FROM_23 = "23-29", _("23–29 jaar")
    FROM_30 = "30-49", _("30–49 jaar")
    FROM_50 = "50+", _("50 jaar of ouder")
    UNKNOWN = "unknown", _("onbekend")


MINOR_AGE_BANDS = {AgeBand.UNDER_12, AgeBand.FROM_12, AgeBand.FROM_16}


class Gender(models.TextChoices):
    FEMALE = "female", _("vrouw")
    MALE = "male", _("man")
    OTHER = "other", _("anders")
    UNKNOWN = "unknown", _("onbekend")


class NationalityGroup(models.TextChoices):
    NL = "nl", _("Nederlands")
    EU = "eu", _("EU (niet Nederlands)")
    NON_EU = "non_eu", _("buiten de EU")
    UNKNOWN = "unknown", _("onbekend")


class DatePrecision(models.TextChoices):
    DAY = "day", _("dag")
    MONTH = "month", _("maand")
    YEAR = "year", _("jaar")


class NoteFamily(models.TextChoices):
    POLICE = "police", _("politie")
    CARE = "care", _("zorg")
    PROSECUTION = "prosecution", _("openbaar ministerie")
    JUDICIARY = "judiciary", _("rechtspraak")


class Case(models.Model):
    code = models.CharField(_("casuscode"), max_length=20, unique=True, default=new_case_code)
    # No index of its own: (police_unit, intake_date) in Meta starts with it (ADR 0026).
    police_unit = models.ForeignKey(
        PoliceUnit,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("eenheid"),
        db_index=False,
    )
    court = models.ForeignKey(
        Court,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("rechtbank"),
    )
    exploitation_forms = models.ManyToManyField(
        ExploitationForm, related_name="cases", verbose_name=_("uitbuitingsvormen")
    )
    minor_at_intake = models.BooleanField(_("minderjarig bij instroom"))
    age_band = models.CharField(_("leeftijdscategorie"), max_length=10, choices=AgeBand.choices)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    nationality_group = models.CharField(
        _("nationaliteit"), max_length=10, choices=NationalityGroup.choices
    )
    intake_date = models.DateField(_("datum instroom"), db_index=True)
    status = models.CharField(
        _("fase"), max_length=20, choices=Status.choices, default=Status.INTAKE, db_index=True
    )
    # Current research consent (cache of the latest ConsentRecord): only cases with consent given
    # and not withdrawn reach researchers and research extracts.
    research_consent = models.BooleanField(
        _("toestemming onderzoek"), default=False, db_default=False, db_index=True
    )
    # Whether that latest ConsentRecord also covers the monitor (scope "evaluation and monitor"):
    # kept with research_consent in the consent service's transaction, so the monitor's scope is a
    # column filter instead of a latest-record subquery per case (issue 15 item 3, ADR 0028).
    monitor_consent = models.BooleanField(_("toestemming monitor"), default=False, db_default=False)
    # Optimistic locking: every change bumps the version; a writer that read an older version
    # gets a conflict instead of overwriting.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("geregistreerd op"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("geregistreerd door"),
    )
    # Who works on the case now (issue 14 item 8): set through services.case_assign, audited.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_cases",
        verbose_name=_("behandelaar"),
    )

    class Meta:
        ordering = ["-intake_date", "-id"]
        # With the id the index covers a unit's list in its default order: the count and the keys
        # of a deep page (web.KeysFirstPaginator) come from the index alone.
        indexes = [models.Index(fields=["police_unit", "intake_date", "id"])]
        verbose_name = _("casus")
        verbose_name_plural = _("casussen")

    def __str__(self) -> str:
        return self.code


class CaseAssignment(models.Model):
    """A case-bound role (psychologist, peer expert) assigned to one case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_assignments"
    )
    role = models.CharField(_("rol"), max_length=30)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user", "role"], name="unique_assignment")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.role}:{self.user_id}"


class ChainEvent(AppendOnlyModel):
    # Columns holding ciphertext; `inbeeld rotate_keys` re-encrypts them under the newest key.
    ENCRYPTED_FIELDS = ("note_ciphertext",)

    # No index of its own: (case, event_type, event_date) below starts with it (one index fewer
    # to maintain on the largest table; ADR 0026).
    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("casus"),
        db_index=False,
    )
    event_type = models.ForeignKey(
        ChainEventType, on_delete=models.PROTECT, related_name="+", verbose_name=_("gebeurtenis")
    )
    outcome = models.CharField(_("uitkomst of reden"), max_length=40, blank=True)
    event_date = models.DateField(_("datum"))
    date_precision = models.CharField(
        _("nauwkeurigheid datum"),
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisatie"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vastgelegd door"),
    )
    note_ciphertext = models.TextField(blank=True)
    note_family = models.CharField(max_length=20, choices=NoteFamily.choices, blank=True)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("corrigeert"),
    )
    recorded_at = models.DateTimeField(_("vastgelegd op"))

    class Meta:
        ordering = ["event_date", "id"]
        # "The first event of type X of each case" (index date, lead times) needs this index;
        # without it SQLite scans by event type and the dashboard grows with cases squared.
        # The data cut-off (the last effective event in scope) walks the dates backwards and
        # stops at the first that counts: 0.5 ms instead of 46 s at 1M cases (issue 15 item 3).
        indexes = [
            models.Index(fields=["case", "event_type", "event_date"]),
            models.Index(fields=["event_date"], name="chainevent_date"),
        ]
        verbose_name = _("ketengebeurtenis")
        verbose_name_plural = _("ketengebeurtenissen")

    def __str__(self) -> str:
        return f"{self.case_id}:{self.event_type_id}@{self.event_date}"


class WithdrawalReason(models.TextChoices):
    """Why an entry (a chain event, a pilot delivery) was withdrawn. A fixed list, not free text:
    the reason is shown to everyone who sees the entry and kept in the audit row, where free text
    never goes (ADR 0015)."""

    MISTAKE = "mistake", _("Per vergissing vastgelegd")
    WRONG_CASE = "wrong_case", _("Bij de verkeerde casus vastgelegd")
    DUPLICATE = "duplicate", _("Dubbel vastgelegd")
    DID_NOT_HAPPEN = "did_not_happen", _("Heeft niet plaatsgevonden")


class Withdrawal(AppendOnlyModel):
    """What every withdrawal records (ADR 0015): why, by whom, for which organisation, when.
    Append-only; the withdrawn entry stays on record. Chain events (below) and pilot deliveries
    (pilot.models.DeliveryWithdrawal) each add the one-to-one link to what they withdraw."""

    reason = models.CharField(_("reden"), max_length=20, choices=WithdrawalReason.choices)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ingetrokken door"),
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisatie"),
    )
    withdrawn_at = models.DateTimeField(_("ingetrokken op"))

    class Meta:
        abstract = True

    @classmethod
    def append(cls, *, actor, reason: str, memberships, **withdrawn):
        """Write one validated withdrawal by ``actor``, for the organisation of the first of
        their ``memberships`` that allowed it; ``withdrawn``: the link to what is withdrawn."""
        row = cls(
            reason=reason,
            withdrawn_by=actor,
            organisation=memberships[0].organisation if memberships else None,
            withdrawn_at=timezone.now(),
            **withdrawn,
        )
        row.full_clean()
        row.save()
        return row


class EventWithdrawal(Withdrawal):
    """An event entered by mistake, withdrawn: the event stays on record (shown struck through
    with who, when and why) and no longer counts anywhere (EFFECTIVE_EVENT)."""

    event = models.OneToOneField(
        ChainEvent,
        on_delete=models.CASCADE,
        related_name="withdrawal",
        verbose_name=_("ketengebeurtenis"),
    )

    class Meta:
        verbose_name = _("intrekking van een ketengebeurtenis")
        verbose_name_plural = _("intrekkingen van ketengebeurtenissen")

    def __str__(self) -> str:
        return f"{self.event_id} ingetrokken ({self.reason})"


# The one definition of an effective event (ADR 0010, ADR 0015): not superseded by a correction
# and not withdrawn. Every replay, figure, index date and retention rule reads events through it
# (``EFFECTIVE_EVENT``, a Q made on first use: its subqueries need the loaded models).
# Written as NOT EXISTS (anti-joins) rather than LEFT JOIN ... IS NULL: PostgreSQL estimated the
# latter at 1 row of 6.35 million and chose nested loops over every event (issue 15 item 3); the
# IS NOT NULL lets it read the few corrections from the unique index of ``supersedes``.
def standing(model, withdrawal_model, link: str) -> Q:
    """The rows of ``model`` (with a ``supersedes`` link) that stand: not superseded by a
    correction, not withdrawn (a ``withdrawal_model`` row whose ``link`` points at it)."""
    return Q(
        ~models.Exists(
            model.objects.filter(supersedes=models.OuterRef("pk"), supersedes__isnull=False)
        ),
        ~models.Exists(withdrawal_model.objects.filter(**{link: models.OuterRef("pk")})),
    )


def fallen_ids(model, withdrawal_model, link: str, *extra) -> list[models.QuerySet]:
    """The ids of the rows of ``model`` that do not stand (``standing``'s complement): those a
    correction supersedes, and those withdrawn — as two ``values_list`` querysets of the id and
    ``extra`` expressions, for a reader that drops them itself instead of asking the database
    for the anti-joins (analysis.builders.standing_event_rows)."""
    superseded = model.objects.filter(supersedes__isnull=False)
    return [
        superseded.values_list("supersedes_id", *extra).order_by(),
        withdrawal_model.objects.values_list(f"{link}_id", *extra).order_by(),
    ]


def _effective_event() -> Q:
    return standing(ChainEvent, EventWithdrawal, "event")


def __getattr__(name: str):
    if name == "EFFECTIVE_EVENT":
        value = globals()["EFFECTIVE_EVENT"] = _effective_event()
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class BreakGlassGrant(models.Model):
    """Time-limited access to a case outside the user's scope, given for a stated reason.

    The grant itself is never edited except by the privacy officer's review (justified or not),
    which is audited. Expired grants stay as evidence. The reason and the review note are free
    text: encrypted at rest (read through ``reason`` and ``review_note``), rotated with the keys,
    never copied into the audit log (its rows name the grant's id instead), and gone with the
    grant when retention removes it.
    """

    ENCRYPTED_FIELDS = ("reason_ciphertext", "review_note_ciphertext")

    class Review(models.TextChoices):
        PENDING = "pending", _("te beoordelen")
        JUSTIFIED = "justified", _("gerechtvaardigd")
        UNJUSTIFIED = "unjustified", _("niet gerechtvaardigd")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="break_glass_grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    reason_ciphertext = models.TextField(_("reden (versleuteld)"))
    granted_at = models.DateTimeField(_("verleend op"))
    expires_at = models.DateTimeField(_("geldig tot"), db_index=True)
    review = models.CharField(
        _("beoordeling"), max_length=20, choices=Review.choices, default=Review.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("beoordeeld op"), null=True, blank=True)
    review_note_ciphertext = models.TextField(
        _("toelichting beoordeling (versleuteld)"), blank=True
    )

    class Meta:
        ordering = ["-granted_at"]
        verbose_name = _("noodtoegang")
        verbose_name_plural = _("noodtoegangen")

    def __str__(self) -> str:
        return f"{self.user_id}@{self.case_id} {self.granted_at:%Y-%m-%d %H:%M}"

    @property
    def reason(self) -> str:
        """The decrypted reason: for the grant's holder and the privacy officer only."""
        return decrypt_text(self.reason_ciphertext)

    @reason.setter
    def reason(self, plaintext: str) -> None:
        self.reason_ciphertext = encrypt_text(plaintext)

    @property
    def review_note(self) -> str:
        """The privacy officer's decrypted review note: for the privacy officer only."""
        return decrypt_text(self.review_note_ciphertext)

    @review_note.setter
    def review_note(self, plaintext: str) -> None:
        self.review_note_ciphertext = encrypt_text(plaintext)


class LinkageKey(models.Model):
    """A keyed pseudonym (HMAC) of a partner identifier of the victim of a case.

    The identifier itself is never stored: only HMAC(key, type:identifier), with the key outside
    the database. The same victim registered by two sources (police, CoMensha, care, ...) gives
    the same linkage key, so overlaps can be counted (multiple-systems estimation) without anyone
    seeing the identifier.
    """

    class Source(models.TextChoices):
        POLICE = "police", _("Politie")
        KMAR = "kmar", _("Koninklijke Marechaussee")
        NLA = "nla", _("Nederlandse Arbeidsinspectie")
        COMENSHA = "comensha", _("CoMensha")
        CARE = "care", _("Zorg / opvang")
        OM = "om", _("Openbaar Ministerie")
        OTHER = "other", _("Andere bron")

    class IdentifierType(models.TextChoices):
        POLICE_REGISTRATION = "police_registration", _("Registratienummer politie")
        V_NUMBER = "v_number", _("V-nummer (vreemdelingennummer)")
        BSN = "bsn", _("Burgerservicenummer")
        COMENSHA_DOSSIER = "comensha_dossier", _("Dossiernummer CoMensha")
        CLIENT_NUMBER = "client_number", _("Cliëntnummer zorg")
        OTHER = "other", _("Ander kenmerk")

    # The unique (case, source, key) index starts with it (ADR 0026).
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="linkage_keys", db_index=False
    )
    source = models.CharField(_("bron"), max_length=20, choices=Source.choices)
    identifier_type = models.CharField(
        _("soort kenmerk"), max_length=30, choices=IdentifierType.choices
    )
    key = models.CharField(_("koppelsleutel"), max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "source", "key"], name="unique_linkage_key")
        ]
        verbose_name = _("koppelsleutel")
        verbose_name_plural = _("koppelsleutels")

    def __str__(self) -> str:
        return f"{self.case_id}:{self.source}"


class ConsentRecord(AppendOnlyModel):
    """One step in the research consent of a case: given (with scope) or withdrawn.

    The history is appended, never edited; Case.research_consent caches the current state (kept
    in the same transaction by cases.services.consent_record) so research selectors filter fast.
    """

    class Kind(models.TextChoices):
        GIVEN = "given", _("toestemming gegeven")
        WITHDRAWN = "withdrawn", _("toestemming ingetrokken")

    class Scope(models.TextChoices):
        EVALUATION = "evaluation", _("evaluatie van de proeftuin")
        EVALUATION_AND_MONITOR = "evaluation_monitor", _("evaluatie en monitor")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consent_records")
    kind = models.CharField(_("soort"), max_length=10, choices=Kind.choices)
    scope = models.CharField(_("reikwijdte"), max_length=30, choices=Scope.choices, blank=True)
    date = models.DateField(_("datum"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("toestemming onderzoek")
        verbose_name_plural = _("toestemmingen onderzoek")

    def __str__(self) -> str:
        return f"{self.case_id}:{self.kind}@{self.date}"


class SavedFilter(models.Model):
    """A named case-list filter a user keeps (issue 14 item 7): the list's query string."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_case_filters"
    )
    name = models.CharField(_("naam"), max_length=80)
    querystring = models.CharField(_("filter"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="unique_saved_filter_name")
        ]
        verbose_name = _("bewaard filter")
        verbose_name_plural = _("bewaarde filters")

    def __str__(self) -> str:
        return self.name
