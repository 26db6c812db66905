"""Import of saved Tweede Kamer open-data responses (OData v4, gegevensmagazijn) into the mirror
table ParliamentRecord (issue 18, item 3; ADR 0024). The field names follow the published
documentation (opendata.tweedekamer.nl): every entity has ``Id`` (GUID), ``GewijzigdOp`` and
``Verwijderd``; Zaak ``Nummer``, ``Soort``, ``Titel``, ``Onderwerp``, ``Kabinetsappreciatie``;
Besluit ``BesluitSoort``, ``BesluitTekst``; Stemming ``Soort``, ``ActorFractie``; Document
``DocumentNummer``, ``Soort``, ``Titel``, ``Onderwerp``; Kamerstukdossier ``Nummer``, ``Titel``;
Toezegging ``Nummer``, ``Tekst``. Relevant: dossier 28638 (Mensenhandel) or a subject with
"mensenhandel" or "uitbuiting"."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.agenda import syncfeed
from inbeeld.agenda.models import ParliamentLink, ParliamentRecord
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record

ENTITIES = ("Zaak", "Besluit", "Stemming", "Document", "Kamerstukdossier", "Toezegging")
DOSSIER = "28638"
TERMS = ("mensenhandel", "uitbuiting")

# entity → (number field, kind field, subject fields)
FIELDS = {
    "Zaak": ("Nummer", "Soort", ("Onderwerp", "Titel")),
    "Besluit": ("", "BesluitSoort", ("BesluitTekst",)),
    "Stemming": ("", "Soort", ("ActorFractie",)),
    "Document": ("DocumentNummer", "Soort", ("Onderwerp", "Titel")),
    "Kamerstukdossier": ("Nummer", "", ("Titel",)),
    "Toezegging": ("Nummer", "", ("Tekst",)),
}


@dataclass(frozen=True)
class ImportCounts:
    added: int  # new GUIDs
    versions: int  # new versions of known GUIDs
    unchanged: int  # already there with this change timestamp
    relevant: int  # of the rows read
    skipped: int = 0  # SyncFeed entries of entities the mirror does not keep


def _entity(payload: dict, entity: str | None) -> str:
    if entity is None:
        context = str(payload.get("@odata.context", ""))
        entity = context.rsplit("#", 1)[-1].split("(")[0] if "#" in context else ""
    if entity not in ENTITIES:
        raise ValidationError(
            _("Onbekende soort Kamergegevens: %(e)s (verwacht: %(all)s).")
            % {"e": entity or "-", "all": ", ".join(ENTITIES)}
        )
    return entity


def _text(row: dict, name: str) -> str:
    value = row.get(name) if name else None
    return "" if value is None else str(value)


def _dossier(row: dict, dossiers: dict[str, str]) -> str:
    """The dossier number: inline (OData $expand) or, for a SyncFeed reference, the number of
    the referenced Kamerstukdossier (in the same file or already mirrored)."""
    for name in ("Kamerstukdossier", "Dossier"):
        nested = row.get(name)
        for item in nested if isinstance(nested, list) else [nested]:
            if not isinstance(item, dict):
                continue
            if item.get("Nummer") is not None:
                return str(item["Nummer"])
            if str(item.get("Id", "")).lower() in dossiers:
                return dossiers[str(item["Id"]).lower()]
    return ""


def _known_dossiers(pairs: list[tuple[str, dict]]) -> dict[str, str]:
    known = {
        str(guid): number
        for guid, number in ParliamentRecord.objects.filter(entity="Kamerstukdossier")
        .order_by("changed_at")
        .values_list("guid", "number")
    }
    for entity, row in pairs:
        if entity == "Kamerstukdossier" and row.get("Nummer") is not None:
            known[str(row.get("Id", "")).lower()] = str(row["Nummer"])
    return known


def _parse(entity: str, index: int, row: dict, dossiers: dict[str, str]) -> dict:
    try:
        guid = uuid.UUID(str(row["Id"]))
    except (KeyError, ValueError) as exc:
        raise ValidationError(_("Rij %(n)s: geen geldig Id (GUID).") % {"n": index + 1}) from exc
    changed = parse_datetime(str(row.get("GewijzigdOp") or ""))
    if changed is None:
        raise ValidationError(_("Rij %(n)s: geen geldige GewijzigdOp.") % {"n": index + 1})
    if changed.tzinfo is None:
        changed = changed.replace(tzinfo=dt.UTC)
    number_field, kind_field, subject_fields = FIELDS[entity]
    subject = " ".join(_text(row, f) for f in subject_fields if _text(row, f)).strip()
    number = _text(row, number_field)
    dossier = _dossier(row, dossiers) or (number if entity == "Kamerstukdossier" else "")
    relevant = dossier == DOSSIER or any(t in subject.lower() for t in TERMS)
    return {
        "entity": entity,
        "guid": guid,
        "changed_at": changed,
        "deleted": bool(row.get("Verwijderd")),
        "number": number[:40],
        "kind": _text(row, kind_field)[:100],
        "subject": subject,
        "cabinet_appraisal": _text(row, "Kabinetsappreciatie")[:100],
        "dossier": dossier[:20],
        "relevant": relevant,
        "raw": row,
    }


def _json_rows(data: bytes, entity: str | None) -> list[tuple[str, dict]]:
    try:
        payload = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(_("Dit is geen JSON-antwoord van de Tweede Kamer.")) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("value"), list):
        raise ValidationError(_("Het antwoord heeft geen lijst 'value'."))
    entity = _entity(payload, entity)
    return [(entity, row if isinstance(row, dict) else {}) for row in payload["value"]]


def parliament_import(*, actor, data: bytes, entity: str | None = None) -> ImportCounts:
    """Mirror one saved OData response (JSON: {"value": [...]}) or one saved SyncFeed page (Atom
    XML). All or nothing; idempotent on (GUID, GewijzigdOp)."""
    if actor is None or not policy.can(actor, policy.Action.AGENDA_MANAGE):
        raise PermissionDenied(_("U mag geen Kamergegevens inlezen."))
    skipped = 0
    if syncfeed.is_xml(data):
        pairs, skipped = syncfeed.read_feed(data, ENTITIES)
    else:
        pairs = _json_rows(data, entity)
    dossiers = _known_dossiers(pairs)
    rows = [_parse(kind, i, row, dossiers) for i, (kind, row) in enumerate(pairs)]
    return _store(actor, rows, skipped, kinds=sorted({kind for kind, _row in pairs}))


def _store(actor, rows: list[dict], skipped: int, *, kinds: list[str]) -> ImportCounts:
    added = versions = unchanged = 0
    with transaction.atomic():
        for values in rows:
            known = ParliamentRecord.objects.filter(guid=values["guid"])
            if known.filter(changed_at=values["changed_at"]).exists():
                unchanged += 1
                continue
            if known.exists():
                versions += 1
            else:
                added += 1
            ParliamentRecord.objects.create(**values)
        counts = ImportCounts(added, versions, unchanged, sum(r["relevant"] for r in rows), skipped)
        audit_record(
            actor=actor,
            action=AuditAction.AGENDA_PARLIAMENT_IMPORTED,
            subject_type="parliament_data",
            extra={"kind": ", ".join(kinds) or "-", "counts": counts.__dict__},
        )
    return counts


def link_key(number: str) -> str:
    """A parliamentary number without spaces, dots and case: "36 015-12" → "36015-12"."""
    return "".join(c for c in str(number).lower() if c not in " .\u00a0\t")


def _linked(record: ParliamentRecord, keys: set[str]) -> bool:
    if not keys:
        return False
    dossier = link_key(record.dossier)
    raw = record.raw if isinstance(record.raw, dict) else {}
    sub = str(raw.get("Volgnummer") or raw.get("Ondernummer") or "")
    candidates = {link_key(record.number), dossier, f"{dossier}-{link_key(sub)}" if sub else ""}
    return bool(candidates & keys)


def current_records(entity: str | None = None, *, relevant_only: bool = True) -> list:
    """The newest version of every mirrored record (deleted ones left out). Relevant: dossier
    28638, a subject term, or a number a CKM staff member linked by hand (ParliamentLink)."""
    queryset = ParliamentRecord.objects.order_by("guid", "-changed_at", "-pk")
    if entity:
        queryset = queryset.filter(entity=entity)
    newest: dict = {}
    for record in queryset:
        newest.setdefault(record.guid, record)
    keys = set(ParliamentLink.objects.values_list("key", flat=True)) if relevant_only else set()
    return [
        r
        for r in newest.values()
        if not r.deleted and (not relevant_only or r.relevant or _linked(r, keys))
    ]
