"""`inbeeld results`: computes the stored research results (evaluation, monitor, pilot dashboard)
that are stale, now, in this process; `--all` computes every one again (a nightly timer runs it,
docs/deployment.md: the figures depend on the day, and bulk loads bypass the change signals)."""

import time

from django.core.management.base import BaseCommand

from inbeeld.jobs.models import StoredResult
from inbeeld.jobs.results import results_recompute


class Command(BaseCommand):
    help = "Berekent de opgeslagen cijfers van evaluatie, monitor en proeftuin opnieuw."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="alle opgeslagen cijfers, niet alleen verouderde"
        )

    def handle(self, *args, all, **options):
        started = time.perf_counter()
        changed = results_recompute(everything=all)
        total = StoredResult.objects.count()
        self.stdout.write(
            f"{changed} van {total} opgeslagen uitkomst(en) opnieuw berekend in "
            f"{time.perf_counter() - started:.1f} s."
        )
