"""`inbeeld parliament_import --user NAAM BESTAND...`: saved Tweede Kamer OData responses (JSON) or
SyncFeed pages (Atom XML) into the mirror (issue 18, item 3), idempotent."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from inbeeld.agenda.parliament import ENTITIES, parliament_import
from inbeeld.agenda.parliament_live import live_import


class Command(BaseCommand):
    help = "Leest opgeslagen antwoorden van de open data van de Tweede Kamer in (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*")
        parser.add_argument(
            "--live",
            action="store_true",
            help="haal de pagina's over mensenhandel op bij INBEELD_PARLIAMENT_ODATA_URL",
        )
        parser.add_argument("--user", required=True, help="gebruikersnaam van een onderzoeker")
        parser.add_argument(
            "--entity", choices=ENTITIES, help="soort, als het bestand die niet noemt"
        )

    def handle(self, *args, files, user, entity, live, **options):
        actor = get_user_model().objects.filter(username=user).first()
        if actor is None:
            raise CommandError(f"Gebruiker {user!r} bestaat niet.")
        if not files and not live:
            raise CommandError("Geef bestanden of --live.")
        if live:
            self._live(actor, user)
        for name in files:
            try:
                counts = parliament_import(actor=actor, data=Path(name).read_bytes(), entity=entity)
            except OSError as exc:
                raise CommandError(f"{name}: niet te lezen ({exc.strerror}).") from exc
            except ValidationError as exc:
                raise CommandError(f"{name}: {' '.join(exc.messages)}") from exc
            except PermissionDenied as exc:
                raise CommandError(f"{user} mag geen Kamergegevens inlezen.") from exc
            self.stdout.write(
                f"{name}: {counts.added} nieuw, {counts.versions} gewijzigd, "
                f"{counts.unchanged} al aanwezig, {counts.relevant} over mensenhandel"
                + (f", {counts.skipped} overgeslagen (andere soort)." if counts.skipped else ".")
            )

    def _live(self, actor, user):
        try:
            result = live_import(actor=actor)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except PermissionDenied as exc:
            raise CommandError(f"{user} mag geen Kamergegevens inlezen.") from exc
        counts = result.counts
        self.stdout.write(
            f"Tweede Kamer (live): {result.pages} pagina's, {counts.added} nieuw, "
            f"{counts.versions} gewijzigd, {counts.unchanged} al aanwezig, "
            f"{counts.relevant} over mensenhandel."
        )
