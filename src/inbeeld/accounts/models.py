"""Users, organisations and memberships: who someone is, where they work, what role and scope.

A Membership carries exactly the scope its role needs (policy.ROLE_SCOPE): a police unit for
police officers and safety coordinators, an OM district for prosecutors, a court for examining
judges, nothing for national or case-assigned roles. Membership.clean() enforces that.
"""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from inbeeld.reference.models import Court, OMDistrict, PoliceUnit


class User(AbstractUser):
    """Custom user from day one; identity and credentials only, permissions live in Membership."""

    # Part of the session hash: raising it ends every session of the user ("log out everywhere").
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def _get_session_auth_hash(self, secret=None):
        key_salt = "inbeeld.accounts.User.get_session_auth_hash"
        value = f"{self.password}:{self.session_generation}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class Organisation(models.Model):
    class Type(models.TextChoices):
        POLICE = "police", _("Politie")
        OM = "om", _("Openbaar Ministerie")
        COURT = "court", _("Rechtbank")
        CARE = "care", _("Zorgorganisatie")
        SCHOOL = "school", _("School")
        SPORTS_CLUB = "sports_club", _("Sportvereniging")
        NEIGHBOURHOOD_TEAM = "neighbourhood_team", _("Wijkteam")
        RESEARCH = "research", _("Onderzoeksorganisatie")
        OTHER = "other", _("Anders")

    name = models.CharField(_("naam"), max_length=200, unique=True)
    type = models.CharField(_("soort"), max_length=30, choices=Type.choices)
    police_unit = models.ForeignKey(
        PoliceUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("eenheid (werkgebied)"),
    )
    is_active = models.BooleanField(_("actief"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    SIGNALLER = "signaller", _("Signaalgever")
    SAFETY_COORDINATOR = "safety_coordinator", _("Veiligheidscoördinator")
    POLICE_OFFICER = "police_officer", _("Politiemedewerker (AVIM)")
    PSYCHOLOGIST = "psychologist", _("Recherchepsycholoog")
    PROSECUTOR = "prosecutor", _("Officier van justitie")
    EXAMINING_JUDGE = "examining_judge", _("Rechter-commissaris")
    PEER_EXPERT = "peer_expert", _("Ervaringsdeskundige")
    RESEARCHER = "researcher", _("Onderzoeker")
    PRIVACY_OFFICER = "privacy_officer", _("Functionaris gegevensbescherming")
    ADMINISTRATOR = "administrator", _("Beheerder")


class Membership(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("gebruiker")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organisatie"),
    )
    role = models.CharField(_("rol"), max_length=30, choices=Role.choices)
    police_unit = models.ForeignKey(
        PoliceUnit, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("eenheid")
    )
    om_district = models.ForeignKey(
        OMDistrict, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("parket")
    )
    court = models.ForeignKey(
        Court, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("rechtbank")
    )
    is_active = models.BooleanField(_("actief"), default=True)
    created_at = models.DateTimeField(_("aangemaakt"), auto_now_add=True)

    class Meta:
        ordering = ["user", "role"]
        verbose_name = _("lidmaatschap")
        verbose_name_plural = _("lidmaatschappen")

    def __str__(self) -> str:
        scope = self.police_unit or self.om_district or self.court
        label = f"{self.user} – {self.get_role_display()} ({self.organisation})"
        return f"{label} – {scope}" if scope else label

    def clean(self) -> None:
        from inbeeld.policy import ROLE_SCOPE, Scope

        needed = ROLE_SCOPE.get(self.role)
        given = {
            Scope.POLICE_UNIT: self.police_unit_id,
            Scope.OM_DISTRICT: self.om_district_id,
            Scope.COURT: self.court_id,
        }
        errors = {}
        for scope, value in given.items():
            field = scope.value
            if scope == needed and value is None:
                errors[field] = _("Deze rol vereist dit werkgebied.")
            elif scope != needed and value is not None:
                errors[field] = _("Deze rol heeft geen werkgebied van dit soort.")
        if errors:
            raise ValidationError(errors)
