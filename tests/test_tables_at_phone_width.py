"""Tables on a phone (issue 14 item 14): the markup behind tests/e2e/test_phone_width.py.

One rule for every page template (src/inbeeld/templates, without Django's admin and the PDF-only
report templates, and the long lists' Jinja2 tables in src/inbeeld/jinja2): a <table> sits directly in a ``.table-wrap`` that is a labelled scroll region
taking keyboard focus (``tabindex="0" role="region" aria-label|aria-labelledby``). A table of
class ``table-stack`` (the work lists, which become cards at phone width) labels every cell with
its column header (``data-label``); the rendered work lists are checked cell by cell against the
header row, so a label in the wrong column fails too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import html as lxml_html

from inbeeld.intake import services
from inbeeld.intake.models import Channel
from inbeeld.roles import Role
from tests.cases.test_case_summary import _case_with_history
from tests.factories import make_user
from tests.intake.conftest import _submit

TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "inbeeld" / "templates"
JINJA2_TABLES = TEMPLATES.parent / "jinja2"  # conf/jinja.py
# Not web pages: Django's admin (its own stylesheet) and the report templates that only WeasyPrint
# renders to PDF. _monitor_body.html is also the monitor page's body: that page wraps it whole
# (checked below).
NOT_PAGES = {"reports/_base.html", "reports/evaluation.html", "reports/monitor.html",
             "reports/_lead_times.html", "reports/_monitor_body.html"}  # fmt: skip
REGION = re.compile(
    r'<div class="table-wrap" tabindex="0" role="region" aria-(?:label|labelledby)="[^"]+">\s*$'
)


def _page_templates() -> list[Path]:
    pages = sorted(
        p
        for p in TEMPLATES.rglob("*.html")
        if p.relative_to(TEMPLATES).parts[0] != "admin"
        and str(p.relative_to(TEMPLATES)) not in NOT_PAGES
    )
    tables = sorted(JINJA2_TABLES.rglob("*.html"))
    assert tables, "the Jinja2 tables moved: the check must follow them"
    return pages + tables


def _tables(source: str):
    for match in re.finditer(r"<table\b[^>]*>", source):
        end = source.find("</table>", match.end())
        end = len(source) if end < 0 else end
        yield match, source[match.start() : end]


def unwrapped_tables(source: str) -> list[str]:
    """The opening tags of the tables in ``source`` that are not directly in a scroll region."""
    return [m.group(0) for m, _body in _tables(source) if not REGION.search(source[: m.start()])]


def unlabelled_cells(source: str) -> list[str]:
    """The cells of ``table-stack`` tables in ``source`` without a data-label (a cell spanning
    the whole row, such as "nothing found", needs none)."""
    found = []
    for match, body in _tables(source):
        if "table-stack" not in match.group(0):
            continue
        for cell in re.findall(r"<td\b[^>]*>", body):
            if "data-label=" not in cell and "colspan=" not in cell:
                found.append(cell)
    return found


def test_the_check_fails_on_an_unwrapped_table_and_an_unlabelled_cell():
    assert unwrapped_tables('<div class="table-wrap"><table>') == ["<table>"]
    assert unwrapped_tables("<section><table class='x'>") == ["<table class='x'>"]
    wrapped = '<div class="table-wrap" tabindex="0" role="region" aria-label="Lijst">\n<table>'
    assert unwrapped_tables(wrapped + "</table>") == []
    stacked = '<table class="table-stack"><tr><td data-label="A">1</td><td>2</td></tr></table>'
    assert unlabelled_cells(stacked) == ["<td>"]


@pytest.mark.parametrize(
    "template", _page_templates(), ids=lambda p: str(p.relative_to(TEMPLATES.parent))
)
def test_every_table_of_a_page_is_in_a_focusable_scroll_region(template):
    source = template.read_text(encoding="utf-8")
    assert unwrapped_tables(source) == []
    assert unlabelled_cells(source) == []


def test_the_monitor_page_wraps_its_tables_in_one_scroll_region():
    source = (TEMPLATES / "monitor" / "page.html").read_text(encoding="utf-8")
    include = source.index('{% include "reports/_monitor_body.html" %}')
    assert REGION.search(source[:include])


def test_the_work_lists_stack_into_cards():
    """The two work lists named in the issue and the case list become cards at phone width (the
    queue's and the case list's tables are Jinja2 templates, conf/jinja.py)."""
    for path in (
        TEMPLATES / "intake/own_list.html",
        JINJA2_TABLES / "intake/_queue_table.html",
        JINJA2_TABLES / "cases/_case_table.html",
    ):
        source = path.read_text(encoding="utf-8")
        assert [m.group(0) for m, _b in _tables(source) if "table-stack" in m.group(0)], path


# --- rendered: every cell's label is its column's header ------------------------------------------


def _labels_match_headers(page: str) -> list[tuple[str, str]]:
    """(label, header) pairs of the rendered stacked tables where a cell's data-label is not the
    text of its column's header; fails when the page has no stacked table with rows."""
    tree = lxml_html.fromstring(page)
    tables = tree.xpath('//table[contains(concat(" ", @class, " "), " table-stack ")]')
    assert tables, "no stacked table on the page"
    wrong = []
    rows = 0
    for table in tables:
        wrap = table.getparent()
        assert "table-wrap" in wrap.get("class", "") and wrap.get("tabindex") == "0"
        assert wrap.get("role") == "region" and (
            wrap.get("aria-label") or wrap.get("aria-labelledby")
        )
        headers = [" ".join(th.text_content().split()) for th in table.xpath("./thead/tr/th")]
        for tr in table.xpath("./tbody/tr"):
            rows += 1
            for index, td in enumerate(tr.xpath("./td|./th")):
                label = td.get("data-label")
                if label is not None and label != headers[index]:
                    wrong.append((label, headers[index]))
    assert rows, "the stacked tables have no rows"
    return wrong


@pytest.mark.django_db
def test_the_teachers_own_signals_label_each_cell(login):
    signaller = make_user(Role.SIGNALLER)
    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="noord-holland")
    signal, _ = _submit(actor=signaller, channel=Channel.ACCOUNT)
    services.signal_ask(actor=coordinator, signal=signal, question="Sinds wanneer?")
    page = login(signaller).get("/signalen/mijn/").content.decode()
    assert _labels_match_headers(page) == []
    assert 'data-label="Vraag" data-testid="own-question"><strong>Vraag voor u</strong>' in page


@pytest.mark.django_db
def test_the_coordinators_queue_labels_each_cell(login):
    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="noord-holland")
    _submit()
    page = login(coordinator).get("/signalen/").content.decode()
    assert _labels_match_headers(page) == []
    assert 'data-label="Termijn"' in page


@pytest.mark.django_db
def test_the_case_list_and_the_summary_label_each_cell(login, police_officer):
    case = _case_with_history()
    client = login(police_officer)
    assert _labels_match_headers(client.get("/casussen/").content.decode()) == []
    summary = client.get(f"/casussen/{case.code}/samenvatting/").content.decode()
    assert _labels_match_headers(summary) == []
