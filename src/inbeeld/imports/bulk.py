"""The set-based path of a batch of the cases template (ADR 0022, decision 12).

A dossier the organisation has not imported before becomes a new case with only new events: its
rows are checked here exactly as ``apply.apply_case_group`` checks them (the same values, the
same problems in the same order), but instead of calling ``case_register`` and ``event_record``
per record, the whole batch goes to ``cases.services.cases_register_bulk``, which applies the same
rules (policy, field validation, the workflow's transition table, the audit rows) and writes with
bulk inserts. Everything else — a dossier imported before (unchanged rows, corrections, new
events on an existing case) and signals — goes through the per-row path of ``apply``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from inbeeld.cases.services.bulk import NewCase, NewEvent, cases_register_bulk
from inbeeld.imports.apply import (
    CREATE,
    ERROR,
    UNCHANGED,
    Context,
    GroupResult,
    RowFailed,
    _case_values,
    _event_values,
    apply_group,
    digest,
    parse_date,
    problem_from,
)
from inbeeld.imports.models import RecordKind
from inbeeld.imports.schemas import Problem


@dataclass
class _Pending:
    dossier: str
    rows: list[dict]
    result: GroupResult
    values_digest: str
    new: NewCase | None = None
    error: Exception | None = None  # the case itself was refused before the services
    # In the order the per-row path handles them: (row, event key, digest, NewEvent or error).
    events: list[tuple[dict, str, str, NewEvent | Exception]] = field(default_factory=list)


def _is_new(ctx: Context, dossier: str, rows: list[dict]) -> bool:
    if ctx.record(RecordKind.CASE, dossier) is not None:
        return False
    return all(
        ctx.record(RecordKind.EVENT, f"{dossier}/{r['gebeurtenisnummer'].strip()}") is None
        for r in rows
        if r["gebeurtenisnummer"]
    )


def _prepare(ctx: Context, dossier: str, rows: list[dict]) -> _Pending | GroupResult:
    result = GroupResult()
    first = rows[0]
    try:
        values = _case_values(first)
    except KeyError:  # the schema let an unknown value through: never expected
        result.fail(
            Problem(first["rij"], "dossiernummer", dossier, _("Ongeldige rij."), "ongeldig")
        )
        return result
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
    pending = _Pending(dossier, rows, result, digest(values))
    row = first["rij"]
    try:
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
        intake_date = parse_date(values["datum_instroom"], row, "datum_instroom")
    except RowFailed as exc:
        pending.error = exc
        return pending
    pending.new = NewCase(
        key=dossier,
        police_unit=unit,
        exploitation_forms=forms,
        minor_at_intake=values["minderjarig"] == "ja",
        age_band=values["leeftijdscategorie"],
        gender=values["geslacht"],
        nationality_group=values["nationaliteit"],
        intake_date=intake_date,
    )
    _prepare_events(ctx, pending)
    return pending


def _prepare_events(ctx: Context, pending: _Pending) -> None:
    """apply._apply_events up to the service call: order, duplicates, codes, dates."""
    result, dossier = pending.result, pending.dossier
    seen: dict[str, int] = {}
    rows = [
        r for r in pending.rows if r["gebeurtenisnummer"] and result.outcomes.get(r["rij"]) != ERROR
    ]

    def order(row):
        try:
            return (parse_date(row["gebeurtenisdatum"], 0, ""), row["rij"])
        except RowFailed:
            return (dt.date.max, row["rij"])

    for row in sorted(rows, key=order):
        number, key = row["rij"], f"{dossier}/{row['gebeurtenisnummer'].strip()}"
        if key in seen:
            duplicate = Problem(
                number,
                "gebeurtenisnummer",
                row["gebeurtenisnummer"],
                _("Dit gebeurtenisnummer staat al in rij %(row)d.") % {"row": seen[key]},
                "dubbel",
            )
            pending.events.append((row, key, "", RowFailed(duplicate)))
            continue
        seen[key] = number
        values = _event_values(row)
        event_type = ctx.event_types.get(values["gebeurtenis"])
        try:
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
            outcome = ctx.outcomes[event_type.code].get(values["uitkomst"], values["uitkomst"])
            event_date = parse_date(values["gebeurtenisdatum"], number, "gebeurtenisdatum")
        except RowFailed as exc:
            pending.events.append((row, key, "", exc))
            continue
        values_digest = digest({**values, "gebeurtenis": event_type.code, "uitkomst": outcome})
        item = NewEvent(
            key=number,
            event_type=event_type,
            event_date=event_date,
            outcome=outcome,
            date_precision=values["datumprecisie"],
            note=values["notitie"],
        )
        pending.new.events.append(item)
        pending.events.append((row, key, values_digest, item))


def _outcome_codes(ctx: Context):
    codes = {code: set(mapping.values()) for code, mapping in ctx.outcomes.items()}
    return lambda event_type: codes[event_type.code]


def _finish(ctx: Context, pending: _Pending, mappings: list) -> GroupResult:
    result, rows, first = pending.result, pending.rows, pending.rows[0]
    numbers = [r["rij"] for r in rows]
    error = pending.error or (pending.new.error if pending.new else None)
    if error is not None:
        case_failed = _("De casus van deze rij kon niet worden ingevoerd (zie rij %(row)d).")
        problem = problem_from(error, first["rij"], first, "eenheid")
        result.fail(problem, numbers, case_failed % {"row": first["rij"]})
        return result
    case = pending.new.case
    mappings.append((RecordKind.CASE, pending.dossier, case.code, pending.values_digest))
    result.mark(first["rij"], CREATE)
    for row, key, values_digest, item in pending.events:
        failure = item if isinstance(item, Exception) else item.error
        if failure is not None:
            result.fail(problem_from(failure, row["rij"], row, "gebeurtenis"))
            continue
        mappings.append((RecordKind.EVENT, key, str(item.event.pk or ""), values_digest))
        result.mark(row["rij"], CREATE)
    for number in numbers:
        result.mark(number, UNCHANGED)
    return result


def apply_batch(
    ctx: Context, kind: str, batch: list[tuple[str, list[dict]]], *, write: bool = True
) -> list[GroupResult]:
    """The results of a batch of groups, in the batch's order: new dossiers set-based, the rest
    through ``apply.apply_group``. Runs inside the caller's (the batch's) transaction.
    ``write=False``: a dry run (rolled back by the caller); the set-based path then checks
    everything but leaves out the inserts that cannot refuse a row (cases_register_bulk)."""
    if kind != "cases":
        return [apply_group(ctx, kind, key, rows) for key, rows in batch]
    slots: list[GroupResult | _Pending] = []
    known = [ctx.record(RecordKind.CASE, key) for key, _rows in batch]
    ctx.preload_visible([record.target for record in known if record is not None])
    for key, rows in batch:
        if _is_new(ctx, key, rows):
            slots.append(_prepare(ctx, key, rows))
        else:
            slots.append(apply_group(ctx, kind, key, rows))
    pending = [s for s in slots if isinstance(s, _Pending)]
    cases_register_bulk(
        actor=ctx.user,
        cases=[p.new for p in pending if p.new is not None and p.error is None],
        outcome_codes=_outcome_codes(ctx),
        write=write,
    )
    mappings: list = []
    results = [_finish(ctx, s, mappings) if isinstance(s, _Pending) else s for s in slots]
    if write:
        ctx.remember_many(mappings)
    return results
