"""The Tweede Kamer open-data import, on hand-built responses that follow the published field
documentation of the OData v4 gegevensmagazijn (Zaak, Besluit, Document, Kamerstukdossier):
idempotent on GUID + GewijzigdOp, raw JSON kept, relevance by dossier 28638 or subject terms,
all-or-nothing on a bad row."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from inbeeld.accounts.models import Role
from inbeeld.agenda.models import ParliamentRecord
from inbeeld.agenda.parliament import current_records, parliament_import
from inbeeld.audit.models import AuditEvent
from tests.agenda import helpers
from tests.factories import make_user

pytestmark = pytest.mark.django_db

MOTION = "6f1d7a62-3a0e-4a3e-9c39-0f3b7d2a1c01"
OTHER = "0b9a3c55-8d2e-4f70-a0c1-7e2f5a9b4c02"
QUESTIONS = "9c2e1f44-1b3a-4d5e-8f60-2a1b3c4d5e03"


def _zaak(guid, changed, *, nummer, soort, onderwerp, dossier=None, appraisal=None, deleted=False):
    row = {
        "Id": guid,
        "Nummer": nummer,
        "Soort": soort,
        "Titel": onderwerp,
        "Onderwerp": onderwerp,
        "Kabinetsappreciatie": appraisal,
        "GewijzigdOp": changed,
        "Verwijderd": deleted,
    }
    if dossier:
        row["Kamerstukdossier"] = [{"Nummer": dossier, "Titel": "Mensenhandel"}]
    return row


def _response(rows, entity="Zaak"):
    return json.dumps(
        {
            "@odata.context": f"https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0/$metadata#{entity}",
            "value": rows,
        }
    ).encode()


FIRST = [
    _zaak(
        MOTION,
        "2023-12-14T16:02:11.343+01:00",
        nummer="2023Z20001",
        soort="Motie",
        onderwerp="Motie over de aanpak van klanten van minderjarige slachtoffers",
        dossier="28638",
        appraisal="Oordeel Kamer",
    ),
    _zaak(
        OTHER,
        "2023-12-01T09:00:00+01:00",
        nummer="2023Z19000",
        soort="Motie",
        onderwerp="Motie over de begroting van Defensie",
    ),
    _zaak(
        QUESTIONS,
        "2018-06-20T10:00:00+02:00",
        nummer="2018Z11194",
        soort="Schriftelijke vragen",
        onderwerp="Vragen over het rapport 'Aangifte doe je niet' over seksuele uitbuiting",
    ),
]


def test_a_saved_response_is_mirrored_once_and_a_change_adds_a_version():
    actor = helpers.researcher()
    first = parliament_import(actor=actor, data=_response(FIRST))
    assert (first.added, first.versions, first.unchanged, first.relevant) == (3, 0, 0, 2)
    again = parliament_import(actor=actor, data=_response(FIRST))
    assert (again.added, again.versions, again.unchanged) == (0, 0, 3)
    assert ParliamentRecord.objects.count() == 3
    changed = [
        dict(FIRST[0], GewijzigdOp="2024-01-10T12:00:00+01:00", Kabinetsappreciatie="Ontraden")
    ]
    later = parliament_import(actor=actor, data=_response(changed))
    assert (later.added, later.versions) == (0, 1)
    current = {str(r.guid): r for r in current_records("Zaak")}
    assert set(current) == {MOTION, QUESTIONS}  # the Defence motion is not about trafficking
    motion = current[MOTION]
    assert motion.cabinet_appraisal == "Ontraden" and motion.dossier == "28638"
    assert motion.raw["Nummer"] == "2023Z20001"  # the raw JSON is kept
    assert AuditEvent.objects.filter(action="agenda.parliament_import").count() == 3


def test_a_deleted_record_leaves_the_current_list():
    actor = helpers.researcher()
    parliament_import(actor=actor, data=_response(FIRST))
    gone = [dict(FIRST[2], GewijzigdOp="2024-02-01T00:00:00+01:00", Verwijderd=True)]
    parliament_import(actor=actor, data=_response(gone))
    assert {str(r.guid) for r in current_records("Zaak")} == {MOTION}


def test_other_entities_follow_their_fields():
    actor = helpers.researcher()
    dossier = {
        "Id": "1c2d3e4f-0000-4000-8000-000000000001",
        "Nummer": 28638,
        "Titel": "Mensenhandel",
        "GewijzigdOp": "2023-01-01T00:00:00Z",
        "Verwijderd": False,
    }
    parliament_import(actor=actor, data=_response([dossier], "Kamerstukdossier"))
    decision = {
        "Id": "1c2d3e4f-0000-4000-8000-000000000002",
        "BesluitSoort": "Stemmen - aangenomen",
        "BesluitTekst": "Aangenomen. Motie over uitbuiting.",
        "GewijzigdOp": "2023-12-19T17:00:00Z",
        "Verwijderd": False,
    }
    parliament_import(actor=actor, data=_response([decision], "Besluit"))
    rows = {r.entity: r for r in current_records()}
    assert rows["Kamerstukdossier"].relevant and rows["Kamerstukdossier"].number == "28638"
    assert rows["Besluit"].kind == "Stemmen - aangenomen" and rows["Besluit"].relevant


def test_bad_input_stores_nothing():
    actor = helpers.researcher()
    broken = [FIRST[0], {"Id": "geen-guid", "GewijzigdOp": "2023-01-01T00:00:00Z"}]
    with pytest.raises(ValidationError, match="Rij 2: geen geldig Id"):
        parliament_import(actor=actor, data=_response(broken))
    with pytest.raises(ValidationError, match="GewijzigdOp"):
        parliament_import(actor=actor, data=_response([{"Id": MOTION}]))
    with pytest.raises(ValidationError, match="geen JSON"):
        parliament_import(actor=actor, data=b"{niet: json")
    with pytest.raises(ValidationError, match="Onbekende soort"):
        parliament_import(actor=actor, data=_response(FIRST, "Persoon"))
    assert not ParliamentRecord.objects.exists()
    with pytest.raises(PermissionDenied):
        parliament_import(actor=make_user(Role.POLICE_OFFICER), data=_response(FIRST))


def test_the_command_reads_saved_files(tmp_path, capsys):
    helpers.researcher(username="tom")
    path = tmp_path / "zaken.json"
    path.write_bytes(_response(FIRST))
    call_command("parliament_import", "--user", "tom", str(path))
    assert "3 nieuw, 0 gewijzigd, 0 al aanwezig, 2 over mensenhandel" in capsys.readouterr().out
    call_command("parliament_import", "--user", "tom", str(path))
    assert "0 nieuw, 0 gewijzigd, 3 al aanwezig" in capsys.readouterr().out
    with pytest.raises(CommandError, match="niet te lezen"):
        call_command("parliament_import", "--user", "tom", str(tmp_path / "weg.json"))


def test_the_recommendation_page_shows_the_mirrored_evidence_and_suggests_related_items(
    client, login
):
    import datetime as dt

    from django.urls import reverse

    actor = helpers.researcher()
    parliament_import(actor=actor, data=_response(FIRST))
    rec = helpers.recommendation(
        actor, text="Pak klanten van minderjarige slachtoffers van seksuele uitbuiting aan."
    )
    helpers.milestone(
        actor, rec, "questions", dt.date(2018, 6, 20), evidence_reference="2018Z11194"
    )
    login(actor)
    page = client.get(reverse("agenda:recommendation", args=[rec.pk])).content.decode()
    assert "Schriftelijke vragen: Vragen over het rapport" in page  # the evidence, resolved
    assert "Mogelijk verwante Kamerstukken" in page and "2023Z20001" in page  # shares terms
    assert "2023Z19000" not in page  # Defence: not relevant, shares nothing
    login(make_user(Role.POLICE_OFFICER))
    reader = client.get(reverse("agenda:recommendation", args=[rec.pk])).content.decode()
    assert "Mogelijk verwante" not in reader
