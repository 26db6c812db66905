import csv
import io
import json

from django.core.management.base import BaseCommand, CommandError

from inbeeld.analysis.evaluation import research_evaluation
from inbeeld.analysis.export import to_csv_rows, to_json_payload
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.stats.outcomes import DEFAULT_HORIZON_DAYS


class Command(BaseCommand):
    help = (
        "Voer de evaluatie uit op de casussen met toestemming voor onderzoek (wat iedere "
        "onderzoeker ziet) en schrijf het resultaat als JSON of CSV: dezelfde getallen als de "
        "evaluatiepagina's, per interventie eerst de primaire analyse met haar conclusie, dan de "
        "gevoeligheidsanalyses."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "csv"], default="json", help="uitvoer")
        parser.add_argument(
            "--horizon",
            type=int,
            default=DEFAULT_HORIZON_DAYS,
            help=f"dagen na de indexdatum voor 'aangifte binnen' (standaard {DEFAULT_HORIZON_DAYS})",
        )
        parser.add_argument("--output", default="-", help="bestand (standaard: het scherm)")

    def handle(self, *args, format, horizon, output, **options):
        if not 30 <= horizon <= 730:
            raise CommandError("--horizon moet tussen 30 en 730 dagen liggen.")
        result = research_evaluation(horizon_days=horizon)
        audit_record(
            actor=None,
            action=AuditAction.EVALUATION_EXPORTED,
            subject_type="evaluation",
            extra={"format": format, "horizon": horizon, "cases": result.n_cases},
        )
        if format == "json":
            payload = to_json_payload(result)
            text = json.dumps(payload, ensure_ascii=False, indent=1, allow_nan=False) + "\n"
        else:
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(to_csv_rows(result))
            text = buffer.getvalue()
        if output == "-":
            self.stdout.write(text, ending="")
        else:
            with open(output, "w", encoding="utf-8", newline="") as stream:
                stream.write(text)
