"""`inbeeld report monitor|evaluation|perpetrators`: a publishable report as PDF or HTML; the
perpetrator and non-punishment tables also as CSV or XLSX.

    inbeeld report monitor|evaluation|perpetrators --user onderzoeker [--format pdf|html|csv|xlsx]
        [--output FILE]

The report is made as the user named with ``--user`` (required: their scope; policy MONITOR_READ
or EVALUATION_READ; refused in Dutch with an audit row otherwise, publication.cli). The file and its audit row (publication.release)
are one transaction: a file that cannot be written leaves no audit row, a failed audit row no file.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from inbeeld import policy
from inbeeld.publication import reports
from inbeeld.publication.cli import USER_HELP, command_user
from inbeeld.publication.progress import ProgressBar
from inbeeld.publication.release import ReleaseKind, release_record
from inbeeld.stats.outcomes import DEFAULT_HORIZON_DAYS

SCOPE_LABEL = "landelijk, alleen casussen met toestemming voor onderzoek"
ACTIONS = {
    "monitor": policy.Action.MONITOR_READ,
    "evaluation": policy.Action.EVALUATION_READ,
    "perpetrators": policy.Action.MONITOR_READ,
}
TABLE_FORMATS = ("csv", "xlsx")  # the perpetrator tables only
REFUSED = {
    "monitor": _("Gebruiker '{username}' mag de monitor niet inzien."),
    "perpetrators": _(
        "Gebruiker '{username}' mag de dader- en non-punishmenttabellen niet inzien."
    ),
    "evaluation": _(
        "Gebruiker '{username}' mag de evaluatie niet inzien: alleen de rol onderzoeker mag dat."
    ),
}


class Command(BaseCommand):
    help = (
        "Maak een publiceerbaar rapport (monitor, evaluatie of daders en non-punishment) als PDF "
        "of HTML, de dadertabellen ook als CSV of XLSX, met onthullingscontrole op elke tabel, "
        "met --user namens een gebruiker. Toont een voortgangsbalk."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "kind", choices=["monitor", "evaluation", "perpetrators"], help="welk rapport"
        )
        parser.add_argument("--format", choices=["pdf", "html", *TABLE_FORMATS], default="pdf")
        parser.add_argument("--output", help="bestand (standaard: naam met datum in de map)")
        parser.add_argument("--horizon", type=int, default=DEFAULT_HORIZON_DAYS)
        parser.add_argument("--user", help=USER_HELP)

    def handle(self, *args, kind, format, output, horizon, user=None, **options):
        if not 30 <= horizon <= 730:
            raise CommandError("--horizon moet tussen 30 en 730 dagen liggen.")
        if format in TABLE_FORMATS and kind != "perpetrators":
            raise CommandError(
                "Als CSV of XLSX kan alleen het rapport 'perpetrators' (daders en "
                "non-punishment); kies voor dit rapport --format pdf of html."
            )
        actor = command_user(
            user, command=f"report {kind}", action=ACTIONS[kind], refused=REFUSED[kind]
        )
        release_kind, subject = ReleaseKind.REPORT, kind
        if kind == "evaluation":
            report = self._evaluation(horizon, actor)
        elif kind == "perpetrators":
            report, tables = self._perpetrators(actor)
            if format in TABLE_FORMATS:
                release_kind, subject = ReleaseKind.PERPETRATOR_TABLES, "perpetrator_tables"
        else:
            report = self._monitor(actor)
        bar = ProgressBar(self.stderr, 2, label="  ")
        if format in TABLE_FORMATS:
            from inbeeld.publication.perpetrator_report import perpetrator_tables_file

            data = perpetrator_tables_file(tables, format)
            stem = report.filename_stem.replace("inbeeld-daders", "inbeeld-dadertabellen")
        else:
            data = report.pdf() if format == "pdf" else report.html.encode("utf-8")
            stem = report.filename_stem
        path = Path(output or f"{stem}.{format}")
        bar.step("opgemaakt")
        with transaction.atomic():
            release_record(
                user=actor,
                kind=release_kind,
                subject_ref=subject,
                extra={"format": format, "bytes": len(data)},
            )
            try:
                path.write_bytes(data)
            except OSError as exc:
                raise CommandError(f"Kan {path} niet schrijven: {exc.strerror}.") from exc
        bar.step(f"geschreven: {path}")
        self.stdout.write(f"{report.title}: {path} ({len(data):,} bytes)".replace(",", "."))

    def _evaluation(self, horizon: int, actor):
        from inbeeld.analysis.evaluation import evaluation_for, intervention_specs

        bar = ProgressBar(self.stderr, len(intervention_specs()) + 2, label="  ")
        result = evaluation_for(actor, horizon_days=horizon)
        bar.step("evaluatie berekend")
        return reports.evaluation_report(result, scope_label=SCOPE_LABEL, progress=bar.step)

    def _perpetrators(self, actor):
        """The report and its context, computed now over ``actor``'s monitor scope (as the
        worker computes the stored tables: publication.perpetrator_report)."""
        from django.utils import timezone

        from inbeeld.cases.selectors import cases_in_monitor_scope
        from inbeeld.publication.perpetrator_report import perpetrator_context, perpetrator_report

        bar = ProgressBar(self.stderr, 1, label="  ")
        context = perpetrator_context(cases_in_monitor_scope(actor), today=timezone.localdate())
        bar.step("tabellen berekend")
        return perpetrator_report(context, scope_label=SCOPE_LABEL), context

    def _monitor(self, actor):
        from inbeeld.publication.monitor_report import monitor_report_for

        bar = ProgressBar(self.stderr, 6, label="  ")
        return monitor_report_for(actor, scope_label=SCOPE_LABEL, progress=bar.step)
