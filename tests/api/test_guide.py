"""docs/api.md stays true: its commands run here, in order, as a partner's developer would type
them against `make run` (the key command through call_command, every curl through the test
client), and every answer has the status the guide shows after it (``# → 201``)."""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from inbeeld.accounts.models import Role
from inbeeld.cases.models import Case, ChainEvent
from tests.factories import OrganisationFactory, make_user, unit

pytestmark = pytest.mark.django_db

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api.md"
BLOCK = re.compile(r"```sh\n(.*?)```", re.S)
EXPECT = re.compile(r"^# → (\d{3})$")
EXPORT = re.compile(r'^export (\w+)=\S+\s+# .*"(\w+)"')


def _blocks() -> list[str]:
    return BLOCK.findall(GUIDE.read_text(encoding="utf-8"))


def _run_curl(http: Client, words: list[str]):
    method, headers, data, url = "GET", {}, None, None
    words = iter(words[1:])
    for word in words:
        if word in ("-s", "-i"):
            continue
        if word == "-X":
            method = next(words)
        elif word == "-H":
            name, _sep, value = next(words).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            data = next(words)
        elif word.startswith("http://127.0.0.1:8000/"):
            url = word
        else:
            raise AssertionError(f"the guide uses a curl option this test does not know: {word}")
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    content_type = headers.pop("Content-Type", "application/json")
    if method == "POST":
        return http.post(path, data=data or "", content_type=content_type, headers=headers)
    return http.generic(method, path, headers=headers)


def test_the_guides_commands_work_as_written():
    organisation = OrganisationFactory(
        name="Politie Eenheid Amsterdam – AVIM (demo)", police_unit=unit("amsterdam")
    )
    make_user(Role.POLICE_OFFICER, organisation=organisation, username="politie.amsterdam")
    variables: dict[str, str] = {}
    http = Client()
    ran = 0
    for block in _blocks():
        lines = block.replace("\\\n", " ").splitlines()
        response = None
        for line in lines:
            line = line.strip()
            if not line:
                continue
            if line.startswith(".venv/bin/inbeeld "):
                words = shlex.split(line)
                out = io.StringIO()
                call_command(*words[1:], stdout=out, stderr=io.StringIO())
                variables["INBEELD_SLEUTEL"] = out.getvalue().strip()
                ran += 1
            elif line.startswith("curl "):
                for name, value in variables.items():
                    line = line.replace(f"${name}", value)
                response = _run_curl(http, shlex.split(line))
                ran += 1
            elif line.startswith("export INBEELD_SLEUTEL="):
                continue  # set from the command's output above
            elif match := EXPECT.match(line):
                assert response is not None
                assert response.status_code == int(match[1]), (line, response.content[:400])
                assert response["API-Version"] == "1.0.0"
            elif match := EXPORT.match(line):
                variables[match[1]] = str(response.json()[match[2]])
            else:
                raise AssertionError(f"a line of the guide this test does not understand: {line}")
    assert ran >= 10
    case = Case.objects.get()  # the retried registration made no second case
    assert case.code == variables["CASUS"]
    assert ChainEvent.objects.filter(case=case).count() == 3  # two events and one correction
