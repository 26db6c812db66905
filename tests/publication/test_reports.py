"""The publishable reports (inbeeld.publication.reports / monitor_report, the report pages and
`inbeeld report`): they render (PDF pages turned into PNG images are not empty), they obey the
same access rules as the monitor page and every download is audited, and what they publish passes
disclosure control: no count between 0 and the minimum cell size, every published count is the
true count, and no suppressed count can be pinned down from the published numbers of its table.

Fixture: a small world of 60 cases over three intake years (2022-2024) in two police units, every
case with research consent for the evaluation and the monitor, with chain events recorded through
the real service (police contact, complaints, prosecution decisions with their outcome, verdicts,
revictimisation) and a few deliveries of the psychologist (a group far below the minimum cell
size). Around them: cases the monitor must not count (no consent; consent for the evaluation only).
The true counts are recomputed in the tests with plain ORM queries.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections import Counter, defaultdict
from html.parser import HTMLParser

import numpy as np
import pypdfium2 as pdfium
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q
from django.db.models.functions import ExtractYear
from django.test import Client
from django.urls import reverse
from django.utils import dateformat, timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.models import Case, ChainEvent, ConsentRecord, NationalityGroup
from inbeeld.cases.services import consent_record
from inbeeld.jobs.results import results_mark_stale
from inbeeld.pilot import services as pilot_services
from inbeeld.pilot.models import Intervention
from inbeeld.publication import reports
from inbeeld.reference.models import ExploitationForm, PoliceUnit
from inbeeld.stats.disclosure import DisclosurePolicy
from inbeeld.stats.funnel_disclosure import protect_funnel
from tests.conftest import verified_login
from tests.factories import (
    CaseFactory,
    chain_recorder,
    command_researcher,
    make_user,
    record_events,
    unit,
)
from tests.jobs.helpers import fetch_via_job

pytestmark = pytest.mark.django_db

D = dt.date
MONITOR_SCOPE = ConsentRecord.Scope.EVALUATION_AND_MONITOR
UNITS = ("amsterdam", "noord-holland")
YEARS = (2022, 2023, 2024)
SUPPRESSED = "×"
MONITOR_TITLE = "Monitor mensenhandel: slachtoffers in beeld"
EVALUATION_TITLE = "Evaluatie van de interventies voor aangiftebereidheid"

# Chain paths (code, outcome) by case number modulo 8; every one valid for the workflow.
PATHS = {
    0: [],
    1: [("first_police_contact", "")],
    2: [("first_police_contact", ""), ("complaint_filed", "")],
    3: [("first_police_contact", ""), ("complaint_filed", ""), ("prosecution_decision", "summons")],
    4: [
        ("first_police_contact", ""),
        ("complaint_filed", ""),
        ("prosecution_decision", "dismissal_technical"),
    ],
    5: [
        ("first_police_contact", ""),
        ("complaint_filed", ""),
        ("prosecution_decision", "summons"),
        ("trial_hearing", ""),
        ("verdict", "conviction"),
    ],
    6: [
        ("complaint_filed", ""),
        ("prosecution_decision", "summons"),
        ("trial_hearing", ""),
        ("verdict", "acquittal"),
    ],
    7: [("first_police_contact", ""), ("complaint_filed", ""), ("revictimisation", "")],
}
NATIONALITIES = ("nl", "nl", "eu", "non_eu", "nl", "unknown", "eu")


def _forms(i: int) -> list[str]:
    if i % 9 == 4:
        return ["sexual", "labour"]
    if i % 7 == 3:
        return ["criminal"]
    if i % 4 == 1:
        return ["labour"]
    if i % 13 == 6:
        return []  # no form recorded: counts as 'unknown'
    return ["sexual"]


class World:
    """The fixture's objects: ``researcher``, ``cases`` (the 60 monitored cases), ``recorders``."""


def build_world() -> World:
    w = World()
    w.recorders = {code: chain_recorder(unit(code)) for code in UNITS}
    w.cases = []
    for i in range(60):
        year = YEARS[i % 3]
        code = UNITS[0] if i % 5 < 3 else UNITS[1]
        recorder = w.recorders[code]
        case = CaseFactory(
            police_unit=unit(code),
            intake_date=D(year, 1 + (i * 5) % 12, 1 + i % 27),
            minor_at_intake=i % 5 == 0,
            age_band="16-17" if i % 5 == 0 else "23-29",
            nationality_group=NATIONALITIES[i % len(NATIONALITIES)],
            forms=_forms(i),
            without_consent=True,
            recorder=recorder,
        )
        consent_record(
            actor=recorder,
            case=case,
            kind=ConsentRecord.Kind.GIVEN,
            date=case.intake_date,
            scope=MONITOR_SCOPE,
        )
        events = list(PATHS[i % 8])
        if i % 10 == 3:
            events.append(("revictimisation", ""))
        record_events(case, events, actor=recorder)
        w.cases.append(case)
    # The psychologist (deployed in Amsterdam 2023-2024 in the seeded pilot) reached three cases:
    # a group far below the minimum cell size, so the comparison 'as delivered' is suppressed.
    psychologist = Intervention.objects.get(code="psychologist")
    reached = [
        c
        for c in w.cases
        if c.police_unit.code == "amsterdam"
        and c.intake_date.year >= 2023
        and c.events.filter(event_type__code="first_police_contact").exists()
    ][:3]
    for case in reached:
        pilot_services.delivery_record(
            actor=w.recorders["amsterdam"],
            case=case,
            intervention=psychologist,
            date=case.intake_date + dt.timedelta(days=1),
            delivered=True,
        )
    w.reached = reached
    # Cases the monitor must not count.
    ams = w.recorders["amsterdam"]
    CaseFactory(police_unit=unit("amsterdam"), intake_date=D(2023, 5, 5), without_consent=True)
    evaluation_only = CaseFactory(
        police_unit=unit("amsterdam"), intake_date=D(2023, 6, 6), without_consent=True
    )
    consent_record(
        actor=ams,
        case=evaluation_only,
        kind=ConsentRecord.Kind.GIVEN,
        date=D(2023, 6, 6),
        scope=ConsentRecord.Scope.EVALUATION,
    )
    w.researcher = make_user(Role.RESEARCHER)
    return w


@pytest.fixture
def world(db) -> World:
    cache.clear()
    yield build_world()
    cache.clear()


def _client(user=None) -> Client:
    client = Client()
    return verified_login(client, user) if user is not None else client


def _get(user, name: str, *args):
    return _client(user).get(reverse(name, args=args))


def _text(html: str) -> str:
    """The visible text of an HTML document, whitespace collapsed (styles and charts dropped)."""
    html = re.sub(r"<(style|svg)\b.*?</\1>", " ", html, flags=re.S)
    parser = _TextParser()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts)).strip()


class _TextParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


# --- rendering -----------------------------------------------------------------------------------


def _pdf_pages(data: bytes) -> list[np.ndarray]:
    """Every page of a PDF as a greyscale image (pypdfium2 → PIL → numpy)."""
    document = pdfium.PdfDocument(data)
    try:
        return [
            np.asarray(document[i].render(scale=1).to_pil().convert("L"))
            for i in range(len(document))
        ]
    finally:
        document.close()


def _ink(page: np.ndarray) -> float:
    """The share of clearly non-white pixels above the footer (the bottom 20 mm, which holds the
    page number on every page): a page with only its footer has none."""
    body = page[: page.shape[0] - round(page.shape[0] * 20 / 297)]
    return float(np.mean(body < 200))


def _pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


@pytest.mark.django_db(transaction=True)  # the worker makes the PDF (tests/jobs/helpers.py)
@pytest.mark.parametrize(
    ("name", "title"),
    [("reports:monitor", MONITOR_TITLE), ("reports:evaluation", EVALUATION_TITLE)],
)
def test_the_pdf_renders_pages_that_are_not_empty(world, name, title):
    response = fetch_via_job(_client(world.researcher), reverse(name, args=["pdf"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    data = response.content
    assert data.startswith(b"%PDF-")
    pages = _pdf_pages(data)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        height, width = page.shape
        assert width > 500 and height > 700, (number, page.shape)  # A4 at 72 dpi: 595 × 842
        assert _ink(page) > 0.005, f"page {number} of {len(pages)} looks empty"
    # The text layer: the title on the first page, the page numbers in the footer.
    text = _pdf_text(data)
    assert title in re.sub(r"\s+", " ", text)
    assert f"pagina 1 van {len(pages)}" in text


def _today() -> str:
    return dateformat.format(timezone.localtime(), "j F Y")


def test_the_html_reports_have_title_date_and_method(world):
    monitor = _get(world.researcher, "reports:monitor", "html")
    evaluation = _get(world.researcher, "reports:evaluation", "html")
    for response, title in ((monitor, MONITOR_TITLE), (evaluation, EVALUATION_TITLE)):
        assert response.status_code == 200
        assert response["Content-Type"] == "text/html; charset=utf-8"
        assert response["Content-Disposition"].startswith("inline; filename=")
        html = response.content.decode()
        assert f"<title>{title}</title>" in html and f"<h1>{title}</h1>" in html
        text = _text(html)
        assert f"Gemaakt op {_today()}" in text
        assert "gegevens tot en met" in text
        assert "Methode in het kort" in text
        # Self-contained: nothing to fetch (styles inline, charts inline SVG).
        assert not re.search(r"<(link|img|script)\b|(src|href)=\"https?:", html)
    monitor_text = _text(monitor.content.decode())
    assert "Onthullingscontrole" in monitor_text and "Kaplan–Meier" in monitor_text
    assert "Deze monitor telt 60 casussen." in monitor_text
    evaluation_text = _text(evaluation.content.decode())
    assert "De vergelijking naar toewijzing zet casussen" in evaluation_text


# --- access --------------------------------------------------------------------------------------

REPORT_URLS = (
    ("reports:monitor", "pdf"),
    ("reports:monitor", "html"),
    ("reports:evaluation", "pdf"),
    ("reports:evaluation", "html"),
)


def _report_audit_rows():
    return AuditEvent.objects.filter(action=AuditAction.REPORT_CREATED)


@pytest.mark.parametrize("role", [Role.POLICE_OFFICER, Role.SIGNALLER, Role.PRIVACY_OFFICER])
def test_the_pdf_obeys_the_rules_of_the_page(world, role):
    client = _client(make_user(role))
    for name, fmt in REPORT_URLS:
        response = client.get(reverse(name, args=[fmt]))
        assert response.status_code == 403, (name, fmt)
        assert "Geen toegang" in response.content.decode()
    assert client.get(reverse("reports:monitor_page")).status_code == 403
    assert client.get(reverse("reports:index")).status_code == 403
    assert not _report_audit_rows().exists()


def test_anonymous_visitors_are_sent_to_the_login_page(world):
    client = Client()
    for name, fmt in REPORT_URLS:
        url = reverse(name, args=[fmt])
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert client.get(reverse("reports:monitor_page")).status_code == 302
    assert not _report_audit_rows().exists()


@pytest.mark.django_db(transaction=True)  # the worker makes the PDF (tests/jobs/helpers.py)
def test_every_download_is_audited(world):
    client = _client(world.researcher)
    for number, (name, fmt) in enumerate(REPORT_URLS, start=1):
        url = reverse(name, args=[fmt])
        # The PDF is made by the worker (tests/jobs): its start page is not a release.
        response = fetch_via_job(client, url) if fmt == "pdf" else client.get(url)
        assert response.status_code == 200
        row = _report_audit_rows().order_by("-pk").first()
        assert _report_audit_rows().count() == number
        assert row.action == "publication.report"
        assert row.actor == world.researcher
        assert (row.subject_type, row.subject_ref) == ("report", name.split(":")[1])
        extra = {"format": fmt, "bytes": len(response.content)}
        if fmt == "pdf":
            extra["job"] = response.wsgi_request.path.split("/")[2]
        assert row.extra == extra
    # Reading the monitor page is not a download.
    assert client.get(reverse("reports:monitor_page")).status_code == 200
    assert _report_audit_rows().count() == len(REPORT_URLS)


def test_the_index_links_every_report_and_the_microdata(world):
    response = _get(world.researcher, "reports:index")
    assert response.status_code == 200
    html = response.content.decode()
    for name, fmt in REPORT_URLS:
        assert f'href="{reverse(name, args=[fmt])}"' in html
    assert f'href="{reverse("reports:open_data")}"' in html
    # Microdata: the index leads to the microdata page, which links every format once the
    # data-use agreement is accepted (issue 11), and the agreement before that.
    assert f'href="{reverse("reports:microdata_page")}"' in html
    from inbeeld.publication import agreement
    from inbeeld.publication.services import data_use_agreement_accept

    page = _get(world.researcher, "reports:microdata_page").content.decode()
    assert f'href="{reverse("reports:data_use_agreement")}"' in page
    data_use_agreement_accept(actor=world.researcher, version=agreement.VERSION)
    page = _get(world.researcher, "reports:microdata_page").content.decode()
    for fmt in ("csv", "xlsx", "sav", "ctdc"):
        assert f'href="{reverse("reports:microdata", args=[fmt])}"' in page


# --- disclosure control in the rendered output ---------------------------------------------------


class _TableParser(HTMLParser):
    """The monitor tables of a page: per data-testid the header row and the body and foot rows,
    each as (row header, [cell texts])."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, dict] = {}
        self._table = None
        self._row = None
        self._cell = None
        self._section = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "monitor-table" in (attrs.get("class") or "").split():
            self._table = {"head": [], "body": [], "foot": []}
            self.tables[attrs["data-testid"]] = self._table
        elif self._table is None:
            return
        elif tag in ("thead", "tbody", "tfoot"):
            self._section = tag[1:]
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag):
        if self._table is None:
            return
        if tag in ("th", "td") and self._cell is not None:
            self._row.append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._section == "head":
                self._table["head"] = self._row
            else:
                self._table[self._section].append((self._row[0], self._row[1:]))
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def monitor_tables(html: str) -> dict[str, dict]:
    parser = _TableParser()
    parser.feed(html)
    return parser.tables


def _number(text: str) -> int | None:
    """A published count (Dutch thousands separator) or None for the suppression symbol."""
    if text == SUPPRESSED:
        return None
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*", text), f"not a count: {text!r}"
    return int(text.replace(".", ""))


# The independent truth: plain ORM queries over the cases the monitor may count (research consent
# for the evaluation and the monitor; every case of the fixture has at most one consent record).


def _monitored():
    return Case.objects.filter(research_consent=True, consent_records__scope=MONITOR_SCOPE)


def _per_year(cases) -> dict[str, int]:
    """{year: cases, ..., "Totaal": cases} for a queryset of cases."""
    rows = (
        Case.objects.filter(pk__in=cases.values("pk"))
        .annotate(year=ExtractYear("intake_date"))
        .values("year")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {str(year): 0 for year in YEARS}
    for row in rows:
        counts[str(row["year"])] = row["n"]
    counts["Totaal"] = sum(counts.values())
    return counts


def _breakdowns() -> dict[str, dict[str, dict[str, int]]]:
    """Per monitor table: {row label: {column: true count}}, the footer lines included."""
    cases = _monitored()
    forms: dict[str, dict[str, int]] = {}
    for form in ExploitationForm.objects.filter(
        code__in=["sexual", "labour", "criminal", "organ_removal"]
    ):
        forms[form.label] = _per_year(cases.filter(exploitation_forms=form))
    unknown = ExploitationForm.objects.get(code="unknown")
    forms[unknown.label] = _per_year(
        cases.filter(exploitation_forms=unknown) | cases.filter(exploitation_forms__isnull=True)
    )
    forms["Totaal (vormen)"] = dict(sum((Counter(row) for row in forms.values()), Counter()))
    forms["Casussen (elke casus één keer)"] = _per_year(cases)
    total = {"Totaal": _per_year(cases)}
    return {
        "monitor-1": forms,
        "monitor-2": {
            "Minderjarig": _per_year(cases.filter(minor_at_intake=True)),
            "Meerderjarig": _per_year(cases.filter(minor_at_intake=False)),
            **total,
        },
        "monitor-3": {
            str(label): _per_year(cases.filter(nationality_group=code))
            for code, label in NationalityGroup.choices
        }
        | total,
        "monitor-4": {
            PoliceUnit.objects.get(code=code).name: _per_year(cases.filter(police_unit__code=code))
            for code in UNITS
        }
        | total,
    }


FUNNEL_STAGES = {
    "Geregistreerde casussen": Q(pk__isnull=False),
    "Eerste politiecontact": Q(event_type__code="first_police_contact"),
    "Aangifte": Q(event_type__code="complaint_filed"),
    "Beslissing OM": Q(event_type__code="prosecution_decision"),
    "Dagvaarding": Q(event_type__code="prosecution_decision", outcome="summons"),
    "Veroordeling (eerste aanleg)": Q(event_type__code="verdict", outcome="conviction"),
}


def _funnel() -> dict[str, dict[str, int]]:
    """Cases that reached each stage or a later one (the stage's own event, effective events)."""
    cases = _monitored()
    effective = ChainEvent.objects.filter(superseded_by__isnull=True, case__in=cases)
    stages = list(FUNNEL_STAGES)
    out = {stages[0]: _per_year(cases)}
    for k, stage in enumerate(stages[1:], start=1):
        later = Q()
        for name in stages[k:]:
            later |= FUNNEL_STAGES[name]
        out[stage] = _per_year(cases.filter(pk__in=effective.filter(later).values("case_id")))
    return out


def _lines(table: dict) -> dict[str, dict[str, str]]:
    """{row label: {column: text}} of a parsed table (body and foot)."""
    columns = table["head"][1:]
    return {
        label: dict(zip(columns, cells, strict=False))
        for label, cells in [*table["body"], *table["foot"]]
    }


def _published(html: str) -> dict[str, dict[str, dict[str, int | None]]]:
    out = {}
    for testid, table in monitor_tables(html).items():
        if testid == "monitor-repeat":
            continue
        out[testid] = {
            label: {c: _number(t) for c, t in cells.items() if c != "Van vorige stap"}
            for label, cells in _lines(table).items()
        }
    return out


def _monitor_html(user) -> str:
    response = _get(user, "reports:monitor", "html")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("min_cell", [10, 5])
def test_every_published_count_is_the_true_count_and_none_is_below_the_minimum(
    world, settings, min_cell
):
    settings.INBEELD_DISCLOSURE_MIN_CELL = min_cell
    html = _monitor_html(world.researcher)
    published = _published(html)
    truth = {**_breakdowns(), "monitor-funnel": _funnel()}
    assert set(published) == set(truth)
    seen = suppressed = 0
    for testid, rows in published.items():
        assert set(rows) == set(truth[testid]), testid
        for label, cells in rows.items():
            assert set(cells) == {*map(str, YEARS), "Totaal"}, (testid, label)
            for column, value in cells.items():
                true = truth[testid][label][column]
                if value is None:
                    suppressed += 1
                    continue
                seen += 1
                assert not 0 < value < min_cell, (testid, label, column, value)
                assert value == true, (testid, label, column, value, true)  # no rounding
                # Every true count below the threshold is suppressed.
            small = [c for c, v in truth[testid][label].items() if 0 < v < min_cell]
            assert all(cells[c] is None for c in small), (testid, label, small)
    assert seen and suppressed  # the fixture exercises both
    # Repeat victimisation: the number of victims per group is the true number or "<min".
    repeat = dict(monitor_tables(html)["monitor-repeat"]["body"])
    cases = _monitored()
    groups = {
        "Alle slachtoffers": cases.count(),
        "Minderjarig bij instroom": cases.filter(minor_at_intake=True).count(),
        "Meerderjarig": cases.filter(minor_at_intake=False).count(),
    }
    for label, n in groups.items():
        shown = repeat[label][0]
        assert shown == (str(n) if n >= min_cell else f"<{min_cell}"), (label, shown, n)


def test_a_smaller_minimum_cell_size_suppresses_fewer_cells(world, settings):
    def count_suppressed(min_cell: int) -> int:
        settings.INBEELD_DISCLOSURE_MIN_CELL = min_cell
        cache.clear()
        results_mark_stale()  # a changed setting (a restart, in production) and a recomputation
        return sum(
            value is None
            for rows in _published(_monitor_html(world.researcher)).values()
            for cells in rows.values()
            for value in cells.values()
        )

    at_10, at_5 = count_suppressed(10), count_suppressed(5)
    assert 0 < at_5 < at_10


def test_the_monitor_page_shows_the_same_protected_tables_as_the_report(world):
    page = _get(world.researcher, "reports:monitor_page")
    assert page.status_code == 200
    assert monitor_tables(page.content.decode()) == monitor_tables(_monitor_html(world.researcher))


# The attacker: knows every published number of a table, that the cells of each line add up to
# its total, that counts are not negative, and (in the funnel) that each stage holds at most the
# cases of the stage before it in the same column. By linear programming: how small and how large
# can each suppressed number be?


def _attack(
    unknown: list, equalities: list[tuple[dict, float]], inequalities: list[tuple[dict, float]]
) -> dict:
    """Min and max of every unknown subject to sum(coef * x) == rhs and sum(coef * x) <= rhs."""
    index = {key: k for k, key in enumerate(unknown)}

    def matrix(rows):
        if not rows:
            return None, None
        a = np.zeros((len(rows), len(unknown)))
        for r, (coef, _rhs) in enumerate(rows):
            for key, value in coef.items():
                a[r, index[key]] += value
        return a, np.array([rhs for _coef, rhs in rows])

    a_eq, b_eq = matrix(equalities)
    a_ub, b_ub = matrix(inequalities)
    out = {}
    for key in unknown:
        c = np.zeros(len(unknown))
        c[index[key]] = 1.0
        ends = []
        for sense in (1.0, -1.0):
            res = linprog(
                sense * c,
                A_eq=a_eq,
                b_eq=b_eq,
                A_ub=a_ub,
                b_ub=b_ub,
                bounds=(0, None),
                method="highs",
            )
            if res.status == 3:
                ends.append(math.inf)
            else:
                assert res.status == 0, res.message
                ends.append(sense * res.fun)
        out[key] = (ends[0], ends[1])
    return out


def _linear(terms: list[tuple[tuple, int | None, float]]) -> tuple[dict, float]:
    """sum(sign * value) as (coefficients of the unknowns, minus the known part)."""
    coef: dict = defaultdict(float)
    known = 0.0
    for key, value, sign in terms:
        if value is None:
            coef[key] += sign
        else:
            known += sign * value
    return dict(coef), -known


def _two_way_attack(grid: dict[str, dict[str, int | None]], footer: str) -> dict:
    """The attacker of a breakdown table: rows add up to their total, columns to the footer."""
    labels = [label for label in grid if label != footer]
    columns = [*map(str, YEARS)]
    unknown = [(r, c) for r in grid for c in grid[r] if grid[r][c] is None]
    equalities = []
    for r in grid:  # every row: cells = row total
        terms = [((r, c), grid[r][c], 1.0) for c in columns] + [
            ((r, "Totaal"), grid[r]["Totaal"], -1.0)
        ]
        equalities.append(_linear(terms))
    for c in [*columns, "Totaal"]:  # every column: rows = footer
        terms = [((r, c), grid[r][c], 1.0) for r in labels] + [((footer, c), grid[footer][c], -1.0)]
        equalities.append(_linear(terms))
    return _attack(unknown, [e for e in equalities if e[0]], [])


def _one_way_attack(line: dict[str, int | None], key: str) -> dict:
    columns = [*map(str, YEARS)]
    unknown = [(key, c) for c in line if line[c] is None]
    terms = [((key, c), line[c], 1.0) for c in columns] + [((key, "Totaal"), line["Totaal"], -1.0)]
    equality = _linear(terms)
    return _attack(unknown, [equality] if equality[0] else [], [])


def _funnel_attack(grid: dict[str, dict[str, int | None]], columns=None) -> dict:
    columns = [c for c in (columns or [*map(str, YEARS)]) if c != "Totaal"]
    stages = list(grid)
    unknown = [(r, c) for r in stages for c in grid[r] if grid[r][c] is None]
    equalities = []
    for r in stages:
        terms = [((r, c), grid[r][c], 1.0) for c in columns] + [
            ((r, "Totaal"), grid[r]["Totaal"], -1.0)
        ]
        equalities.append(_linear(terms))
    inequalities = []
    for upper, lower in zip(stages, stages[1:], strict=False):  # lower <= upper, per column
        for c in [*columns, "Totaal"]:
            inequalities.append(
                _linear([((lower, c), grid[lower][c], 1.0), ((upper, c), grid[upper][c], -1.0)])
            )
    return _attack(unknown, [e for e in equalities if e[0]], [i for i in inequalities if i[0]])


def _known_yearly_cases(published) -> dict[str, int]:
    """What every table tells about the cases per year: the footers of the tables in which each
    case is in one row, and the line of the exploitation-form table that counts each case once."""
    known: dict[str, int] = {}
    lines = [published[t]["Totaal"] for t in ("monitor-2", "monitor-3", "monitor-4")]
    lines.append(published["monitor-1"]["Casussen (elke casus één keer)"])
    lines.append(published["monitor-funnel"]["Geregistreerde casussen"])
    for line in lines:
        for column, value in line.items():
            if value is not None:
                assert known.setdefault(column, value) == value
    return known


@pytest.mark.parametrize("min_cell", [10, 5])
def test_no_suppressed_count_can_be_pinned_down_from_the_published_numbers(
    world, settings, min_cell
):
    settings.INBEELD_DISCLOSURE_MIN_CELL = min_cell
    html = _monitor_html(world.researcher)
    published = _published(html)
    truth = {**_breakdowns(), "monitor-funnel": _funnel()}
    # The attacker also knows the cases per year from any table that publishes them (and the
    # number of cases in the introduction).
    known = _known_yearly_cases(published)
    n_cases = re.search(r"Deze monitor telt ([\d.]+) casussen", _text(html)).group(1)
    assert known.setdefault("Totaal", int(n_cases.replace(".", ""))) == int(n_cases)
    attacks = {}
    for testid in ("monitor-2", "monitor-3", "monitor-4"):
        grid = {label: dict(cells) for label, cells in published[testid].items()}
        grid["Totaal"] = {
            c: v if v is not None else known.get(c) for c, v in grid["Totaal"].items()
        }
        attacks[testid] = _two_way_attack(grid, "Totaal")
    forms = {label: dict(cells) for label, cells in published["monitor-1"].items()}
    unique = forms.pop("Casussen (elke casus één keer)")
    attacks["monitor-1"] = _two_way_attack(forms, "Totaal (vormen)") | _one_way_attack(
        {c: v if v is not None else known.get(c) for c, v in unique.items()},
        "Casussen (elke casus één keer)",
    )
    funnel = {label: dict(cells) for label, cells in published["monitor-funnel"].items()}
    funnel["Geregistreerde casussen"] = {
        c: v if v is not None else known.get(c)
        for c, v in funnel["Geregistreerde casussen"].items()
    }
    attacks["monitor-funnel"] = _funnel_attack(funnel)
    checked = 0
    for testid, intervals in attacks.items():
        for (label, column), (low, high) in intervals.items():
            true = truth[testid][label][column]
            assert low - 1e-6 <= true <= high + 1e-6, (testid, label, column, low, true, high)
            assert high - low >= min_cell - 1e-6, (
                f"{testid}: {label} × {column} (true {true}) lies in [{low:g}, {high:g}], "
                f"narrower than {min_cell}"
            )
            checked += 1
    assert checked  # there were suppressed numbers to attack


@st.composite
def _nested_funnels(draw):
    """A funnel of 2-6 stages over 1-5 years: per year a number of cases and, stage by stage,
    at most as many as the stage before."""
    n_years = draw(st.integers(1, 5))
    n_stages = draw(st.integers(2, 6))
    columns = []
    for _ in range(n_years):
        column = [draw(st.integers(0, 40))]
        for _ in range(n_stages - 1):
            column.append(draw(st.integers(0, column[-1])))
        columns.append(column)
    return [[columns[j][k] for j in range(n_years)] for k in range(n_stages)]


@hypothesis_settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=_nested_funnels(), min_cell=st.sampled_from([3, 5, 10]))
def test_the_funnel_protection_holds_for_any_nested_funnel(counts, min_cell):
    """Property (pure, no database): protect_funnel publishes true counts only, none between 0
    and the minimum, and the nested attacker pins no suppressed count to a narrower interval."""
    years = [str(2020 + j) for j in range(len(counts[0]))]
    published = protect_funnel(counts, years, DisclosurePolicy(min_cell=min_cell))
    columns = [*years, "Totaal"]
    grid, truth = {}, {}
    for k, (row, shown) in enumerate(zip(counts, published, strict=True)):
        grid[f"stage {k}"] = dict(zip(columns, shown, strict=True))
        truth[f"stage {k}"] = dict(zip(columns, [*row, sum(row)], strict=True))
    for label, cells in grid.items():
        for column, value in cells.items():
            if value is not None:
                assert value == truth[label][column] and not 0 < value < min_cell
            else:
                assert truth[label][column] >= 0
        small = [c for c in columns if 0 < truth[label][c] < min_cell]
        assert all(cells[c] is None for c in small), (label, cells)
    for (label, column), (low, high) in _funnel_attack(grid, columns).items():
        true = truth[label][column]
        assert low - 1e-6 <= true <= high + 1e-6
        assert high - low >= min_cell - 1e-6, (counts, published, label, column, low, high)


# --- the evaluation report -----------------------------------------------------------------------


def test_the_evaluation_report_suppresses_a_comparison_with_a_small_group(world):
    from inbeeld.analysis.evaluation import evaluation_for

    threshold = reports.min_cell()
    result = evaluation_for(world.researcher)
    psychologist = next(i for i in result.interventions if i.spec.code == "psychologist")
    delivered = psychologist.delivered
    # The fixture: three cases reached, a group below the minimum cell size.
    assert 0 < delivered.n1 < threshold
    assert not reports.comparison_publishable(delivered, threshold)
    html = _get(world.researcher, "reports:evaluation", "html").content.decode()
    text = _text(html)
    assert "Onderdrukt: een van de groepen is kleiner dan 10 casussen" in text
    # Neither the counts of the suppressed comparison nor what is derived from them appear.
    assert f"{delivered.x1} van {delivered.n1} casussen" not in text
    assert "Slachtoffers die de interventie kregen:" not in text
    assert "Zoals uitgevoerd: onderdrukt" in text  # its time-to-complaint curves too
    # In the overview a suppressed intention-to-treat comparison shows no number at all.
    rows = re.findall(
        r"<tr><td>(.*?)</td>(.*?)</tr>", html.split("<tbody>")[1].split("</tbody>")[0]
    )
    assert rows
    for item in result.interventions:
        row = next(cells for label, cells in rows if label.startswith(item.spec.label))
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        if not reports.comparison_publishable(item.itt, threshold):
            # (outcome,) cases, with, without, difference (ITT), ..., posterior, still needed
            assert [cells[i] for i in (1, 2, 3, 4, 6, 7)] == ["onderdrukt"] * 6, (
                item.spec.code,
                cells,
            )
        if not reports.comparison_publishable(item.delivered, threshold):
            assert cells[5] == "onderdrukt"


def test_the_evaluation_report_publishes_a_comparison_once_the_groups_are_large_enough(
    world, settings
):
    """With a minimum cell size of 1 the psychologist's small group is not suppressed: the same
    report then does show its counts (so the test above tests the suppression, not a report that
    never shows them)."""
    from inbeeld.analysis.evaluation import evaluation_for

    settings.INBEELD_DISCLOSURE_MIN_CELL = 1
    result = evaluation_for(world.researcher)
    delivered = next(i for i in result.interventions if i.spec.code == "psychologist").delivered
    assert reports.comparison_publishable(delivered)
    text = _text(_get(world.researcher, "reports:evaluation", "html").content.decode())
    assert "Slachtoffers die de interventie kregen:" in text
    assert f"{delivered.x1} van {delivered.n1} casussen" in text
    assert "Zoals uitgevoerd: onderdrukt" not in text


# --- the command ---------------------------------------------------------------------------------


def _run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("report", *args, user=command_researcher().username, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_writes_a_monitor_pdf_with_a_progress_bar(world, tmp_path):
    target = tmp_path / "monitor.pdf"
    out, err = _run("monitor", "--format", "pdf", "--output", str(target))
    data = target.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 1000
    pages = _pdf_pages(data)
    assert len(pages) >= 2 and all(_ink(page) > 0.005 for page in pages)
    assert MONITOR_TITLE in out and str(target) in out
    bars = re.findall(r"\[([#-]{30})\] (\d+)/(\d+)", err)
    assert bars, err
    assert bars[-1][0] == "#" * 30 and bars[-1][1] == bars[-1][2]  # the bar ends full
    assert "geschreven" in err
    row = _report_audit_rows().get()
    assert row.actor == world.researcher and row.subject_ref == "monitor"
    assert row.extra == {"format": "pdf", "bytes": len(data)}
    # A researcher's monitor is the national one: the cases with consent for the monitor.
    assert "Deze monitor telt 60 casussen." in _text(_pdf_text(data))


def test_the_command_writes_html_and_the_evaluation(world, tmp_path):
    html_file = tmp_path / "monitor.html"
    _run("monitor", "--format", "html", "--output", str(html_file))
    command_rows = {_report_audit_rows().latest("pk").pk}
    html = html_file.read_text(encoding="utf-8")
    assert MONITOR_TITLE in html and "Methode in het kort" in html
    assert "Deze monitor telt 60 casussen." in _text(html)
    # The same tables as the researcher's own report.
    assert monitor_tables(html) == monitor_tables(_monitor_html(world.researcher))
    evaluation_file = tmp_path / "evaluatie.pdf"
    out, err = _run("evaluation", "--format", "pdf", "--output", str(evaluation_file))
    assert len(_pdf_pages(evaluation_file.read_bytes())) >= 2
    assert EVALUATION_TITLE in out and "evaluatie berekend" in err
    command_rows.add(_report_audit_rows().latest("pk").pk)
    made = _report_audit_rows().filter(pk__in=command_rows, actor=world.researcher)
    assert sorted(made.values_list("subject_ref", flat=True)) == ["evaluation", "monitor"]


def test_the_command_refuses_an_unknown_kind_or_format(db, tmp_path):
    with pytest.raises(CommandError, match="jaarverslag"):
        _run("jaarverslag", "--output", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="docx"):
        _run("monitor", "--format", "docx", "--output", str(tmp_path / "x.docx"))
    assert not list(tmp_path.iterdir())


def test_the_command_refuses_a_horizon_out_of_range_in_dutch(db, tmp_path):
    for horizon in ("5", "731"):
        with pytest.raises(CommandError) as excinfo:
            _run("evaluation", "--horizon", horizon, "--output", str(tmp_path / "x.pdf"))
        assert str(excinfo.value) == "--horizon moet tussen 30 en 730 dagen liggen."
    assert not list(tmp_path.iterdir())
    assert not _report_audit_rows().exists()
