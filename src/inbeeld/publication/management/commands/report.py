"""`inbeeld report monitor|evaluation`: a publishable report as PDF or HTML.

    inbeeld report monitor|evaluation --user onderzoeker [--format pdf|html] [--output FILE]

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
ACTIONS = {"monitor": policy.Action.MONITOR_READ, "evaluation": policy.Action.EVALUATION_READ}
REFUSED = {
    "monitor": _("Gebruiker '{username}' mag de monitor niet inzien."),
    "evaluation": _(
        "Gebruiker '{username}' mag de evaluatie niet inzien: alleen de rol onderzoeker mag dat."
    ),
}


class Command(BaseCommand):
    help = (
        "Maak een publiceerbaar rapport (monitor of evaluatie) als PDF of HTML, met "
        "onthullingscontrole op elke tabel, landelijk of met --user namens een gebruiker. "
        "Toont een voortgangsbalk."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["monitor", "evaluation"], help="welk rapport")
        parser.add_argument("--format", choices=["pdf", "html"], default="pdf")
        parser.add_argument("--output", help="bestand (standaard: naam met datum in de map)")
        parser.add_argument("--horizon", type=int, default=DEFAULT_HORIZON_DAYS)
        parser.add_argument("--user", help=USER_HELP)

    def handle(self, *args, kind, format, output, horizon, user=None, **options):
        if not 30 <= horizon <= 730:
            raise CommandError("--horizon moet tussen 30 en 730 dagen liggen.")
        actor = command_user(
            user, command=f"report {kind}", action=ACTIONS[kind], refused=REFUSED[kind]
        )
        if kind == "evaluation":
            report = self._evaluation(horizon, actor)
        else:
            report = self._monitor(actor)
        path = Path(output or f"{report.filename_stem}.{format}")
        bar = ProgressBar(self.stderr, 2, label="  ")
        data = report.pdf() if format == "pdf" else report.html.encode("utf-8")
        bar.step("opgemaakt")
        with transaction.atomic():
            release_record(
                user=actor,
                kind=ReleaseKind.REPORT,
                subject_ref=kind,
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

    def _monitor(self, actor):
        from inbeeld.publication.monitor_report import monitor_report_for

        bar = ProgressBar(self.stderr, 6, label="  ")
        return monitor_report_for(actor, scope_label=SCOPE_LABEL, progress=bar.step)
