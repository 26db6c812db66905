from django.core.management.base import BaseCommand, CommandError

from inbeeld.demo.accounts import ensure_demo_accounts
from inbeeld.demo.generator import DemoConfig, generate


class Command(BaseCommand):
    help = "Load synthetic, deterministic demo data: demo logins plus N cases with timelines."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=3000, help="number of cases")
        parser.add_argument("--seed", type=int, default=2021, help="random seed")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when cases already exist"
        )
        parser.add_argument(
            "--reset", action="store_true", help="remove existing cases and events first"
        )

    def handle(self, *args, cases, seed, if_empty, reset, **options):
        if cases < 0:
            raise CommandError("--cases moet 0 of groter zijn.")
        ensure_demo_accounts()
        result = generate(DemoConfig(cases=cases, seed=seed), if_empty=if_empty, reset=reset)
        if result.skipped:
            self.stdout.write("Demogegevens zijn al geladen; niets gewijzigd.")
            return
        self.stdout.write(
            f"Demogegevens geladen: {result.cases} casussen, {result.events} gebeurtenissen "
            f"(seed {seed}) in {result.seconds:.1f} s."
        )
