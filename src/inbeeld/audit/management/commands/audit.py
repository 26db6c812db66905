from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from inbeeld.audit.chain import AuditKeyError
from inbeeld.audit.checkpoints import CheckpointError, checkpoint_create, public_key_base64
from inbeeld.audit.verify import audit_chain_verify


class Command(BaseCommand):
    help = (
        "Audit log tools. `inbeeld audit verify` checks the keyed chain and the signed "
        "checkpoints outside the database, then writes a new checkpoint; `inbeeld audit "
        "checkpoint` writes one now (run it once right after upgrading a database with an "
        "unkeyed log); `inbeeld audit public-key` prints the key that verifies checkpoints."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser(
            "verify", help="verify the chain and the checkpoints; report the first problem"
        )
        verify.add_argument(
            "--no-checkpoint",
            action="store_true",
            help="do not write a checkpoint after a successful verification",
        )
        sub.add_parser("checkpoint", help="sign the current head and append it to the file")
        sub.add_parser("public-key", help="print the Ed25519 key that verifies checkpoints")

    def handle(self, *args, subcommand, **options):
        try:
            if subcommand == "verify":
                self._verify(write_checkpoint=not options.get("no_checkpoint"))
            elif subcommand == "checkpoint":
                self._checkpoint("command")
            else:
                self.stdout.write(public_key_base64())
        except (CheckpointError, AuditKeyError) as exc:
            raise CommandError(str(exc)) from exc

    def _verify(self, *, write_checkpoint: bool) -> None:
        report = audit_chain_verify()
        if not report.ok:
            where = f"regel {report.broken_at}" if report.broken_at else "de keten als geheel"
            raise CommandError(
                f"Auditlog NIET in orde bij {where}: {report.reason} "
                f"({report.rows} regels gecontroleerd). Meld dit aan de functionaris "
                "gegevensbescherming."
            )
        legacy = f", waarvan {report.legacy_rows} uit de oude keten" if report.legacy_rows else ""
        self.stdout.write(
            f"Auditlog in orde: {report.rows} regels{legacy}, keten onverbroken; "
            f"{report.checkpoints} controlepunten kloppen."
        )
        if write_checkpoint:
            self._checkpoint("verify", {"verified_rows": report.rows})

    def _checkpoint(self, kind: str, extra: dict | None = None) -> None:
        checkpoint = checkpoint_create(kind=kind, extra=extra)
        made = timezone.localtime(checkpoint.created_at)
        self.stdout.write(
            f"Controlepunt {checkpoint.seq} vastgelegd op {made:%d-%m-%Y %H:%M:%S}: "
            f"{checkpoint.total_rows} regels tot en met regel {checkpoint.cut}"
            + (f" in {len(checkpoint.chains)} ketens." if len(checkpoint.chains) > 1 else ".")
        )
