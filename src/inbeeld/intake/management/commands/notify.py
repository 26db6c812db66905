"""`inbeeld notify overdue`: e-mail the safety coordinators about signals newly past a time target.

Meant for a timer (e.g. every 15 minutes, systemd or cron): each signal is mailed about once per
missed target, so running it often sends nothing twice. Thin: the work is
intake.notifications.overdue_notify.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from inbeeld.intake import notifications


class Command(BaseCommand):
    help = "E-mail de veiligheidscoördinatoren over signalen die net over de termijn zijn."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["overdue"], help="overdue: signalen over de termijn")

    def handle(self, *args, **options):
        per_unit = notifications.overdue_notify()
        total = sum(per_unit.values())
        self.stdout.write(
            f"{total} signalen net over de termijn, in {len(per_unit)} eenheden; "
            "de veiligheidscoördinatoren zijn gemaild."
            if total
            else "Geen signalen die net over de termijn zijn."
        )
