"""The roles a membership can carry. Plain data below every app, so policy.py (the rules per
role) and accounts (who has which role) both import it and neither imports the other for it
(ADR 0012). accounts.models re-exports Role."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
