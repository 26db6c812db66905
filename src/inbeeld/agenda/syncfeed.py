"""Saved pages of the Tweede Kamer's SyncFeed (``SyncFeed/2.0/Feed``, Atom XML) as rows in the
shape of the OData JSON (issue 18, item 3; ADR 0024). Every ``<entry>`` has a ``<content>`` with
one entity element (``<zaak>``, ``<besluit>``, ``<toezegging>`` …) carrying the attributes ``id``
(GUID), the change timestamp (``gewijzigdOp``, in the tkData namespace also ``bijgewerkt``) and
``verwijderd``; its child elements are the fields (``<nummer>``, ``<soort>`` …) or relations
(``<kamerstukdossier ref="GUID"/>``). Field names become the OData names (``nummer`` →
``Nummer``), a relation becomes ``{"Id": ref}`` in a list and, for the first, ``Naam_Id``. The
entity's own XML is kept under ``@xml``. Parsed with defusedxml with DTDs forbidden: no external
or internal entities, no network."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ATOM = "{http://www.w3.org/2005/Atom}"
CHANGED = ("gewijzigdOp", "bijgewerkt")


def is_xml(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _attribute(element: ET.Element, names: tuple[str, ...]) -> str | None:
    for key, value in element.attrib.items():
        if _local(key) in names:
            return value
    return None


def _pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def _row(element: ET.Element) -> dict:
    row: dict = {
        "Id": _attribute(element, ("id",)),
        "GewijzigdOp": _attribute(element, CHANGED),
        "Verwijderd": (_attribute(element, ("verwijderd",)) or "").strip().lower() == "true",
    }
    for child in element:
        name = _pascal(_local(child.tag))
        ref = _attribute(child, ("ref",))
        if ref is not None:
            row.setdefault(name, []).append({"Id": ref})
            row.setdefault(f"{name}_Id", ref)
        elif len(child) == 0:
            row[name] = (child.text or "").strip()
    row["@xml"] = ET.tostring(element, encoding="unicode")
    return row


def read_feed(data: bytes, entities: tuple[str, ...]) -> tuple[list[tuple[str, dict]], int]:
    """(entity, row) for every entry of a known entity, and the number of entries skipped
    (entities the mirror does not keep, such as persons or factions)."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ET.ParseError, DefusedXmlException, ValueError) as exc:
        raise ValidationError(
            _("Dit is geen leesbare SyncFeed-pagina (XML) van de Tweede Kamer.")
        ) from exc
    if root.tag != f"{ATOM}feed":
        raise ValidationError(
            _("Dit XML-bestand is geen Atom-feed (SyncFeed) van de Tweede Kamer.")
        )
    known = {e.lower(): e for e in entities}
    rows: list[tuple[str, dict]] = []
    skipped = 0
    for entry in root.iter(f"{ATOM}entry"):
        content = entry.find(f"{ATOM}content")
        element = next(iter(content), None) if content is not None else None
        entity = known.get(_local(element.tag).lower()) if element is not None else None
        if entity is None:
            skipped += 1
            continue
        rows.append((entity, _row(element)))
    return rows, skipped
