"""The charts on the evaluation and monitor pages read right in a real browser (issue 14 item 15):
every SVG text, measured by Chromium with the page's own fonts, lies inside its chart's viewBox;
the cumulative-incidence charts draw their 95 % band and the table next to them gives its
numbers; a chart without data is a Dutch sentence; axe finds nothing, also at phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .test_case_flow import log_in, snapshot

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 800}

# Per chart: the texts whose measured box leaves the viewBox (by more than half a pixel).
TEXTS_OUTSIDE_JS = """() => Array.from(document.querySelectorAll('svg.pilot-chart')).flatMap(svg => {
  const vb = svg.viewBox.baseVal;
  return Array.from(svg.querySelectorAll('text')).filter(t => {
    const b = t.getBBox();
    return b.x < vb.x - 0.5 || b.y < vb.y - 0.5 || b.x + b.width > vb.x + vb.width + 0.5
      || b.y + b.height > vb.y + vb.height + 0.5;
  }).map(t => t.textContent);
})"""


@pytest.fixture
def researcher_with_data(page: Page, demo_users):
    from inbeeld.demo.generator import DemoConfig, generate

    generate(DemoConfig(cases=600, seed=2021))
    log_in(page, "onderzoeker")
    return page


@pytest.mark.parametrize(
    "path", ["/evaluatie/psychologist/", "/evaluatie/doorlooptijden/", "/rapporten/monitor/"]
)
def test_every_chart_text_stays_inside_its_chart(researcher_with_data: Page, axe, path):
    page = researcher_with_data
    # The monitor computes the dark number's selection bootstrap (capped at 45 s) on first use.
    page.goto(path, timeout=60_000)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.locator("svg.pilot-chart, .chart-empty").count() >= 1
    assert page.evaluate(TEXTS_OUTSIDE_JS) == []
    assert axe(page) == []
    name = "grafieken-" + path.strip("/").replace("/", "-")
    snapshot(page, name)
    page.set_viewport_size(PHONE)
    assert axe(page) == []
    snapshot(page, name + "-telefoon")


def test_the_incidence_chart_shows_its_band_and_the_bands_numbers(researcher_with_data: Page):
    page = researcher_with_data
    page.goto("/evaluatie/psychologist/")
    bands = page.locator("svg.pilot-chart path.ci-band")
    assert bands.count() >= 2
    assert bands.first.get_attribute("fill-opacity")
    expect(page.get_by_text("95 %-betrouwbaarheidsband (per groep").first).to_be_attached()
    table = page.get_by_test_id("incidence-table").first
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(4)  # 90, 180, 270 and 365 days
    expect(table.locator("tbody td").first).to_contain_text(" tot ")
