"""Every word a user reads on the research pages is Dutch (issue 13 item 10, ADR 0001): the
evaluation overview and every intervention page, the lead times, the monitor page, the pilot
dashboard, the HTML of the evaluation and monitor reports (what the PDF is printed from) and the
case page of a police officer carry none of the English statistical terms that used to slip
through ("intention to treat", "odds ratio", "bootstrap", …).

Fixture: the small world of tests/publication/test_reports.py (60 monitored cases in two units,
three deliveries of the psychologist)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.publication.test_reports import _client, _text, build_world

pytestmark = pytest.mark.django_db

# Matched as whole words, case-insensitively, in the visible text (tags, styles and charts
# stripped). "treat" also catches "as treated" and "intention-to-treat".
ENGLISH = (
    "intention",
    "treat",
    "treated",
    "odds ratio",
    "bootstrap",
    "ITT",
    "cluster",
    "p-value",
    "confidence",
)
ENGLISH_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in ENGLISH) + r")\b", re.I)


@pytest.fixture
def world(db):
    cache.clear()
    yield build_world()
    cache.clear()


def _english(html: str) -> list[str]:
    text = _text(html)
    return [text[max(0, m.start() - 60) : m.end() + 60] for m in ENGLISH_RE.finditer(text)]


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_pattern_finds_the_english_terms():
    # The check itself must bite: these are the phrasings that used to reach users.
    for phrase in (
        "Verschil (ITT)",
        "Intention to treat:",
        "de intention-to-treat-groep",
        "de gecorrigeerde odds ratio",
        "een bootstrap die",
        "cluster-robuust",
    ):
        assert _english(f"<p>{phrase}</p>"), phrase
    assert not _english("<p>Verschil (naar toewijzing); oddsverhouding; log-ranktoets</p>")


def test_the_research_pages_and_reports_are_dutch_only(world):
    client = _client(world.researcher)
    overview = _page(client, reverse("evaluation:overview"))
    codes = set(re.findall(r'href="/evaluatie/([\w-]+)/"', overview)) - {"doorlooptijden"}
    assert "psychologist" in codes
    urls = [
        reverse("evaluation:lead_times"),
        reverse("reports:monitor_page"),
        reverse("reports:evaluation", args=["html"]),
        reverse("reports:monitor", args=["html"]),
        *(reverse("evaluation:intervention", args=[code]) for code in sorted(codes)),
    ]
    found = {"overview": _english(overview)}
    for url in urls:
        found[url] = _english(_page(client, url))
    found["dashboard"] = _english(_page(client, reverse("pilot:dashboard")))
    assert not any(found.values()), {k: v for k, v in found.items() if v}


def test_the_case_page_of_a_police_officer_is_dutch_only(world):
    officer = world.recorders["amsterdam"]
    cases = world.reached[:1] + [c for c in world.cases if c.police_unit.code == "amsterdam"][:2]
    for case in cases:
        html = _page(_client(officer), reverse("cases:detail", args=[case.code]))
        assert not _english(html), _english(html)
