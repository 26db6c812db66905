"""The live connector, against a real HTTP server on 127.0.0.1 started in the test (http.server in
a thread) that serves hand-built OData v4 pages following the published field documentation: the
$filter on dossier 28638 and the subject words, paging by @odata.nextLink and by $skip, the same
storage as the file path (idempotent), the timeout, a foreign next link and the setting off."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from inbeeld.agenda.base_rate import motion_base_rate
from inbeeld.agenda.models import ParliamentRecord
from inbeeld.agenda.parliament import current_records
from inbeeld.agenda.parliament_live import live_import
from tests.agenda import helpers

pytestmark = pytest.mark.django_db

ROOT = "/OData/v4/2.0"
T = "2023-12-14T16:02:11+01:00"


def _guid(n: int) -> str:
    return f"8b000000-0000-4000-8000-{n:012d}"


def _motion(n):
    return {
        "Id": _guid(n),
        "Nummer": f"2023Z3{n:04d}",
        "Soort": "Motie",
        "Onderwerp": f"Motie {n} over de aanpak van mensenhandel",
        "GewijzigdOp": T,
        "Verwijderd": False,
        "Kamerstukdossier": [{"Nummer": 28638, "Titel": "Mensenhandel"}],
    }


def _besluit(n, zaak, tekst):
    return {
        "Id": _guid(100 + n),
        "BesluitSoort": f"Stemmen - {tekst.lower().rstrip('.')}",
        "BesluitTekst": tekst,
        "GewijzigdOp": T,
        "Verwijderd": False,
        "Zaak": [{"Id": _guid(zaak)}],
    }


class Service(BaseHTTPRequestHandler):
    """Answers like the gegevensmagazijn: Zaak in two pages by nextLink, Besluit in pages by
    $skip (page size 2 in these tests), the others empty."""

    requests: list[str] = []
    delay = 0.0
    foreign_link = False

    def log_message(self, *args):  # keep the test output clean
        pass

    def do_GET(self):
        type(self).requests.append(self.path)
        parts = urlsplit(self.path)
        entity = parts.path.removeprefix(ROOT + "/")
        query = parse_qs(parts.query)
        if type(self).delay:
            time.sleep(type(self).delay)
        body = {"@odata.context": f"http://x{ROOT}/$metadata#{entity}", "value": []}
        host = f"http://127.0.0.1:{self.server.server_port}"
        if entity == "Zaak":
            if "page2" in query:
                body["value"] = [_motion(3)]
            else:
                body["value"] = [_motion(1), _motion(2)]
                origin = "http://elders.example" if type(self).foreign_link else host
                body["@odata.nextLink"] = f"{origin}{ROOT}/Zaak?page2=1"
        elif entity == "Besluit":
            rows = [
                _besluit(1, 1, "Aangenomen."),
                _besluit(2, 2, "Verworpen."),
                _besluit(3, 3, "Aangenomen."),
            ]
            skip, top = int(query["$skip"][0]), int(query["$top"][0])
            body["value"] = rows[skip : skip + top]
        elif entity not in ("Kamerstukdossier", "Stemming", "Document", "Toezegging"):
            self.send_error(404)
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass


@pytest.fixture
def service():
    Service.requests, Service.delay, Service.foreign_link = [], 0.0, False
    server = ThreadingHTTPServer(("127.0.0.1", 0), Service)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}{ROOT}"
    server.shutdown()
    server.server_close()


def test_live_pages_are_mirrored_like_files_and_twice_adds_nothing(service):
    actor = helpers.researcher()
    result = live_import(actor=actor, root=service, timeout=5, page_size=2)
    # Kamerstukdossier 1, Zaak 2 (nextLink), Besluit 2 ($skip 0 and 2), Stemming, Document,
    # Toezegging 1 each.
    assert result.pages == 8
    assert result.counts.added == 6 and ParliamentRecord.objects.count() == 6
    zaak_first = next(p for p in Service.requests if p.startswith(f"{ROOT}/Zaak?"))
    query = parse_qs(urlsplit(zaak_first).query)
    assert "Kamerstukdossier/any(d: d/Nummer eq 28638)" in query["$filter"][0]
    assert "contains(Onderwerp, 'mensenhandel')" in query["$filter"][0]
    assert any("$skip=2" in p for p in Service.requests if "/Besluit?" in p)
    assert {r.number for r in current_records("Zaak")} == {"2023Z30001", "2023Z30002", "2023Z30003"}
    rate = motion_base_rate()
    assert (rate.carried, rate.decided) == (2, 3)
    again = live_import(actor=actor, root=service, timeout=5, page_size=2)
    assert again.counts.added == 0 and again.counts.unchanged == 6
    assert ParliamentRecord.objects.count() == 6


def test_the_command_uses_the_setting_and_is_off_without_it(service, settings):
    actor = helpers.researcher()
    settings.INBEELD_PARLIAMENT_ODATA_URL = ""
    with pytest.raises(CommandError, match="staat uit"):
        call_command("parliament_import", "--live", "--user", actor.username)
    assert Service.requests == []
    settings.INBEELD_PARLIAMENT_ODATA_URL = service
    out = StringIO()
    call_command("parliament_import", "--live", "--user", actor.username, stdout=out)
    assert "6 nieuw" in out.getvalue() and ParliamentRecord.objects.count() == 6


def test_a_slow_service_times_out_with_a_dutch_message(service):
    Service.delay = 1.5
    with pytest.raises(ValidationError) as caught:
        live_import(actor=helpers.researcher(), root=service, timeout=0.3, page_size=2)
    assert "niet bereikbaar" in " ".join(caught.value.messages)
    assert ParliamentRecord.objects.count() == 0


def test_a_next_link_to_another_host_is_not_followed(service):
    Service.foreign_link = True
    with pytest.raises(ValidationError) as caught:
        live_import(actor=helpers.researcher(), root=service, timeout=5, page_size=2)
    assert "andere server" in " ".join(caught.value.messages)
    assert not any("page2" in p for p in Service.requests)
