"""The PDFs read right on paper (issue 14 item 15): on every page of the monitor and the
evaluation report, no two words are drawn over each other (an overflowing table header, a chart
label over another), no word lies outside the printable area (cut off at the sheet's edge or at
the edge of a chart), and no page is empty. The text boxes come from the PDF's own layout
(pypdfium2; tests/publication/pdf_layout.py); SVG chart labels are PDF text too.

The checker itself is tested on a document with the faults the reports had: a numeric table
header that could not wrap and ran into its neighbours and off the page, and bar-chart labels
longer than their column.
"""

from __future__ import annotations

import pytest

from inbeeld.analysis.evaluation import evaluation_for
from inbeeld.publication import reports
from inbeeld.publication.monitor_report import monitor_report_for
from inbeeld.publication.views import SCOPE_LABEL
from tests.publication.pdf_layout import layout_faults, page_words
from tests.publication.test_reports import world  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def _pdf(report: str, user) -> bytes:
    """The report's PDF as the download gives it (the same builders as the view and the job)."""
    if report == "monitor":
        return monitor_report_for(user, scope_label=SCOPE_LABEL).pdf()
    return reports.evaluation_report(evaluation_for(user), scope_label=SCOPE_LABEL).pdf()


@pytest.mark.parametrize("report", ["monitor", "evaluation"])
def test_every_page_of_the_report_has_no_overlapping_or_clipped_text(world, report):  # noqa: F811
    data = _pdf(report, world.researcher)
    sizes, pages = page_words(data)
    assert len(pages) >= 2
    assert all(len(words) > 20 for words in pages), [len(words) for words in pages]
    assert layout_faults(data) == []


def test_the_chart_labels_are_checked_as_pdf_text(world):  # noqa: F811
    """WeasyPrint writes SVG text as PDF text: the funnel chart's labels and counts are words
    of the monitor's PDF, inside the page's content box."""
    data = _pdf("monitor", world.researcher)
    _sizes, pages = page_words(data)
    words = {word.text for page in pages for word in page}
    # "De keten, alle jaren samen" is the funnel chart's title; its labels are SVG <text>.
    assert {"Geregistreerde", "politiecontact", "Dagvaarding"} <= words


STYLE = """<style>
@page { size: A4; margin: 18mm 16mm 20mm; }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; }
table { width: 100%; table-layout: fixed; font-size: 8pt; border-collapse: collapse; }
th.num { white-space: nowrap; text-align: right; }
</style>"""
OLD_HEADER = (
    "<table><thead><tr><th>Interventie</th><th>Uitkomst</th>"
    + "".join(
        f'<th class="num">{h}</th>'
        for h in (
            "Casussen met / zonder",
            "Met",
            "Zonder",
            "Verschil",
            "Verschil zoals uitgevoerd",
            "Kans op positief effect",
            "Nodig per groep",
        )
    )
    + "</tr></thead><tbody><tr><td>a</td><td>b</td>"
    + "<td>1</td>" * 7
    + "</tr></tbody></table>"
)
OLD_BARS = (
    '<svg viewBox="0 0 560 60" width="560" height="60" xmlns="http://www.w3.org/2000/svg" '
    'font-size="12"><text x="120" y="20" text-anchor="end">Geregistreerde casussen</text>'
    '<text x="120" y="44" text-anchor="end">Veroordeling (eerste aanleg)</text></svg>'
)


def test_the_checker_finds_an_overlapping_header_and_labels_cut_off():
    data = reports.render_pdf(
        f"<html><head>{STYLE}</head><body>{OLD_HEADER}{OLD_BARS}</body></html>"
    )
    faults = layout_faults(data)
    assert any(f.startswith("overlap:") and "'Met'" in f for f in faults), faults
    assert any(f.startswith("outside") and "'Veroordeling'" in f for f in faults), faults
    fixed = OLD_HEADER.replace('class="num"', "")  # headers that may wrap
    assert (
        layout_faults(reports.render_pdf(f"<html><head>{STYLE}</head><body>{fixed}</body></html>"))
        == []
    )
