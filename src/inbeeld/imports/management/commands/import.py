"""`inbeeld import <file> --kind cases|signals --user <username> [--commit] [--mode all|row]`.

Thin: it calls the same services as the import page, as the named user, with the same policy.
Without --commit it runs the dry run only (the import stays open for a commit or --cancel);
with --commit it checks and then commits. If the organisation has an open import of the same
file (a commit that was killed), --commit resumes that one; the mapping of partner record ids
makes the resumed rows change nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from inbeeld.imports import services
from inbeeld.imports.models import ImportRun
from inbeeld.imports.reading import ImportFileError


class Command(BaseCommand):
    help = "Import cases with their events, or signals, from a CSV or XLSX file (dry run first)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="CSV or XLSX in the import template")
        parser.add_argument("--kind", choices=["cases", "signals"], default="cases")
        parser.add_argument("--user", required=True, help="username of the importing user")
        parser.add_argument("--commit", action="store_true", help="commit after the dry run")
        parser.add_argument("--mode", choices=["all", "row"], default="row")
        parser.add_argument("--report", help="write the report file here")
        parser.add_argument("--cancel", type=int, metavar="ID", help="cancel an open import")
        parser.add_argument(
            "--per-row",
            action="store_true",
            help="every record through its own service call, also for new dossiers (the path "
            "before the set-based one; for comparison, see bench/bench_import.py)",
        )

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(
                _("Onbekende of inactieve gebruiker: %(u)s") % {"u": options["user"]}
            )
        try:
            if options["cancel"]:
                run = ImportRun.objects.get(pk=options["cancel"])
                services.import_cancel(actor=user, run=run)
                self.stdout.write(_("Import %(id)d geannuleerd.") % {"id": run.pk})
                return
            if not options["file"]:
                raise CommandError(_("Geef een bestand op."))
            path = Path(options["file"])
            data = path.read_bytes()
            run = self._resumable(user, options["kind"], data) if options["commit"] else None
            if run is None:
                run = services.import_check(
                    actor=user,
                    kind=options["kind"],
                    file_name=path.name,
                    data=data,
                    per_row=options["per_row"],
                )
                self._summary(run, _("Proefimport"))
            else:
                self.stdout.write(_("Onderbroken import %(id)d wordt hervat.") % {"id": run.pk})
            if options["commit"]:
                run = services.import_commit(
                    actor=user,
                    run=run,
                    mode=options["mode"],
                    progress=self._progress,
                    per_row=options["per_row"],
                )
                self._summary(run, _("Invoer"))
            else:
                self.stdout.write(
                    _(
                        "Er is niets ingevoerd. Voer in met --commit of annuleer met --cancel %(id)d."
                    )
                    % {"id": run.pk}
                )
        except (services.ImportRefused, ImportFileError) as exc:
            raise CommandError(exc.message) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc) or _("Geen toegang.")) from exc
        except ImportRun.DoesNotExist as exc:
            raise CommandError(_("Onbekende import.")) from exc
        if options["report"]:
            data, _name, _type = services.import_report(actor=user, run=run)
            Path(options["report"]).write_bytes(data)

    def _resumable(self, user, kind, data):
        import hashlib

        organisation = services.import_organisation(user, kind)
        open_run = services.active_import(organisation) if organisation else None
        if open_run and open_run.file_sha256 == hashlib.sha256(data).hexdigest():
            return open_run
        return None

    def _progress(self, done: int, total: int) -> None:
        self.stdout.write(
            _("verwerkt: %(done)d van %(total)d rijen") % {"done": done, "total": total}
        )
        self.stdout.flush()
        sys.stdout.flush()

    def _summary(self, run: ImportRun, title: str) -> None:
        c = run.counts
        self.stdout.write(
            _(
                "%(title)s %(id)d (%(status)s): %(rows)d rijen — nieuw %(create)d, bijgewerkt "
                "%(update)d, ongewijzigd %(unchanged)d, fout %(error)d, niet ingevoerd %(rolled)d"
            )
            % {
                "title": title,
                "id": run.pk,
                "status": run.get_status_display(),
                "rows": run.rows_total,
                "create": c.get("create", 0),
                "update": c.get("update", 0),
                "unchanged": c.get("unchanged", 0),
                "error": c.get("error", 0),
                "rolled": c.get("rolled_back", 0),
            }
        )
        for problem in run.problems[:50]:
            self.stdout.write(
                f"  rij {problem['row']} · {problem['column']} · {problem['value']!r} · "
                f"{problem['code']} · {problem['reason']}"
            )
        if len(run.problems) > 50:
            self.stdout.write(
                _("  … en %(n)d meer (zie het verslag)") % {"n": len(run.problems) - 50}
            )
