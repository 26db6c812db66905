"""Saved SyncFeed pages (SyncFeed/2.0/Feed, Atom XML) go into the same mirror as the OData JSON:
the same keys (GUID + change timestamp), idempotent, raw XML kept, entities the mirror does not
keep skipped, relations by reference resolved to the dossier number, and no entity expansion
(defusedxml with DTDs forbidden). Hand-built feed following the published format."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from inbeeld.agenda.base_rate import motion_base_rate
from inbeeld.agenda.models import ParliamentRecord
from inbeeld.agenda.parliament import current_records, parliament_import
from inbeeld.audit.models import AuditEvent
from tests.agenda import helpers

pytestmark = pytest.mark.django_db

DOSSIER = "11111111-0000-4000-8000-000000028638"
MOTION = "22222222-0000-4000-8000-000000000001"
BESLUIT = "33333333-0000-4000-8000-000000000001"
TOEZEGGING = "44444444-0000-4000-8000-000000000001"


def _entry(entity_xml: str, term: str) -> str:
    return f"""<entry>
    <title>{term}</title><id>https://gegevensmagazijn.tweedekamer.nl/SyncFeed/2.0/Entiteiten/x</id>
    <author><name>tweedekamer.nl</name></author><updated>2023-12-14T16:02:11Z</updated>
    <category term="{term}"/>
    <content type="application/xml">{entity_xml}</content>
  </entry>"""


def _feed(*entries: str, prolog: str = "") -> bytes:
    return (
        f"""<?xml version="1.0" encoding="utf-8"?>{prolog}
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>SyncFeed</title><id>https://gegevensmagazijn.tweedekamer.nl/SyncFeed/2.0/Feed</id>
  <updated>2023-12-14T16:02:11Z</updated>
  <link rel="next" href="https://gegevensmagazijn.tweedekamer.nl/SyncFeed/2.0/Feed?skiptoken=42"/>
  {"".join(entries)}
</feed>"""
    ).encode()


TK = 'xmlns="http://www.tweedekamer.nl/xsd/tkData/v1-0"'

PAGE = _feed(
    _entry(
        f'<kamerstukdossier {TK} id="{DOSSIER}" gewijzigdOp="2023-01-02T10:00:00+01:00" '
        'verwijderd="false"><nummer>28638</nummer><titel>Mensenhandel</titel></kamerstukdossier>',
        "Kamerstukdossier",
    ),
    _entry(
        f'<zaak {TK} id="{MOTION}" gewijzigdOp="2023-12-14T16:02:11+01:00" verwijderd="false">'
        "<nummer>2023Z20001</nummer><soort>Motie</soort>"
        "<onderwerp>Motie over klanten van minderjarige slachtoffers</onderwerp>"
        f'<kabinetsappreciatie>Oordeel Kamer</kabinetsappreciatie><kamerstukdossier ref="{DOSSIER}"/>'
        "</zaak>",
        "Zaak",
    ),
    _entry(
        f'<besluit {TK} id="{BESLUIT}" gewijzigdOp="2023-12-19T17:00:00+01:00" verwijderd="false">'
        "<besluitSoort>Stemmen - aangenomen</besluitSoort><besluitTekst>Aangenomen.</besluitTekst>"
        f'<zaak ref="{MOTION}"/></besluit>',
        "Besluit",
    ),
    _entry(
        f'<toezegging {TK} id="{TOEZEGGING}" gewijzigdOp="2024-02-01T09:00:00+01:00" '
        'verwijderd="false"><nummer>TZ202402-001</nummer>'
        "<tekst>De minister stuurt een brief over de aanpak van uitbuiting.</tekst></toezegging>",
        "Toezegging",
    ),
    _entry(
        f'<persoon {TK} id="55555555-0000-4000-8000-000000000001" '
        'gewijzigdOp="2023-01-01T00:00:00Z" verwijderd="false"><achternaam>X</achternaam></persoon>',
        "Persoon",
    ),
)


def test_a_saved_feed_page_is_mirrored_with_the_same_keys_and_kept_raw():
    actor = helpers.researcher()
    counts = parliament_import(actor=actor, data=PAGE)
    assert (counts.added, counts.versions, counts.unchanged, counts.skipped) == (4, 0, 0, 1)
    assert counts.relevant == 3  # dossier, the motion (via its dossier ref), the commitment
    again = parliament_import(actor=actor, data=PAGE)
    assert (again.added, again.unchanged) == (0, 4)
    assert ParliamentRecord.objects.count() == 4
    current = {str(r.guid): r for r in current_records()}
    motion = current[MOTION]
    assert (motion.entity, motion.number, motion.kind) == ("Zaak", "2023Z20001", "Motie")
    assert motion.dossier == "28638" and motion.cabinet_appraisal == "Oordeel Kamer"
    assert motion.raw["@xml"].startswith("<") and "2023Z20001" in motion.raw["@xml"]
    assert current[TOEZEGGING].subject.startswith("De minister stuurt een brief")
    assert motion_base_rate().carried == 1  # the Besluit found its motion by reference
    event = AuditEvent.objects.filter(action="agenda.parliament_import").last()
    assert "Toezegging" in event.extra["kind"]


def test_feed_and_json_share_keys_and_deletion_by_feed():
    actor = helpers.researcher()
    same = {
        "Id": MOTION,
        "Nummer": "2023Z20001",
        "Soort": "Motie",
        "Onderwerp": "Motie over klanten van minderjarige slachtoffers",
        "GewijzigdOp": "2023-12-14T16:02:11+01:00",
        "Verwijderd": False,
    }
    parliament_import(actor=actor, data=json.dumps({"value": [same]}).encode(), entity="Zaak")
    counts = parliament_import(actor=actor, data=PAGE)
    assert (counts.added, counts.unchanged) == (3, 1)  # the motion was already there
    deleted = _feed(
        _entry(
            f'<zaak {TK} id="{MOTION}" gewijzigdOp="2024-03-01T10:00:00+01:00" verwijderd="true"/>',
            "Zaak",
        )
    )
    assert parliament_import(actor=actor, data=deleted).versions == 1
    assert MOTION not in {str(r.guid) for r in current_records(relevant_only=False)}


@pytest.mark.parametrize(
    "data, message",
    [
        (b"<feed", "geen leesbare SyncFeed-pagina"),
        (b'<rss version="2.0"></rss>', "geen Atom-feed"),
        (
            _feed(
                _entry(f'<zaak {TK} id="{MOTION}">&xxe;</zaak>', "Zaak"),
                prolog='<!DOCTYPE feed [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
            ),
            "geen leesbare SyncFeed-pagina",
        ),
        (
            _feed(
                _entry(f'<zaak {TK} id="{MOTION}">&a;</zaak>', "Zaak"),
                prolog='<!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa">]>',
            ),
            "geen leesbare SyncFeed-pagina",
        ),
        (
            _feed(_entry(f'<zaak {TK} id="{MOTION}" verwijderd="false"/>', "Zaak")),
            "geen geldige GewijzigdOp",
        ),
        (
            _feed(
                _entry(f'<zaak {TK} id="geen-guid" gewijzigdOp="2024-01-01T00:00:00Z"/>', "Zaak")
            ),
            "geen geldig Id",
        ),
    ],
)
def test_bad_or_unsafe_xml_stores_nothing(data, message):
    actor = helpers.researcher()
    with pytest.raises(ValidationError) as caught:
        parliament_import(actor=actor, data=data)
    assert message in " ".join(caught.value.messages)
    assert ParliamentRecord.objects.count() == 0
