"""`inbeeld agenda_seed --user NAAM`: the agenda's real starting content (issue 18, item 7)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from inbeeld.agenda.seed import seed_agenda


class Command(BaseCommand):
    help = "Vult de agenda met de aanbevelingen uit de bronnen (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="gebruikersnaam van een onderzoeker")

    def handle(self, *args, user, **options):
        actor = get_user_model().objects.filter(username=user).first()
        if actor is None:
            raise CommandError(f"Gebruiker {user!r} bestaat niet.")
        try:
            result = seed_agenda(actor)
        except PermissionDenied as exc:
            raise CommandError(f"{user} mag de agenda niet bijhouden.") from exc
        self.stdout.write(
            f"Agenda gevuld: {result.publications} publicaties, {result.recommendations} "
            f"aanbevelingen, {result.milestones} mijlpalen."
        )
