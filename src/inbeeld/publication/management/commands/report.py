from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.publication import reports
from inbeeld.publication.progress import ProgressBar
from inbeeld.stats.outcomes import DEFAULT_HORIZON_DAYS

SCOPE_LABEL = "landelijk, alleen casussen met toestemming voor onderzoek"


class Command(BaseCommand):
    help = (
        "Maak een publiceerbaar rapport (monitor of evaluatie) als PDF of HTML, met "
        "onthullingscontrole op elke tabel. Toont een voortgangsbalk."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["monitor", "evaluation"], help="welk rapport")
        parser.add_argument("--format", choices=["pdf", "html"], default="pdf")
        parser.add_argument("--output", help="bestand (standaard: naam met datum in de map)")
        parser.add_argument("--horizon", type=int, default=DEFAULT_HORIZON_DAYS)

    def handle(self, *args, kind, format, output, horizon, **options):
        if not 30 <= horizon <= 730:
            raise CommandError("--horizon moet tussen 30 en 730 dagen liggen.")
        if kind == "evaluation":
            report = self._evaluation(horizon)
        else:
            report = self._monitor()
        path = Path(output or f"{report.filename_stem}.{format}")
        bar = ProgressBar(self.stderr, 2, label="  ")
        data = report.pdf() if format == "pdf" else report.html.encode("utf-8")
        bar.step("opgemaakt")
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"Kan {path} niet schrijven: {exc.strerror}.") from exc
        bar.step(f"geschreven: {path}")
        audit_record(
            actor=None,
            action=AuditAction.REPORT_CREATED,
            subject_type="report",
            subject_ref=kind,
            extra={"format": format, "bytes": len(data)},
        )
        self.stdout.write(f"{report.title}: {path} ({len(data):,} bytes)".replace(",", "."))

    def _evaluation(self, horizon: int):
        from inbeeld.analysis.evaluation import intervention_specs, research_evaluation

        bar = ProgressBar(self.stderr, len(intervention_specs()) + 2, label="  ")
        result = research_evaluation(horizon_days=horizon)
        bar.step("evaluatie berekend")
        return reports.evaluation_report(result, scope_label=SCOPE_LABEL, progress=bar.step)

    def _monitor(self):
        from inbeeld.publication.monitor_report import research_monitor_report

        bar = ProgressBar(self.stderr, 6, label="  ")
        return research_monitor_report(scope_label=SCOPE_LABEL, progress=bar.step)
