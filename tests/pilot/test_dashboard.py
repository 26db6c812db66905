"""The researchers' pilot dashboard and deployment management, against a hand-built fixture.

The fixture replaces the seeded deployments by four known ones and builds a handful of cases
(CaseFactory, events through the real services) with deliveries and measures recorded through
pilot.services. Every expected number below is counted by hand from that fixture, not by the code
under test.

Deployments (all made through services.deployment_save):
  D1 psychologist, phase 2, Amsterdam + Limburg, 2023-01-01 .. 2024-06-30
  D2 peer expert,  phase 2, Limburg,             2023-07-01 .. open
  D3 psychologist, phase 1, Amsterdam,           2021-06-01 .. 2022-12-31
  D4 shorter lead times, phase 2, no unit,       2023-01-01 .. 2024-12-31
Phase targets: phase 1: 4 victims, phase 2: 8 victims.

Cases (index date = first police contact, else intake):
  A Amsterdam, intake 2023-03-01                        -> D1
  B Amsterdam, intake 2022-12-20, first contact 2023-01-01 -> D1 (not D3: the index date counts)
  C Amsterdam, intake 2022-06-01                        -> D3
  D Limburg,   intake 2023-08-01                        -> D1 and D2
  E Limburg,   intake 2024-07-01 (day after D1 ends)    -> D2 only
  F Rotterdam, intake 2023-05-01                        -> nothing
  G Amsterdam, intake 2024-01-10, NO research consent   -> invisible to researchers
  H Amsterdam, intake 2023-04-01                        -> D1
  K Limburg,   intake 2023-06-30 (day before D2 starts) -> D1 only
  L Amsterdam, intake 2024-06-30 (last day of D1)       -> D1

Deliveries: A psychologist 2023-03-10 (2 of 3 items); B psychologist 2023-01-10 (3 of 3);
C psychologist 2022-06-15 (0 of 3); D psychologist 2023-08-15 (1 of 3) and peer expert 2023-08-02
(2 of 2); F psychologist 2023-05-10 (3 of 3, no deployment in Rotterdam); H psychologist NOT
delivered 2023-04-05; G psychologist 2024-01-15 (invisible).
Measures: A intake + after the complaint; D intake; E closure; F intake (F is eligible nowhere);
G intake (invisible).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.templatetags.static import static
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.services import consent_record
from inbeeld.pilot import dashboard, services
from inbeeld.pilot.models import Deployment, Instrument, Intervention, Measure, Phase
from tests.factories import CaseFactory, make_user, record_events, unit

pytestmark = pytest.mark.django_db

D = dt.date
PSY = "psychologist"
PEER = "peer_expert"
LEAD = "shorter_lead_times"
P1, P2 = "phase-1", "phase-2"
PSY_ITEMS = [
    "interview_advice_before_complaint",
    "interview_plan_codrafted",
    "present_or_available",
]
PEER_ITEMS = ["present_from_first_contact", "regular_contact"]


def _intervention(code: str) -> Intervention:
    return Intervention.objects.get(code=code)


def _deploy(actor, intervention, phase, units, start, end, *, assumed=False) -> Deployment:
    deployment = Deployment(
        intervention=_intervention(intervention), phase=Phase.objects.get(code=phase)
    )
    return services.deployment_save(
        actor=actor,
        deployment=deployment,
        police_units=[unit(code) for code in units],
        start=start,
        end=end,
        partners="Testpartner",
        regions_assumed=assumed,
    )


class World:
    """The hand-built fixture; attributes are the cases A..L and the actors."""


def _officer(world: World, unit_code: str):
    if unit_code not in world.officers:
        world.officers[unit_code] = make_user(Role.POLICE_OFFICER, unit_code=unit_code)
    return world.officers[unit_code]


def _deliver(world, case, code, day, met=(), *, delivered=True, reason=""):
    items = PSY_ITEMS if code == PSY else PEER_ITEMS
    return services.delivery_record(
        actor=_officer(world, case.police_unit.code),
        case=case,
        intervention=_intervention(code),
        date=day,
        delivered=delivered,
        fidelity={item: item in met for item in items} if delivered else None,
        reason_not_delivered=reason,
    )


def _measure(world, case, moment, day, answers):
    return services.measure_record(
        actor=_officer(world, case.police_unit.code),
        case=case,
        instrument=Instrument.objects.get(code="slachtofferervaring", version=1),
        moment=moment,
        date=day,
        answers=answers,
    )


@pytest.fixture
def world(researcher) -> World:
    w = World()
    w.researcher = researcher
    w.officers = {}
    Deployment.objects.all().delete()  # the seeded pilot: replaced by known deployments
    Phase.objects.filter(code=P1).update(target_victims=4)
    Phase.objects.filter(code=P2).update(target_victims=8)
    w.d1 = _deploy(researcher, PSY, P2, ["amsterdam", "limburg"], D(2023, 1, 1), D(2024, 6, 30))
    w.d2 = _deploy(researcher, PEER, P2, ["limburg"], D(2023, 7, 1), None)
    w.d3 = _deploy(researcher, PSY, P1, ["amsterdam"], D(2021, 6, 1), D(2022, 12, 31), assumed=True)
    w.d4 = _deploy(researcher, LEAD, P2, [], D(2023, 1, 1), D(2024, 12, 31))

    def case(unit_code, intake, **kwargs):
        return CaseFactory(police_unit=unit(unit_code), intake_date=intake, **kwargs)

    w.A = case("amsterdam", D(2023, 3, 1))
    w.B = case("amsterdam", D(2022, 12, 20))
    record_events(w.B, [("first_police_contact", "")], start=D(2023, 1, 1))
    w.C = case("amsterdam", D(2022, 6, 1))
    w.D = case("limburg", D(2023, 8, 1))
    w.E = case("limburg", D(2024, 7, 1))
    w.F = case("rotterdam", D(2023, 5, 1))
    w.G = case("amsterdam", D(2024, 1, 10), without_consent=True)
    w.H = case("amsterdam", D(2023, 4, 1))
    w.K = case("limburg", D(2023, 6, 30))
    w.L = case("amsterdam", D(2024, 6, 30))

    _deliver(w, w.A, PSY, D(2023, 3, 10), met=PSY_ITEMS[:2])
    _deliver(w, w.B, PSY, D(2023, 1, 10), met=PSY_ITEMS)
    _deliver(w, w.C, PSY, D(2022, 6, 15), met=())
    _deliver(w, w.D, PSY, D(2023, 8, 15), met=PSY_ITEMS[:1])
    _deliver(w, w.D, PEER, D(2023, 8, 2), met=PEER_ITEMS)
    _deliver(w, w.F, PSY, D(2023, 5, 10), met=PSY_ITEMS)
    _deliver(w, w.H, PSY, D(2023, 4, 5), delivered=False, reason="Geen psycholoog beschikbaar")
    _deliver(w, w.G, PSY, D(2024, 1, 15), met=PSY_ITEMS)

    _measure(w, w.A, "intake", D(2023, 3, 2), {"feels_safe": 3})
    _measure(w, w.A, "after_complaint", D(2023, 4, 2), {"feels_safe": None, "trust_police": 4})
    _measure(w, w.D, "intake", D(2023, 8, 2), {"feels_safe": 2, "trust_police": 3})
    _measure(w, w.E, "closure", D(2024, 8, 1), {"feels_heard": 5})
    _measure(w, w.F, "intake", D(2023, 5, 2), {"feels_safe": 4})
    _measure(w, w.G, "intake", D(2024, 1, 11), {"feels_safe": 1})
    return w


# --- helpers to read the dashboard ----------------------------------------------------------


def _rows(dash) -> dict:
    """{(phase, intervention, unit code or None): UnitRow} of every row on the dashboard."""
    rows = {}
    for summary in dash.phases:
        for block in summary.blocks:
            for row in block.rows:
                key = (
                    summary.phase.code,
                    block.intervention.code,
                    row.unit.code if row.unit else None,
                )
                rows[key] = row
    return rows


def _phase(dash, code):
    return next(s for s in dash.phases if s.phase.code == code)


def _block(dash, phase, intervention):
    return next(b for b in _phase(dash, phase).blocks if b.intervention.code == intervention)


def _moments(counts) -> dict:
    return {
        code: n for (code, _), n in zip(dashboard.MOMENTS, counts.moment_counts, strict=True) if n
    }


# The expected rows, counted by hand from the module docstring:
# (eligible, cases reached, not delivered, mean fidelity, measured, {moment: cases}, deployed)
EXPECTED = {
    (P1, PSY, "amsterdam"): (1, 1, 0, 0.0, 0, {}, True),  # C
    (P2, PSY, "amsterdam"): (
        4,
        2,
        1,
        (2 / 3 + 1) / 2,
        1,
        {"intake": 1, "after_complaint": 1},
        True,
    ),
    (P2, PSY, "limburg"): (2, 1, 0, 1 / 3, 1, {"intake": 1}, True),  # D, K; D reached
    (P2, PSY, "rotterdam"): (0, 1, 0, 1.0, 0, {}, False),  # F: delivered without deployment
    (P2, PEER, "limburg"): (2, 1, 0, 1.0, 2, {"intake": 1, "closure": 1}, True),  # D, E
    (P2, LEAD, None): (0, 0, 0, None, 0, {}, True),  # deployed in no unit yet
}


def _actual(row):
    c = row.counts
    return (
        c.eligible_count,
        c.delivered_count,
        c.not_delivered,
        c.fidelity_mean,
        c.measured_count,
        _moments(c),
        row.deployed,
    )


def _assert_rows(dash, expected):
    rows = _rows(dash)
    assert set(rows) == set(expected)
    for key, want in expected.items():
        got = _actual(rows[key])
        assert got[:3] == want[:3], key
        assert (got[3] is None) == (want[3] is None), key
        if want[3] is not None:
            assert got[3] == pytest.approx(want[3]), key
        assert got[4:] == want[4:], key


# --- the numbers ----------------------------------------------------------------------------


def test_counts_per_phase_intervention_and_unit(world):
    dash = dashboard.pilot_dashboard(world.researcher)
    assert dash.visible_cases == 9  # A B C D E F H K L (G has no research consent)
    _assert_rows(dash, EXPECTED)
    assert _rows(dash)[(P1, PSY, "amsterdam")].regions_assumed is True
    assert _rows(dash)[(P2, PSY, "amsterdam")].regions_assumed is False
    assert _rows(dash)[(P2, LEAD, None)].unit is None


def test_eligibility_agrees_with_the_one_definition_case_by_case(world):
    """The dashboard decides eligibility for all cases in one query; it must agree with
    eligibility.eligible_interventions for every single case."""
    from inbeeld.cases.selectors import cases_visible_to
    from inbeeld.pilot.eligibility import eligible_interventions

    rows = _rows(dashboard.pilot_dashboard(world.researcher))
    for case in cases_visible_to(world.researcher).select_related("police_unit"):
        on_dashboard = {key[1] for key, row in rows.items() if case.pk in row.counts.eligible}
        assert on_dashboard == {i.code for i in eligible_interventions(case)}, case


def test_intervention_totals_and_fidelity_items(world):
    dash = dashboard.pilot_dashboard(world.researcher)
    psy = _block(dash, P2, PSY)
    # A B H L (Amsterdam) + D K (Limburg); reached A B D F; fidelity A 2/3, B 1, D 1/3, F 1.
    assert psy.total.eligible_count == 6
    assert psy.total.delivered_count == 4
    assert psy.total.not_delivered == 1
    assert psy.total.fidelity_mean == pytest.approx((2 / 3 + 1 + 1 / 3 + 1) / 4)
    items = {item.label: (item.met, item.total) for item in psy.items}
    assert items == {
        "Verhooradvies gegeven vóór het aangifteverhoor": (4, 4),  # A B D F
        "Verhoorplan samen met de AVIM opgesteld": (3, 4),  # A B F
        "Beschikbaar tijdens informatief gesprek of aangifte": (2, 4),  # B F
    }
    assert [b.intervention.code for b in _phase(dash, P1).blocks] == [PSY]
    assert [b.intervention.code for b in _phase(dash, P2).blocks] == [PSY, PEER, LEAD]


def test_phase_totals_and_progress_to_target(world):
    dash = dashboard.pilot_dashboard(world.researcher)
    p1, p2 = _phase(dash, P1), _phase(dash, P2)
    assert (p1.total.eligible_count, p1.reached, p1.target, p1.percent) == (1, 1, 4, 25.0)
    assert p1.still_needed == 3
    # Phase 2: eligible A B H L D K E; reached A B D F (H was not delivered; G is invisible).
    assert p2.total.eligible_count == 7
    assert (p2.reached, p2.target, p2.percent, p2.still_needed) == (4, 8, 50.0, 4)
    assert p2.total.not_delivered == 1
    # Every delivered delivery of the phase: A 2/3, B 1, D 1/3, D(peer) 1, F 1.
    assert p2.total.fidelity_mean == pytest.approx(4 / 5)
    assert p2.total.measured_count == 3  # A, D, E
    assert _moments(p2.total) == {"intake": 2, "after_complaint": 1, "closure": 1}
    assert "aria-labelledby" in p2.progress_svg


def test_a_questionnaire_without_any_answer_is_not_a_completed_measure(world):
    # The service refuses an empty questionnaire; an empty row (e.g. from an import) still must
    # not count as completed.
    Measure.objects.create(
        case=world.B,
        instrument=Instrument.objects.get(code="slachtofferervaring", version=1),
        moment="closure",
        date=D(2024, 1, 1),
        answers={"feels_safe": None, "trust_police": None},
        recorded_at=world.A.created_at,
    )
    row = _rows(dashboard.pilot_dashboard(world.researcher))[(P2, PSY, "amsterdam")]
    assert row.counts.measured_count == 1  # still only A
    assert _moments(row.counts) == {"intake": 1, "after_complaint": 1}


def test_consent_withdrawal_removes_a_case_from_every_count_at_once(world):
    consent_record(
        actor=_officer(world, "amsterdam"), case=world.A, kind="withdrawn", date=D(2024, 9, 1)
    )
    dash = dashboard.pilot_dashboard(world.researcher)
    assert dash.visible_cases == 8
    expected = dict(EXPECTED)
    # Without A: eligible B H L; reached B (fidelity 1); H not delivered; no measures left.
    expected[(P2, PSY, "amsterdam")] = (3, 1, 1, 1.0, 0, {}, True)
    _assert_rows(dash, expected)
    p2 = _phase(dash, P2)
    assert (p2.total.eligible_count, p2.reached, p2.percent) == (6, 3, 37.5)
    assert p2.total.measured_count == 2  # D, E
    assert _moments(p2.total) == {"intake": 1, "closure": 1}
    items = {item.label: (item.met, item.total) for item in _block(dash, P2, PSY).items}
    assert items["Verhoorplan samen met de AVIM opgesteld"] == (2, 3)  # B F (of B D F)


def test_non_researchers_cannot_read_the_numbers(world, police_officer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        dashboard.pilot_dashboard(police_officer)


# --- the page -------------------------------------------------------------------------------


def test_dashboard_page_shows_the_numbers_without_inline_style_or_script(world, login):
    response = login(world.researcher).get(reverse("pilot:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Proeftuin" in html
    assert "<strong>4</strong> van 8 slachtoffers bereikt (50 %)" in html
    assert "<strong>1</strong> van 4 slachtoffers bereikt (25 %)" in html
    assert "aangenomen" in html  # D3's regions, in the tables and in the timeline
    assert "zonder inzet" in html  # F's delivery in Rotterdam
    assert html.count("<svg") >= 4  # progress bars, reach bars, the timeline, swatches
    assert "style=" not in html
    # The only script is the project's own static file (print.js), never inline script.
    assert re.findall(r"<script[^>]*>", html) == [
        f'<script src="{static("inbeeld/print.js")}" defer>'
    ]
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    assert "style-src 'self'" in response["Content-Security-Policy"]
    assert reverse("pilot:deployment_list") in html  # researchers manage deployments
    assert f'href="{reverse("pilot:dashboard")}"' in html  # the nav item


def test_dashboard_page_without_any_case_or_delivery(researcher, login):
    """The seeded pilot with no cases at all (like the demo before deliveries exist)."""
    response = login(researcher).get(reverse("pilot:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "nog geen uitvoering vastgelegd" in html
    assert "<strong>0</strong> van 60 slachtoffers bereikt (0 %)" in html
    assert "aangenomen" in html  # phase 1's regions are assumed in the seed
    assert "style=" not in html


def test_nav_item_only_for_who_may_read_the_pilot(login, police_officer):
    html = login(police_officer).get(reverse("home")).content.decode()
    assert reverse("pilot:dashboard") not in html


def test_dashboard_query_count_does_not_grow_with_the_number_of_cases(world, login):
    def count(fn):
        with CaptureQueriesContext(connection) as ctx:
            fn()
        return len(ctx.captured_queries)

    client = login(world.researcher)
    url = reverse("pilot:dashboard")
    client.get(url)  # warm up (session, content types, the stored dashboard)
    few_selector = count(lambda: dashboard.pilot_dashboard(world.researcher))
    few_page = count(lambda: client.get(url))

    for i in range(12):
        unit_code = ("amsterdam", "limburg", "rotterdam")[i % 3]
        case = CaseFactory(police_unit=unit(unit_code), intake_date=D(2023, 9, 1 + i))
        _deliver(world, case, PSY, D(2023, 10, 1 + i), met=PSY_ITEMS[: i % 4])
        if unit_code == "limburg":
            _deliver(world, case, PEER, D(2023, 10, 2 + i), met=PEER_ITEMS[:1])
        _measure(world, case, "intake", D(2023, 9, 2 + i), {"feels_safe": 1 + i % 5})
    assert dashboard.pilot_dashboard(world.researcher).visible_cases == 21

    many_selector = count(lambda: dashboard.pilot_dashboard(world.researcher))
    client.get(url)  # the stored dashboard is stale: this view computes it (test settings)
    many_page = count(lambda: client.get(url))
    assert many_selector == few_selector
    assert many_page == few_page
    assert few_selector <= 12


def test_dashboard_query_bound(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        dashboard.pilot_dashboard(world.researcher)


# --- who may reach the pages ----------------------------------------------------------------

OTHER_ROLES = [role for role in Role.values if role != Role.RESEARCHER]


def _pilot_urls(deployment_pk: int) -> list[str]:
    return [
        reverse("pilot:dashboard"),
        reverse("pilot:deployment_list"),
        reverse("pilot:deployment_create"),
        reverse("pilot:deployment_edit", args=[deployment_pk]),
    ]


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_non_researchers_get_403_on_dashboard_and_management(role, login):
    user = make_user(role)
    deployment = Deployment.objects.first()
    client = login(user)
    for url in _pilot_urls(deployment.pk):
        assert client.get(url).status_code == 403, url
        response = client.post(url, {"start": "2023-01-01", "partners": "x"})
        assert response.status_code in (403, 405), url
        assert "Geen toegang" in response.content.decode() or response.status_code == 405
    assert Deployment.objects.get(pk=deployment.pk).partners == deployment.partners


def test_anonymous_visitors_go_to_login(client):
    deployment = Deployment.objects.first()
    for url in _pilot_urls(deployment.pk):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/account/inloggen/")


def test_researcher_reaches_every_pilot_page(researcher, login):
    client = login(researcher)
    for url in _pilot_urls(Deployment.objects.first().pk):
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("pilot:deployment_edit", args=[999999])).status_code == 404


# --- deployment management ------------------------------------------------------------------


def _form_data(deployment: Deployment, **changes) -> dict:
    data = {
        "police_units": [u.pk for u in deployment.police_units.all()],
        "start": deployment.start.isoformat(),
        "end": deployment.end.isoformat() if deployment.end else "",
        "partners": deployment.partners,
        "note": deployment.note,
        "version": deployment.version,  # the version the page was read at (optimistic locking)
    }
    if deployment.regions_assumed:
        data["regions_assumed"] = "on"
    data.update(changes)
    return data


def test_deployment_list_links_to_edit_and_new(world, login):
    html = login(world.researcher).get(reverse("pilot:deployment_list")).content.decode()
    assert "Nieuwe inzet" in html
    assert reverse("pilot:deployment_create") in html
    for deployment in (world.d1, world.d2, world.d3, world.d4):
        assert reverse("pilot:deployment_edit", args=[deployment.pk]) in html


def test_deployment_edit_is_audited_with_old_and_new(world, login):
    client = login(world.researcher)
    url = reverse("pilot:deployment_edit", args=[world.d1.pk])
    data = _form_data(
        world.d1,
        end="2024-12-31",
        police_units=[unit("amsterdam").pk, unit("limburg").pk, unit("rotterdam").pk],
        partners="Politie, recherchepsycholoog",
        # A posted intervention or phase is ignored: they are fixed for an existing deployment.
        intervention=_intervention(PEER).pk,
    )
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("pilot:deployment_list")
    world.d1.refresh_from_db()
    assert world.d1.end == D(2024, 12, 31)
    assert world.d1.intervention.code == PSY
    event = AuditEvent.objects.filter(action=AuditAction.DEPLOYMENT_CHANGED).latest("pk")
    assert event.actor == world.researcher
    assert event.subject_ref == str(world.d1.pk)
    assert event.extra["old"] == {
        "intervention": PSY,
        "phase": P2,
        "units": ["amsterdam", "limburg"],
        "start": "2023-01-01",
        "end": "2024-06-30",
        "partners": "Testpartner",
        "regions_assumed": False,
    }
    assert event.extra["new"]["end"] == "2024-12-31"
    assert event.extra["new"]["units"] == ["amsterdam", "limburg", "rotterdam"]
    assert event.extra["new"]["partners"] == "Politie, recherchepsycholoog"
    # The dashboard follows at once: F (Rotterdam, 2023-05-01) is now eligible.
    row = _rows(dashboard.pilot_dashboard(world.researcher))[(P2, PSY, "rotterdam")]
    assert (row.counts.eligible_count, row.deployed) == (1, True)


def test_deployment_create_through_the_form(world, login):
    before = Deployment.objects.count()
    response = login(world.researcher).post(
        reverse("pilot:deployment_create"),
        {
            "intervention": _intervention("examining_judge").pk,
            "phase": Phase.objects.get(code=P2).pk,
            "police_units": [unit("den-haag").pk],
            "start": "2023-02-01",
            "end": "",
            "partners": "OM, rechtspraak",
            "regions_assumed": "on",
            "note": "Proef",
        },
    )
    assert response.status_code == 302
    assert Deployment.objects.count() == before + 1
    created = Deployment.objects.latest("pk")
    assert (created.intervention.code, created.phase.code, created.end) == (
        "examining_judge",
        P2,
        None,
    )
    assert created.regions_assumed is True
    assert list(created.police_units.values_list("code", flat=True)) == ["den-haag"]
    event = AuditEvent.objects.filter(action=AuditAction.DEPLOYMENT_CHANGED).latest("pk")
    assert event.extra["old"] == {}
    assert event.extra["new"]["units"] == ["den-haag"]


def test_service_refuses_an_end_before_the_start(world):
    with pytest.raises(ValidationError) as exc:
        services.deployment_save(
            actor=world.researcher,
            deployment=Deployment.objects.get(pk=world.d2.pk),
            police_units=[unit("limburg")],
            start=D(2023, 7, 1),
            end=D(2023, 6, 30),
            partners="",
            regions_assumed=False,
        )
    assert exc.value.message_dict == {"end": ["Het einde ligt vóór het begin."]}


def test_bad_input_shows_dutch_errors_and_stores_nothing(world, login):
    client = login(world.researcher)
    audits = AuditEvent.objects.filter(action=AuditAction.DEPLOYMENT_CHANGED).count()
    url = reverse("pilot:deployment_edit", args=[world.d1.pk])

    response = client.post(url, _form_data(world.d1, end="2022-12-31"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Het einde ligt vóór het begin." in html
    assert "De inzet is niet opgeslagen." in html

    response = client.post(url, _form_data(world.d1, start="", end="2024-13-01"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Vul de begindatum in." in html
    assert "Voer een geldige datum in." in html  # Django's own Dutch

    before = Deployment.objects.count()
    response = client.post(reverse("pilot:deployment_create"), {"start": "2023-01-01"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kies een interventie." in html and "Kies een fase." in html
    response = client.post(
        reverse("pilot:deployment_create"),
        {
            "intervention": _intervention(PSY).pk,
            "phase": Phase.objects.get(code=P2).pk,
            "start": "2024-01-01",
            "end": "2023-01-01",
        },
    )
    assert "Het einde ligt vóór het begin." in response.content.decode()

    assert Deployment.objects.count() == before
    world.d1.refresh_from_db()
    assert (world.d1.start, world.d1.end) == (D(2023, 1, 1), D(2024, 6, 30))
    assert AuditEvent.objects.filter(action=AuditAction.DEPLOYMENT_CHANGED).count() == audits
