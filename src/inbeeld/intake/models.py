"""Early signals (vroegsignalering): what a school, sports club or care worker noticed, routed to
the safety coordinators of a police unit and triaged there.

A Signal is the current state (status, routing, link to a case); its history is a list of
SignalEvents that is only appended to. Everything that could identify a person is encrypted at rest
(the name of the person it is about, the free text, the signaller's contact details, messages) and
shown only to the safety coordinators of the signal's unit; a signaller sees the status and the
coordinator's messages of their own signals, never case data.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from inbeeld.audit.models import AppendOnlyModel
from inbeeld.cases.models import AgeBand, Gender
from inbeeld.crypto import decrypt_text
from inbeeld.intake.workflow import NoActionReason, SignalStatus
from inbeeld.reference.models import Indicator, IndicatorCatalogueVersion, PoliceUnit

# The same look-alike-free alphabet as case codes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_signal_reference() -> str:
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"SG-{chars[:4]}-{chars[4:]}"


def new_receipt_code() -> str:
    """A secret code (12 characters, about 59 bits) that lets an anonymous submitter check the
    status; only its keyed hash is stored."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


class SignallerType(models.TextChoices):
    SCHOOL = "school", _("School")
    SPORTS_CLUB = "sports_club", _("Sportvereniging")
    CARE = "care", _("Zorgorganisatie")
    NEIGHBOURHOOD_TEAM = "neighbourhood_team", _("Wijkteam")
    OTHER = "other", _("Anders")
    # Someone who reports as a private person (a parent, neighbour, friend): no organisation.
    PRIVATE = "private", _("Privépersoon")


class Urgency(models.TextChoices):
    ACUTE = "acute", _("Acuut gevaar")
    NORMAL = "normal", _("Geen acuut gevaar")


class Channel(models.TextChoices):
    ACCOUNT = "account", _("Ingelogde signaalgever")
    PUBLIC = "public", _("Openbaar formulier")
    LINK = "link", _("Eenmalige link")
    # A partner's file, imported by the unit's coordinator (imports app, ADR 0022).
    IMPORT = "import", _("Bestandsimport")


class IntakeLink(models.Model):
    """A one-time link a coordinator makes for someone without an account (e.g. a sports coach).
    Only a hash of the token is stored; the link works once, until it expires."""

    ENCRYPTED_FIELDS = ("label_ciphertext",)

    token_hash = models.CharField(max_length=64, unique=True)
    police_unit = models.ForeignKey(
        PoliceUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("eenheid")
    )
    # "For whom" is free text (often a name): encrypted at rest like every free text.
    label_ciphertext = models.TextField(_("voor wie (intern, versleuteld)"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("gemaakt door"),
    )
    created_at = models.DateTimeField(_("gemaakt op"))
    expires_at = models.DateTimeField(_("geldig tot"))
    used_at = models.DateTimeField(_("gebruikt op"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("eenmalige meldlink")
        verbose_name_plural = _("eenmalige meldlinks")

    def __str__(self) -> str:
        return f"{_('meldlink')} {self.pk} ({self.police_unit})"

    @property
    def label(self) -> str:
        """The decrypted "for whom" (for the coordinators' list of links)."""
        return decrypt_text(self.label_ciphertext)


class Signal(models.Model):
    ENCRYPTED_FIELDS = ("subject_name_ciphertext", "description_ciphertext", "contact_ciphertext")

    reference = models.CharField(
        _("kenmerk"), max_length=20, unique=True, default=new_signal_reference
    )
    # Keyed hash of the receipt code (anonymous channels only).
    receipt_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # The reporter's own second factor for a locked code (intake/receipts.py): the question they
    # picked and a slow keyed hash of their answer; never the answer itself.
    recovery_question = models.CharField(max_length=20, blank=True)
    recovery_answer_hash = models.CharField(max_length=200, blank=True)
    channel = models.CharField(_("kanaal"), max_length=10, choices=Channel.choices)
    intake_link = models.OneToOneField(
        IntakeLink, on_delete=models.PROTECT, null=True, blank=True, related_name="signal"
    )
    signaller_type = models.CharField(
        _("soort signaalgever"), max_length=30, choices=SignallerType.choices
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisatie signaalgever"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submitted_signals",
        verbose_name=_("ingediend door"),
    )
    catalogue_version = models.ForeignKey(
        IndicatorCatalogueVersion,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("versie signalenlijst"),
    )
    indicators = models.ManyToManyField(
        Indicator, blank=True, related_name="+", verbose_name=_("signalen")
    )
    age_band = models.CharField(_("leeftijd"), max_length=10, choices=AgeBand.choices)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    subject_name_ciphertext = models.TextField(blank=True)
    police_unit = models.ForeignKey(
        PoliceUnit, on_delete=models.PROTECT, related_name="signals", verbose_name=_("eenheid")
    )
    municipality = models.CharField(_("gemeente"), max_length=80, blank=True)
    urgency = models.CharField(_("urgentie"), max_length=10, choices=Urgency.choices)
    description_ciphertext = models.TextField(blank=True)
    contact_ciphertext = models.TextField(blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SignalStatus.choices,
        default=SignalStatus.RECEIVED,
        db_index=True,
    )
    no_action_reason = models.CharField(
        _("reden geen actie"), max_length=30, choices=NoActionReason.choices, blank=True
    )
    received_at = models.DateTimeField(_("ontvangen op"), db_index=True)
    acknowledge_due_at = models.DateTimeField(_("in behandeling nemen vóór"))
    decision_due_at = models.DateTimeField(_("besluit vóór"))
    acknowledged_at = models.DateTimeField(_("in behandeling genomen op"), null=True, blank=True)
    decided_at = models.DateTimeField(_("besluit op"), null=True, blank=True)
    # An open question to the signaller (set when asked, cleared when answered; a conversion into
    # a case leaves it open: the signaller can still answer).
    question_open = models.BooleanField(_("vraag openstaand"), default=False)
    # The signaller answered and no coordinator has acted on the signal since ("antwoord
    # ontvangen" in the queue); cleared by the next coordinator step or by "gelezen".
    answer_pending = models.BooleanField(_("antwoord ontvangen"), default=False)
    # When the coordinator last did something the signaller sees (status, question, conversion),
    # and when the signaller (with an account) last opened the signal: "new" is the first after
    # the second.
    signaller_news_at = models.DateTimeField(
        _("nieuws voor signaalgever op"), null=True, blank=True
    )
    signaller_seen_at = models.DateTimeField(
        _("door signaalgever bekeken op"), null=True, blank=True
    )
    # When the coordinators were last e-mailed that this signal is overdue (`inbeeld notify
    # overdue` mails each signal once per missed time target).
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    case = models.OneToOneField(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signal",
        verbose_name=_("casus"),
    )
    # Who works on the signal now (issue 14 item 8): set through services.signal_assign, audited.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_signals",
        verbose_name=_("behandelaar"),
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["police_unit", "status", "received_at"])]
        verbose_name = _("signaal")
        verbose_name_plural = _("signalen")

    def __str__(self) -> str:
        return self.reference

    @property
    def is_acute(self) -> bool:
        return self.urgency == Urgency.ACUTE

    @property
    def has_news_for_signaller(self) -> bool:
        """Something the signaller has not seen yet: a new status, message or question."""
        if self.signaller_news_at is None:
            return False
        return self.signaller_seen_at is None or self.signaller_news_at > self.signaller_seen_at


class SignalEvent(AppendOnlyModel):
    """One step in a signal's history: received, status change, re-routing, question, answer."""

    ENCRYPTED_FIELDS = ("text_ciphertext", "message_ciphertext")

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Ontvangen")
        STATUS = "status", _("Status gewijzigd")
        REROUTED = "rerouted", _("Doorgestuurd naar andere eenheid")
        QUESTION = "question", _("Vraag aan signaalgever")
        ANSWER = "answer", _("Antwoord van signaalgever")
        CONVERTED = "converted", _("Omgezet in casus")

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=20, choices=SignalStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=SignalStatus.choices, blank=True)
    from_unit = models.ForeignKey(
        PoliceUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_unit = models.ForeignKey(
        PoliceUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=30, blank=True)
    # Internal text for the coordinators (reason for re-routing, triage note) or the question /
    # answer itself; encrypted.
    text_ciphertext = models.TextField(blank=True)
    # The short message the signaller sees with this step; encrypted.
    message_ciphertext = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("tijdstip"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("signaalgebeurtenis")
        verbose_name_plural = _("signaalgebeurtenissen")

    def __str__(self) -> str:
        return f"{self.signal_id}:{self.kind}"

    @property
    def visible_to_signaller(self) -> bool:
        return self.kind in (
            self.Kind.RECEIVED,
            self.Kind.STATUS,
            self.Kind.QUESTION,
            self.Kind.ANSWER,
            self.Kind.CONVERTED,
        )


class PublicIntakeAttempt(models.Model):
    """Rate limiting of the anonymous pages: one row per request, keyed by a hash of the address
    (never the address itself). Old rows are removed as new ones are counted."""

    client_hash = models.CharField(max_length=64, db_index=True)
    scope = models.CharField(max_length=20)
    created_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.scope}@{self.created_at:%Y-%m-%d %H:%M}"


class PublicSubmission(models.Model):
    """A one-time form token that has been used to submit a signal (issue 14 item 4).

    The signal form carries a signed one-time token (intake/receipts.py); submitting claims it
    here in the same transaction as the signal, under a unique hash, so a reload, a second click
    or the browser's "resend" never stores the signal twice: the second claim fails and the
    submitter sees "al verzonden". Only the token's hash is kept, never the token.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    signal = models.OneToOneField(
        Signal, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.token_hash[:8]}@{self.created_at:%Y-%m-%d %H:%M}"
