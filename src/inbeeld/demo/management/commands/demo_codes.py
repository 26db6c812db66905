import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from inbeeld.accounts.models import User
from inbeeld.demo.accounts import DEMO_USERS, current_code


class Command(BaseCommand):
    help = "Show the current second-factor codes of the demo accounts (demo data only)."

    def add_arguments(self, parser):
        parser.add_argument("--watch", action="store_true", help="print new codes every 30 s")

    def handle(self, *args, watch, **options):
        while True:
            self._print()
            if not watch:
                return
            time.sleep(30 - time.time() % 30 + 0.5)

    def _print(self):
        users = {
            u.username: u
            for u in User.objects.filter(username__in=[spec.username for spec in DEMO_USERS])
        }
        stamp = timezone.localtime().strftime("%H:%M:%S")
        self.stdout.write(f"\nDemo-codes tweede factor ({stamp}, 30 s geldig):")
        cells = [
            f"{name:<28} {current_code(users[name])}"
            for name in (spec.username for spec in DEMO_USERS)
            if name in users
        ]
        for left, right in zip(cells[::2], cells[1::2] + [""], strict=False):
            self.stdout.write(f"  {left}    {right}")
        self.stdout.flush()
