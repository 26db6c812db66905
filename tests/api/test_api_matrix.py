"""The API's permission matrix: every endpoint × every role × an object in and out of scope
(issue 16 item 1). Like tests/security/test_permission_matrix.py for the pages, which checks that
this table names every API URL (API_MATRIX_NAMES).

Every role gets an API client with every grantable scope, acting for a user with one membership
(Amsterdam; the psychologist and peer expert assigned to the own case). The administrator gets
none: a client never acts for an administrator (tests/api/test_authentication.py). Writes are
tried with an empty body where the page matrix posts an empty form: reaching the case gives 400
(invalid input), not reaching it 404. Every 404 on an existing case is logged with the client."""

from __future__ import annotations

import pytest

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.models import ChainEvent
from inbeeld.intake.services import signal_submit
from inbeeld.pilot.models import Delivery, Intervention
from inbeeld.pilot.services import delivery_record
from tests.api.conftest import Api, assert_problem, make_api_client
from tests.factories import CaseFactory, assign, court, make_user, unit

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "sig", "vc", "pol", "psy", "om", "rc", "ed", "res", "fg")
ROLE_OF = {
    "sig": Role.SIGNALLER,
    "vc": Role.SAFETY_COORDINATOR,
    "pol": Role.POLICE_OFFICER,
    "psy": Role.PSYCHOLOGIST,
    "om": Role.PROSECUTOR,
    "rc": Role.EXAMINING_JUDGE,
    "ed": Role.PEER_EXPERT,
    "res": Role.RESEARCHER,
    "fg": Role.PRIVACY_OFFICER,
}
SIGNAL = {
    "eenheid": "amsterdam",
    "signaalgeverType": "school",
    "leeftijd": "16-17",
    "gender": "female",
    "urgentie": "normal",
    "beschrijving": "Een leerling heeft ineens veel dure spullen.",
}
REGISTER = {
    "eenheid": "amsterdam",
    "uitbuitingsvormen": ["sexual"],
    "minderjarigBijInstroom": False,
    "leeftijdscategorie": "18-22",
    "gender": "female",
    "nationaliteit": "nl",
    "datumInstroom": "2024-03-01",
}

# URL name, object, method (body)         anon  sig  vc   pol  psy  om   rc   ed   res  fg
API_MATRIX: list[tuple] = [
    ("api:case_list",      "-",     "GET",      401, 403, 200, 200, 200, 200, 200, 200, 200, 403),
    ("api:case_list",      "-",     "POST",     401, 403, 201, 201, 403, 403, 403, 403, 403, 403),
    ("api:case_detail",    "own",   "GET",      401, 404, 200, 200, 200, 200, 200, 200, 200, 404),
    ("api:case_detail",    "other", "GET",      401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("api:event_list",     "own",   "GET",      401, 404, 200, 200, 200, 200, 200, 200, 200, 404),
    ("api:event_list",     "other", "GET",      401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("api:event_list",     "own",   "POST",     401, 404, 400, 400, 400, 400, 400, 400, 404, 404),
    ("api:event_list",     "other", "POST",     401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("api:event_correct",  "own",   "POST",     401, 404, 400, 400, 404, 400, 404, 404, 404, 404),
    ("api:event_correct",  "other", "POST",     401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("api:event_correct",  "foreign_event", "POST", 401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("api:event_withdraw", "own",   "POST",     401, 404, 400, 400, 404, 400, 404, 404, 404, 404),
    ("api:event_withdraw", "other", "POST",     401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("api:event_withdraw", "foreign_event", "POST", 401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    # The pilot on a case: deliveries by the roles that deliver an intervention, measures by
    # those who talk with the victim (as the case page's pilot forms).
    ("api:delivery",       "own",   "POST",     401, 404, 400, 400, 400, 400, 400, 400, 404, 404),
    ("api:delivery",       "other", "POST",     401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("api:measure",        "own",   "POST",     401, 404, 400, 400, 400, 404, 404, 400, 404, 404),
    ("api:measure",        "other", "POST",     401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    # Deliveries read back by everyone who sees the case (the case page's pilot section).
    ("api:delivery",       "own",   "GET",      401, 404, 200, 200, 200, 200, 200, 200, 200, 404),
    ("api:delivery",       "other", "GET",      401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    # Correct and withdraw a (psychologist) delivery: those who deliver that intervention (police,
    # psychologist); the other roles recording deliveries get 403, as on the page.
    ("api:delivery_correct",  "own",   "POST",  401, 404, 403, 400, 400, 403, 403, 403, 404, 404),
    ("api:delivery_correct",  "other", "POST",  401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("api:delivery_correct",  "foreign_event", "POST", 401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("api:delivery_withdraw", "own",   "POST",  401, 404, 403, 400, 400, 403, 403, 403, 404, 404),
    ("api:delivery_withdraw", "other", "POST",  401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("api:delivery_withdraw", "foreign_event", "POST", 401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    # The evaluation and the monitor from the stored results: researchers only (as the pages).
    ("api:evaluation",     "-",     "GET",      401, 403, 403, 403, 403, 403, 403, 403, 200, 403),
    ("api:evaluation_intervention", "-", "GET", 401, 403, 403, 403, 403, 403, 403, 403, 200, 403),
    ("api:monitor",        "-",     "GET",      401, 403, 403, 403, 403, 403, 403, 403, 200, 403),
    ("api:police_units",   "-",     "GET",      401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("api:exploitation_forms", "-", "GET",      401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("api:event_types",    "-",     "GET",      401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    # Signals: a signaller submits and follows only their own; nobody else reaches one here.
    ("api:signal_list",    "-",     "GET",      401, 200, 403, 403, 403, 403, 403, 403, 403, 403),
    ("api:signal_list",    "-",     "POST",     401, 201, 403, 403, 403, 403, 403, 403, 403, 403),
    ("api:signal_detail",  "own",   "GET",      401, 200, 404, 404, 404, 404, 404, 404, 404, 404),
    ("api:signal_detail",  "other", "GET",      401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    # The coordinator's questions and the signaller's answer (an empty body: 400).
    ("api:signal_questions", "own", "GET",      401, 200, 404, 404, 404, 404, 404, 404, 404, 404),
    ("api:signal_questions", "other", "GET",    401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("api:signal_answer",  "own",   "POST",     401, 400, 404, 404, 404, 404, 404, 404, 404, 404),
    ("api:signal_answer",  "other", "POST",     401, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("api:indicators",     "-",     "GET",      401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    # The OpenAPI document and its documentation page hold no data: anyone.
    ("api:schema",         "-",     "GET",      200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("api:schema_json",    "-",     "GET",      200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("api:docs",           "-",     "GET",      200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("api:not_found",      "-",     "GET",      404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
]  # fmt: skip
API_MATRIX_NAMES = {row[0] for row in API_MATRIX}
CASE_OBJECTS = ("own", "other", "foreign_event")


@pytest.fixture
def world():
    users = {
        label: make_user(role, court_code="amsterdam")
        if role == Role.EXAMINING_JUDGE
        else make_user(role)
        for label, role in ROLE_OF.items()
    }
    own = CaseFactory(police_unit=unit("amsterdam"), court=court("amsterdam"), with_complaint=True)
    assign(own, users["psy"], Role.PSYCHOLOGIST)
    assign(own, users["ed"], Role.PEER_EXPERT)
    other = CaseFactory(police_unit=unit("limburg"), without_consent=True, with_complaint=True)
    keys = {label: make_api_client(user)[1] for label, user in users.items()}
    own_signal = _signal(users["sig"])
    other_signal = _signal(make_user(Role.SIGNALLER))
    # A delivery on each case, of the psychologist intervention (police and psychologists).
    _delivery(users["pol"], own)
    _delivery(make_user(Role.POLICE_OFFICER, unit_code="limburg"), other)
    return users, keys, own, other, own_signal, other_signal


def _delivery(officer, case):
    return delivery_record(
        actor=officer,
        case=case,
        intervention=Intervention.objects.get(code="psychologist"),
        date=case.intake_date,
        delivered=True,
    )


def _signal(signaller):
    signal, _receipt = signal_submit(
        actor=signaller,
        channel="account",
        signaller_type="school",
        police_unit=unit("amsterdam"),
        indicators=[],
        age_band="16-17",
        gender="female",
        urgency="normal",
        description="Een leerling heeft ineens veel dure spullen.",
    )
    return signal


def _path(name: str, obj: str, own, other, own_signal, other_signal) -> str:
    case = own if obj in ("own", "foreign_event") else other
    signal = own_signal if obj == "own" else other_signal
    event = ChainEvent.objects.filter(case=other if obj == "foreign_event" else case).first()
    delivery = Delivery.objects.filter(case=other if obj == "foreign_event" else case).first()
    paths = {
        "api:case_list": "/api/v1/casussen",
        "api:case_detail": f"/api/v1/casussen/{case.code}",
        "api:event_list": f"/api/v1/casussen/{case.code}/gebeurtenissen",
        "api:event_correct": f"/api/v1/casussen/{case.code}/gebeurtenissen/{event.pk}/correctie",
        "api:event_withdraw": f"/api/v1/casussen/{case.code}/gebeurtenissen/{event.pk}/intrekking",
        "api:delivery": f"/api/v1/casussen/{case.code}/uitvoeringen",
        "api:measure": f"/api/v1/casussen/{case.code}/metingen",
        "api:delivery_correct": f"/api/v1/casussen/{case.code}/uitvoeringen/{delivery.pk}/correctie",
        "api:delivery_withdraw": f"/api/v1/casussen/{case.code}/uitvoeringen/{delivery.pk}/intrekking",
        "api:evaluation": "/api/v1/evaluatie",
        "api:evaluation_intervention": "/api/v1/evaluatie/psychologist",
        "api:monitor": "/api/v1/monitor",
        "api:police_units": "/api/v1/eenheden",
        "api:exploitation_forms": "/api/v1/uitbuitingsvormen",
        "api:event_types": "/api/v1/gebeurtenissoorten",
        "api:signal_list": "/api/v1/signalen",
        "api:signal_detail": f"/api/v1/signalen/{signal.reference}",
        "api:signal_questions": f"/api/v1/signalen/{signal.reference}/vragen",
        "api:signal_answer": f"/api/v1/signalen/{signal.reference}/antwoorden",
        "api:indicators": "/api/v1/signalenlijst",
        "api:schema": "/api/v1/openapi.yaml",
        "api:schema_json": "/api/v1/openapi.json",
        "api:docs": "/api/v1/docs",
        "api:not_found": "/api/v1/bestaat/niet",
    }
    return paths[name]


def test_every_endpoint_for_every_role_in_and_out_of_scope(world):
    users, keys, own, other, own_signal, other_signal = world
    wrong = []
    for name, obj, method, *expected in API_MATRIX:
        path = _path(name, obj, own, other, own_signal, other_signal)
        for role, want in zip(ROLES, expected, strict=True):
            api = Api(keys.get(role))
            if method == "GET":
                response = api.get(path)
            else:
                body = {"api:case_list": REGISTER, "api:signal_list": SIGNAL}.get(name, {})
                response = api.post(path, body)
            if response.status_code != want:
                wrong.append(f"{role} {method} {path}: {response.status_code}, not {want}")
                continue
            assert response["API-Version"] == "1.0.0"
            if want >= 400:
                assert_problem(response, want)
            if want == 404 and obj == "other" and role != "anonymous" and "signal" not in name:
                refused = AuditEvent.objects.filter(
                    action=AuditAction.CASE_ACCESS_DENIED,
                    actor=users[role],
                    case_code=other.code,
                ).last()
                if refused is None or "api_client" not in refused.extra:
                    wrong.append(f"{role} {method} {path}: 404 not logged with the client")
    assert not wrong, "\n".join(wrong)


def test_the_table_is_well_formed():
    for row in API_MATRIX:
        assert len(row) == 3 + len(ROLES), row
        assert row[1] in ("-", *CASE_OBJECTS), row
