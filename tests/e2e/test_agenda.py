"""End to end, in Chromium (issue 18): a researcher registers a publication with a recommendation
(the error summary takes focus first), adds dated milestones with evidence up to a durable change,
two coders code a milestone independently and differ, a third researcher decides, and the figure
page shows the share with its interval and the list behind it. axe-core on every page; the pages
fit a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from inbeeld.accounts.models import AuthenticatorDevice, Role
from inbeeld.demo.accounts import DEMO_PASSWORD
from tests.factories import make_user

from .test_case_flow import check_accessibility, log_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 800}


def _fits(page: Page) -> None:
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url
    page.set_viewport_size({"width": 1280, "height": 900})


def _check(page: Page, axe) -> None:
    check_accessibility(page)
    assert axe(page) == [], page.url
    _fits(page)


def _researcher(username: str) -> None:
    user = make_user(Role.RESEARCHER, username=username, first_name="Codeur", last_name=username)
    user.set_password(DEMO_PASSWORD)
    user.save()
    AuthenticatorDevice.create_for(user=user, name="app", confirmed=True)


def _log_out(page: Page) -> None:
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen bij InBeeld")


def _milestone(page: Page, axe, kind: str, date: str, evidence: str, reference: str) -> None:
    page.get_by_role("link", name="Mijlpaal vastleggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijlpaal vastleggen")
    page.get_by_label("Wat gebeurde er?").select_option(label=kind)
    page.get_by_label("Datum", exact=True).fill(date)
    page.get_by_label("Omschrijving").fill(f"{kind} na het rapport.")
    page.get_by_label(evidence).check()
    page.get_by_label("Kenmerk van het bewijs").fill(reference)
    page.get_by_role("button", name="Vastleggen").click()
    expect(page.locator(".timeline")).to_contain_text(reference)


def _code(page: Page, axe, rung: str, link: str) -> None:
    page.get_by_role("link", name="Coderen").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijlpaal coderen")
    _check(page, axe)
    page.get_by_label(rung, exact=True).check()
    page.get_by_label(link, exact=True).check()
    page.get_by_role("button", name="Codering vastleggen").click()
    expect(page.get_by_text("Uw codering is vastgelegd.")).to_be_visible()


def test_register_evidence_two_coders_and_the_figure(page: Page, demo_users, axe):
    _researcher("codeur2")
    _researcher("beslisser")
    log_in(page, "onderzoeker")
    page.get_by_role("link", name="Agenda", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Agenda: aanbevelingen en hun opvolging"
    )
    _check(page, axe)

    # 1. A publication: the empty form is refused with a focused error summary.
    page.get_by_role("link", name="Publicatie vastleggen").click()
    _check(page, axe)
    page.get_by_role("button", name="Vastleggen").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Vul de titel in.")
    _check(page, axe)
    page.get_by_label("Onderzoek (project)").fill("Aangiftebereidheid seksuele uitbuiting")
    page.get_by_label("Soort publicatie").select_option(label="Rapport")
    page.get_by_label("Titel").fill("Aangifte doe je niet")
    page.get_by_label("Verschenen op").fill("12-06-2018")
    page.get_by_role("button", name="Vastleggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aangifte doe je niet")
    _check(page, axe)

    # 2. Its recommendation.
    page.get_by_role("link", name="Aanbeveling toevoegen").click()
    _check(page, axe)
    page.get_by_label("Aanbeveling", exact=True).fill("Leg de wettelijke definitie beter uit.")
    page.get_by_label("Gericht aan").select_option(label="Politie")
    page.get_by_label("Thema").select_option(label="Aangiftebereidheid")
    page.get_by_label("Herkomst").select_option(label="Eigen organisatie (CKM)")
    page.get_by_role("button", name="Vastleggen").click()
    expect(page.get_by_text("De aanbeveling is vastgelegd.")).to_be_visible()
    page.get_by_role("link", name="Leg de wettelijke definitie beter uit.").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanbeveling 1")
    _check(page, axe)

    # 3. Milestones with evidence, up to a durable change; a durable one too soon is refused.
    _milestone(
        page,
        axe,
        "Motie aangenomen",
        "01-03-2019",
        "Kamerstuk, zaak of besluit (Tweede Kamer)",
        "28638-170",
    )
    _milestone(
        page, axe, "Wet in werking", "01-09-2019", "Officiële bekendmaking", "Stb. 2019, 321"
    )
    page.get_by_role("link", name="Mijlpaal vastleggen").click()
    page.get_by_label("Wat gebeurde er?").select_option(label="Opnieuw vastgesteld: nog van kracht")
    page.get_by_label("Datum", exact=True).fill("01-03-2020")
    page.get_by_label("Omschrijving").fill("Nog van kracht.")
    page.get_by_label("Officiële bekendmaking").check()
    page.get_by_label("Kenmerk van het bewijs").fill("Stcrt. 2020, 1")
    page.get_by_role("button", name="Vastleggen").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("24 maanden")
    _check(page, axe)
    page.get_by_role("link", name="Terug naar de aanbeveling").click()
    _milestone(
        page,
        axe,
        "Opnieuw vastgesteld: nog van kracht",
        "01-10-2021",
        "Officiële bekendmaking",
        "Stcrt. 2021, 99",
    )
    expect(page.locator(".facts")).to_contain_text("Duurzaam")
    _check(page, axe)

    # 4. Two coders, independently; they differ; a third researcher decides.
    _code(page, axe, "Aangenomen of toegezegd", "Ja")
    url = page.url
    _log_out(page)
    log_in(page, "codeur2")
    page.goto(url)
    expect(page.get_by_text("Codeur 1")).to_have_count(0)  # not before coding oneself
    _code(page, axe, "Geagendeerd", "Nee")
    expect(page.get_by_text("codeurs verschillen: wacht op beslissing")).to_be_visible()
    expect(page.get_by_role("link", name="Beslissen")).to_have_count(0)
    _log_out(page)
    log_in(page, "beslisser")
    page.goto(url)
    page.get_by_role("link", name="Beslissen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beslissen over een mijlpaal")
    _check(page, axe)
    page.get_by_label("Aangenomen of toegezegd", exact=True).check()
    page.get_by_label("Ja", exact=True).check()
    page.get_by_label("Motivering van de beslissing").fill(
        "De motie is aangenomen; het bewijs noemt het rapport."
    )
    page.get_by_role("button", name="Beslissing vastleggen").click()
    expect(page.get_by_text("beslist na verschil")).to_be_visible()
    _check(page, axe)

    # 5. The figure: lenient 1 of 1 durable (Wilson 21–100 %); strict 0 (the durable milestone is
    # not coded yet); kappa; the list behind it.
    page.get_by_role("link", name="Terug naar de agenda").click()
    page.get_by_role("link", name="Bekijk het cijfer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Van aanbeveling tot duurzame verandering"
    )
    table = page.get_by_role("table").first
    expect(table).to_contain_text("100 % (21–100 %)")
    expect(table).to_contain_text("0 % (0–79 %)")
    expect(page.get_by_text("Een bijdrage, geen bewijs van oorzaak.")).to_be_visible()
    expect(page.get_by_text("in het slechtste geval")).to_be_visible()
    expect(page.get_by_role("region", name="De lijst achter het cijfer")).to_contain_text(
        "Leg de wettelijke definitie"
    )
    _check(page, axe)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download als pdf").click()
    assert download.value.suggested_filename == "agenda-aanbevelingen.pdf"


def test_the_parliament_page_marks_a_number_by_hand(page: Page, demo_users, axe):
    log_in(page, "onderzoeker")
    page.get_by_role("link", name="Agenda", exact=True).click()
    page.get_by_role("link", name="Kamergegevens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kamergegevens")
    _check(page, axe)
    page.get_by_role("button", name="Markeren").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Vul het Kamernummer in.")
    _check(page, axe)
    page.get_by_label("Kamernummer").fill("36 015-12")
    page.get_by_label("Waarom relevant").fill("Motie over arbeidsuitbuiting")
    page.get_by_role("button", name="Markeren").click()
    expect(page.get_by_text("Het nummer is als relevant gemarkeerd.")).to_be_visible()
    expect(page.locator("main")).to_contain_text("36 015-12")
    _check(page, axe)


def test_the_researcher_reads_a_saved_parliamentary_file_in(page: Page, demo_users, axe, tmp_path):
    import json

    motion = {
        "Id": "7a000000-0000-4000-8000-0000000000bb",
        "Nummer": "2023Z20002",
        "Soort": "Motie",
        "Onderwerp": "Motie over het strafbaar stellen van klanten van minderjarige slachtoffers",
        "GewijzigdOp": "2023-12-14T10:00:00+01:00",
        "Verwijderd": False,
        "Kamerstukdossier": [{"Nummer": "28638", "Titel": "Mensenhandel"}],
    }
    saved = tmp_path / "zaken.json"
    saved.write_text(json.dumps({"@odata.context": "x#Zaak", "value": [motion]}))
    broken = tmp_path / "kapot.json"
    broken.write_text('{"value": [')
    log_in(page, "onderzoeker")
    page.get_by_role("link", name="Agenda", exact=True).click()
    page.get_by_role("link", name="Kamergegevens").click()
    page.get_by_role("link", name="Opgeslagen Kamergegevens inlezen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kamergegevens inlezen")
    _check(page, axe)
    page.locator("#id_file").set_input_files(str(broken))
    page.get_by_role("button", name="Inlezen").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Dit is geen JSON-antwoord van de Tweede Kamer.")
    _check(page, axe)
    page.locator("#id_file").set_input_files(str(saved))
    page.get_by_role("button", name="Inlezen").click()
    expect(page.get_by_text("Ingelezen: 1 nieuw")).to_be_visible()
    expect(page.locator("main")).to_contain_text("strafbaar stellen van klanten")
    _check(page, axe)
