import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from inbeeld.analysis.simulate import (
    DesignError,
    configured_design,
    coverage_payload,
    coverage_text,
)
from inbeeld.stats.exceptions import StatsInputError
from inbeeld.stats.simulation import staggered_design, standard_designs
from inbeeld.stats.simulation_coverage import run

STANDARD = {design.key: design for design in standard_designs()}


def _cases(text: str) -> tuple[int, int]:
    try:
        parts = [int(p) for p in text.replace("–", "-").split("-")]
    except ValueError:
        raise CommandError(
            f"--cases: geef een aantal of een bereik zoals 60-200, niet {text!r}."
        ) from None
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2 or not 2 <= parts[0] <= parts[1] <= 100_000:
        raise CommandError("--cases: een aantal of bereik tussen 2 en 100000 (min ≤ max).")
    return parts[0], parts[1]


class Command(BaseCommand):
    help = (
        "Simuleer pilots met een bekende waarheid en meet hoe vaak de gepubliceerde intervallen "
        "van de evaluatie die waarheid bevatten (dekking), hoe breed ze zijn en hoe scheef de "
        "schatting is. Zonder opties: de standaardscenario's van issue 12; met --units e.a. een "
        "eigen ontwerp; met --configured het ontwerp uit de database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scenario",
            action="append",
            choices=sorted(STANDARD),
            help="standaardscenario (herhaalbaar; standaard: alle)",
        )
        parser.add_argument(
            "--configured",
            action="store_true",
            help="simuleer het ingerichte pilotontwerp (interventie, inzet, fasen) uit de database",
        )
        parser.add_argument("--intervention", help="interventiecode bij --configured")
        parser.add_argument("--units", type=int, help="eigen ontwerp: aantal eenheden")
        parser.add_argument("--never-treated", type=int, help="eigen ontwerp: nooit behandeld")
        parser.add_argument("--cases", help="aantal zaken per pilot, of een bereik (60-200)")
        parser.add_argument(
            "--control-rate", type=float, help="kans op aangifte zonder interventie"
        )
        parser.add_argument(
            "--effect", type=float, help="waar effect (risicoverschil, 0.10 = 10 pp)"
        )
        parser.add_argument(
            "--growing",
            type=int,
            default=1,
            help="halfjaren tot het volle effect (1 = meteen volledig)",
        )
        parser.add_argument(
            "--replications", type=int, default=1000, help="gesimuleerde pilots per scenario"
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--jobs", type=int, default=0, help="processen (0 = alle beschikbare CPU's)"
        )
        parser.add_argument("--format", choices=["table", "json"], default="table")
        parser.add_argument("--output", default="-", help="bestand (standaard: het scherm)")

    def _designs(self, options) -> list:
        custom = (
            any(
                options[name] is not None
                for name in ("units", "never_treated", "cases", "control_rate", "effect")
            )
            or options["growing"] != 1
        )
        cases = _cases(options["cases"]) if options["cases"] else None
        try:
            if options["configured"]:
                return [
                    configured_design(
                        intervention=options["intervention"],
                        cases=cases,
                        control_rate=options["control_rate"],
                        effect=options["effect"],
                        ramp=options["growing"],
                    )
                ]
            if custom:
                units = options["units"] if options["units"] is not None else 9
                never = options["never_treated"] if options["never_treated"] is not None else 3
                rate = options["control_rate"] if options["control_rate"] is not None else 0.30
                effect = options["effect"] if options["effect"] is not None else 0.10
                label = (
                    f"eigen ontwerp: {units} eenheden, {never} nooit behandeld, "
                    f"{'–'.join(map(str, sorted(set(cases or (60, 200)))))} zaken, "
                    f"{round(100 * rate)} % → {round(100 * (rate + effect))} %"
                    + (
                        f", effect groeit over {options['growing']} halfjaren"
                        if options["growing"] > 1
                        else ""
                    )
                )
                return [
                    staggered_design(
                        key="eigen",
                        label=label,
                        units=units,
                        never_treated=never,
                        cases=cases or (60, 200),
                        control_rate=rate,
                        effect=effect,
                        ramp=options["growing"],
                    )
                ]
        except (StatsInputError, DesignError) as exc:
            raise CommandError(f"Ontwerp niet te simuleren: {exc}") from exc
        except DatabaseError as exc:
            raise CommandError(
                "Het pilotontwerp is niet uit de database te lezen (is `inbeeld migrate` "
                f"uitgevoerd?): {exc}"
            ) from exc
        keys = options["scenario"] or list(STANDARD)
        return [STANDARD[key] for key in keys]

    def handle(self, *args, **options):
        if options["intervention"] and not options["configured"]:
            raise CommandError("--intervention hoort bij --configured.")
        if options["configured"] and (options["units"] or options["never_treated"] is not None):
            raise CommandError("--units en --never-treated komen bij --configured uit de database.")
        if not 1 <= options["replications"] <= 100_000:
            raise CommandError("--replications moet tussen 1 en 100000 liggen.")
        if options["jobs"] < 0:
            raise CommandError("--jobs moet 0 (alle CPU's) of meer zijn.")
        if options["growing"] < 1:
            raise CommandError("--growing moet minstens 1 halfjaar zijn.")
        designs = self._designs(options)
        verbose = options["verbosity"] >= 2 and options["format"] == "table"

        def progress(done: int, total: int) -> None:
            if verbose:
                print(f"  {done}/{total} blokken klaar", file=sys.stderr, flush=True)

        result = run(
            designs,
            options["replications"],
            seed=options["seed"],
            jobs=options["jobs"] or None,
            progress=progress,
        )
        if options["format"] == "json":
            payload = coverage_payload(result, designs)
            text = json.dumps(payload, ensure_ascii=False, indent=1, allow_nan=False) + "\n"
        else:
            text = coverage_text(result)
        if options["output"] == "-":
            self.stdout.write(text, ending="")
        else:
            with open(options["output"], "w", encoding="utf-8") as stream:
                stream.write(text)
