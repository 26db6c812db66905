"""`inbeeld export`: pseudonymised microdata for a researcher, and a read-only look at CTDC files.

    inbeeld export --format csv|xlsx|sav|ctdc --user onderzoeker [--output FILE]
    inbeeld export ctdc-import FILE

The export runs as the named user (publication.cli, as `evaluate` and `report`; a refusal is
audited): their scope decides which cases are in it (a researcher: national, only cases with
research consent) and the service checks the policy, requires the user's recorded acceptance of
the data-use agreement, applies disclosure control (k-anonymity) and writes the audit row through
the release service. The CTDC import creates no cases (it releases nothing): it prints counts of
the file and logs that it read one.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.publication import agreement
from inbeeld.publication.cli import command_user
from inbeeld.publication.ctdc import CtdcFormatError, ctdc_import_summary, read_ctdc_with_report
from inbeeld.publication.exports import FORMATS, DataUseAgreementRequired, export_microdata
from inbeeld.publication.release import release_refused

CTDC_IMPORT = "ctdc-import"
REFUSED = "Gebruiker '{username}' mag geen microdata exporteren: alleen de rol onderzoeker mag dat."

LABELS = {
    "female": _("vrouw"),
    "male": _("man"),
    "other": _("anders"),
    "adult": _("meerderjarig"),
    "minor": _("minderjarig"),
    "missing": _("onbekend"),
    "is_forced_labour": _("dwangarbeid (isForcedLabour)"),
    "is_sexual_exploit": _("seksuele uitbuiting (isSexualExploit)"),
    "is_other_exploit": _("andere uitbuiting (isOtherExploit)"),
}


class Command(BaseCommand):
    help = (
        "Exporteer gepseudonimiseerde microdata (één rij per casus met toestemming voor "
        "onderzoek) als CSV, XLSX, SPSS (.sav) of CTDC-CSV, namens een onderzoeker en vastgelegd "
        "in de auditlog. Of lees met 'ctdc-import BESTAND' een CTDC-bestand (beide generaties "
        "kolomnamen) en toon de tellingen; er worden geen casussen aangemaakt."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="csv, xlsx, sav (SPSS met waardelabels) of ctdc (CTDC/HTCDS-kolommen)",
        )
        parser.add_argument(
            "--user",
            help="gebruikersnaam van de onderzoeker namens wie wordt geëxporteerd "
            "(diens bereik bepaalt welke casussen erin staan)",
        )
        parser.add_argument(
            "--output", help="bestand om te schrijven (standaard: naam met datum in deze map)"
        )
        subcommands = parser.add_subparsers(dest="subcommand", required=False, metavar="")
        ctdc = subcommands.add_parser(
            CTDC_IMPORT,
            help="lees een CTDC-bestand en toon de tellingen (alleen-lezen)",
            description="Lees een CTDC-bestand (2022: yearRegister/majorityStatus/..., 2024: "
            "yearOfRegistration/ageBroad/typeOf* of sectorOf*) en toon de tellingen. Er worden "
            "geen casussen aangemaakt: CTDC-gegevens zijn synthetische records uit andere "
            "landen, geen InBeeld-casussen.",
        )
        ctdc.add_argument("file", help="het CTDC-bestand (CSV)")

    def handle(self, *args, **options):
        if options.get("subcommand") == CTDC_IMPORT:
            return self._ctdc_import(Path(options["file"]))
        return self._export(options.get("format"), options.get("user"), options.get("output"))

    # --- microdata -----------------------------------------------------------------------------

    def _export(self, format: str | None, username: str | None, output: str | None) -> None:
        if not format or not username:
            raise CommandError(
                "Geef --format (csv, xlsx, sav of ctdc) en --user (de onderzoeker), "
                "of gebruik 'inbeeld export ctdc-import BESTAND'."
            )
        user = command_user(
            username,
            command="export",
            action=policy.Action.EXPORT_MICRODATA,
            refused=REFUSED,
        )
        try:
            export = export_microdata(actor=user, format=format)
        except DataUseAgreementRequired as exc:
            release_refused(
                user=user, command="export", username=username, reason="data_use_agreement"
            )
            raise CommandError(
                f"Gebruiker '{username}' heeft de gebruiksvoorwaarden voor microdata (versie "
                f"{agreement.VERSION}) nog niet aanvaard. Aanvaard ze eerst in InBeeld onder "
                "Rapporten → Microdata downloaden; daarna kan de export ook hier."
            ) from exc
        except PermissionDenied as exc:
            release_refused(
                user=user, command="export", username=username, reason="permission_denied"
            )
            raise CommandError(REFUSED.format(username=username)) from exc
        path = Path(output or export.filename)
        try:
            path.write_bytes(export.content)
        except OSError as exc:
            raise CommandError(f"Kan {path} niet schrijven: {exc.strerror}.") from exc
        self.stdout.write(f"Microdata ({format}) geschreven: {path} ({len(export.content)} bytes)")

    # --- CTDC ----------------------------------------------------------------------------------

    def _ctdc_import(self, path: Path) -> None:
        if not path.is_file():
            raise CommandError(f"Bestand {path} bestaat niet.")
        try:
            frame, report = read_ctdc_with_report(path)
        except CtdcFormatError as exc:
            raise CommandError(str(exc)) from exc
        except (OSError, ValueError) as exc:
            raise CommandError(f"Kan {path} niet lezen als CSV: {exc}") from exc
        summary = ctdc_import_summary(frame)
        audit_record(
            actor=None,
            action=AuditAction.CTDC_IMPORTED,
            subject_type="ctdc",
            subject_ref=path.name[:80],
            extra={"rows": summary["rows"], "generation": report.generation},
        )
        write = self.stdout.write
        write(f"CTDC-bestand: {path.name}")
        write(f"Generatie kolomnamen: {report.generation}")
        write(f"Rijen: {summary['rows']}")
        for title, key in (
            ("Gender", "gender"),
            ("Meerderjarigheid", "majority_status"),
            ("Jaar van registratie", "year_register"),
        ):
            write(f"{title}:")
            for value, n in summary[key].items():
                write(f"  {LABELS.get(value, value)}: {n}")
        write(f"Uitbuitingsvorm (van {summary['forms_known']} rijen met een vorm):")
        for name, n in summary["forms"].items():
            shown = "niet in het bestand" if name in report.absent else n
            write(f"  {LABELS[name]}: {shown}")
        if report.unknown:
            write(f"Onbekende kolommen (behouden, niet gebruikt): {', '.join(report.unknown)}")
        for column, values in report.unrecognised_values.items():
            listed = ", ".join(f"{v} ({n})" for v, n in values.items())
            write(f"Niet herkende waarden in {column}: {listed}")
        write("Alleen-lezen: er zijn geen casussen aangemaakt.")
