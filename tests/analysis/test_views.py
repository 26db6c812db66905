"""The researchers' evaluation pages (/evaluatie/...): they render on a small database and on an
empty one, refuse a bad horizon in Dutch without failing, show the numbers of
analysis.evaluation.evaluation_for, and are served from the cache until the data change.

The small world (tests/analysis/conftest.py): psychologist ITT with 4 cases (2 complaints)
versus 3 (1 complaint); as delivered 1 (1) versus 2 (1); seven cases with research consent, the
cut-off 2024-06-01.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inbeeld.accounts.models import Role
from inbeeld.analysis.evaluation import evaluation_for
from tests.analysis.conftest import record
from tests.factories import make_user

pytestmark = pytest.mark.django_db

OVERVIEW = "/evaluatie/"
PSYCHOLOGIST = "/evaluatie/psychologist/"
LEAD_TIMES = "/evaluatie/doorlooptijden/"
PAGES = [OVERVIEW, PSYCHOLOGIST, LEAD_TIMES]


def text(response) -> str:
    """The page's visible text, whitespace collapsed (charts left out)."""
    html = response.content.decode()
    html = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html).replace("&#x27;", "'")


@pytest.fixture
def researcher_client(client, researcher, login):
    login(researcher)
    return client


def _psychologist(result):
    return next(i for i in result.interventions if i.spec.code == "psychologist")


# --- rendering ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_pages_render_with_data(small_world, researcher_client, url):
    response = researcher_client.get(url)
    assert response.status_code == 200
    assert "Evaluatie" in text(response)


@pytest.mark.parametrize("url", PAGES)
def test_pages_render_on_an_empty_database(db, researcher_client, url):
    response = researcher_client.get(url)
    assert response.status_code == 200
    page = text(response)
    assert "Evaluatie" in page


def test_the_empty_overview_says_so_in_dutch(db, researcher_client):
    page = text(researcher_client.get(OVERVIEW))
    assert "De evaluatie gebruikt 0 casussen" in page


def test_the_empty_intervention_page_says_so_in_dutch(db, researcher_client):
    page = text(researcher_client.get(PSYCHOLOGIST))
    assert "Er zijn (nog) geen twee groepen om te vergelijken." in page
    # the engine's English notes never reach the page
    assert "no treated cases" not in page and "no deployments" not in page
    assert "Niet te schatten:" in page


def test_unknown_intervention_is_404(db, researcher_client):
    assert researcher_client.get("/evaluatie/bestaat-niet/").status_code == 404


@pytest.mark.parametrize("url", PAGES)
def test_non_researchers_are_refused(db, client, login, url):
    login(make_user(Role.POLICE_OFFICER, unit_code="amsterdam"))
    assert client.get(url).status_code == 403


# --- the horizon -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "Vul een aantal dagen in."),
        ("10", "Kies een horizon van ten minste 30 dagen."),
        ("9999", "Kies een horizon van hoogstens 730 dagen."),
        ("-5", "Kies een horizon van ten minste 30 dagen."),
    ],
)
@pytest.mark.parametrize("url", PAGES)
def test_a_bad_horizon_gives_a_dutch_error_and_the_default(
    small_world, researcher_client, url, value, message
):
    response = researcher_client.get(url, {"horizon": value})
    assert response.status_code == 200
    assert message in text(response)
    assert response.context["horizon"] == 180
    assert 'name="horizon" id="id_horizon" value="180"' in response.content.decode()


def test_a_valid_horizon_is_used(small_world, researcher_client, researcher):
    response = researcher_client.get(OVERVIEW, {"horizon": "30"})
    assert response.status_code == 200
    assert response.context["horizon"] == 30
    page = text(response)
    assert "Gevoeligheidsanalyses per interventie (horizon 30 dagen)" in page
    assert "aangifte binnen 30 dagen" in page  # the psychologist's outcome at this horizon
    # within 30 days: a1 (day 9) and a2 (day 19) did, n1 (day 61) did not
    itt = _psychologist(evaluation_for(researcher, horizon_days=30)).itt
    assert (itt.x1, itt.n1, itt.x0, itt.n0) == (2, 4, 0, 3)
    assert "?horizon=30" in response.content.decode()  # the links keep the horizon


# --- the numbers on the page ---------------------------------------------------------------------


def _pct(share: float) -> str:
    """Dutch percentage with one decimal, formatted here (not by the presenter)."""
    return f"{100 * share:.1f}".replace(".", ",") + " %"


def test_the_overview_shows_the_evaluations_numbers(small_world, researcher_client, researcher):
    result = evaluation_for(researcher)
    item = _psychologist(result)
    itt, delivered = item.itt, item.delivered
    # by hand from the fixture
    assert result.n_cases == 7
    assert result.cutoff == dt.date(2024, 6, 1)
    assert (itt.x1, itt.n1, itt.x0, itt.n0) == (2, 4, 1, 3)
    assert (delivered.x1, delivered.n1, delivered.x0, delivered.n0) == (1, 1, 1, 2)
    page = text(researcher_client.get(OVERVIEW))
    assert "De evaluatie gebruikt 7 casussen" in page
    assert "01-06-2024" in page
    row = page[page.index("Recherchepsycholoog indicatief") :][:200]
    assert row.startswith(
        f"Recherchepsycholoog indicatief aangifte binnen 180 dagen {itt.n1} / {itt.n0} "
    )
    assert f"{_pct(itt.p1.estimate)} {_pct(itt.p0.estimate)}" in row
    assert "50,0 % 33,3 %" in row
    assert f"(n = {delivered.n1} / {delivered.n0})" in row


def test_the_intervention_page_shows_the_evaluations_numbers(
    small_world, researcher_client, researcher
):
    itt = _psychologist(evaluation_for(researcher)).itt
    page = text(researcher_client.get(PSYCHOLOGIST))
    assert (
        f"{itt.x1} van {itt.n1} casussen deden binnen 180 dagen aangifte, "
        f"{_pct(itt.p1.estimate)} (95 %-BI {_pct(itt.p1.low)} tot {_pct(itt.p1.high)})" in page
    )
    assert f"{itt.x0} van {itt.n0}, {_pct(itt.p0.estimate)}" in page
    assert "Indicatief: de groepen zijn klein" in page
    window = "Vergeleken worden casussen met een indexdatum van 1 juni 2021 tot en met 1 juni 2024"
    assert window in page


def test_the_lead_time_page_shows_the_evaluations_numbers(
    small_world, researcher_client, researcher
):
    result = evaluation_for(researcher)
    contact_complaint = result.lead_times[0]
    assert contact_complaint.stage == "contact_complaint"
    s = contact_complaint.summary
    # contact: a1, a2, a3, n1, n2; complaint after 9, 19 and 61 days; a3 and n2 still under way
    # at the cut-off (397 and 427 days), nobody withdrawn or closed: 3 of 5 reached the complaint
    # by day 90 and by the end of the follow-up. Three is fewer than the ten needed for the
    # quantiles, so how long the step takes is not yet determinable and there is no bottleneck.
    assert (s.n, s.n_reached, s.n_terminal, s.n_censored) == (5, 3, 0, 2)
    assert s.share_reached.estimate == pytest.approx(0.6)
    assert s.followup_days == 427
    assert s.median is None and not s.determinable
    assert result.bottleneck is None
    page = text(researcher_client.get(LEAD_TIMES))
    low, high = (
        f"{100 * v:.1f}".replace(".", ",") for v in (s.share_reached.low, s.share_reached.high)
    )
    share = f"60,0 % ({low}–{high})"
    assert f"eerste politiecontact → aangifte 5 3 0 2 {share} {share} {share} {share}" in page, page
    assert re.search(
        r"eerste politiecontact → aangifte 3( nog niet te bepalen){4} aangifte", page
    ), page
    # no complaint reached a prosecution decision yet: the share without a zero-width interval
    assert "aangifte → beslissing OM 3 0 0 3 0,0 % 0,0 % 0,0 % 0,0 % beslissing" in page
    assert "Welke stap het knelpunt is, is nog niet te bepalen" in page
    assert "hoe lang de stap duurt als hij plaatsvindt" in page


# --- the cache ---------------------------------------------------------------------------------


def _get(client, url=OVERVIEW):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)


def test_a_second_request_is_served_from_the_cache_until_an_event_is_added(
    small_world, researcher_client, researcher
):
    first, first_queries = _get(researcher_client)
    second, second_queries = _get(researcher_client)
    assert second_queries < first_queries  # no tables built, no evaluation run
    assert text(second) == text(first)

    # n2 (Noord-Holland, index 2023-04-01) files a complaint within 180 days
    record(
        small_world.n2,
        "complaint_filed",
        dt.date(2023, 6, 1),
        actor=small_world.recorders["noord-holland"],
    )
    third, third_queries = _get(researcher_client)
    assert third_queries > second_queries  # a new fingerprint: evaluated again
    itt = _psychologist(evaluation_for(researcher)).itt
    assert (itt.x0, itt.n0) == (2, 3)
    assert "50,0 % 66,7 %" in text(third)
    assert "50,0 % 33,3 %" in text(first)


def test_the_cache_follows_the_phase_target_and_the_deployments(small_world, researcher):
    from inbeeld.pilot.models import Deployment, Phase

    phase = Phase.objects.order_by("-start").first()
    assert _psychologist(evaluation_for(researcher)).spec.phase_target == phase.target_victims
    Phase.objects.filter(pk=phase.pk).update(target_victims=phase.target_victims + 7)
    spec = _psychologist(evaluation_for(researcher)).spec
    assert spec.phase_target == phase.target_victims + 7

    for deployment in Deployment.objects.filter(intervention__code="psychologist"):
        deployment.police_units.remove(small_world.a1.police_unit)  # Amsterdam stops
    itt = _psychologist(evaluation_for(researcher)).itt
    assert (itt.n1, itt.n0) == (0, 7)


def test_the_lead_time_page_says_there_is_nothing_to_draw(small_world, researcher_client):
    """No stage has enough cases for a lead time: a Dutch sentence, not an empty chart."""
    html = researcher_client.get(LEAD_TIMES).content.decode()
    chart = re.search(r'<div class="pilot-chart-wrap"[^>]*>(.*?)</div>', html, flags=re.S).group(1)
    assert "<svg" not in chart
    assert "Geen gegevens om te tonen: nog geen ketenstap met genoeg casussen" in chart


def test_the_intervention_page_draws_the_band_and_gives_its_numbers(
    small_world, researcher_client, researcher
):
    curve = _psychologist(evaluation_for(researcher)).survival_itt.exposed
    html = researcher_client.get(PSYCHOLOGIST).content.decode()
    assert html.count('class="ci-band"') >= 2  # one per group with cases, in both charts
    assert "95 %-betrouwbaarheidsband" in html
    at = curve.at(90.0)
    cell = f"{_pct(at.estimate)} ({_pct(at.low)} tot {_pct(at.high)})"
    table = re.search(r'data-testid="incidence-table">(.*?)</table>', html, flags=re.S).group(1)
    assert cell in table.replace("\u00a0", " "), table
