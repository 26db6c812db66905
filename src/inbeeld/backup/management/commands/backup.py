"""`inbeeld backup [--output PATH]`: an encrypted, integrity-checked backup of the database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from inbeeld.backup.archive import BackupError
from inbeeld.backup.services import backup_create


def dutch_number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def dutch_megabytes(n: int) -> str:
    return f"{n / 1_000_000:.1f}".replace(".", ",") + " MB"


class Command(BaseCommand):
    help = (
        "Write an encrypted, integrity-checked backup of the whole database to one file "
        "(default var/backups/inbeeld-YYYYmmdd-HHMMSS.ibk). See docs/backup.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            default=None,
            help="file to write (must not exist yet); default under var/backups/",
        )

    def handle(self, *args, output=None, **options):
        try:
            result = backup_create(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        tables = sum(1 for count in result.rows.values() if count)
        self.stdout.write(f"Back-up gemaakt: {result.path}")
        self.stdout.write(
            f"  {dutch_number(result.total_rows)} rijen uit {tables} tabellen, "
            f"{dutch_megabytes(result.file_bytes)}"
        )
        self.stdout.write(f"  SHA-256 van het bestand: {result.file_sha256}")
        self.stdout.write(
            "  Bewaar de back-upsleutel (INBEELD_BACKUP_KEYS) en de versleutelingssleutels "
            "(INBEELD_ENCRYPTION_KEYS) apart van dit bestand: zonder beide is het herstel "
            "onvolledig."
        )
