"""The pilot on the case page and its two forms, through the test client: the Proeftuin section
(index date, intention-to-treat interventions, deliveries, measures, who sees names), recording a
delivery and a measure, Dutch errors with nothing stored, and scope (404, audited)."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.pilot.models import Delivery, Instrument, Intervention, Measure, Moment
from inbeeld.pilot.services import delivery_record, measure_record
from tests.factories import CaseFactory, assign, court, make_user, record_events, unit

pytestmark = pytest.mark.django_db

INTAKE, FIRST_CONTACT = dt.date(2023, 3, 1), dt.date(2023, 3, 2)
ITEMS = ["interview_advice_before_complaint", "interview_plan_codrafted", "present_or_available"]


@pytest.fixture
def case():
    """Amsterdam, first police contact inside the phase-2 psychologist deployment."""
    case = CaseFactory(intake_date=INTAKE, court=court("amsterdam"))
    record_events(case, [("first_police_contact", "")], start=FIRST_CONTACT)
    return case


def _html(response) -> str:
    return htmllib.unescape(response.content.decode())


def _section(response) -> str:
    page = _html(response)
    start = page.index('data-testid="pilot-section"')
    return page[start : page.index("</section>", start)]


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))


def detail(client, case):
    return client.get(reverse("cases:detail", args=[case.code]))


def delivery_url(case):
    return reverse("pilot_case:delivery_create", args=[case.code])


def measure_url(case):
    return reverse("pilot_case:measure_create", args=[case.code])


def _deliver(actor, case, checked=("interview_advice_before_complaint", "present_or_available")):
    return delivery_record(
        actor=actor,
        case=case,
        intervention=Intervention.objects.get(code="psychologist"),
        date=dt.date(2023, 3, 9),
        delivered=True,
        fidelity={code: code in checked for code in ITEMS},
    )


# --- the section on the case page ------------------------------------------------------------


def test_the_case_page_shows_the_index_date_and_the_eligible_interventions(
    login, police_officer, case
):
    response = detail(login(police_officer), case)
    assert response.status_code == 200
    section = _text(_section(response))
    assert "Proeftuin" in section
    assert "2 maart 2023 (eerste politiecontact)" in section
    assert "Actief op de indexdatum Recherchepsycholoog" in section
    assert "Nog geen uitvoering vastgelegd." in section
    assert "Nog geen metingen vastgelegd." in section
    assert "Uitvoering vastleggen" in section and "Meting vastleggen" in section


def test_without_police_contact_the_intake_date_is_the_index_date(login, police_officer):
    case = CaseFactory(intake_date=dt.date(2020, 5, 1))
    section = _text(_section(detail(login(police_officer), case)))
    assert "1 mei 2020 (datum instroom; nog geen politiecontact)" in section
    assert "Actief op de indexdatum geen interventie" in section


def test_an_assumed_phase_1_region_is_marked_on_the_case_page(login):
    case = CaseFactory(police_unit=unit("noord-holland"), intake_date=dt.date(2022, 6, 1))
    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="noord-holland")
    section = _text(_section(detail(login(coordinator), case)))
    assert "Veiligheidscoördinator (zorgcoördinator-plus) regio aangenomen" in section


def test_a_delivery_on_the_case_page_with_its_checklist_and_who_recorded_it(
    login, police_officer, case
):
    _deliver(police_officer, case)
    section = _text(_section(detail(login(police_officer), case)))
    assert "Recherchepsycholoog 9 maart 2023 ja 2 van 3 punten" in section
    assert "voldaan: Verhooradvies gegeven vóór het aangifteverhoor" in section
    assert "niet voldaan: Verhoorplan samen met de AVIM opgesteld" in section
    assert "voldaan: Beschikbaar tijdens informatief gesprek of aangifte" in section
    assert "Pieter Politie" in section
    assert police_officer.memberships.get().organisation.name in section


def test_a_delivery_that_did_not_happen_shows_its_reason_to_professionals(
    login, police_officer, case
):
    delivery_record(
        actor=police_officer,
        case=case,
        intervention=Intervention.objects.get(code="peer_expert"),
        date=dt.date(2023, 3, 3),
        delivered=False,
        reason_not_delivered="Geen ervaringsdeskundige beschikbaar",
    )
    section = _text(_section(detail(login(police_officer), case)))
    assert "Ervaringsdeskundige 3 maart 2023 nee Reden: Geen ervaringsdeskundige beschikbaar" in (
        section
    )
    assert "punten" not in section


def test_measures_on_the_case_page_count_the_answered_items(login, police_officer, case):
    measure_record(
        actor=police_officer,
        case=case,
        instrument=Instrument.objects.get(code="slachtofferervaring", version=1),
        moment=Moment.AFTER_INTERVIEW,
        date=dt.date(2023, 3, 10),
        answers={"feels_safe": 4, "trust_police": 2, "trust_process": 3, "feels_heard": 5},
    )
    section = _text(_section(detail(login(police_officer), case)))
    assert "na het informatief gesprek 10 maart 2023 Ervaring van het slachtoffer (v1)" in section
    assert "4 van 5 vragen beantwoord" in section
    assert "Ik voel me veilig. 4 van 5" in section
    assert "Ik ben bereid aangifte te doen of mee te werken. geen antwoord" in section


def test_the_researcher_sees_deliveries_and_scores_but_no_names_no_reasons_no_links(
    login, police_officer, researcher, case
):
    _deliver(police_officer, case)
    delivery_record(
        actor=police_officer,
        case=case,
        intervention=Intervention.objects.get(code="peer_expert"),
        date=dt.date(2023, 3, 3),
        delivered=False,
        reason_not_delivered="Slachtoffer wilde niet in Kerkstraat afspreken",
    )
    measure_record(
        actor=police_officer,
        case=case,
        instrument=Instrument.objects.get(code="slachtofferervaring", version=1),
        moment=Moment.INTAKE,
        date=dt.date(2023, 3, 2),
        answers={"feels_safe": 2},
    )
    response = detail(login(researcher), case)
    assert response.status_code == 200
    page = _html(response)
    section = _text(_section(response))
    assert "2 van 3 punten" in section
    assert "1 van 5 vragen beantwoord" in section and "Ik voel me veilig. 2 van 5" in section
    assert "Pieter" not in page and police_officer.username not in page
    assert police_officer.memberships.get().organisation.name not in page
    assert "Vastgelegd door" not in section
    assert "Kerkstraat" not in page  # the reason is free text
    assert "reden alleen zichtbaar voor de beroepsgroep die haar vastlegde" in section
    assert "Uitvoering vastleggen" not in page and "Meting vastleggen" not in page


@pytest.mark.parametrize(
    ("role", "may_deliver", "may_measure"),
    [
        (Role.SAFETY_COORDINATOR, True, True),
        (Role.POLICE_OFFICER, True, True),
        (Role.PSYCHOLOGIST, True, True),
        (Role.PROSECUTOR, True, False),
        (Role.EXAMINING_JUDGE, True, False),
        (Role.PEER_EXPERT, True, True),
        (Role.RESEARCHER, False, False),
    ],
)
def test_the_links_follow_the_policy(login, case, role, may_deliver, may_measure):
    user = make_user(role)
    if role in (Role.PSYCHOLOGIST, Role.PEER_EXPERT):
        assign(case, user, role)
    section = _section(detail(login(user), case))
    assert (delivery_url(case) in section) is may_deliver
    assert (measure_url(case) in section) is may_measure


# --- the delivery form -----------------------------------------------------------------------


def test_the_delivery_form_offers_the_users_interventions_eligible_first(
    login, police_officer, case
):
    response = login(police_officer).get(delivery_url(case))
    assert response.status_code == 200
    page = _html(response)
    select = page[page.index('name="intervention"') : page.index("</select>")]
    assert re.findall(r'value="(\w+)"', select) == ["psychologist", "peer_expert"]
    assert '<optgroup label="Actief voor deze casus op de indexdatum">' in select
    assert '<optgroup label="Andere interventies">' in select
    # A fieldset per deliverable intervention, with its checklist; none for the others.
    assert "<legend" in page and "Controlepunten Recherchepsycholoog" in page
    assert "Controlepunten Ervaringsdeskundige" in page
    assert "Gespecialiseerde rechter-commissaris" not in page
    for code in ITEMS:
        assert f'name="fidelity_psychologist" value="{code}"' in page
    assert 'name="fidelity_peer_expert" value="present_from_first_contact"' in page
    assert page.count("<fieldset") == 3  # delivered yes/no + two checklists


def test_recording_a_delivery_through_the_page(login, police_officer, case):
    client = login(police_officer)
    response = client.post(
        delivery_url(case),
        {
            "intervention": "psychologist",
            "date": "2023-03-09",
            "delivered": "ja",
            "fidelity_psychologist": ["interview_advice_before_complaint", "present_or_available"],
            # Checked under another intervention: does not count for the psychologist.
            "fidelity_peer_expert": ["present_from_first_contact"],
            "reason_not_delivered": "",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("cases:detail", args=[case.code]) + "#proeftuin"
    delivery = Delivery.objects.get(case=case)
    assert delivery.intervention.code == "psychologist"
    assert delivery.date == dt.date(2023, 3, 9)
    assert delivery.fidelity == {
        "interview_advice_before_complaint": True,
        "interview_plan_codrafted": False,
        "present_or_available": True,
    }
    assert delivery.recorded_by == police_officer
    assert AuditEvent.objects.filter(
        action=AuditAction.DELIVERY_RECORDED, case_code=case.code, actor=police_officer
    ).exists()
    follow = _html(client.get(response.url))
    assert "De uitvoering van 'Recherchepsycholoog' is vastgelegd." in follow
    assert "2 van 3 punten" in follow


def test_an_intervention_outside_the_eligible_ones_may_be_recorded(login, police_officer, case):
    response = login(police_officer).post(
        delivery_url(case),
        {
            "intervention": "peer_expert",
            "date": "2023-03-02",
            "delivered": "ja",
            "fidelity_peer_expert": ["present_from_first_contact", "regular_contact"],
        },
    )
    assert response.status_code == 302
    assert Delivery.objects.get(case=case).fidelity_share == 1


def _valid_delivery(**overrides):
    data = {"intervention": "psychologist", "date": "2023-03-09", "delivered": "ja"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"delivered": "nee"}, "Geef aan waarom de interventie niet is uitgevoerd."),
        (
            {"reason_not_delivered": "Toch een reden"},
            "Een reden hoort alleen bij een interventie die niet is uitgevoerd.",
        ),
        ({"intervention": None}, "Kies een interventie."),
        ({"intervention": "examining_judge"}, "Deze interventie kunt u hier niet vastleggen."),
        ({"intervention": "bogus"}, "Deze interventie kunt u hier niet vastleggen."),
        ({"delivered": None}, "Geef aan of de interventie is uitgevoerd."),
        ({"date": "2023-02-30"}, "Vul een geldige datum in (jjjj-mm-dd)."),
        ({"date": ""}, "Vul een datum in."),
        (
            {"date": (timezone.localdate() + dt.timedelta(days=3)).isoformat()},
            "Een datum in de toekomst is niet mogelijk.",
        ),
        ({"fidelity_psychologist": ["made_up_item"]}, "Onbekend controlepunt: made_up_item."),
        ({"reason_not_delivered": "x" * 301}, "Gebruik ten hoogste 300 tekens."),
    ],
)
def test_bad_delivery_input_gets_a_dutch_message_and_nothing_is_stored(
    login, police_officer, case, overrides, message
):
    response = login(police_officer).post(delivery_url(case), _valid_delivery(**overrides))
    assert response.status_code == 200
    page = _html(response)
    assert message in page
    assert 'class="error-summary" role="alert"' in page
    assert not Delivery.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.DELIVERY_RECORDED).exists()


def test_an_empty_post_re_renders_the_form(login, police_officer, case):
    response = login(police_officer).post(delivery_url(case), {})
    assert response.status_code == 200
    assert "Kies een interventie." in _html(response)
    assert not Delivery.objects.exists()


def test_not_delivered_with_a_reason_through_the_page(login, police_officer, case):
    response = login(police_officer).post(
        delivery_url(case),
        _valid_delivery(
            delivered="nee",
            reason_not_delivered="Psycholoog niet beschikbaar",
            fidelity_psychologist=["interview_plan_codrafted"],
        ),
    )
    assert response.status_code == 302
    delivery = Delivery.objects.get()
    assert not delivery.delivered and delivery.fidelity == {}
    assert delivery.reason_not_delivered == "Psycholoog niet beschikbaar"


def test_a_prosecutor_records_the_judge_and_lead_times_not_the_psychologist(login, case):
    prosecutor = make_user(Role.PROSECUTOR)
    client = login(prosecutor)
    page = _html(client.get(delivery_url(case)))
    select = page[page.index('name="intervention"') : page.index("</select>")]
    assert re.findall(r'value="(\w+)"', select) == ["examining_judge", "shorter_lead_times"]
    response = client.post(delivery_url(case), _valid_delivery())  # psychologist
    assert "Deze interventie kunt u hier niet vastleggen." in _html(response)
    assert not Delivery.objects.exists()


def test_a_case_outside_the_scope_is_404_and_audited(login, case):
    limburg = make_user(Role.POLICE_OFFICER, unit_code="limburg")
    client = login(limburg)
    for url in (delivery_url(case), measure_url(case)):
        for method in (client.get, client.post):
            response = method(url, _valid_delivery() if method == client.post else None)
            assert response.status_code == 404, url
            assert "Niet gevonden" in _html(response)
    assert not Delivery.objects.exists() and not Measure.objects.exists()
    denied = AuditEvent.objects.filter(
        action=AuditAction.CASE_ACCESS_DENIED, case_code=case.code, actor=limburg
    )
    assert denied.count() == 4
    assert set(denied.values_list("extra__action", flat=True)) == {
        "pilot.delivery_record",
        "pilot.measure_record",
    }


def test_an_unknown_case_is_404_without_an_audit_row(login, police_officer):
    response = login(police_officer).get(
        reverse("pilot_case:delivery_create", args=["IB-ZZZZ-ZZZZ"])
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_ACCESS_DENIED).exists()


def test_the_researcher_reaches_neither_form(login, researcher, case):
    client = login(researcher)
    assert client.get(delivery_url(case)).status_code == 404
    assert client.post(measure_url(case), {"moment": "intake"}).status_code == 404
    assert not Delivery.objects.exists() and not Measure.objects.exists()


def test_an_unassigned_psychologist_gets_404_and_an_assigned_one_records(login, case):
    psychologist = make_user(Role.PSYCHOLOGIST)
    client = login(psychologist)
    assert client.get(delivery_url(case)).status_code == 404
    assign(case, psychologist, Role.PSYCHOLOGIST)
    response = client.post(delivery_url(case), _valid_delivery())
    assert response.status_code == 302
    assert Delivery.objects.get().recorded_by == psychologist


def test_a_successful_form_read_is_audited(login, police_officer, case):
    login(police_officer).get(delivery_url(case))
    row = AuditEvent.objects.filter(action=AuditAction.CASE_READ, case_code=case.code).latest("pk")
    assert row.extra["action"] == "pilot.delivery_record"


# --- the measure form ------------------------------------------------------------------------


def _answers(**answers):
    data = {"moment": "intake", "date": "2023-03-02"}
    data.update({f"item_{code}": value for code, value in answers.items()})
    return data


def _with_instrument(data, instrument=None):
    instrument = instrument or Instrument.objects.get(code="slachtofferervaring", version=1)
    return {"instrument": instrument.pk, **data}


def test_the_measure_form_has_a_five_point_scale_with_no_answer_by_default(
    login, police_officer, case
):
    response = login(police_officer).get(measure_url(case))
    assert response.status_code == 200
    page = _html(response)
    for label in ("1 – helemaal niet mee eens", "3 – neutraal", "5 – helemaal mee eens"):
        assert label in page
    checked = re.findall(r'<input type="radio" name="item_(\w+)" value="([^"]*)"[^>]*checked', page)
    assert sorted(checked) == sorted(
        (code, "")
        for code in (
            "feels_safe",
            "trust_police",
            "trust_process",
            "willing_to_report",
            "feels_heard",
        )
    )
    assert "<legend" in page and "Ik voel me veilig." in page
    assert "Ervaring van het slachtoffer" in page and "versie 1" in page


def test_the_newest_version_of_the_questionnaire_is_the_default(login, police_officer, case):
    v1 = Instrument.objects.get(code="slachtofferervaring", version=1)
    v2 = Instrument.objects.create(
        code="slachtofferervaring",
        version=2,
        label="Ervaring van het slachtoffer",
        items=[*v1.items, {"code": "feels_informed", "label": "Ik word goed geïnformeerd."}],
    )
    client = login(police_officer)
    page = _html(client.get(measure_url(case)))
    assert f'name="instrument" value="{v2.pk}"' in page and "versie 2" in page
    assert "Ik word goed geïnformeerd." in page
    assert 'name="vragenlijst"' in page  # more than one: a chooser
    older = _html(client.get(measure_url(case), {"vragenlijst": v1.pk}))
    assert f'name="instrument" value="{v1.pk}"' in older and "geïnformeerd" not in older
    response = client.post(measure_url(case), _with_instrument(_answers(feels_informed="2"), v2))
    assert response.status_code == 302
    assert Measure.objects.get().instrument == v2


def test_recording_a_partly_answered_measure_through_the_page(login, police_officer, case):
    client = login(police_officer)
    response = client.post(
        measure_url(case),
        _with_instrument(_answers(feels_safe="4", trust_police="", feels_heard="5")),
    )
    assert response.status_code == 302
    assert response.url.endswith("#proeftuin")
    measure = Measure.objects.get(case=case)
    assert measure.answers == {
        "feels_safe": 4,
        "trust_police": None,
        "trust_process": None,
        "willing_to_report": None,
        "feels_heard": 5,
    }
    assert measure.moment == Moment.INTAKE and measure.recorded_by == police_officer
    follow = _html(client.get(response.url))
    assert "De meting 'Ervaring van het slachtoffer' is vastgelegd." in follow
    assert "2 van 5 vragen beantwoord" in follow


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_answers(), "Vul ten minste één vraag in."),
        (_answers(feels_safe="", trust_police=""), "Vul ten minste één vraag in."),
        (_answers(feels_safe="7"), "Kies een antwoord van 1 tot en met 5, of 'geen antwoord'."),
        (_answers(feels_safe="0"), "Kies een antwoord van 1 tot en met 5, of 'geen antwoord'."),
        ({**_answers(feels_safe="3"), "moment": ""}, "Kies het moment van de meting."),
        ({**_answers(feels_safe="3"), "moment": "ooit"}, "Kies een moment uit de lijst."),
        (
            {**_answers(feels_safe="3"), "date": "gisteren"},
            "Vul een geldige datum in (jjjj-mm-dd).",
        ),
    ],
)
def test_bad_measure_input_gets_a_dutch_message_and_nothing_is_stored(
    login, police_officer, case, data, message
):
    response = login(police_officer).post(measure_url(case), _with_instrument(data))
    assert response.status_code == 200
    page = _html(response)
    assert message in page and 'class="error-summary" role="alert"' in page
    assert not Measure.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.MEASURE_RECORDED).exists()


def test_a_second_measure_at_the_same_moment_is_refused(login, police_officer, case):
    client = login(police_officer)
    assert (
        client.post(measure_url(case), _with_instrument(_answers(feels_safe="4"))).status_code
        == 302
    )
    response = client.post(measure_url(case), _with_instrument(_answers(feels_safe="1")))
    assert response.status_code == 200
    assert "Voor dit moment is de vragenlijst al ingevuld." in _html(response)
    assert Measure.objects.get().answers["feels_safe"] == 4


def test_an_unknown_questionnaire_is_refused(login, police_officer, case):
    response = login(police_officer).post(
        measure_url(case), {"instrument": "999999", **_answers(feels_safe="3")}
    )
    assert response.status_code == 200
    assert "Deze vragenlijst bestaat niet." in _html(response)
    assert not Measure.objects.exists()


def test_a_prosecutor_may_not_record_measures(login, case):
    prosecutor = make_user(Role.PROSECUTOR)
    response = login(prosecutor).post(measure_url(case), _with_instrument(_answers(feels_safe="3")))
    assert response.status_code == 404
    assert not Measure.objects.exists()


def test_every_delivery_mistake_shows_at_once(login, police_officer, case):
    response = login(police_officer).post(
        delivery_url(case), {"date": "2023-03-09", "delivered": "nee"}
    )
    page = _html(response)
    assert "Kies een interventie." in page
    assert "Geef aan waarom de interventie niet is uitgevoerd." in page
    assert not Delivery.objects.exists()


def test_a_refusal_by_the_service_shows_on_the_form(login, police_officer, case, monkeypatch):
    """The service stays the authority: what it refuses (here: the policy changed between loading
    and posting) is shown in Dutch above the form and nothing is stored."""
    from inbeeld import policy

    client = login(police_officer)
    calls = {"n": 0}
    original = policy.deliverable_intervention_codes

    def shrinking(user, case_):
        calls["n"] += 1
        return original(user, case_) if calls["n"] == 1 else set()

    monkeypatch.setattr(policy, "deliverable_intervention_codes", shrinking)
    response = client.post(delivery_url(case), _valid_delivery())
    assert response.status_code == 200
    assert "U mag de uitvoering van deze interventie niet vastleggen." in _html(response)
    assert not Delivery.objects.exists()


def test_the_pilot_section_runs_a_bounded_number_of_queries(login, police_officer, case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(police_officer)
    _deliver(police_officer, case)
    client.get(reverse("cases:detail", args=[case.code]))  # warm up session and caches
    with CaptureQueriesContext(connection) as few:
        detail(client, case)
    for moment in list(Moment)[1:]:
        measure_record(
            actor=police_officer,
            case=case,
            instrument=Instrument.objects.get(code="slachtofferervaring", version=1),
            moment=moment,
            date=dt.date(2023, 3, 10),
            answers={"feels_safe": 3},
        )
    for _ in range(5):
        _deliver(police_officer, case)
    delivery_record(
        actor=police_officer,
        case=case,
        intervention=Intervention.objects.get(code="peer_expert"),
        date=dt.date(2023, 3, 3),
        delivered=True,
        fidelity={"regular_contact": True},
    )
    with CaptureQueriesContext(connection) as many:
        response = detail(client, case)
    assert _text(_section(response)).count("van 3 punten") == 6
    assert len(many) == len(few) + 0  # the same queries for 1 and for 7 deliveries
