"""`inbeeld api_key_create`: an API client for a partner system and a key for it, by the
operator on the server (the admin does the same on its pages). The key is printed ONCE; only its
HMAC is stored."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from inbeeld.accounts.models import Organisation, User
from inbeeld.api.models import ApiClient
from inbeeld.api.services import DEFAULT_KEY_DAYS, api_client_save, api_key_create


class Command(BaseCommand):
    help = (
        "Maak een API-sleutel voor een koppeling (en de koppeling zelf als die nog niet bestaat). "
        "De sleutel wordt één keer getoond."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisatie", required=True, help="Naam van de organisatie")
        parser.add_argument("--naam", required=True, help="Naam van de koppeling")
        parser.add_argument(
            "--gebruiker", help="Gebruikersnaam namens wie de koppeling werkt (bij een nieuwe)"
        )
        parser.add_argument(
            "--rechten",
            default="",
            help="Handelingen, met komma's gescheiden (bij een nieuwe), bijv. "
            "case.list,case.view,case.create,event.record",
        )
        parser.add_argument("--dagen", type=int, default=DEFAULT_KEY_DAYS, help="Geldigheid")

    def handle(self, *args, **options):
        organisation = Organisation.objects.filter(name=options["organisatie"]).first()
        if organisation is None:
            raise CommandError(f"Organisatie {options['organisatie']!r} bestaat niet.")
        client = ApiClient.objects.filter(organisation=organisation, name=options["naam"]).first()
        try:
            if client is None:
                user = User.objects.filter(username=options["gebruiker"] or "").first()
                if user is None:
                    raise CommandError("Geef met --gebruiker een bestaande gebruikersnaam.")
                scopes = [s.strip() for s in options["rechten"].split(",") if s.strip()]
                client = api_client_save(
                    actor=None,
                    client=ApiClient(
                        organisation=organisation,
                        name=options["naam"],
                        acting_user=user,
                        scopes=scopes,
                    ),
                )
                self.stderr.write(f"Koppeling {client.name!r} aangemaakt.")
            _row, key = api_key_create(actor=None, client=client, days=options["dagen"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stderr.write(
            "De sleutel staat hieronder; bewaar hem nu, hij wordt nergens opgeslagen of nog eens "
            "getoond."
        )
        self.stdout.write(key)
