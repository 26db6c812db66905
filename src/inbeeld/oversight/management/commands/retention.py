from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inbeeld.oversight.retention import retention_apply, retention_plan

LABELS = {
    "notes": gettext_lazy("notities (vrije tekst)"),
    "linkage_keys": gettext_lazy("koppelsleutels"),
    "break_glass": gettext_lazy("beoordeelde noodtoegangen"),
    "signals": gettext_lazy("signalen (naam, tekst, contact)"),
    "import_files": gettext_lazy("importbestanden en -verslagen"),
    "sessions": gettext_lazy("verlopen sessies"),
}


class Command(BaseCommand):
    help = "Apply the retention periods: `inbeeld retention plan` shows, `apply` removes."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("plan", help="show what is past its period, change nothing")
        sub.add_parser("apply", help="remove or anonymise it and write the deletion log")

    def handle(self, *args, subcommand, **options):
        outcomes = retention_apply() if subcommand == "apply" else retention_plan()
        verb = _("verwijderd") if subcommand == "apply" else _("te verwijderen")
        for outcome in outcomes:
            self.stdout.write(
                f"  {LABELS[outcome.category]!s:<28} {outcome.count:>7} {verb} "
                f"(bewaartermijn: {outcome.period})"
            )
        if subcommand == "apply":
            self.stdout.write(_("Vastgelegd in het verwijderlog en het auditlog."))
