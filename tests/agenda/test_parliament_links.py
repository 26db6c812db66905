"""A CKM staff member marks a parliamentary number as relevant by hand: its mirrored records then
count as relevant outside dossier 28638 too. Through the service (policy + audit, append-only)
and the small form on the parliament page."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.agenda import services
from inbeeld.agenda.models import ParliamentLink
from inbeeld.agenda.parliament import current_records, parliament_import
from inbeeld.audit.models import AuditEvent
from tests.agenda import helpers
from tests.factories import make_user

pytestmark = pytest.mark.django_db

CTX = "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0/$metadata#"
ZAAK = "7a000000-0000-4000-8000-000000000001"
DOC = "7a000000-0000-4000-8000-000000000002"


def _mirror(actor):
    zaak = {
        "Id": ZAAK,
        "Nummer": "2023Z14567",
        "Soort": "Schriftelijke vragen",
        "Onderwerp": "Vragen over arbeidsomstandigheden in de land- en tuinbouw",
        "GewijzigdOp": "2023-07-01T10:00:00+02:00",
        "Verwijderd": False,
    }
    doc = {
        "Id": DOC,
        "DocumentNummer": "2023D30001",
        "Soort": "Motie",
        "Onderwerp": "Motie over arbeidsmigranten",
        "Volgnummer": 12,
        "GewijzigdOp": "2023-07-02T10:00:00+02:00",
        "Verwijderd": False,
        "Kamerstukdossier": [{"Nummer": "36015", "Titel": "Arbeidsmigratie"}],
    }
    for entity, row in (("Zaak", zaak), ("Document", doc)):
        data = json.dumps({"@odata.context": CTX + entity, "value": [row]}).encode()
        parliament_import(actor=actor, data=data)


def _relevant():
    return {str(r.guid) for r in current_records()}


def test_a_linked_number_makes_its_records_relevant_and_is_audited():
    actor = helpers.researcher()
    _mirror(actor)
    assert _relevant() == set()  # neither is in dossier 28638 nor names trafficking
    services.parliament_link_add(actor=actor, number="2023z14567", note="Arbeidsuitbuiting")
    assert _relevant() == {ZAAK}
    link = services.parliament_link_add(actor=actor, number=" 36 015-12 ", note="Kamerstuk")
    assert (link.number, link.key) == ("36 015-12", "36015-12")
    assert _relevant() == {ZAAK, DOC}  # dossier 36015, volgnummer 12
    event = AuditEvent.objects.get(action="agenda.parliament_link", subject_ref=str(link.pk))
    assert event.extra == {"parliament_number": "36 015-12"} and event.actor == actor


def test_refusals_store_nothing():
    actor = helpers.researcher()
    services.parliament_link_add(actor=actor, number="36015", note="Dossier arbeidsmigratie")
    cases = [
        ({"number": "36 015", "note": "nog eens"}, "al als relevant gemarkeerd"),
        ({"number": "<script>", "note": "x"}, "Vul een Kamernummer in"),
        ({"number": "abc", "note": "x"}, "Vul een Kamernummer in"),
        ({"number": "2023Z1", "note": "  "}, "waarom dit nummer relevant is"),
    ]
    for values, message in cases:
        with pytest.raises(ValidationError) as caught:
            services.parliament_link_add(actor=actor, **values)
        assert message in " ".join(caught.value.messages)
    with pytest.raises(PermissionDenied):
        services.parliament_link_add(
            actor=make_user(Role.POLICE_OFFICER), number="2023Z2", note="x"
        )
    assert ParliamentLink.objects.count() == 1
    assert AuditEvent.objects.filter(action="agenda.parliament_link").count() == 1


def test_the_parliament_page_form(client, login):
    staff = helpers.researcher()
    _mirror(staff)
    login(staff)
    url = reverse("agenda:parliament")
    page = client.get(url).content.decode()
    assert "Nummer als relevant markeren" in page and "2023Z14567" not in page
    bad = client.post(url, {"number": "", "note": ""})
    assert bad.status_code == 400 and "Vul het Kamernummer in." in bad.content.decode()
    done = client.post(url, {"number": "2023Z14567", "note": "Arbeidsuitbuiting in de tuinbouw"})
    assert done.status_code == 302
    page = client.get(url).content.decode()
    assert (
        "Arbeidsuitbuiting in de tuinbouw" in page and "Vragen over arbeidsomstandigheden" in page
    )
    login(make_user(Role.PROSECUTOR))
    reader = client.get(url).content.decode()
    assert "2023Z14567" in reader and "Nummer als relevant markeren" not in reader
    assert client.post(url, {"number": "2023Z9", "note": "x"}).status_code == 403
    assert ParliamentLink.objects.count() == 1


def test_staff_read_a_saved_file_in_through_the_web_and_again_changes_nothing(client, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from inbeeld.agenda.models import ParliamentRecord

    staff = helpers.researcher()
    login(staff)
    url = reverse("agenda:parliament_upload")
    motion = {
        "Id": "7a000000-0000-4000-8000-0000000000aa",
        "Nummer": "2023Z20001",
        "Soort": "Motie",
        "Onderwerp": "Motie over mensenhandel en de meldplicht van platforms",
        "GewijzigdOp": "2023-12-14T10:00:00+01:00",
        "Verwijderd": False,
        "Kamerstukdossier": [{"Nummer": "28638", "Titel": "Mensenhandel"}],
    }
    body = json.dumps({"@odata.context": CTX + "Zaak", "value": [motion]}).encode()

    def upload(data: bytes, name="zaken.json"):
        return client.post(url, {"file": SimpleUploadedFile(name, data), "entity": ""})

    assert client.get(url).status_code == 200
    empty = client.post(url, {"entity": ""})
    assert empty.status_code == 400 and "Kies het bestand" in empty.content.decode()
    broken = upload(b'{"value": [')
    assert broken.status_code == 400
    assert "Dit is geen JSON-antwoord van de Tweede Kamer." in broken.content.decode()
    assert ParliamentRecord.objects.count() == 0  # nothing stored half

    first = upload(body)
    assert first.status_code == 302 and first["Location"] == reverse("agenda:parliament")
    page = client.get(first["Location"]).content.decode()
    assert "1 nieuw" in page and "Motie over mensenhandel" in page
    again = upload(body)
    assert again.status_code == 302
    assert "0 nieuw, 0 gewijzigd, 1 al aanwezig" in client.get(again["Location"]).content.decode()
    assert ParliamentRecord.objects.count() == 1
    assert AuditEvent.objects.filter(action="agenda.parliament_import").count() == 2

    login(make_user(Role.POLICE_OFFICER))
    assert upload(body).status_code == 403
