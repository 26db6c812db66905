from django.core.management.base import BaseCommand

from inbeeld.reference.sync import reference_differences


class Command(BaseCommand):
    help = (
        "Reference data: `inbeeld reference diff` lists where the database differs from "
        "reference.json (the database wins; adopt a value in the admin, where it is audited)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("diff", help="list the differences with reference.json, change nothing")

    def handle(self, *args, subcommand, **options):
        differences = reference_differences()
        if not differences:
            self.stdout.write("De referentiegegevens komen overeen met reference.json.")
            return
        self.stdout.write(
            f"{len(differences)} verschil(len) met reference.json; de database geldt. Neem een "
            "waarde uit het bestand over via het beheer (vastgelegd in het auditlog):"
        )
        for d in differences:
            self.stdout.write(
                f"  {d.model} {d.code}: {d.field} is {d.database!r}, het bestand zegt {d.file!r}"
            )
