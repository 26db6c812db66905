"""Suspects (perpetrators, clients) and non-punishment (issue 17, ADR 0023).

A Suspect is pseudonymised like a case: a random code, no name, optionally keyed linkage keys of
partner identifiers (HMAC, never the identifier). It is linked to cases by SuspectCaseLink rows
(role and relationship to the victim). Per suspect and case, the prosecution has its own small
timeline of ProceedingEntry rows (decision, trial hearing, verdict with sentence), replayed
through suspects.workflow. NonPunishmentEntry rows record, on a case, that the victim was
registered as a suspect or prosecuted for an offence committed under exploitation, the
non-punishment assessment and its outcome.

Every row that records something is append-only (ADR 0015): a correction is a new row that
supersedes the old one, a mistake is withdrawn by a withdrawal row; only standing rows count.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from inbeeld.audit.models import AppendOnlyModel
from inbeeld.cases.models import (
    CODE_ALPHABET,
    AgeBand,
    Case,
    Gender,
    NoteFamily,
    Withdrawal,
    standing,
)
from inbeeld.crypto import decrypt_text
from inbeeld.stats import vocabulary as ev


def new_suspect_code() -> str:
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"VD-{chars[:4]}-{chars[4:]}"


class SuspectRole(models.TextChoices):
    EXPLOITER = "exploiter", _("uitbuiter")
    RECRUITER = "recruiter", _("ronselaar of tussenpersoon")
    CLIENT = "client", _("klant")
    FACILITATOR = "facilitator", _("faciliteerder")


class Relationship(models.TextChoices):
    PARENT = "parent", _("ouder of verzorger")
    FAMILY = "family", _("ander familielid")
    PARTNER = "partner", _("partner (loverboy)")
    ACQUAINTANCE = "acquaintance", _("bekende")
    STRANGER = "stranger", _("onbekende")
    NETWORK = "network", _("netwerk")


class Suspect(models.Model):
    code = models.CharField(
        _("code verdachte"), max_length=20, unique=True, default=new_suspect_code
    )
    # Pseudonymised attributes (what researchers may see).
    age_band = models.CharField(
        _("leeftijdscategorie"), max_length=10, choices=AgeBand.choices, default=AgeBand.UNKNOWN
    )
    gender = models.CharField(
        _("gender"), max_length=10, choices=Gender.choices, default=Gender.UNKNOWN
    )
    created_at = models.DateTimeField(_("geregistreerd op"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("verdachte")
        verbose_name_plural = _("verdachten")

    def __str__(self) -> str:
        return self.code


class SuspectLinkageKey(models.Model):
    """A keyed pseudonym (HMAC) of a partner identifier of a suspect, as cases.LinkageKey."""

    class IdentifierType(models.TextChoices):
        POLICE_REGISTRATION = "police_registration", _("Registratienummer politie")
        PARKET_NUMBER = "parket_number", _("Parketnummer OM")
        BSN = "bsn", _("Burgerservicenummer")
        OTHER = "other", _("Ander kenmerk")

    suspect = models.ForeignKey(Suspect, on_delete=models.CASCADE, related_name="linkage_keys")
    identifier_type = models.CharField(
        _("soort kenmerk"), max_length=30, choices=IdentifierType.choices
    )
    key = models.CharField(_("koppelsleutel"), max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["suspect", "key"], name="unique_suspect_linkage_key")
        ]
        verbose_name = _("koppelsleutel verdachte")
        verbose_name_plural = _("koppelsleutels verdachten")

    def __str__(self) -> str:
        return f"{self.suspect_id}:{self.identifier_type}"


class Recorded(AppendOnlyModel):
    """What every recorded row shares: who, for which organisation, when, and the row it
    corrects (``supersedes``, set by each subclass)."""

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vastgelegd door"),
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisatie"),
    )
    recorded_at = models.DateTimeField(_("vastgelegd op"))

    class Meta:
        abstract = True


class SuspectCaseLink(Recorded):
    """A suspect linked to a case, with their role and relationship to the victim. A note
    (encrypted, tagged with the writer's role family) is read only by that family."""

    ENCRYPTED_FIELDS = ("note_ciphertext",)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="suspect_links")
    suspect = models.ForeignKey(Suspect, on_delete=models.PROTECT, related_name="case_links")
    role = models.CharField(_("rol"), max_length=20, choices=SuspectRole.choices)
    relationship = models.CharField(
        _("relatie tot het slachtoffer"), max_length=20, choices=Relationship.choices
    )
    note_ciphertext = models.TextField(blank=True)
    note_family = models.CharField(max_length=20, choices=NoteFamily.choices, blank=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("koppeling verdachte aan casus")
        verbose_name_plural = _("koppelingen verdachten aan casussen")

    def __str__(self) -> str:
        return f"{self.suspect_id}@{self.case_id}:{self.role}"

    @property
    def note(self) -> str:
        return decrypt_text(self.note_ciphertext) if self.note_ciphertext else ""


class LinkWithdrawal(Withdrawal):
    link = models.OneToOneField(
        SuspectCaseLink, on_delete=models.CASCADE, related_name="withdrawal"
    )

    class Meta:
        verbose_name = _("intrekking van een koppeling verdachte")
        verbose_name_plural = _("intrekkingen van koppelingen verdachten")


class ProceedingKind(models.TextChoices):
    DECISION = "decision", _("Vervolgingsbeslissing")
    TRIAL = "trial", _("Zitting")
    VERDICT = "verdict", _("Uitspraak")


class Decision(models.TextChoices):
    SUMMONS = "summons", _("dagvaarding")
    PENALTY_ORDER = "penalty_order", _("strafbeschikking")
    CONDITIONAL_DISMISSAL = "conditional_dismissal", _("voorwaardelijk sepot")
    DISMISSAL = "dismissal", _("sepot")


class DismissalGround(models.TextChoices):
    """Sepotgronden: technical (insufficient evidence, ...) or policy."""

    INSUFFICIENT_EVIDENCE = "insufficient_evidence", _("onvoldoende bewijs (technisch sepot)")
    NOT_PUNISHABLE = "not_punishable", _("feit niet strafbaar of dader niet strafbaar")
    POLICY = "policy", _("beleidssepot (algemeen belang)")
    NON_PUNISHMENT = "non_punishment", _("non-punishmentbeginsel")
    OTHER = "other", _("andere grond")


class Verdict(models.TextChoices):
    CONVICTION = "conviction", _("veroordeling")
    ACQUITTAL = "acquittal", _("vrijspraak")
    DISCHARGE = "discharge", _("ontslag van alle rechtsvervolging")
    INADMISSIBLE = "inadmissible", _("OM niet-ontvankelijk")
    GUILTY_NO_PENALTY = "guilty_no_penalty", _("schuldig zonder straf")


class SentenceType(models.TextChoices):
    PRISON = "prison", _("gevangenisstraf")
    YOUTH_DETENTION = "youth_detention", _("jeugddetentie")
    COMMUNITY_SERVICE = "community_service", _("taakstraf")
    FINE = "fine", _("geldboete")
    MEASURE_ONLY = "measure_only", _("alleen een maatregel")


class Measure(models.TextChoices):
    TBS = "tbs", _("tbs")
    PIJ = "pij", _("PIJ-maatregel")
    CONTACT_BAN = "contact_ban", _("contactverbod")
    AREA_BAN = "area_ban", _("locatie- of gebiedsverbod")
    COMPENSATION = "compensation", _("schadevergoedingsmaatregel")
    CONFISCATION = "confiscation", _("ontneming wederrechtelijk voordeel")
    OTHER = "other", _("andere maatregel")


class ProceedingEntry(Recorded):
    """One step of the prosecution of one suspect in one case: the decision (with the ground of
    a dismissal), a trial hearing, or the verdict (with the sentence on a conviction)."""

    # The (case, suspect, date) index in Meta starts with it (ADR 0026).
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="suspect_proceedings", db_index=False
    )
    suspect = models.ForeignKey(Suspect, on_delete=models.PROTECT, related_name="proceedings")
    kind = models.CharField(_("stap"), max_length=20, choices=ProceedingKind.choices)
    date = models.DateField(_("datum"))
    decision = models.CharField(
        _("beslissing"), max_length=30, choices=Decision.choices, blank=True
    )
    ground = models.CharField(
        _("sepotgrond"), max_length=30, choices=DismissalGround.choices, blank=True
    )
    verdict = models.CharField(_("uitspraak"), max_length=30, choices=Verdict.choices, blank=True)
    sentence_type = models.CharField(
        _("soort straf"), max_length=30, choices=SentenceType.choices, blank=True
    )
    unconditional_months = models.DecimalField(
        _("onvoorwaardelijk (maanden)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    conditional_months = models.DecimalField(
        _("voorwaardelijk (maanden)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    community_service_hours = models.PositiveSmallIntegerField(
        _("taakstraf (uren)"), null=True, blank=True
    )
    measures = models.JSONField(_("maatregelen"), default=list, blank=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["case", "suspect", "date"])]
        verbose_name = _("stap in de vervolging van een verdachte")
        verbose_name_plural = _("stappen in de vervolging van verdachten")

    def __str__(self) -> str:
        return f"{self.suspect_id}@{self.case_id}:{self.kind}@{self.date}"


class ProceedingWithdrawal(Withdrawal):
    entry = models.OneToOneField(
        ProceedingEntry, on_delete=models.CASCADE, related_name="withdrawal"
    )

    class Meta:
        verbose_name = _("intrekking van een vervolgingsstap")
        verbose_name_plural = _("intrekkingen van vervolgingsstappen")


class NonPunishmentStep(models.TextChoices):
    SUSPECTED = "suspected", _("Slachtoffer als verdachte geregistreerd")
    PROSECUTED = "prosecuted", _("Slachtoffer vervolgd")
    ASSESSED = "assessed", _("Toets non-punishmentbeginsel")
    OUTCOME = "outcome", _("Afloop")


class Offence(models.TextChoices):
    DRUGS = "drugs", _("drugshandel of -transport")
    MONEY_MULE = "money_mule", _("geldezel of bankpas uitlenen")
    THEFT = "theft", _("diefstal of inbraak")
    OTHER = "other", _("ander strafbaar feit")


class Assessment(models.TextChoices):
    APPLIES = "applies", _("feit gepleegd onder uitbuiting: beginsel van toepassing")
    DOES_NOT_APPLY = "does_not_apply", _("beginsel niet van toepassing")
    UNDETERMINED = "undetermined", _("nog niet vast te stellen")


class NonPunishmentOutcome(models.TextChoices):
    NOT_PROSECUTED = "not_prosecuted", _("niet vervolgd op grond van het beginsel")
    DISMISSED = "dismissed", _("geseponeerd")
    ACQUITTED = "acquitted", _("vrijgesproken of ontslagen van rechtsvervolging")
    CONVICTED = "convicted", _("toch veroordeeld")


# The outcomes in which the principle was applied (the monitor's "toegepast").
NON_PUNISHMENT_APPLIED = frozenset(
    {
        NonPunishmentOutcome.NOT_PROSECUTED,
        NonPunishmentOutcome.DISMISSED,
        NonPunishmentOutcome.ACQUITTED,
    }
)


class NonPunishmentEntry(Recorded):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="non_punishment_entries")
    step = models.CharField(_("stap"), max_length=20, choices=NonPunishmentStep.choices)
    date = models.DateField(_("datum"))
    offence = models.CharField(_("strafbaar feit"), max_length=20, choices=Offence.choices)
    assessment = models.CharField(_("toets"), max_length=20, choices=Assessment.choices, blank=True)
    outcome = models.CharField(
        _("afloop"), max_length=20, choices=NonPunishmentOutcome.choices, blank=True
    )

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("non-punishment")
        verbose_name_plural = _("non-punishment")

    def __str__(self) -> str:
        return f"{self.case_id}:{self.step}@{self.date}"


class NonPunishmentWithdrawal(Withdrawal):
    entry = models.OneToOneField(
        NonPunishmentEntry, on_delete=models.CASCADE, related_name="withdrawal"
    )

    class Meta:
        verbose_name = _("intrekking non-punishment")
        verbose_name_plural = _("intrekkingen non-punishment")


def _mo(dimension: str) -> dict:
    return {"dimension": dimension}


class ModusOperandiRecord(Recorded):
    """How the exploitation in a case went (issue 17 item 4), one row per recording; the newest
    row is the case's current modus operandi (a correction is a new row, nothing is updated).
    Values come from the versioned reference list; platforms are recorded by category only."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="modus_operandi")
    criminal_subform = models.ForeignKey(
        "reference.ModusOperandiValue",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to=_mo("criminal_subform"),
        verbose_name=_("vorm van criminele uitbuiting"),
    )
    location = models.ForeignKey(
        "reference.ModusOperandiValue",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=_mo("location"),
        verbose_name=_("plaats van uitbuiting"),
    )
    recruitment_channel = models.ForeignKey(
        "reference.ModusOperandiValue",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to=_mo("recruitment_channel"),
        verbose_name=_("wervingskanaal"),
    )
    advertisement_found = models.BooleanField(_("advertentie gevonden"), null=True)
    platform_category = models.ForeignKey(
        "reference.ModusOperandiValue",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to=_mo("platform_category"),
        verbose_name=_("soort platform"),
    )
    platform_notified = models.BooleanField(_("platform ingelicht"), null=True)
    taken_down = models.BooleanField(_("offline gehaald"), null=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("modus operandi")
        verbose_name_plural = _("modus operandi")

    def __str__(self) -> str:
        return f"{self.case_id}:mo@{self.recorded_at:%Y-%m-%d}"


class SafetyFactKind(models.TextChoices):
    """Issue 17 item 5: the safety and secondary-victimisation covariates of a case."""

    THREAT = "threat", _("bedreiging gemeld na de aangifte")
    CONTACT_BAN = "contact_ban", _("beschermende maatregel: contactverbod")
    SAFE_HOUSING = "safe_housing", _("beschermende maatregel: veilige opvang")
    SHIELDED_WITNESS = "shielded_witness", _("beschermende maatregel: afgeschermde getuige")
    SUSPECT_RELEASED = "suspect_released", _("verdachte vrijgelaten uit voorarrest")
    INFORMATIVE_INTERVIEW = ev.INFORMATIVE_INTERVIEW, _("verhaal verteld: informatief gesprek")
    COMPLAINT = "complaint", _("verhaal verteld: aangifte")
    STUDIO_INTERVIEW = "studio_interview", _("verhaal verteld: studioverhoor")
    RC_HEARING = ev.RC_HEARING, _("verhaal verteld: verhoor bij de rechter-commissaris")
    TRIAL = "trial", _("verhaal verteld: op de zitting")


STORY_TOLD = frozenset(
    {
        SafetyFactKind.INFORMATIVE_INTERVIEW,
        SafetyFactKind.COMPLAINT,
        SafetyFactKind.STUDIO_INTERVIEW,
        SafetyFactKind.RC_HEARING,
        SafetyFactKind.TRIAL,
    }
)


class SafetyFact(Recorded):
    """One recorded safety fact of a case (threat, protective measure, release of a suspect, a
    time the victim told the story), with its date. Append-only: a correction is a new fact that
    supersedes it, a mistake is withdrawn by a SafetyFactWithdrawal (ADR 0015); only standing
    facts (EFFECTIVE_SAFETY_FACT) count, also in times_story_told."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="safety_facts")
    kind = models.CharField(_("soort"), max_length=30, choices=SafetyFactKind.choices)
    date = models.DateField(_("datum"))
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("veiligheidsfeit")
        verbose_name_plural = _("veiligheidsfeiten")

    def __str__(self) -> str:
        return f"{self.case_id}:{self.kind}@{self.date}"


class SafetyFactWithdrawal(Withdrawal):
    fact = models.OneToOneField(SafetyFact, on_delete=models.CASCADE, related_name="withdrawal")

    class Meta:
        verbose_name = _("intrekking van een veiligheidsfeit")
        verbose_name_plural = _("intrekkingen van veiligheidsfeiten")


_STANDING = {
    "EFFECTIVE_LINK": (SuspectCaseLink, LinkWithdrawal, "link"),
    "EFFECTIVE_PROCEEDING": (ProceedingEntry, ProceedingWithdrawal, "entry"),
    "EFFECTIVE_SAFETY_FACT": (SafetyFact, SafetyFactWithdrawal, "fact"),
}


def __getattr__(name: str):
    if name in _STANDING:
        value = globals()[name] = standing(*_STANDING[name])
        return value
    if name == "EFFECTIVE_NON_PUNISHMENT":
        from django.db.models import Exists, OuterRef

        value = ~Exists(NonPunishmentWithdrawal.objects.filter(entry=OuterRef("pk")))
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
