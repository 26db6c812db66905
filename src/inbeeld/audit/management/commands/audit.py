from django.core.management.base import BaseCommand, CommandError

from inbeeld.audit.verify import audit_chain_verify


class Command(BaseCommand):
    help = "Audit log tools. `inbeeld audit verify` checks the hash chain."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="verify the hash chain and report the first broken link")

    def handle(self, *args, subcommand, **options):
        if subcommand == "verify":
            report = audit_chain_verify()
            if report.ok:
                self.stdout.write(f"Auditlog in orde: {report.rows} regels, keten onverbroken.")
                return
            where = f"regel {report.broken_at}" if report.broken_at else "de kop van de keten"
            raise CommandError(
                f"Auditlog verbroken bij {where}: {report.reason} "
                f"({report.rows} regels gecontroleerd)."
            )
