import argparse
import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from inbeeld.demo.generator import DemoConfig, generate
from inbeeld.demo.generator import calibration as cal
from inbeeld.demo.generator.data import DEFAULT_CUTOFF, FIRST_YEAR, MAX_PSYCHOLOGIST_EFFECT
from inbeeld.jobs.results import results_mark_stale


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"geen geldige datum (JJJJ-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Laad synthetische, reproduceerbare demogegevens: de demo-accounts plus N casussen met "
        "tijdlijnen, inzet van de proeftuin, uitvoeringen en metingen (zelfde aantal en seed "
        "geven dezelfde gegevens)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=3000, help="aantal casussen")
        parser.add_argument("--seed", type=int, default=2021, help="seed van de toevalsgenerator")
        parser.add_argument(
            "--cutoff",
            type=_date,
            default=DEFAULT_CUTOFF,
            help=f"peildatum: geen gebeurtenis na deze datum (standaard {DEFAULT_CUTOFF})",
        )
        parser.add_argument(
            "--psychologist-effect",
            type=float,
            default=cal.PSYCHOLOGIST_EFFECT,
            help=(
                "het ware effect van de recherchepsycholoog (indien uitgevoerd) op de kans op "
                "aangifte binnen 180 dagen na de indexdatum, als risicoverschil "
                f"(standaard {cal.PSYCHOLOGIST_EFFECT}; 0 = geen effect)"
            ),
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="niets doen als er al casussen zijn"
        )

    def handle(self, *args, cases, seed, cutoff, if_empty, psychologist_effect, **options):
        if cases < 0:
            raise CommandError("--cases moet 0 of groter zijn.")
        if seed < 0:
            raise CommandError("--seed moet 0 of groter zijn.")
        if cutoff.year < FIRST_YEAR:
            raise CommandError(f"--cutoff moet in {FIRST_YEAR} of later liggen.")
        if not 0.0 <= psychologist_effect <= MAX_PSYCHOLOGIST_EFFECT:
            raise CommandError(
                f"--psychologist-effect moet tussen 0 en {MAX_PSYCHOLOGIST_EFFECT:.2f} liggen."
            )
        config = DemoConfig(
            cases=cases, seed=seed, cutoff=cutoff, psychologist_effect=psychologist_effect
        )
        result = generate(config, if_empty=if_empty)
        self._seed_agenda()
        if result.skipped:
            self.stdout.write("Er zijn al casussen; demogegevens niet opnieuw geladen.")
            return
        # The bulk load bypasses the model signals: the stored research figures are stale now.
        results_mark_stale()
        cases_word = "casus" if result.cases == 1 else "casussen"
        events_word = "gebeurtenis" if result.events == 1 else "gebeurtenissen"
        self.stdout.write(
            f"Demogegevens geladen: {result.cases} {cases_word}, {result.events} {events_word}, "
            f"{result.signals} signalen, {result.deliveries} uitvoeringen van interventies, "
            f"{result.measures} metingen, {result.linkage_keys} koppelsleutels, "
            f"{result.suspects} verdachten, {result.modus_operandi} keer modus operandi, "
            f"{result.safety_facts} veiligheidsfeiten "
            f"(seed {seed}, peildatum {cutoff.isoformat()}, effect recherchepsycholoog "
            f"{psychologist_effect:+.2f}) in {result.seconds:.1f} s "
            f"(genereren {result.generate_seconds:.1f} s, wegschrijven "
            f"{result.write_seconds:.1f} s)."
        )

    def _seed_agenda(self) -> None:
        """The agenda register's real content (issue 18), idempotent, by the demo researcher."""
        from django.contrib.auth import get_user_model

        from inbeeld.agenda.seed import seed_agenda

        researcher = get_user_model().objects.filter(username="onderzoeker").first()
        if researcher is not None:
            added = seed_agenda(researcher)
            if added.publications:
                self.stdout.write(
                    f"Agenda gevuld: {added.recommendations} aanbevelingen uit "
                    f"{added.publications} publicaties."
                )
