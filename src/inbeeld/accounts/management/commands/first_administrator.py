"""`inbeeld first_administrator --username NAAM --email ADRES --organisation NAAM`: the first
administrator of an empty installation (accounts/bootstrap.py); prints the two one-time links."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils import timezone

from inbeeld.accounts.bootstrap import first_administrator_create


class Command(BaseCommand):
    help = "Maakt de eerste beheerder van een lege installatie en toont twee eenmalige links."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True, help="gebruikersnaam")
        parser.add_argument("--email", required=True, help="e-mailadres")
        parser.add_argument("--organisation", required=True, help="naam van de organisatie")
        parser.add_argument("--first-name", default="", help="voornaam")
        parser.add_argument("--last-name", default="", help="achternaam")

    def handle(self, *args, **options):
        try:
            user, password_token, enrolment_token = first_administrator_create(
                username=options["username"],
                email=options["email"],
                organisation=options["organisation"],
                first_name=options["first_name"],
                last_name=options["last_name"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        site = settings.INBEELD_SITE_URL.rstrip("/")
        password_url = site + reverse("accounts:password_reset", args=[password_token])
        enrolment_url = site + reverse("accounts:second_factor_enrol", args=[enrolment_token])
        hours = settings.INBEELD_ACCOUNT_LINK_HOURS
        self.stdout.write(
            f"Beheerder {user.username} is aangemaakt ({timezone.localtime():%d-%m-%Y %H:%M}).\n"
            f"Geef deze twee links alleen aan {user.username}; ze werken één keer en {hours} uur, "
            "en worden niet opnieuw getoond:\n"
            f"1. Wachtwoord instellen: {password_url}\n"
            f"2. Daarna inloggen en de authenticator-app instellen: {enrolment_url}\n"
        )
