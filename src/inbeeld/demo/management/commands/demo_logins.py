from django.core.management.base import BaseCommand

from inbeeld.accounts.models import Role
from inbeeld.demo.accounts import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Print the demo logins."

    def handle(self, *args, **options):
        self.stdout.write("")
        self.stdout.write(
            "InBeeld draait op http://127.0.0.1:8000  —  demo-logins (synthetische gegevens):"
        )
        self.stdout.write(f"  wachtwoord voor alle demo-accounts: {DEMO_PASSWORD}")
        for user in DEMO_USERS:
            scope = user.police_unit or user.om_district or user.court or ""
            role = Role(user.role).label
            self.stdout.write(f"  {user.username:<30} {role}{f' ({scope})' if scope else ''}")
        self.stdout.write(
            "  tweede factor: de demo-accounts zijn vooraf ingeschreven; hieronder verschijnt elke "
            "30 s hun actuele code (ook: `make codes`)."
        )
        self.stdout.write(
            "  herstel- en inschrijflinks die de beheerder stuurt, verschijnen in ontwikkeling als "
            "e-mail in deze console."
        )
        self.stdout.write("")
