"""End to end, in Chromium: the researcher's path through evaluation, monitor and reports (Dutch UI).

The researcher (`onderzoeker`) reads the evaluation per intervention, recomputes it at another
horizon, looks at the lead times and the monitor, and downloads the reports and the microdata; a
police officer sees none of that in the menu and gets the Dutch 403 page for a report.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.jobs.helpers import run_worker

from .conftest import store_research_results
from .test_case_flow import check_accessibility, label, snapshot
from .test_signal_intake import log_in, menu

pytestmark = pytest.mark.e2e

INTERVENTIONS = (
    "Recherchepsycholoog",
    "Gespecialiseerde rechter-commissaris",
    "Veiligheidscoördinator (zorgcoördinator-plus)",
    "Ervaringsdeskundige",
    "Kortere doorlooptijden",
)
LEAD_TIME_STAGES = (  # analysis.presenter.STAGE_LABELS
    "eerste politiecontact → aangifte",
    "aangifte → beslissing OM",
    "beslissing OM → zitting",
    "zitting → uitspraak",
    "eerste politiecontact → uitspraak (totaal)",
)
MONITOR_BREAKDOWNS = (  # publication.monitor_report.BREAKDOWNS
    "Uitbuitingsvorm",
    "Minderjarig of meerderjarig",
    "Nationaliteit",
    "Politie-eenheid",
)
RESEARCH_MENU = ("Evaluatie", "Monitor", "Rapporten")
CASE_CODE = re.compile(r"IB-[2-9A-Z]{4}-[2-9A-Z]{4}")
MIN_PDF_BYTES = 10 * 1024


@pytest.fixture
def demo_data(demo_users):
    """3000 synthetic cases (and the demo accounts), as `inbeeld demo` makes them."""
    from inbeeld.demo.generator import DemoConfig, generate

    result = generate(DemoConfig(cases=3000, seed=2021))
    assert result.cases == 3000
    return result


def download(page: Page, link_name: str) -> tuple[str, bytes]:
    """Click a download link on the current page; the suggested file name and the bytes."""
    # The monitor report runs the dark number's selection bootstrap (capped at 45 s) on first use.
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("link", name=link_name, exact=True).click(timeout=60_000)
    file = info.value
    assert file.failure() is None, file.failure()
    return file.suggested_filename, Path(file.path()).read_bytes()


def make_via_job(page: Page, link_name: str, heading: str | None = None) -> tuple[str, bytes]:
    """A long file is made on the background (issue 14 item 16): its page shows that it is being
    made, follows the worker's progress without a reload, and offers the file when it is done."""
    page.get_by_role("link", name=link_name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading or link_name)
    check_accessibility(page)
    page.get_by_role("button", name="Bestand laten maken").click()
    status = page.get_by_test_id("job-status")
    expect(status).to_have_text("Wacht op zijn beurt")
    expect(page.get_by_test_id("job-download")).to_be_hidden()
    check_accessibility(page)
    run_worker()  # the real database worker, as `inbeeld worker` runs it
    expect(status).to_have_text("Klaar", timeout=30_000)  # the page's script, no reload
    expect(page.locator("progress")).to_have_attribute("value", "100")
    name, content = download(page, "Bestand ophalen")
    page.get_by_role("link", name="Terug", exact=True).click()
    return name, content


def test_researcher_reads_the_evaluation(page: Page, demo_data, broken_assets: list[str]) -> None:
    log_in(page, "onderzoeker")
    menu(page, "Evaluatie")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Evaluatie: wat doen de interventies?"
    )
    # First the verdict of each intervention's primary analysis, then the sensitivity analyses.
    verdicts = page.get_by_test_id("evaluation-primary").locator("section")
    expect(verdicts).to_have_count(len(INTERVENTIONS))
    for number, name in enumerate(INTERVENTIONS):
        expect(verdicts.nth(number).locator("h3")).to_contain_text(name)
        expect(verdicts.nth(number).locator("strong")).to_have_text(
            re.compile(r"^(Nog geen|Waarschijnlijk)")
        )
    overview = page.get_by_test_id("evaluation-overview")
    expect(overview.locator("caption")).to_have_text(
        "Gevoeligheidsanalyses per interventie (horizon 180 dagen)"
    )
    expect(overview.locator("tbody tr")).to_have_count(len(INTERVENTIONS))
    for number, name in enumerate(INTERVENTIONS):
        expect(overview.locator("tbody tr").nth(number).locator("th")).to_contain_text(name)
    expect(page.locator(".pilot-lead")).to_contain_text("De evaluatie gebruikt")
    check_accessibility(page)
    snapshot(page, "evaluation-overview")

    # One intervention: its verdict, then the four sensitivity sections, two survival charts, an
    # effect in percentage points.
    overview.get_by_role("link", name="Recherchepsycholoog", exact=True).click()
    expect(page).to_have_url(re.compile(r"/evaluatie/psychologist/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Recherchepsycholoog")
    main = page.locator("main")
    # The safety section (issue 17 item 5) follows the sensitivity analyses.
    expect(main.get_by_role("heading", level=2)).to_have_text(
        [
            "Conclusie (primaire analyse)",
            "Gevoeligheidsanalyses",
            "Veiligheid en herhaald vertellen",
        ]
    )
    expect(page.get_by_test_id("primary-analysis").locator("strong")).to_have_text(
        re.compile(r"^(Nog geen|Waarschijnlijk)")
    )
    sections = main.get_by_role("heading", level=3)
    expect(sections).to_have_text(
        [
            "Naar toewijzing: regio's met en zonder de interventie",
            "Zoals uitgevoerd: bereikt of niet bereikt",
            "Tijd tot aangifte",
            "Gespreide invoering (verschil-in-verschillen)",
        ]
    )
    survival = page.get_by_role("region", name="Tijd tot aangifte")
    charts = survival.get_by_role("img")
    expect(charts).to_have_count(2)
    expect(charts.nth(0)).to_have_accessible_name(
        re.compile(r"^Aangifte in de tijd: naar toewijzing")
    )
    expect(charts.nth(1)).to_have_accessible_name(
        re.compile(r"^Aangifte in de tijd: zoals uitgevoerd")
    )
    itt = page.get_by_role("region", name="Naar toewijzing: regio's met en zonder de interventie")
    expect(itt).to_contain_text("procentpunt")
    expect(itt).to_contain_text("binnen 180 dagen aangifte")
    staggered = page.get_by_role("region", name="Gespreide invoering (verschil-in-verschillen)")
    expect(staggered).to_contain_text("procentpunt")
    check_accessibility(page)

    # Another horizon: the numbers are recomputed at 365 days.
    horizon = page.get_by_label(label("Horizon (dagen na de indexdatum)"))
    expect(horizon).to_have_value("180")
    horizon.fill("365")
    page.get_by_role("button", name="Opnieuw berekenen").click()
    expect(page).to_have_url(re.compile(r"/evaluatie/psychologist/\?horizon=365$"))
    expect(page.get_by_label(label("Horizon (dagen na de indexdatum)"))).to_have_value("365")
    expect(itt).to_contain_text("binnen 365 dagen aangifte")
    expect(itt).not_to_contain_text("binnen 180 dagen")
    expect(itt).to_contain_text("procentpunt")
    expect(survival.get_by_role("img")).to_have_count(2)
    snapshot(page, "evaluation-psychologist-365")

    # The overview at the same horizon: the table's caption says so.
    page.get_by_role("navigation", name="Evaluatie").get_by_role(
        "link", name="Overzicht", exact=True
    ).click()
    horizon = page.get_by_label(label("Horizon (dagen na de indexdatum)"))
    horizon.fill("365")
    page.get_by_role("button", name="Opnieuw berekenen").click()
    expect(page.get_by_test_id("evaluation-overview").locator("caption")).to_have_text(
        "Gevoeligheidsanalyses per interventie (horizon 365 dagen)"
    )

    # The lead times per chain stage, with the bottleneck tagged.
    page.get_by_role("navigation", name="Evaluatie").get_by_role(
        "link", name="Doorlooptijden", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Doorlooptijden per ketenstap")
    lead_times = page.get_by_test_id("lead-times")
    expect(lead_times.locator("caption")).to_have_text(
        "Hoe lang de stap duurt als hij plaatsvindt, in dagen (bij de casussen die de volgende stap bereikten; Aalen–Johansen)"
    )
    expect(lead_times.locator("tbody th")).to_contain_text(list(LEAD_TIME_STAGES))
    tagged = lead_times.locator("tbody tr").filter(has=page.locator(".tag", has_text="knelpunt"))
    expect(tagged).to_have_count(1)
    stage = tagged.locator("th").inner_text().replace("knelpunt", "").strip()
    assert stage in LEAD_TIME_STAGES, stage
    # The sentence above the table names the same stage.
    expect(page.locator("main")).to_contain_text(f"Het knelpunt is de stap {stage}")
    expect(
        page.locator("main").get_by_role("img", name=re.compile(r"^Doorlooptijd per ketenstap"))
    ).to_have_count(1)
    expect(page.get_by_test_id("unit-bottlenecks").locator("tbody tr").first).to_be_visible()
    check_accessibility(page)
    snapshot(page, "evaluation-lead-times")
    assert broken_assets == [], f"page assets that did not load: {broken_assets}"


def test_researcher_reads_the_monitor_and_downloads_reports(
    page: Page, demo_data, broken_assets: list[str]
) -> None:
    from inbeeld.cases.models import Case

    store_research_results("onderzoeker")
    log_in(page, "onderzoeker")
    menu(page, "Monitor")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Monitor mensenhandel: slachtoffers in beeld"
    )
    expect(page.locator("main")).to_contain_text(
        re.compile(r"Deze monitor telt [1-9][\d.]* casussen\.")
    )
    # One table per breakdown: intake years as columns, a total column and a total row.
    yearly = page.locator("table.monitor-table").filter(has=page.locator("caption"))
    # ... and, below the dark number, its sensitivity to the choice of model (issue 12 item 6).
    expect(yearly.locator("caption")).to_have_text(
        [*MONITOR_BREAKDOWNS, re.compile(r"^Gevoeligheid voor de keuze van het model")]
    )
    first = yearly.first
    expect(first.locator("thead th").nth(1)).to_have_text(re.compile(r"^20\d\d$"))
    expect(first.locator("thead th").last).to_have_text("Totaal")
    expect(first.locator("tbody")).to_contain_text("Seksuele uitbuiting")
    expect(first.locator("tfoot")).to_contain_text("Casussen (elke casus één keer)")
    # The chain funnel, from registration to conviction.
    expect(
        page.get_by_role("heading", name="De keten: van registratie tot veroordeling")
    ).to_be_visible()
    funnel = page.get_by_test_id("monitor-funnel")
    expect(funnel.locator("thead")).to_contain_text("Van vorige stap")
    expect(funnel.locator("tbody th").first).to_have_text("Geregistreerde casussen")
    expect(funnel.locator("tbody")).to_contain_text("Aangifte")
    # Repeat victimisation and the dark number.
    expect(page.get_by_role("heading", name="Herhaald slachtofferschap")).to_be_visible()
    repeat = page.get_by_test_id("monitor-repeat")
    expect(repeat.locator("tbody th").first).to_have_text("Alle slachtoffers")
    expect(repeat.locator("thead")).to_contain_text("Binnen 5 jaar")
    expect(
        page.get_by_role("heading", name="Hoeveel slachtoffers blijven buiten beeld?")
    ).to_be_visible()
    dark = page.get_by_test_id("dark-number")
    expect(dark).to_contain_text("slachtoffers staan in ten minste één registratie")
    expect(dark).to_contain_text("keer zoveel als er in beeld zijn")
    expect(dark).to_contain_text(re.compile(r"niet per jaar"))
    expect(dark).to_contain_text(re.compile(r"\(profile likelihood\): [\d.]+ tot [\d.]+"))
    # The interval with the model-choice uncertainty (a bootstrap that repeats the selection) is
    # computed by the worker with the stored monitor (issue 15 item 3), never in the request.
    expect(page.get_by_test_id("dark-number-bootstrap")).to_contain_text("Gepubliceerd interval")
    check_accessibility(page)
    snapshot(page, "monitor-page")

    # The reports: two PDFs and the microdata as CSV.
    menu(page, "Rapporten")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapporten om te publiceren")
    check_accessibility(page)
    for link in ("Monitorrapport (PDF)", "Evaluatierapport (PDF)"):
        name, content = make_via_job(page, link)
        assert name.endswith(".pdf"), name
        assert content.startswith(b"%PDF"), f"{link}: not a PDF: {content[:20]!r}"
        assert len(content) > MIN_PDF_BYTES, f"{link}: only {len(content)} bytes"
    # The page shows the interval the worker computed with the stored monitor.
    menu(page, "Monitor")
    expect(page.get_by_test_id("dark-number-interval")).to_contain_text(
        re.compile(r"95 %-interval, inclusief de onzekerheid over de modelkeuze: [\d.]+ tot [\d.]+")
    )
    menu(page, "Rapporten")

    # Microdata: first the data-use agreement (issue 11), then the disclosure-controlled CSV.
    page.get_by_role("link", name="Microdata downloaden", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Microdata voor eigen analyse")
    expect(page.get_by_test_id("microdata-policy")).to_contain_text("k = 5")
    expect(page.get_by_test_id("microdata-codebook")).to_contain_text("k-anonimiteit met k = 5")
    check_accessibility(page)
    page.get_by_role("link", name="Gebruiksvoorwaarden lezen en aanvaarden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gebruiksvoorwaarden microdata")
    expect(page.get_by_test_id("agreement-clauses")).to_contain_text("Geen heridentificatie")
    check_accessibility(page)
    page.get_by_role("button", name="Aanvaarden en doorgaan").click()
    expect(page.get_by_test_id("agreement-errors")).to_contain_text("Vink aan")
    page.get_by_label(re.compile("Ik heb de gebruiksvoorwaarden gelezen")).check()
    page.get_by_role("button", name="Aanvaarden en doorgaan").click()
    expect(page.get_by_test_id("agreement-status")).to_contain_text("aanvaard")
    name, content = make_via_job(page, "CSV", "Microdata (CSV)")
    assert name.endswith(".csv"), name
    assert content.startswith("\ufeff".encode())  # Excel-NL reads UTF-8 only with the BOM
    text = content.decode("utf-8-sig")
    header, *rows = text.splitlines()
    assert "rij_id" in header.split(";"), header  # semicolons: Excel-NL opens it in columns
    assert rows, "the microdata has no rows"
    assert "IB-" not in text, "a case code in the pseudonymised microdata"
    assert not CASE_CODE.search(text)
    some_code = Case.objects.values_list("code", flat=True).first()
    assert some_code not in text
    assert broken_assets == [], f"page assets that did not load: {broken_assets}"


def test_police_officer_has_no_research_pages(
    page: Page, demo_users, broken_assets: list[str]
) -> None:
    log_in(page, "politie.amsterdam")
    nav = page.get_by_role("navigation", name="Hoofdmenu")
    expect(nav.get_by_role("link", name="Casussen")).to_be_visible()
    for item in RESEARCH_MENU:
        expect(nav.get_by_role("link", name=item, exact=True)).to_have_count(0)

    response = page.goto("/rapporten/monitor.pdf")
    assert response is not None and response.status == 403
    assert response.headers["content-type"].startswith("text/html")
    expect(page.get_by_role("heading", level=1)).to_have_text("Geen toegang")
    expect(page.locator("main")).to_contain_text("U heeft geen toegang tot deze rapporten.")
    expect(page.get_by_role("link", name="Terug naar de startpagina")).to_be_visible()
    check_accessibility(page)
    assert broken_assets == [], f"page assets that did not load: {broken_assets}"
