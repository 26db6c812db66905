"""`inbeeld jobs_expire`: removes the files of jobs finished more than 24 hours ago (a timer runs
it hourly, docs/deployment.md)."""

from django.core.management.base import BaseCommand

from inbeeld.jobs.services import RESULT_HOURS, jobs_expire


class Command(BaseCommand):
    help = "Verwijdert bestanden van taken die langer dan 24 uur klaar zijn."

    def handle(self, *args, **options):
        count = jobs_expire()
        self.stdout.write(f"{count} bestand(en) van taken ouder dan {RESULT_HOURS} uur verwijderd.")
