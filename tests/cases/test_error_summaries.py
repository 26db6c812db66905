"""Forms with errors open with an error summary that takes focus and links to each field, with
specific Dutch messages; the focus ring has at least 3:1 contrast (issue 14 item 11)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

import inbeeld
from tests.factories import CaseFactory
from tests.intake.test_views import PUBLIC_URL, signal_data

CSS = Path(inbeeld.__file__).parent / "static" / "inbeeld" / "inbeeld.css"


class _Summary(HTMLParser):
    """The error summary of a page: its attributes, its link targets and every id on the page."""

    def __init__(self):
        super().__init__()
        self.summary: dict | None = None
        self.inside = 0
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.position = -1
        self.form_position = -1
        self.count = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.count += 1
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "form" and attrs.get("method") == "post" and self.form_position < 0:
            self.form_position = self.count
        if "error-summary" in (attrs.get("class") or "").split():
            self.summary, self.inside, self.position = attrs, 1, self.count
        elif self.inside:
            if tag == "a":
                self.links.append(attrs.get("href", ""))
            if tag not in ("br", "img", "input"):
                self.inside += 1

    def handle_endtag(self, tag):
        if self.inside:
            self.inside -= 1


def _summary(response) -> _Summary:
    assert response.status_code == 200
    parser = _Summary()
    parser.feed(response.content.decode())
    assert parser.summary is not None, "no error summary"
    # It takes the focus (autofocus on a programmatically focusable element) and is announced.
    assert "autofocus" in parser.summary and parser.summary.get("tabindex") == "-1"
    assert parser.summary.get("role") == "alert"
    # Every link leads to an element that exists on the page.
    missing = [href for href in parser.links if href.lstrip("#") not in parser.ids]
    assert not missing, missing
    return parser


def _text(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


@pytest.mark.django_db
def test_the_event_form_summary_links_to_each_field_with_a_specific_message(login, police_officer):
    case = CaseFactory(with_complaint=True)
    response = login(police_officer).post(
        reverse("cases:event_create", args=[case.code]),
        {"event_type": "", "event_date": "", "date_precision": "day", "version": case.version},
    )
    parser = _summary(response)
    assert parser.links == ["#id_event_type", "#id_event_date"]
    html = _text(response)
    assert "Kies welke gebeurtenis u vastlegt." in html
    assert "Vul de datum van de gebeurtenis in." in html
    assert "Dit veld is verplicht." not in html


@pytest.mark.django_db
def test_the_event_form_summary_also_names_a_refusal_of_the_whole_form(login, police_officer):
    case = CaseFactory(with_complaint=True)
    response = login(police_officer).post(
        reverse("cases:event_create", args=[case.code]),
        {
            "event_type": "verdict",
            "outcome": "conviction",
            "event_date": "2024-03-05",
            "date_precision": "day",
            "version": case.version,
        },
    )
    _summary(response)
    assert "kan niet worden vastgelegd" in _text(response)


@pytest.mark.django_db
def test_the_event_form_summary_explains_a_form_without_its_version(login, police_officer):
    case = CaseFactory(with_complaint=True)
    response = login(police_officer).post(
        reverse("cases:event_create", args=[case.code]),
        {"event_type": "suspect_arrested", "event_date": "2024-03-05", "date_precision": "day"},
    )
    _summary(response)
    assert "Dit formulier is niet volledig meegekomen" in _text(response)


@pytest.mark.django_db
def test_the_break_glass_summary_links_to_each_field(login, police_officer):
    response = login(police_officer).post(reverse("cases:break_glass"), {"code": "", "reason": ""})
    parser = _summary(response)
    assert parser.links == ["#id_code", "#id_reason"]
    html = _text(response)
    assert "Vul de code in van de casus die u nodig heeft." in html
    assert "Schrijf op waarom u deze casus nu nodig heeft." in html


@pytest.mark.django_db
def test_the_break_glass_summary_shows_an_unknown_code(login, police_officer):
    response = login(police_officer).post(
        reverse("cases:break_glass"),
        {"code": "IB-ZZZZ-ZZZZ", "reason": "Het slachtoffer staat nu aan de balie van ons bureau."},
    )
    _summary(response)
    assert "Er is geen casus met deze code." in _text(response)


@pytest.mark.django_db
def test_the_case_form_has_its_summary_too(login, police_officer):
    response = login(police_officer).post(reverse("cases:create"), {"police_unit": ""})
    parser = _summary(response)
    assert parser.links and "#id_police_unit" in parser.links


@pytest.mark.django_db
def test_the_at_least_one_signal_error_links_to_the_first_checkbox(client):
    response = client.post(PUBLIC_URL, signal_data(indicators=None, description="  "))
    parser = _summary(response)
    assert "#id_indicators_0" in parser.links
    html = response.content.decode()
    first = re.search(r'<input type="checkbox" name="indicators"[^>]*>', html).group(0)
    assert 'id="id_indicators_0"' in first
    assert "id_indicators_fout" in first  # the checkbox is described by the error
    assert "Kies ten minste één signaal" in html


# --- the focus ring ------------------------------------------------------------------------------


def _luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    channels = []
    for i in (0, 2, 4):
        c = int(colour[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _rules(css: str) -> list[tuple[str, str]]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return [(s.strip(), body) for s, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css)]


def _last(rules, selector: str, pattern: str) -> str:
    found = [
        m.group(1) for s, body in rules if s == selector for m in [re.search(pattern, body)] if m
    ]
    assert found, selector
    return found[-1]  # the cascade: the last rule with the same selector wins


def test_the_contrast_formula_matches_known_pairs():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffbf47", "#ffffff") < 3  # the old ring on the white page


def test_the_focus_ring_has_at_least_3_to_1_against_the_page_and_the_header():
    rules = _rules(CSS.read_text(encoding="utf-8"))
    variables = dict(
        re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})", _last(rules, ":root", r"(.*)"))
    )
    page = variables["bg"]
    header = variables["accent"]  # .site-header { background: var(--accent) }
    ring = _last(rules, ":focus-visible", r"outline:\s*\d+px\s+solid\s+(#[0-9a-fA-F]{3,6})")
    width = int(_last(rules, ":focus-visible", r"outline:\s*(\d+)px"))
    assert width >= 2
    assert contrast(ring, page) >= 3, (ring, page)
    header_ring = _last(
        rules, ".site-header :focus-visible", r"outline-color:\s*(#[0-9a-fA-F]{3,6})"
    )
    assert contrast(header_ring, header) >= 3, (header_ring, header)
    summary_ring = _last(
        rules, ".error-summary:focus", r"outline:\s*\d+px\s+solid\s+(#[0-9a-fA-F]{3,6})"
    )
    assert contrast(summary_ring, page) >= 3
