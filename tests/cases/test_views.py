"""Case pages through the Django test client: access, list, detail, registering and recording."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter
from django.utils import timezone

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.models import Case, ChainEvent
from inbeeld.cases.workflow import Status
from tests.factories import CaseFactory, assign, court, form, make_user, record_events, unit
from tests.test_architecture import PUBLIC_URL_NAMES

pytestmark = pytest.mark.django_db

LOGIN_URL = "/account/inloggen/"


def _walk(patterns, prefix="", converters=None):
    """(name, pattern, converters): the converters include those of enclosing includes
    (casussen/<code>/proeftuin/ passes ``code`` to every pilot page)."""
    converters = converters or {}
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{pattern.namespace}:" if pattern.namespace else ""
            inner = {**converters, **getattr(pattern.pattern, "converters", {})}
            yield from _walk(pattern.url_patterns, prefix + namespace, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + pattern.name, pattern, {**converters, **pattern.pattern.converters}


def _sample_kwargs(converters, case, event):
    """Real values where we have them (a case code, an event id), else any well-formed value."""
    known = {"code": case.code, "event_id": event.pk}
    kwargs = {}
    for name, converter in converters.items():
        if name in known:
            kwargs[name] = known[name]
        else:
            if isinstance(converter, IntConverter):
                kwargs[name] = 1
            elif isinstance(converter, UUIDConverter):
                kwargs[name] = "00000000-0000-0000-0000-000000000001"
            else:
                kwargs[name] = "x"
    return kwargs


def _app_urls(case, event):
    """Every named URL of the product (the admin has its own login and is tested apart)."""
    urls = []
    for name, _pattern, converters in _walk(get_resolver().url_patterns):
        # The public pages (login, anonymous intake, one-time reset link) are public on purpose:
        # one list, tests/test_architecture.py PUBLIC_URL_NAMES.
        # The REST API answers a visitor without a key with a 401 problem (tests/api).
        if name.startswith(("admin:", "api:")) or name in PUBLIC_URL_NAMES:
            continue
        urls.append(reverse(name, kwargs=_sample_kwargs(converters, case, event)))
    return urls


@pytest.fixture
def case_with_event(db):
    case = CaseFactory(with_complaint=True)
    return case, case.events.first()


def test_every_page_redirects_anonymous_visitors_to_the_login(client, case_with_event):
    urls = _app_urls(*case_with_event)
    assert len(urls) >= 6  # home, logout, list, create, detail, event create, event correct
    for url in urls:
        for method in (client.get, client.post):
            response = method(url)
            if url == reverse("accounts:logout") and method == client.post:
                # Logging out when not logged in just lands on the login page.
                assert response.status_code == 302 and response.url.startswith(LOGIN_URL)
                continue
            assert response.status_code == 302, (url, method)
            assert response.url.startswith(f"{LOGIN_URL}?next="), (url, response.url)


def test_the_admin_sends_anonymous_visitors_to_a_login(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "login" in response.url or "inloggen" in response.url


def test_the_login_page_is_open(client):
    response = client.get(LOGIN_URL, HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    assert "Inloggen bij InBeeld" in response.content.decode()


# --- list ----------------------------------------------------------------------------------


def _list(client, **params):
    response = client.get(reverse("cases:list"), params)
    assert response.status_code == 200
    return response


def _page_codes(response):
    return [c.code for c in response.context["page"].object_list]


def test_the_case_list_shows_only_own_unit_cases(login, police_officer):
    own = [CaseFactory(), CaseFactory(police_unit=unit("amsterdam"))]
    other = [CaseFactory(police_unit=unit("limburg")), CaseFactory(police_unit=unit("kmar"))]
    response = _list(login(police_officer))
    html = response.content.decode()
    assert set(_page_codes(response)) == {c.code for c in own}
    for case in own:
        assert case.code in html
    for case in other:
        assert case.code not in html
    assert "2 casussen gevonden" in html


def test_the_case_list_read_is_audited_with_the_codes_shown(login, police_officer):
    case = CaseFactory()
    _list(login(police_officer), status="intake")
    row = AuditEvent.objects.filter(action=AuditAction.CASE_LIST_READ).latest("id")
    assert row.actor == police_officer
    assert row.extra["shown"] == [case.code]
    assert row.extra["filters"] == {"status": "intake"}


@pytest.fixture
def listed(db):
    return {
        "minor": CaseFactory(intake_date=dt.date(2023, 1, 10), minor=True),
        "labour": CaseFactory(
            intake_date=dt.date(2024, 2, 1), forms=["labour"], with_complaint=True
        ),
        "closed": CaseFactory(
            intake_date=dt.date(2024, 6, 1), forms=["criminal"], status=Status.CLOSED
        ),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["closed", "labour", "minor"]),
        ({"status": "investigation"}, ["labour"]),
        ({"status": "closed"}, ["closed"]),
        ({"form": "labour"}, ["labour"]),
        ({"form": "sexual"}, ["minor"]),
        ({"minor": "ja"}, ["minor"]),
        ({"minor": "nee"}, ["closed", "labour"]),
        ({"intake_from": "2024-01-01"}, ["closed", "labour"]),
        ({"intake_to": "2024-02-01"}, ["labour", "minor"]),
        ({"intake_from": "2024-01-01", "intake_to": "2024-05-31"}, ["labour"]),
        ({"sort": "intake_date"}, ["minor", "labour", "closed"]),
        ({"status": "intake", "form": "sexual", "minor": "ja"}, ["minor"]),
    ],
)
def test_the_case_list_filters_and_sorts(login, police_officer, listed, params, expected):
    response = _list(login(police_officer), **params)
    assert _page_codes(response) == [listed[k].code for k in expected]


def test_the_case_list_sorts_by_code(login, police_officer, listed):
    codes = _page_codes(_list(login(police_officer), sort="code"))
    assert codes == sorted(c.code for c in listed.values())


def test_an_end_before_the_start_is_a_dutch_error_on_the_list(login, police_officer, listed):
    response = _list(login(police_officer), intake_from="2024-05-01", intake_to="2024-01-01")
    assert "De einddatum ligt vóór de begindatum." in response.content.decode()


def test_an_invalid_filter_value_does_not_crash_the_list(login, police_officer, listed):
    response = _list(
        login(police_officer),
        intake_from="gisteren",
        status="onzin",
        form="geen-vorm",
        sort="'; DROP TABLE",
        pagina="abc",
    )
    assert response.status_code == 200


def test_the_case_list_pages_by_25(login, police_officer):
    for i in range(30):
        CaseFactory(intake_date=dt.date(2024, 1, 1) + dt.timedelta(days=i))
    client = login(police_officer)
    first = _list(client)
    assert len(first.context["page"].object_list) == 25
    assert first.context["page"].paginator.num_pages == 2
    assert "Pagina 1 van 2" in first.content.decode()
    second = _list(client, pagina=2)
    assert len(second.context["page"].object_list) == 5
    assert set(_page_codes(first)).isdisjoint(_page_codes(second))
    # The newest come first; the oldest five are on page two.
    assert max(c.intake_date for c in second.context["page"].object_list) < min(
        c.intake_date for c in first.context["page"].object_list
    )


def test_paging_keeps_the_filters_in_the_links(login, police_officer):
    for _ in range(26):
        CaseFactory(forms=["labour"])
    html = _list(login(police_officer), form="labour").content.decode()
    assert "form=labour&amp;pagina=2" in html


def test_the_case_list_runs_a_bounded_number_of_queries(
    login, police_officer, django_assert_max_num_queries
):
    client = login(police_officer)
    for _ in range(3):
        CaseFactory(forms=["sexual", "labour"])
    client.get(reverse("cases:list"))  # warm up session and caches
    with CaptureQueriesContext(connection) as few:
        _list(client)
    for _ in range(40):
        CaseFactory(forms=["sexual", "labour", "criminal"])
    with CaptureQueriesContext(connection) as many:
        _list(client)
    assert len(many) == len(few)
    # Per request also: the OTP device from the session and the sliding-session save.
    with django_assert_max_num_queries(20):
        _list(client, form="labour", sort="code", pagina=2)


@pytest.mark.parametrize("role", [Role.SIGNALLER, Role.PRIVACY_OFFICER, Role.ADMINISTRATOR])
def test_roles_without_case_access_get_403_on_the_list(login, role):
    CaseFactory()
    response = login(make_user(role)).get(reverse("cases:list"))
    assert response.status_code == 403


def test_a_user_without_any_role_gets_403(login):
    response = login(make_user(None)).get(reverse("cases:list"))
    assert response.status_code == 403


# --- detail --------------------------------------------------------------------------------


def test_the_case_detail_shows_the_case_to_its_unit(login, police_officer):
    case = CaseFactory(with_complaint=True)
    response = login(police_officer).get(reverse("cases:detail", args=[case.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert case.code in html and "Opsporing" in html and "Aangifte gedaan" in html


def test_the_case_detail_of_another_unit_is_404_and_logged(login, police_officer):
    case = CaseFactory(police_unit=unit("limburg"))
    response = login(police_officer).get(reverse("cases:detail", args=[case.code]))
    assert response.status_code == 404
    assert case.code not in response.content.decode()
    row = AuditEvent.objects.filter(action=AuditAction.CASE_ACCESS_DENIED).get()
    assert (row.case_code, row.actor) == (case.code, police_officer)


def test_an_unknown_case_code_is_404_without_an_audit_row(login, police_officer):
    client = login(police_officer)
    before = AuditEvent.objects.count()
    assert client.get(reverse("cases:detail", args=["IB-ZZZZ-ZZZZ"])).status_code == 404
    assert AuditEvent.objects.count() == before


NOTE = "Slachtoffer woont bij haar oom aan de Kerkstraat."


@pytest.fixture
def case_with_police_note(police_officer):
    case = CaseFactory()
    record_events(case, [("first_police_contact", "", NOTE)], actor=police_officer)
    return case


def test_the_police_officer_sees_the_note_and_who_wrote_it(
    login, police_officer, case_with_police_note
):
    html = (
        login(police_officer)
        .get(reverse("cases:detail", args=[case_with_police_note.code]))
        .content.decode()
    )
    assert NOTE in html
    assert "Pieter Politie" in html


def test_the_researchers_case_page_shows_no_note_and_no_names(
    login, police_officer, case_with_police_note
):
    researcher = make_user(Role.RESEARCHER)
    response = login(researcher).get(reverse("cases:detail", args=[case_with_police_note.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Eerste politiecontact" in html  # the event itself is there
    assert NOTE not in html and "Kerkstraat" not in html
    assert "Pieter" not in html and "Politie</" not in html
    assert police_officer.username not in html
    assert police_officer.memberships.get().organisation.name not in html
    assert "gepseudonimiseerd" in html
    assert "Gebeurtenis vastleggen" not in html


def test_a_care_worker_sees_that_a_police_note_exists_but_not_its_text(
    login, case_with_police_note
):
    coordinator = make_user(Role.SAFETY_COORDINATOR)
    html = (
        login(coordinator)
        .get(reverse("cases:detail", args=[case_with_police_note.code]))
        .content.decode()
    )
    assert NOTE not in html
    assert "alleen voor een andere beroepsgroep zichtbaar" in html


# --- registering ---------------------------------------------------------------------------


def _case_post(**overrides):
    data = {
        "police_unit": unit("amsterdam").pk,
        "exploitation_forms": [form("sexual").pk, form("labour").pk],
        "age_band": "30-49",
        "gender": "male",
        "nationality_group": "non_eu",
        "intake_date": "2024-04-15",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_registering_a_case_through_the_form(login, police_officer):
    client = login(police_officer)
    assert client.get(reverse("cases:create")).status_code == 200
    response = client.post(reverse("cases:create"), _case_post())
    case = Case.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("cases:detail", args=[case.code])
    assert (case.police_unit.code, case.age_band, case.minor_at_intake) == (
        "amsterdam",
        "30-49",
        False,
    )
    assert case.intake_date == dt.date(2024, 4, 15)
    assert sorted(case.exploitation_forms.values_list("code", flat=True)) == ["labour", "sexual"]
    assert AuditEvent.objects.filter(action=AuditAction.CASE_CREATED, case_code=case.code).exists()
    follow = client.get(response.url)
    assert f"Casus {case.code} is geregistreerd." in follow.content.decode()


def test_the_form_only_offers_the_users_own_units(login, police_officer):
    response = login(police_officer).get(reverse("cases:create"))
    units = list(response.context["form"].fields["police_unit"].queryset)
    assert units == [unit("amsterdam")]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"exploitation_forms": None}, "Kies ten minste één uitbuitingsvorm."),
        ({"intake_date": None}, "Dit veld is verplicht."),
        ({"intake_date": "31-02-2024"}, "Vul een geldige datum in (jjjj-mm-dd)."),
        ({"intake_date": "2024-02-30"}, "Vul een geldige datum in (jjjj-mm-dd)."),
        ({"age_band": "12-15"}, "Deze leeftijdscategorie is minderjarig"),
        ({"age_band": "30-49", "minor_at_intake": "on"}, "Deze leeftijdscategorie is meerderjarig"),
        ({"police_unit": None}, "Kies de eenheid van de casus."),
        ({"gender": "robot"}, "Selecteer een geldige keuze."),
        ({"intake_date": "1999-12-31"}, "Een datum vóór 2000 is niet mogelijk."),
    ],
)
def test_bad_case_input_gives_a_dutch_error_and_stores_nothing(
    login, police_officer, overrides, message
):
    response = login(police_officer).post(reverse("cases:create"), _case_post(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Case.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_CREATED).exists()


def test_a_future_intake_date_gives_a_dutch_error_and_stores_nothing(login, police_officer):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = login(police_officer).post(reverse("cases:create"), _case_post(intake_date=tomorrow))
    assert response.status_code == 200
    assert "Een datum in de toekomst is niet mogelijk." in response.content.decode()
    assert Case.objects.count() == 0


def test_posting_another_units_id_is_refused(login, police_officer):
    response = login(police_officer).post(
        reverse("cases:create"), _case_post(police_unit=unit("limburg").pk)
    )
    assert response.status_code == 200
    assert "Selecteer een geldige keuze" in response.content.decode()
    assert Case.objects.count() == 0


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.PROSECUTOR, Role.SIGNALLER])
def test_roles_that_do_not_register_get_403(login, role):
    client = login(make_user(role))
    assert client.get(reverse("cases:create")).status_code == 403
    assert client.post(reverse("cases:create"), _case_post()).status_code == 403
    assert Case.objects.count() == 0


# --- recording events ----------------------------------------------------------------------


def _event_post(case, **overrides):
    data = {
        "event_type": "first_police_contact",
        "outcome": "",
        "event_date": "2024-03-05",
        "date_precision": "day",
        "note": "",
        "version": case.version,
    }
    data.update(overrides)
    return data


def test_recording_an_event_through_the_form(login, police_officer):
    case = CaseFactory()
    client = login(police_officer)
    url = reverse("cases:event_create", args=[case.code])
    assert client.get(url).status_code == 200
    response = client.post(url, _event_post(case, note="Eerste gesprek op het bureau."))
    assert response.status_code == 302
    assert response.url == reverse("cases:detail", args=[case.code])
    case.refresh_from_db()
    assert (case.status, case.version) == (Status.POLICE_CONTACT, 2)
    event = case.events.get()
    assert event.event_type.code == "first_police_contact" and event.note_family == "police"
    detail = client.get(response.url).content.decode()
    assert "Eerste gesprek op het bureau." in detail
    assert "&#x27;Eerste politiecontact&#x27; is vastgelegd." in detail


def test_recording_an_event_with_an_outcome(login, police_officer):
    case = CaseFactory(with_complaint=True)
    response = login(police_officer).post(
        reverse("cases:event_create", args=[case.code]),
        _event_post(case, event_type="prosecution_decision", outcome="dismissal_policy"),
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.DISMISSED


def _assert_nothing_stored(case):
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.version) == (case.status, case.version)
    assert ChainEvent.objects.filter(case=case).count() == case.events.count()
    assert (
        AuditEvent.objects.filter(action=AuditAction.EVENT_RECORDED, case_code=case.code).count()
        == case.events.count()
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        # Specific Dutch messages, not Django's generic one (issue 14 item 11).
        ({"event_type": ""}, "Kies welke gebeurtenis u vastlegt."),
        ({"event_date": ""}, "Vul de datum van de gebeurtenis in."),
        ({"event_date": "2024-13-01"}, "Vul een geldige datum in (jjjj-mm-dd)."),
        ({"event_date": "morgen"}, "Vul een geldige datum in (jjjj-mm-dd)."),
        ({"event_type": "complaint_declined"}, "Kies een uitkomst of reden bij"),
        ({"event_type": "complaint_declined", "outcome": "summons"}, "past niet bij"),
        ({"event_type": "no_such_event"}, "Deze gebeurtenis kunt u hier niet kiezen."),
        ({"event_type": "safety_assessment"}, "Deze gebeurtenis kunt u hier niet kiezen."),
        (
            {"event_type": "verdict", "outcome": "conviction"},
            "kan niet worden vastgelegd terwijl de casus in de fase",
        ),
        (
            {"version": "1", "event_type": "suspect_arrested"},
            "intussen door iemand anders gewijzigd",
        ),
        ({"version": ""}, "Dit formulier is niet volledig meegekomen."),
        ({"note": "x" * 5001}, "5000"),
        ({"date_precision": "week"}, "Selecteer een geldige keuze."),
    ],
)
def test_bad_event_input_gives_a_200_with_a_dutch_error_and_stores_nothing(
    login, police_officer, overrides, message
):
    case = CaseFactory(with_complaint=True)  # investigation, version 3
    response = login(police_officer).post(
        reverse("cases:event_create", args=[case.code]), _event_post(case, **overrides)
    )
    assert response.status_code == 200
    html = response.content.decode().replace("&#x27;", "'")
    assert message in html
    _assert_nothing_stored(case)


def test_a_future_event_date_gives_a_dutch_error_and_stores_nothing(login, police_officer):
    case = CaseFactory()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = login(police_officer).post(
        reverse("cases:event_create", args=[case.code]), _event_post(case, event_date=tomorrow)
    )
    assert response.status_code == 200
    assert "Een datum in de toekomst is niet mogelijk." in response.content.decode()
    _assert_nothing_stored(case)


def test_the_event_form_offers_only_what_role_and_workflow_allow(login, police_officer):
    case = CaseFactory()
    response = login(police_officer).get(reverse("cases:event_create", args=[case.code]))
    offered = {t.code for t in response.context["form"].fields["event_type"].queryset}
    assert "first_police_contact" in offered and "complaint_filed" in offered
    assert "verdict" not in offered  # not in the intake phase
    assert "safety_assessment" not in offered  # care business


def test_the_researcher_cannot_reach_the_event_form(login):
    case = CaseFactory()
    client = login(make_user(Role.RESEARCHER))
    url = reverse("cases:event_create", args=[case.code])
    assert client.get(url).status_code == 404
    assert client.post(url, _event_post(case)).status_code == 404
    _assert_nothing_stored(case)


def test_an_officer_of_another_unit_cannot_record(login):
    case = CaseFactory()
    client = login(make_user(Role.POLICE_OFFICER, unit_code="limburg"))
    response = client.post(reverse("cases:event_create", args=[case.code]), _event_post(case))
    assert response.status_code == 404
    _assert_nothing_stored(case)


# --- correcting ----------------------------------------------------------------------------


def test_correcting_an_event_through_the_form(login, police_officer):
    case = CaseFactory(recorder=police_officer, with_complaint=True)
    complaint = case.events.get(event_type__code="complaint_filed")
    client = login(police_officer)
    url = reverse("cases:event_correct", args=[case.code, complaint.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["event_type"] == "complaint_filed"
    response = client.post(
        url,
        _event_post(
            case,
            event_type="complaint_declined",
            outcome="residence_concerns",
            event_date="2024-03-02",
        ),
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.POLICE_CONTACT
    assert ChainEvent.objects.get(supersedes=complaint).outcome == "residence_concerns"
    detail = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "Gecorrigeerd – niet meer geldig" in detail


def test_an_impossible_correction_gives_a_dutch_error_and_stores_nothing(login, police_officer):
    case = CaseFactory(recorder=police_officer, status=Status.PROSECUTION)
    complaint = case.events.get(event_type__code="complaint_filed")
    response = login(police_officer).post(
        reverse("cases:event_correct", args=[case.code, complaint.pk]),
        _event_post(case, event_type="case_closed", event_date="2024-03-02"),
    )
    assert response.status_code == 200
    assert "kan niet worden vastgelegd" in response.content.decode().replace("&#x27;", "'")
    assert not ChainEvent.objects.filter(supersedes=complaint).exists()
    assert Case.objects.get(pk=case.pk).version == case.version


def test_correcting_an_event_of_another_case_is_404(login, police_officer):
    case = CaseFactory(with_complaint=True)
    other = CaseFactory(with_complaint=True)
    response = login(police_officer).get(
        reverse("cases:event_correct", args=[case.code, other.events.first().pk])
    )
    assert response.status_code == 404


def test_correcting_an_already_corrected_event_through_the_form_is_refused(login, police_officer):
    case = CaseFactory(recorder=police_officer, with_complaint=True)
    complaint = case.events.get(event_type__code="complaint_filed")
    client = login(police_officer)
    url = reverse("cases:event_correct", args=[case.code, complaint.pk])
    assert (
        client.post(
            url, _event_post(case, event_type="complaint_filed", event_date="2024-03-03")
        ).status_code
        == 302
    )
    case.refresh_from_db()
    response = client.post(
        url, _event_post(case, event_type="complaint_filed", event_date="2024-03-04")
    )
    assert response.status_code == 200
    assert "Deze gebeurtenis is al gecorrigeerd" in response.content.decode()
    assert ChainEvent.objects.filter(case=case).count() == 3


# --- the permission matrix: every case page × every role -----------------------------------

# role → expected status of: list, create, detail, record event, correct event (own-scope case)
PAGE_MATRIX = {
    Role.SIGNALLER: (403, 403, 404, 404, 404),
    Role.SAFETY_COORDINATOR: (200, 200, 200, 200, 200),
    Role.POLICE_OFFICER: (200, 200, 200, 200, 200),
    Role.PSYCHOLOGIST: (200, 403, 200, 200, 404),
    Role.PROSECUTOR: (200, 403, 200, 200, 200),
    Role.EXAMINING_JUDGE: (200, 403, 200, 200, 404),
    Role.PEER_EXPERT: (200, 403, 200, 200, 404),
    Role.RESEARCHER: (200, 403, 200, 404, 404),
    Role.PRIVACY_OFFICER: (403, 403, 404, 404, 404),
    Role.ADMINISTRATOR: (403, 403, 404, 404, 404),
}


def _page_urls(case):
    event = case.events.first()
    return [
        reverse("cases:list"),
        reverse("cases:create"),
        reverse("cases:detail", args=[case.code]),
        reverse("cases:event_create", args=[case.code]),
        reverse("cases:event_correct", args=[case.code, event.pk]),
    ]


def test_the_matrix_covers_every_role():
    assert set(PAGE_MATRIX) == set(Role.values)


@pytest.mark.parametrize("role", list(Role))
def test_every_case_page_answers_each_role_as_the_policy_says(login, role):
    case = CaseFactory(court=court("amsterdam"), with_complaint=True)
    other = CaseFactory(police_unit=unit("limburg"), court=court("limburg"), with_complaint=True)
    user = make_user(role, is_staff=role == Role.ADMINISTRATOR)
    if role in (Role.PSYCHOLOGIST, Role.PEER_EXPERT):
        assign(case, user, role)
    client = login(user)
    got = tuple(client.get(url).status_code for url in _page_urls(case))
    assert got == PAGE_MATRIX[role]
    # A case outside the scope is not found on any case page (researchers see all cases).
    expected_other = 200 if role == Role.RESEARCHER else 404
    assert client.get(reverse("cases:detail", args=[other.code])).status_code == expected_other
    for url in _page_urls(other)[3:]:
        assert client.get(url).status_code == 404


def test_forms_refuse_a_post_without_csrf_token(police_officer):
    from django.test import Client

    from tests.conftest import verified_login

    client = verified_login(Client(enforce_csrf_checks=True), police_officer)
    response = client.post(reverse("cases:create"), _case_post())
    assert response.status_code == 403
    assert Case.objects.count() == 0


def test_a_note_is_escaped_on_the_case_page(login, police_officer):
    case = CaseFactory()
    record_events(
        case,
        [("signal_received", "", "<script>alert('x')</script>\nregel 2")],
        actor=police_officer,
    )
    html = login(police_officer).get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;<br>regel 2" in html


def test_the_case_page_runs_a_bounded_number_of_queries(login, police_officer):
    case = CaseFactory(recorder=police_officer, with_complaint=True)
    client = login(police_officer)
    url = reverse("cases:detail", args=[case.code])
    record_events(case, [("complaint_declined", "low_trust")], actor=police_officer)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    record_events(
        case,
        [("complaint_declined", "low_trust"), ("other_cooperation", "report")] * 5,
        actor=police_officer,
    )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
