"""The open-data page (reports:open_data): a researcher releases noisy counts of a monitor table
with differential privacy, charged to a data set's privacy budget (publication.services.dp_release).

What is tested: the page lists the budgets with what is spent and what remains; a release through
the page spends the budget, stores the noisy values only and shows them with their accuracy and
the remaining budget; the counts come from the researcher's monitor scope; a release past the
budget, or with a bad epsilon, is refused with a Dutch message on the form and leaves nothing
behind (no release, no audit row, never a server error); nobody but a researcher reaches the page.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.analysis import presenter
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.models import ConsentRecord
from inbeeld.cases.services import consent_record
from inbeeld.publication.models import PrivacyBudget, PrivacyRelease
from inbeeld.publication.services import budget_create, budget_remaining
from inbeeld.reference.models import ExploitationForm, PoliceUnit
from tests.conftest import session_for
from tests.factories import CaseFactory, chain_recorder, make_user, unit

pytestmark = pytest.mark.django_db

URL = "/rapporten/open-data/"
DATASET = "monitor-open-data"
BUDGET_EXHAUSTED = "Het privacybudget van deze dataset is op:"
NOTHING_RELEASED = "Er is niets vrijgegeven en niets van het budget gebruikt."
# Monitored cases per (unit, intake year); and cases the monitor must not count.
COUNTS = {("amsterdam", 2023): 6, ("amsterdam", 2024): 4, ("noord-holland", 2024): 3}
EXCLUDED = {("amsterdam", 2023): 5}  # no research consent


@pytest.fixture
def administrator():
    return make_user(Role.ADMINISTRATOR, is_staff=True)


@pytest.fixture
def researcher():
    return make_user(Role.RESEARCHER)


@pytest.fixture
def cases(db):
    made = []
    for (code, year), n in COUNTS.items():
        recorder = chain_recorder(unit(code))
        for i in range(n):
            case = CaseFactory(
                police_unit=unit(code),
                intake_date=dt.date(year, 1 + i, 10),
                forms=["sexual", "labour"] if i == 0 else ["sexual"],
                without_consent=True,
                recorder=recorder,
            )
            consent_record(
                actor=recorder,
                case=case,
                kind=ConsentRecord.Kind.GIVEN,
                date=case.intake_date,
                scope=ConsentRecord.Scope.EVALUATION_AND_MONITOR,
            )
            made.append(case)
    for (code, year), n in EXCLUDED.items():
        for i in range(n):
            CaseFactory(
                police_unit=unit(code), intake_date=dt.date(year, 1 + i, 11), without_consent=True
            )
    return made


def _budget(administrator, epsilon_total=1.0, dataset=DATASET):
    return budget_create(
        actor=administrator, dataset=dataset, label="Monitor open data", epsilon_total=epsilon_total
    )


def _post(client, **data):
    values = {
        "dataset": DATASET,
        "table": "police_unit",
        "first_year": "2023",
        "last_year": "2024",
        "epsilon": "0,5",
    } | data
    return client.post(URL, values)


def _stored() -> tuple[int, int]:
    return (
        PrivacyRelease.objects.count(),
        AuditEvent.objects.filter(action=AuditAction.DP_RELEASE).count(),
    )


def _text(response) -> str:
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", body).replace("&#x27;", "'").replace("&quot;", '"')


def _noisy_cells(response) -> dict[tuple[str, str], int]:
    """The released table on the page: {(group, year): noisy value}."""
    table = response.content.decode().split('data-testid="dp-values"')[1].split("</table>")[0]
    rows = re.findall(
        r'<tr><th scope="row">(.*?)</th><td>(.*?)</td><td class="pilot-num">(-?\d+)</td></tr>',
        table,
    )
    return {(group, year): int(value) for group, year, value in rows}


def test_the_url_is_the_named_page():
    assert reverse("reports:open_data") == URL


def test_the_page_lists_the_budgets_with_spent_and_remaining(administrator, researcher, cases):
    _budget(administrator, 1.0)
    _budget(administrator, 2.0, dataset="jaarcijfers")
    client = session_for(researcher)
    assert _post(client, epsilon="0,25").status_code == 302
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    budgets = html.split('data-testid="dp-budgets"')[1].split("</table>")[0]
    # total, spent, remaining (epsilon, Dutch decimal comma)
    assert re.search(
        r"monitor-open-data.*?>1</td>.*?>0,25</td>.*?"
        r'data-testid="remaining-monitor-open-data">0,75</td>',
        budgets,
        re.S,
    )
    assert re.search(
        r'jaarcijfers.*?>2</td>.*?>0</td>.*?"remaining-jaarcijfers">2</td>', budgets, re.S
    )
    assert "Nog geen vrijgaven." in budgets  # jaarcijfers
    assert "naar politie-eenheid" in budgets  # the release of monitor-open-data, listed
    # The form offers the budgets and the two tables.
    assert '<option value="monitor-open-data">' in html and '<option value="jaarcijfers">' in html
    assert 'value="form"' in html and 'value="police_unit"' in html
    assert '<html lang="nl">' in html and "<h1>Open data met differentiële privacy</h1>" in html


def test_without_a_budget_the_page_explains_and_offers_no_form(researcher):
    response = session_for(researcher).get(URL)
    assert response.status_code == 200
    assert "Er is nog geen privacybudget vastgelegd." in _text(response)
    assert '<form method="post" class="stacked' not in response.content.decode()


def test_a_release_through_the_page_spends_budget_and_shows_noisy_numbers(
    administrator, researcher, cases
):
    budget = _budget(administrator, 1.0)
    client = session_for(researcher)
    response = _post(client, epsilon="0,5")
    assert response.status_code == 302
    release = PrivacyRelease.objects.get()
    assert response["Location"] == f"{URL}?vrijgave={release.pk}"
    assert release.budget == budget and release.actor == researcher
    assert release.epsilon == Decimal("0.5") and release.sensitivity == 1
    assert budget_remaining(dataset=DATASET) == pytest.approx(0.5)
    # One cell per police unit of the catalogue (not only the units with cases: which units
    # occur would itself be information) and chosen intake year; the noisy values only.
    units = list(PoliceUnit.objects.values_list("name", flat=True))
    assert len(units) > 2
    assert release.labels == [f"{name} – {year}" for name in units for year in (2023, 2024)]
    assert len(release.values) == 2 * len(units)
    assert all(isinstance(v, int) and v >= 0 for v in release.values)
    assert "politie-eenheid" in release.query
    audit = AuditEvent.objects.get(action=AuditAction.DP_RELEASE)
    assert audit.actor == researcher and audit.extra["dataset"] == DATASET
    # The page after the redirect: the noisy values, their accuracy and the remaining budget.
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = _text(page)
    assert "De cijfers met ruis zijn vrijgegeven." in text
    shown = _noisy_cells(page)
    assert shown == {
        tuple(label.split(" – ")): value
        for label, value in zip(release.labels, release.values, strict=True)
    }
    accuracy = presenter.number(release.confidence_halfwidth_95, 1)
    assert f"minder dan {accuracy} af van het werkelijke aantal" in text
    assert "Resterend budget van deze dataset: epsilon 0,5." in text
    # Reloading the result page spends nothing.
    client.get(response["Location"])
    assert _stored() == (1, 1)


def test_the_released_counts_are_the_researchers_monitor_scope(administrator, researcher, cases):
    """At a very large epsilon the noise is (almost surely) at most 1: the released counts are the
    cases with consent for the monitor, not the cases without consent."""
    _budget(administrator, 500.0)
    client = session_for(researcher)
    assert _post(client, epsilon="200").status_code == 302
    release = PrivacyRelease.objects.get()
    units = {
        code: PoliceUnit.objects.get(code=code).name for code in ("amsterdam", "noord-holland")
    }
    truth = {f"{units[code]} – {year}": n for (code, year), n in COUNTS.items()}
    for label, value in zip(release.labels, release.values, strict=True):
        assert abs(value - truth.get(label, 0)) <= 1, (label, value, truth.get(label, 0))


def test_the_form_table_counts_a_case_in_each_of_its_forms(administrator, researcher, cases):
    _budget(administrator, 500.0)
    client = session_for(researcher)
    assert _post(client, table="form", epsilon="200").status_code == 302
    release = PrivacyRelease.objects.get()
    n_forms = 5  # sexual, labour, criminal, organ removal, unknown: a case can be in each
    assert release.sensitivity == n_forms
    assert release.scale == pytest.approx(n_forms / 200)
    forms = dict(ExploitationForm.objects.values_list("code", "label"))
    values = dict(zip(release.labels, release.values, strict=True))
    assert len(values) == n_forms * 2  # five forms × two intake years
    # Every monitored case is sexual exploitation; the first of each (unit, year) also labour.
    assert abs(values[f"{forms['sexual']} – 2023"] - 6) <= 1
    assert abs(values[f"{forms['sexual']} – 2024"] - 7) <= 1
    assert abs(values[f"{forms['labour']} – 2024"] - 2) <= 1
    assert "uitbuitingsvorm" in release.query


def test_past_the_budget_the_page_refuses_in_dutch_and_stores_nothing(
    administrator, researcher, cases
):
    _budget(administrator, 1.0)
    client = session_for(researcher)
    response = _post(client, epsilon="1,5")
    assert response.status_code == 200
    text = _text(response)
    assert f"{BUDGET_EXHAUSTED} er is nog epsilon 1 over van 1, deze vrijgave vraagt 1,5." in text
    assert NOTHING_RELEASED in text
    assert _stored() == (0, 0)
    # Spend part of it; then a release that no longer fits is refused the same way.
    assert _post(client, epsilon="0,75").status_code == 302
    response = _post(client, epsilon="0,5", table="form")
    assert response.status_code == 200
    assert "er is nog epsilon 0,25 over van 1, deze vrijgave vraagt 0,5." in _text(response)
    assert _stored() == (1, 1)
    assert budget_remaining(dataset=DATASET) == pytest.approx(0.25)
    # What still fits goes through.
    assert _post(client, epsilon="0,25").status_code == 302
    assert budget_remaining(dataset=DATASET) == 0.0


@pytest.mark.parametrize(
    ("epsilon", "message"),
    [
        ("", "Vul epsilon in."),
        ("0", "Epsilon moet groter zijn dan 0."),
        ("-0,5", "Epsilon moet groter zijn dan 0."),
        ("nan", "Epsilon moet een getal zijn"),
        ("Infinity", "Epsilon moet een getal zijn"),
        ("een half", "Epsilon moet een getal zijn"),
        ("1e400", "Epsilon mag niet groter zijn dan 1000."),
        ("5000", "Epsilon mag niet groter zijn dan 1000."),
    ],
)
def test_a_bad_epsilon_is_refused_in_dutch(administrator, researcher, cases, epsilon, message):
    _budget(administrator, 1.0)
    response = _post(session_for(researcher), epsilon=epsilon)
    assert response.status_code == 200
    assert message in _text(response)
    assert _stored() == (0, 0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"dataset": "bestaat-niet"}, "Kies een dataset uit de lijst."),
        ({"dataset": ""}, "Kies de dataset waarvan het budget wordt gebruikt."),
        ({"table": "by_nationality"}, "Kies een tabel uit de lijst."),
        ({"table": ""}, "Kies welke tabel u wilt vrijgeven."),
    ],
)
def test_a_bad_choice_is_refused_in_dutch(administrator, researcher, cases, data, message):
    _budget(administrator, 1.0)
    response = _post(session_for(researcher), **data)
    assert response.status_code == 200
    assert message in _text(response)
    assert _stored() == (0, 0)


def test_the_years_are_chosen_not_taken_from_the_data(administrator, researcher, cases):
    """Years without a case are cells too (0 before the noise): the table's shape says nothing
    about the data."""
    _budget(administrator, 500.0)
    client = session_for(researcher)
    assert _post(client, first_year="2020", last_year="2024", epsilon="200").status_code == 302
    release = PrivacyRelease.objects.get()
    amsterdam = PoliceUnit.objects.get(code="amsterdam").name
    values = dict(zip(release.labels, release.values, strict=True))
    assert [label for label in release.labels if label.startswith(amsterdam)] == [
        f"{amsterdam} – {year}" for year in range(2020, 2025)
    ]
    assert all(values[f"{amsterdam} – {year}"] <= 1 for year in (2020, 2021, 2022))
    assert "2020–2024" in release.query


def test_a_scope_without_cases_releases_noise_around_zero(administrator, researcher):
    _budget(administrator, 500.0)
    assert _post(session_for(researcher), epsilon="200").status_code == 302
    release = PrivacyRelease.objects.get()
    assert len(release.values) == 2 * PoliceUnit.objects.count()
    assert all(value <= 1 for value in release.values)


@pytest.mark.parametrize(
    ("years", "message"),
    [
        ({"first_year": ""}, "Vul het eerste jaar in."),
        ({"last_year": "twee"}, "Vul een jaartal in, bijvoorbeeld 2024."),
        ({"first_year": "1999"}, "Kies een jaar vanaf 2000."),
        (
            {"first_year": "2024", "last_year": "2023"},
            "Het laatste jaar ligt voor het eerste jaar.",
        ),
        ({"first_year": "2000", "last_year": "2025"}, "Kies ten hoogste 25 jaren."),
        ({"last_year": "2999"}, "Kies een jaar tot en met"),
    ],
)
def test_a_bad_year_range_is_refused_in_dutch(administrator, researcher, cases, years, message):
    _budget(administrator, 1.0)
    response = _post(session_for(researcher), **years)
    assert response.status_code == 200
    assert message in _text(response)
    assert _stored() == (0, 0)


def test_an_unknown_release_in_the_address_is_ignored(administrator, researcher):
    _budget(administrator, 1.0)
    client = session_for(researcher)
    for value in ("999999", "abc", "-1", "1" * 40, ""):
        response = client.get(URL, {"vrijgave": value})
        assert response.status_code == 200
        assert 'data-testid="dp-release"' not in response.content.decode()


@pytest.mark.parametrize("role", [r for r in Role if r != Role.RESEARCHER])
def test_nobody_but_a_researcher_reaches_the_page(administrator, cases, role):
    _budget(administrator, 1.0)
    client = session_for(make_user(role))
    for response in (client.get(URL), _post(client, epsilon="0,5")):
        assert response.status_code == 403
        assert "Geen toegang" in response.content.decode()
    assert _stored() == (0, 0)
    assert PrivacyBudget.objects.get().epsilon_remaining() == Decimal("1")


def test_anonymous_visitors_are_sent_to_the_login_page(administrator):
    _budget(administrator, 1.0)
    client = Client()
    for response in (client.get(URL), _post(client)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert _stored() == (0, 0)


def test_the_demo_fixes_one_privacy_budget_so_a_researcher_can_try_a_release():
    from inbeeld.audit.models import AuditEvent
    from inbeeld.demo.generator import generate
    from inbeeld.demo.generator.data import DemoConfig
    from inbeeld.publication.models import PrivacyBudget
    from inbeeld.publication.services import budget_remaining

    generate(DemoConfig(cases=200, seed=1))
    generate(DemoConfig(cases=200, seed=2))  # a second load leaves the budget as it was
    budget = PrivacyBudget.objects.get()
    assert budget.dataset == "monitor-open-data"
    assert budget_remaining(dataset="monitor-open-data") == pytest.approx(3.0)
    created = AuditEvent.objects.filter(action="publication.dp_budget", actor__username="beheerder")
    assert created.count() == 1
