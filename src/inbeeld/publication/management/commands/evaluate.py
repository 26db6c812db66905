"""`inbeeld evaluate`: the evaluation as JSON or CSV, the same numbers as the evaluation pages.

    inbeeld evaluate --user onderzoeker [--format json|csv] [--horizon 180] [--output FILE]

The evaluation runs as the user named with ``--user`` (required: their scope, policy
EVALUATION_READ; refused in Dutch with an audit row otherwise, publication.cli). A researcher's scope
is the national research scope (the consented cases every researcher sees). Every run is a release: its audit row comes
from publication.release, in the same transaction as the output.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from inbeeld import policy
from inbeeld.analysis.evaluation import evaluation_for
from inbeeld.analysis.export import to_csv_text, to_json_payload
from inbeeld.publication.cli import USER_HELP, command_user
from inbeeld.publication.release import ReleaseKind, release_record
from inbeeld.stats.outcomes import DEFAULT_HORIZON_DAYS


class Command(BaseCommand):
    help = (
        "Voer de evaluatie uit namens de gebruiker van --user, binnen diens bereik (een "
        "onderzoeker: alle casussen met toestemming voor onderzoek), en schrijf het "
        "resultaat als JSON of CSV: dezelfde getallen als de evaluatiepagina's, per interventie "
        "eerst de primaire analyse met haar conclusie, dan de gevoeligheidsanalyses."
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
        parser.add_argument("--user", help=USER_HELP)

    def handle(self, *args, format, horizon, output, user=None, **options):
        if not 30 <= horizon <= 730:
            raise CommandError("--horizon moet tussen 30 en 730 dagen liggen.")
        actor = command_user(
            user,
            command="evaluate",
            action=policy.Action.EVALUATION_READ,
            refused="Gebruiker '{username}' mag de evaluatie niet inzien: alleen de rol "
            "onderzoeker mag dat.",
        )
        result = evaluation_for(actor, horizon_days=horizon)
        if format == "json":
            payload = to_json_payload(result)
            text = json.dumps(payload, ensure_ascii=False, indent=1, allow_nan=False) + "\n"
        else:
            text = to_csv_text(result)
        with transaction.atomic():
            release_record(
                user=actor,
                kind=ReleaseKind.EVALUATION,
                extra={"format": format, "horizon": horizon, "cases": result.n_cases},
            )
            if output == "-":
                self.stdout.write(text, ending="")
            else:
                try:
                    with open(output, "w", encoding="utf-8", newline="") as stream:
                        stream.write(text)
                except OSError as exc:
                    raise CommandError(f"Kan {output} niet schrijven: {exc.strerror}.") from exc
