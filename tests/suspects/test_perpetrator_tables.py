"""The first perpetrator and non-punishment tables (issue 17 item 6): counts against a hand-built
fixture, and disclosure control (no published cell below the minimum)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from django.utils import timezone

from inbeeld.accounts.models import Role
from inbeeld.analysis.perpetrator_tables import non_punishment_rows, recruitment_rows, suspect_rows
from inbeeld.cases.models import Case
from inbeeld.stats import perpetrators
from inbeeld.stats.disclosure import CellStatus, DisclosurePolicy
from inbeeld.suspects import services
from tests.factories import CaseFactory, make_user

D = dt.date
EXACT = DisclosurePolicy(min_cell=1)


@pytest.mark.django_db
def test_suspect_rows_and_tables_against_a_hand_built_fixture():
    police, om = make_user(Role.POLICE_OFFICER), make_user(Role.PROSECUTOR)
    minor_sexual = CaseFactory(forms=["sexual"], minor=True, with_complaint=True)
    criminal = CaseFactory(forms=["criminal", "labour"], with_complaint=True)
    # Minor sexual case: a parent exploiter (summons 2024, convicted 2025, 20 months) and a
    # client (summons 2024, acquitted 2025).
    parent = services.suspect_register(
        actor=police, case=minor_sexual, role="exploiter", relationship="parent"
    ).suspect
    client = services.suspect_register(
        actor=police, case=minor_sexual, role="client", relationship="stranger"
    ).suspect
    rec = services.proceeding_record
    rec(
        actor=om,
        case=minor_sexual,
        suspect=parent,
        date=D(2024, 6, 1),
        kind="decision",
        decision="summons",
    )
    rec(
        actor=om,
        case=minor_sexual,
        suspect=parent,
        date=D(2025, 1, 10),
        kind="verdict",
        verdict="conviction",
        sentence_type="prison",
        unconditional_months=Decimal("20"),
    )
    rec(
        actor=om,
        case=minor_sexual,
        suspect=client,
        date=D(2024, 7, 1),
        kind="decision",
        decision="summons",
    )
    rec(
        actor=om,
        case=minor_sexual,
        suspect=client,
        date=D(2025, 2, 1),
        kind="verdict",
        verdict="acquittal",
    )
    # The criminal/labour case: the same parent linked again (a network), dismissed.
    services.suspect_link(
        actor=police, case=criminal, suspect=parent, role="recruiter", relationship="network"
    )
    rec(
        actor=om,
        case=criminal,
        suspect=parent,
        date=D(2024, 9, 1),
        kind="decision",
        decision="dismissal",
        ground="insufficient_evidence",
    )
    services.non_punishment_record(
        actor=police, case=criminal, step="suspected", date=D(2024, 4, 1), offence="drugs"
    )
    services.non_punishment_record(
        actor=om,
        case=criminal,
        step="outcome",
        date=D(2024, 8, 1),
        offence="drugs",
        outcome="dismissed",
    )

    rows = suspect_rows(Case.objects.all())
    assert rows.height == 4  # parent × sexual, client × sexual, parent × (criminal, labour)
    registered_year = timezone.now().year  # the links were made now (UTC)
    sexual = rows.filter(pl.col("form") == "sexual").sort("role")
    assert sexual.select("role", "prosecuted_year", "convicted_year").rows() == [
        ("client", 2024, None),
        ("exploiter", 2024, 2025),
    ]
    years = [2024, 2025, registered_year]
    forms = ["sexual", "labour", "criminal"]
    prosecuted = perpetrators.stage_table(
        rows, "prosecuted", forms=forms, years=years, policy=EXACT
    )
    assert prosecuted.value("2024", "sexual") == 2 and prosecuted.value("2024", "criminal") == 0
    convicted = perpetrators.stage_table(rows, "convicted", forms=forms, years=years, policy=EXACT)
    assert convicted.value("2025", "sexual") == 1 and convicted.grand_total == 1
    registered = perpetrators.stage_table(
        rows, "registered", forms=forms, years=years, policy=EXACT
    )
    # The parent counts once per form (sexual, criminal, labour), the client once.
    assert registered.value(str(registered_year), "sexual") == 2
    assert registered.value(str(registered_year), "criminal") == 1
    clients = perpetrators.client_table(rows, years=years, policy=EXACT)
    assert (clients.value("2024", "prosecuted"), clients.value("2025", "convicted")) == (1, 0)
    relation = perpetrators.relationship_table(rows, forms=forms, minor=True, policy=EXACT)
    assert relation.value("parent", "sexual") == 1 and relation.value("stranger", "sexual") == 1
    medians = perpetrators.median_unconditional_months(rows, min_n=1)
    assert medians.rows() == [(2025, "sexual", 1, 20.0)]
    assert perpetrators.median_unconditional_months(rows).get_column("median").to_list() == [None]
    np_rows = non_punishment_rows(Case.objects.all())
    assert np_rows.select("year", "applied").rows() == [(2024, True)]
    table = perpetrators.non_punishment_table(np_rows, years=[2024], policy=EXACT)
    assert (table.value("2024", "toegepast"), table.value("2024", "niet toegepast")) == (1, 0)


def test_no_published_cell_below_the_minimum():
    # 30 suspects in 2023 (sexual), 4 in 2024 (sexual), 25 in 2024 (labour): the 4 is suppressed
    # and, since the row total would give it away, a second cell of that row too.
    data = [(i, "sexual", 2023) for i in range(30)]
    data += [(100 + i, "sexual", 2024) for i in range(4)]
    data += [(200 + i, "labour", 2024) for i in range(25)]
    rows = pl.DataFrame(
        {
            "suspect": [d[0] for d in data],
            "form": [d[1] for d in data],
            "minor": [False] * len(data),
            "role": ["exploiter"] * len(data),
            "relationship": ["network"] * len(data),
            "registered_year": [d[2] for d in data],
            "prosecuted_year": [None] * len(data),
            "convicted_year": [None] * len(data),
            "unconditional_months": [None] * len(data),
        },
        schema_overrides={
            "prosecuted_year": pl.Int32,
            "convicted_year": pl.Int32,
            "unconditional_months": pl.Float64,
        },
    )
    table = perpetrators.stage_table(
        rows, "registered", forms=["sexual", "labour"], years=[2023, 2024]
    )
    published = [v for row in table.values for v in row if v is not None]
    assert all(v == 0 or v >= 10 for v in published)
    assert table.value("2024", "sexual") is None
    assert table.status_of("2024", "sexual") != CellStatus.PUBLISHED
    assert table.n_suppressed >= 2  # the 4 and a complement: not recoverable from the margins


@pytest.mark.django_db
def test_the_page_shows_protected_tables_to_a_researcher_and_records_the_release(client, login):
    from inbeeld.audit.models import AuditEvent
    from inbeeld.cases.services import consent_record

    police, om = make_user(Role.POLICE_OFFICER), make_user(Role.PROSECUTOR)
    case = CaseFactory(forms=["sexual"], minor=True, with_complaint=True)
    consent_record(
        actor=police, case=case, kind="given", scope="evaluation_monitor", date=D(2024, 3, 1)
    )
    suspect = services.suspect_register(
        actor=police, case=case, role="client", relationship="stranger"
    ).suspect
    services.proceeding_record(
        actor=om,
        case=case,
        suspect=suspect,
        date=D(2024, 6, 1),
        kind="decision",
        decision="summons",
    )
    login(make_user(Role.RESEARCHER))
    response = client.get("/rapporten/daders/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Klanten in zaken met minderjarige slachtoffers" in body
    # One client: below the minimum, so shown as × and never as 1.
    assert "×" in body and ">1<" not in body
    assert suspect.code not in body
    assert AuditEvent.objects.filter(subject_ref="perpetrator_tables").count() == 1


@pytest.mark.django_db
def test_recruitment_rows_take_the_newest_record_and_count_each_case_once_per_form():
    from inbeeld.suspects.modus_operandi import modus_operandi_record

    police = make_user(Role.POLICE_OFFICER)
    a = CaseFactory(forms=["sexual", "criminal"], with_complaint=True)
    b = CaseFactory(forms=["sexual"], with_complaint=True)
    CaseFactory(forms=["labour"], with_complaint=True)  # no modus operandi: not in the table
    modus_operandi_record(
        actor=police, case=a, location="netherlands", recruitment_channel="gaming"
    )
    modus_operandi_record(
        actor=police, case=a, location="netherlands", recruitment_channel="social_media"
    )
    modus_operandi_record(actor=police, case=b, location="abroad")
    rows = recruitment_rows(Case.objects.all())
    assert sorted(rows.iter_rows()) == [
        (a.pk, "criminal", "social_media"),
        (a.pk, "sexual", "social_media"),
        (b.pk, "sexual", None),
    ]
    table = perpetrators.recruitment_table(
        rows, channels=["social_media", "gaming"], forms=["sexual", "criminal"], policy=EXACT
    )
    assert table.value("social_media", "sexual") == 1
    assert table.value("social_media", "criminal") == 1
    assert table.value("gaming", "sexual") == 0
    assert table.value("unknown", "sexual") == 1


def test_recruitment_table_publishes_no_cell_below_the_minimum():
    data = [(i, "sexual", "social_media") for i in range(40)]
    data += [(100 + i, "sexual", "sex_ad_site") for i in range(3)]
    data += [(200 + i, "criminal", "sex_ad_site") for i in range(20)]
    data += [(300 + i, "criminal", "social_media") for i in range(15)]
    rows = pl.DataFrame(
        data, schema={"case": pl.Int64, "form": pl.Utf8, "channel": pl.Utf8}, orient="row"
    )
    table = perpetrators.recruitment_table(
        rows,
        channels=["social_media", "sex_ad_site"],
        forms=["sexual", "criminal"],
        policy=DisclosurePolicy(min_cell=10),
    )
    published = [v for row in table.values for v in row if v is not None]
    published += [v for v in (*table.row_totals, *table.col_totals) if v is not None]
    assert all(v == 0 or v >= 10 for v in published)
    assert table.value("sex_ad_site", "sexual") is None
    assert table.n_suppressed >= 2  # the 3 and a complement
