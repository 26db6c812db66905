"""`inbeeld restore PATH [--yes]`: restore a backup into an empty, migrated database."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from inbeeld.audit.verify import audit_chain_verify
from inbeeld.backup.archive import NOTHING_CHANGED, BackupError
from inbeeld.backup.management.commands.backup import dutch_number
from inbeeld.backup.services import (
    applied_migrations,
    backup_inspect,
    backup_restore,
    restore_check_target,
)

CONFIRMATION = "herstellen"


class Command(BaseCommand):
    help = (
        "Restore a backup made by `inbeeld backup` into an empty database on which `inbeeld "
        "migrate` has run. Checks the key, both checksums and the migration state first; loads "
        "everything in one transaction or nothing. See docs/backup.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the backup file (.ibk)")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        parser.add_argument(
            "--check",
            action="store_true",
            help="only read and check the file (key, checksums); change nothing",
        )

    def handle(self, *args, path, yes=False, check=False, **options):
        try:
            info = backup_inspect(path)
            if check:
                self._report_check(info)
                return
            restore_check_target(info)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc

        created = timezone.localtime(info.created_at)
        database = connection.settings_dict.get("NAME")
        self.stdout.write(f"Back-up {info.path} is in orde (sleutel en controlesommen kloppen).")
        self.stdout.write(
            f"  gemaakt op {created:%d-%m-%Y %H:%M:%S}, {dutch_number(info.total_rows)} rijen, "
            f"migratiestand gelijk aan deze database"
        )
        self.stdout.write(f"  doel: {connection.vendor}-database {database} (leeg)")
        if not yes:
            self._confirm()

        try:
            result = backup_restore(info)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Hersteld: {dutch_number(result.total_rows)} rijen.")
        if result.checkpoint_seq:
            self.stdout.write(
                f"Controlepunt {result.checkpoint_seq} van de auditlog vastgelegd (herstel)."
            )
        else:
            self.stderr.write(f"LET OP: {result.checkpoint_problem}")

        report = audit_chain_verify()
        if report.ok:
            self.stdout.write(f"Auditlog in orde: {report.rows} regels, keten onverbroken.")
        else:
            where = f"regel {report.broken_at}" if report.broken_at else "de kop van de keten"
            self.stderr.write(
                f"LET OP: de herstelde auditlog is verbroken bij {where}: {report.reason}. "
                "De back-up bevatte deze breuk al; meld dit aan de functionaris "
                "gegevensbescherming."
            )

    def _report_check(self, info) -> None:
        created = timezone.localtime(info.created_at)
        same = set(info.header["migrations"]) == set(applied_migrations())
        self.stdout.write(f"Back-up {info.path} is in orde (sleutel en controlesommen kloppen).")
        self.stdout.write(
            f"  gemaakt op {created:%d-%m-%Y %H:%M:%S} op {info.header['database_vendor']}, "
            f"InBeeld {info.header['inbeeld_version'] or 'onbekend'}, "
            f"{dutch_number(info.total_rows)} rijen"
        )
        self.stdout.write(
            "  migratiestand gelijk aan deze database"
            if same
            else "  migratiestand wijkt af van deze database: herstel vraagt dezelfde versie"
        )

    def _confirm(self) -> None:
        if not sys.stdin.isatty():
            raise CommandError(
                f"Bevestig het herstel met --yes (er is geen terminal om het te vragen). "
                f"{NOTHING_CHANGED}"
            )
        answer = input(f"Typ '{CONFIRMATION}' om de back-up in deze database te laden: ")
        if answer.strip() != CONFIRMATION:
            raise CommandError(f"Herstel afgebroken. {NOTHING_CHANGED}")
