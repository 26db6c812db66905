"""Applying the rows of an import through the services, for a dry run and for the commit alike.

Rows are grouped: a case's rows (one dossiernummer) form one group, a signal row a group of its
own. Each record (the case, each event, the signal) is written by its service, which is atomic
itself (a savepoint inside the batch's transaction: a refused record leaves nothing), and its
ImportedRecord row right after it in the batch's transaction, so a record and its mapping are
committed, or rolled back, together. The organisation's mappings are read once per import. The services ask the policy and write the audit row
themselves; nothing here writes a case, event or signal directly.

The dry run runs exactly this code inside transactions that are rolled back (imports.services),
so it reports what the services would refuse — reference codes, outcomes that do not belong to
the event type, the workflow order, the policy — and never writes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from inbeeld.bulk_insert import insert_rows
from inbeeld.cases.models import ChainEvent
from inbeeld.cases.selectors import cases_visible_to
from inbeeld.cases.services import case_register, event_correct, event_record
from inbeeld.crypto import keyed_digest
from inbeeld.imports.columns import YES_NO, column
from inbeeld.imports.models import ImportedRecord, RecordKind
from inbeeld.imports.schemas import Problem
from inbeeld.intake.models import Channel
from inbeeld.intake.services import current_catalogue_version, signal_submit
from inbeeld.reference.models import ChainEventType, ExploitationForm, Indicator, PoliceUnit
from inbeeld.web import ConcurrentChange, TransitionNotAllowed

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"

# Service field → template column, for the problems a service reports.
FIELD_COLUMN = {
    "intake_date": "datum_instroom",
    "exploitation_forms": "uitbuitingsvormen",
    "age_band": "leeftijdscategorie",
    "gender": "geslacht",
    "nationality_group": "nationaliteit",
    "police_unit": "eenheid",
    "event_date": "gebeurtenisdatum",
    "outcome": "uitkomst",
    "note": "notitie",
    "date_precision": "datumprecisie",
    "signaller_type": "soort_signaalgever",
    "urgency": "urgentie",
    "indicators": "signalen",
    "description": "omschrijving",
    "municipality": "gemeente",
}
FIELD_CODE = {
    "intake_date": "datum_ongeldig",
    "event_date": "datum_ongeldig",
    "outcome": "uitkomst_past_niet",
    "note": "te_lang",
    "indicators": "signalen_ongeldig",
}


class RowFailed(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.reason)
        self.problem = problem


@dataclass
class GroupResult:
    outcomes: dict[int, str] = field(default_factory=dict)  # row → CREATE/UPDATE/...
    messages: dict[int, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def fail(self, problem: Problem, rows: list[int] | None = None, message: str = "") -> None:
        self.problems.append(problem)
        for row in rows or [problem.row]:
            self.outcomes[row] = ERROR
            self.messages[row] = message if row != problem.row and message else problem.reason

    def mark(self, row: int, outcome: str) -> None:
        order = {ERROR: 3, CREATE: 2, UPDATE: 1, UNCHANGED: 0}
        current = self.outcomes.get(row)
        if current is None or order[outcome] > order[current]:
            self.outcomes[row] = outcome


def digest(values: dict) -> str:
    """A keyed digest of imported values: tells a changed row from the same row again without
    keeping the values (a note is free text) in plain form."""
    return keyed_digest("import-row", json.dumps(values, sort_keys=True, ensure_ascii=False))


def partner_key(kind: str, partner_id: str) -> str:
    """The stored form of a partner's record id: a keyed digest (like a linkage key)."""
    return keyed_digest(f"import-id-{kind}", partner_id.strip())


def parse_date(text: str, row: int, name: str) -> dt.date:
    parts = text.strip().split("-")
    try:
        if len(parts[0]) == 4:
            return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
        return dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
    except (ValueError, IndexError) as exc:
        raise RowFailed(
            Problem(row, name, text, _("Deze datum bestaat niet."), "datum_ongeldig")
        ) from exc


def coded(kind: str, name: str, text: str | None, default: str = "") -> str:
    if not text:
        return default
    return column(kind, name).values[text.strip().lower()]


def problem_from(exc: Exception, row: int, values: dict, default_column: str) -> Problem:
    """The Problem a service's refusal becomes (the service's own Dutch message)."""
    if isinstance(exc, RowFailed):
        return exc.problem
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            name, errors = next(iter(exc.message_dict.items()))
            col = FIELD_COLUMN.get(name, default_column)
            return Problem(
                row, col, values.get(col) or "", errors[0], FIELD_CODE.get(name, "ongeldig")
            )
        return Problem(
            row, default_column, values.get(default_column) or "", exc.messages[0], "ongeldig"
        )
    if isinstance(exc, PermissionDenied):
        reason = str(exc) or _("U heeft hier geen recht op.")
        return Problem(row, default_column, values.get(default_column) or "", reason, "geen_recht")
    if isinstance(exc, TransitionNotAllowed):
        return Problem(
            row, default_column, values.get(default_column) or "", str(exc.message), "volgorde"
        )
    if isinstance(exc, ConcurrentChange):
        return Problem(row, default_column, "", str(exc.message), "gelijktijdig")
    raise exc


class Known(NamedTuple):
    pk: int
    target: str
    values_digest: str


class Context:
    """What every group of one import needs: the user, the organisation and the reference data
    read once."""

    def __init__(self, *, user, organisation, run=None):
        self.user, self.organisation, self.run = user, organisation, run
        self.units = {u.code: u for u in PoliceUnit.objects.all()}
        self.forms = {f.code: f for f in ExploitationForm.objects.all()}
        self.event_types: dict[str, ChainEventType] = {}
        self.outcomes: dict[str, dict[str, str]] = {}
        for et in ChainEventType.objects.prefetch_related("outcomes"):
            self.event_types[et.code.lower()] = et
            self.event_types[et.label.lower()] = et
            mapping = {}
            for outcome in et.outcomes.all():
                mapping[outcome.code.lower()] = outcome.code
                mapping[outcome.label.lower()] = outcome.code
            self.outcomes[et.code] = mapping
        self._indicators = None
        self._known: dict[tuple[str, str], Known] | None = None
        self._visible: dict[str, object] = {}
        self._keys: dict[tuple[str, str], str] = {}

    @property
    def indicators(self) -> dict[str, Indicator]:
        if self._indicators is None:
            version = current_catalogue_version()
            self.catalogue_version = version
            self._indicators = {
                i.code.lower(): i
                for i in Indicator.objects.filter(category__catalogue_version=version)
            }
        return self._indicators

    def record(self, kind: str, partner_id: str) -> Known | None:
        if self._known is None:
            # Every mapping of the organisation in one query, instead of one query per row.
            self._known = {
                (kind_, key): Known(pk, target, digest_)
                for pk, kind_, key, target, digest_ in ImportedRecord.objects.filter(
                    organisation=self.organisation
                ).values_list("pk", "kind", "partner_key", "target", "values_digest")
            }
        return self._known.get((kind, self.key(kind, partner_id)))

    def remember(self, kind: str, partner_id: str, target: str, values_digest: str) -> None:
        """Write the mapping in the caller's transaction (the batch's: a record and its mapping
        are committed, or rolled back, together)."""
        key = self.key(kind, partner_id)
        known = self.record(kind, partner_id)
        if known is not None:
            ImportedRecord.objects.filter(pk=known.pk).update(
                target=target, values_digest=values_digest, import_run=self.run
            )
            pk = known.pk
        else:
            pk = ImportedRecord.objects.create(
                organisation=self.organisation,
                kind=kind,
                partner_key=key,
                target=target,
                values_digest=values_digest,
                import_run=self.run,
            ).pk
        self._known[(kind, key)] = Known(pk, target, values_digest)

    def preload_visible(self, codes: list[str]) -> None:
        """Read the cases of ``codes`` the user may see in one query (a batch's known dossiers),
        for visible_case; replaces what an earlier batch read."""
        self._visible = {
            case.code: case for case in cases_visible_to(self.user).filter(code__in=codes)
        }

    def visible_case(self, code: str):
        """The case ``code`` if the user may see it (the policy's case filter), else None."""
        visible = self._visible
        if code in visible:
            return visible[code]
        return cases_visible_to(self.user).filter(code=code).first()

    def key(self, kind: str, partner_id: str) -> str:
        """partner_key, computed once per id in this import (a row is looked up more than once)."""
        pair = (kind, partner_id)
        if pair not in self._keys:
            self._keys[pair] = partner_key(kind, partner_id)
        return self._keys[pair]

    def remember_many(self, items: list[tuple[str, str, str, str]]) -> None:
        """Write the mappings of records new to the organisation — (kind, partner id, target,
        digest) each — in one insert, in the caller's transaction (the set-based path)."""
        # The foreign keys by id: a related-object assignment per row is costly and unused here.
        organisation_id, run_id = self.organisation.pk, self.run.pk if self.run else None
        rows = [
            ImportedRecord(
                organisation_id=organisation_id,
                kind=kind,
                partner_key=self.key(kind, partner_id),
                target=target,
                values_digest=values_digest,
                import_run_id=run_id,
            )
            for kind, partner_id, target, values_digest in items
        ]
        insert_rows(ImportedRecord, rows)
        self.record(RecordKind.CASE, "")  # the organisation's mappings are loaded
        for row in rows:
            self._known[(row.kind, row.partner_key)] = Known(row.pk, row.target, row.values_digest)

    def unit(self, text: str, row: int) -> PoliceUnit:
        unit = self.units.get(text.strip().lower())
        if unit is None:
            raise RowFailed(
                Problem(row, "eenheid", text, _("Onbekende eenheid."), "eenheid_onbekend")
            )
        return unit


# --- cases with their events -------------------------------------------------------------------


def _case_values(row: dict) -> dict:
    return {
        "eenheid": row["eenheid"].strip().lower(),
        "uitbuitingsvormen": sorted(
            {c.strip().lower() for c in row["uitbuitingsvormen"].split(",") if c.strip()}
        ),
        "minderjarig": YES_NO[row["minderjarig"].strip().lower()],
        "leeftijdscategorie": coded("cases", "leeftijdscategorie", row["leeftijdscategorie"]),
        "geslacht": coded("cases", "geslacht", row["geslacht"]),
        "nationaliteit": coded("cases", "nationaliteit", row["nationaliteit"]),
        "datum_instroom": row["datum_instroom"].strip(),
    }


def _register(ctx: Context, values: dict, row: int):
    unit = ctx.unit(values["eenheid"], row)
    forms = []
    for code in values["uitbuitingsvormen"]:
        if code not in ctx.forms:
            raise RowFailed(
                Problem(
                    row,
                    "uitbuitingsvormen",
                    code,
                    _("Onbekende uitbuitingsvorm."),
                    "uitbuitingsvorm_onbekend",
                )
            )
        forms.append(ctx.forms[code])
    return case_register(
        actor=ctx.user,
        police_unit=unit,
        exploitation_forms=forms,
        minor_at_intake=values["minderjarig"] == "ja",
        age_band=values["leeftijdscategorie"],
        gender=values["geslacht"],
        nationality_group=values["nationaliteit"],
        intake_date=parse_date(values["datum_instroom"], row, "datum_instroom"),
    )


def apply_case_group(ctx: Context, dossier: str, rows: list[dict]) -> GroupResult:
    result = GroupResult()
    numbers = [r["rij"] for r in rows]
    first = rows[0]
    try:
        values = _case_values(first)
    except KeyError:  # the schema let an unknown value through: never expected
        result.fail(
            Problem(first["rij"], "dossiernummer", dossier, _("Ongeldige rij."), "ongeldig")
        )
        return result
    case_failed = _("De casus van deze rij kon niet worden ingevoerd (zie rij %(row)d).")
    for other in rows[1:]:
        other_values = _case_values(other)
        for name, value in values.items():
            if other_values[name] != value:
                result.fail(
                    Problem(
                        other["rij"],
                        name,
                        other[name] or "",
                        _("Dit dossier heeft in rij %(row)d een andere waarde.")
                        % {"row": first["rij"]},
                        "casus_ongelijk",
                    )
                )
                break
    values_digest = digest(values)
    record = ctx.record(RecordKind.CASE, dossier)
    case = None
    if record is None:
        try:
            case = _register(ctx, values, first["rij"])
        except (RowFailed, ValidationError, PermissionDenied) as exc:
            problem = problem_from(exc, first["rij"], first, "eenheid")
            result.fail(problem, numbers, case_failed % {"row": first["rij"]})
            return result
        ctx.remember(RecordKind.CASE, dossier, case.code, values_digest)
        result.mark(first["rij"], CREATE)
    else:
        case = ctx.visible_case(record.target)
        if case is None:
            result.fail(
                Problem(
                    first["rij"],
                    "dossiernummer",
                    dossier,
                    _("U mag de casus van dit dossier niet inzien of wijzigen."),
                    "geen_recht",
                ),
                numbers,
                case_failed % {"row": first["rij"]},
            )
            return result
        if record.values_digest != values_digest:
            result.fail(
                Problem(
                    first["rij"],
                    "dossiernummer",
                    dossier,
                    _(
                        "De casusgegevens wijken af van de eerdere import; een import wijzigt "
                        "geen casusgegevens. Pas ze aan op de casuspagina."
                    ),
                    "casus_gewijzigd",
                )
            )
        else:
            result.mark(first["rij"], UNCHANGED)
    _apply_events(ctx, dossier, case, rows, result)
    for number in numbers:
        result.mark(number, UNCHANGED)
    return result


def _event_values(row: dict) -> dict:
    return {
        "gebeurtenis": (row["gebeurtenis"] or "").strip().lower(),
        "gebeurtenisdatum": (row["gebeurtenisdatum"] or "").strip(),
        "datumprecisie": coded("cases", "datumprecisie", row["datumprecisie"], "day"),
        "uitkomst": (row["uitkomst"] or "").strip().lower(),
        "notitie": (row["notitie"] or "").strip(),
    }


def _apply_events(ctx: Context, dossier: str, case, rows: list[dict], result: GroupResult):
    seen: dict[str, int] = {}
    events = [r for r in rows if r["gebeurtenisnummer"] and result.outcomes.get(r["rij"]) != ERROR]

    def order(row):
        try:
            return (parse_date(row["gebeurtenisdatum"], 0, ""), row["rij"])
        except RowFailed:
            return (dt.date.max, row["rij"])

    for row in sorted(events, key=order):
        number, key = row["rij"], f"{dossier}/{row['gebeurtenisnummer'].strip()}"
        if key in seen:
            result.fail(
                Problem(
                    number,
                    "gebeurtenisnummer",
                    row["gebeurtenisnummer"],
                    _("Dit gebeurtenisnummer staat al in rij %(row)d.") % {"row": seen[key]},
                    "dubbel",
                )
            )
            continue
        seen[key] = number
        try:
            outcome = _apply_event(ctx, case, key, row)
        except (
            RowFailed,
            ValidationError,
            PermissionDenied,
            TransitionNotAllowed,
            ConcurrentChange,
        ) as exc:
            result.fail(problem_from(exc, number, row, "gebeurtenis"))
            continue
        result.mark(number, outcome)


def _apply_event(ctx: Context, case, key: str, row: dict) -> str:
    number = row["rij"]
    values = _event_values(row)
    event_type = ctx.event_types.get(values["gebeurtenis"])
    if event_type is None:
        raise RowFailed(
            Problem(
                number,
                "gebeurtenis",
                row["gebeurtenis"],
                _("Onbekende soort gebeurtenis."),
                "gebeurtenis_onbekend",
            )
        )
    outcome = values["uitkomst"]
    outcome = ctx.outcomes[event_type.code].get(outcome, outcome)
    arguments = {
        "actor": ctx.user,
        "event_type": event_type,
        "event_date": parse_date(values["gebeurtenisdatum"], number, "gebeurtenisdatum"),
        "outcome": outcome,
        "date_precision": values["datumprecisie"],
        "note": values["notitie"],
    }
    values_digest = digest({**values, "gebeurtenis": event_type.code, "uitkomst": outcome})
    record = ctx.record(RecordKind.EVENT, key)
    if record is None:
        event = event_record(case=case, **arguments)
        ctx.remember(RecordKind.EVENT, key, str(event.pk), values_digest)
        return CREATE
    if record.values_digest == values_digest:
        return UNCHANGED
    original = ChainEvent.objects.filter(pk=int(record.target), case=case).first()
    if original is None:
        raise RowFailed(
            Problem(
                number,
                "gebeurtenisnummer",
                row["gebeurtenisnummer"],
                _("Deze gebeurtenis hoort bij een andere casus."),
                "andere_casus",
            )
        )
    correction = event_correct(event=original, **arguments)
    ctx.remember(RecordKind.EVENT, key, str(correction.pk), values_digest)
    return UPDATE


# --- signals --------------------------------------------------------------------------------------


def _signal_values(row: dict) -> dict:
    return {
        "soort_signaalgever": coded("signals", "soort_signaalgever", row["soort_signaalgever"]),
        "eenheid": row["eenheid"].strip().lower(),
        "signalen": sorted(
            {c.strip().lower() for c in (row["signalen"] or "").split(",") if c.strip()}
        ),
        "leeftijdscategorie": coded("signals", "leeftijdscategorie", row["leeftijdscategorie"]),
        "geslacht": coded("signals", "geslacht", row["geslacht"]),
        "urgentie": coded("signals", "urgentie", row["urgentie"]),
        "gemeente": (row["gemeente"] or "").strip(),
        "omschrijving": (row["omschrijving"] or "").strip(),
    }


def apply_signal_row(ctx: Context, partner_id: str, row: dict) -> GroupResult:
    result = GroupResult()
    number = row["rij"]
    values = _signal_values(row)
    values_digest = digest(values)
    record = ctx.record(RecordKind.SIGNAL, partner_id)
    if record is not None:
        if record.values_digest == values_digest:
            result.mark(number, UNCHANGED)
        else:
            result.fail(
                Problem(
                    number,
                    "meldingsnummer",
                    partner_id,
                    _(
                        "Dit signaal is al geïmporteerd met andere gegevens; een import wijzigt geen signalen."
                    ),
                    "signaal_gewijzigd",
                )
            )
        return result
    try:
        with transaction.atomic():
            known, indicators = ctx.indicators, []
            for code in values["signalen"]:
                if code not in known:
                    raise RowFailed(
                        Problem(
                            number,
                            "signalen",
                            code,
                            _("Dit signaal staat niet in de huidige signalenlijst."),
                            "signaal_onbekend",
                        )
                    )
                indicators.append(known[code])
            signal, _receipt = signal_submit(
                actor=ctx.user,
                channel=Channel.IMPORT,
                signaller_type=values["soort_signaalgever"],
                police_unit=ctx.unit(values["eenheid"], number),
                indicators=indicators,
                age_band=values["leeftijdscategorie"],
                gender=values["geslacht"],
                urgency=values["urgentie"],
                description=values["omschrijving"],
                municipality=values["gemeente"],
                catalogue_version=ctx.catalogue_version,
            )
            ctx.remember(RecordKind.SIGNAL, partner_id, signal.reference, values_digest)
    except (RowFailed, ValidationError, PermissionDenied) as exc:
        result.fail(problem_from(exc, number, row, "eenheid"))
        return result
    result.mark(number, CREATE)
    return result


def groups_of(kind: str, rows: list[dict]) -> list[tuple[str, list[dict]]]:
    """The rows grouped as they are applied: per dossier (in the order of first appearance) or
    one per signal."""
    if kind == "signals":
        return [(r["meldingsnummer"].strip(), [r]) for r in rows]
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["dossiernummer"].strip(), []).append(row)
    return list(groups.items())


def apply_group(ctx: Context, kind: str, key: str, rows: list[dict]) -> GroupResult:
    apply: Callable = apply_signal_row if kind == "signals" else apply_case_group
    return apply(ctx, key, rows[0] if kind == "signals" else rows)
