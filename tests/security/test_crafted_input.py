"""No 5xx on crafted input (issue 11, item 10): the fuzzing that found the OverflowErrors, as a test.

For every form page of the product (the URL conf is walked; the page is opened as a role that can
reach it: police, safety coordinator, prosecutor, researcher, privacy officer, signaller,
administrator, or anonymous for /melden/ and the login page) and every add, change and list page
of the admin, every form on it is filled with sensible values taken from the page itself. Then:

* all fields at once get each hostile value in turn (a 30- and a 5,000-digit number, a negative
  30-digit number, 9999-12-31, a NUL byte, unicode, a list where one value is expected, empty,
  all missing): one request per value, so every field's validation meets every value;
* one field at a time gets the value its kind most likely lets through (a date 9999-12-31 and
  0001-01-01, a text 100 kB, a choice, number or hidden field a list), the rest stays valid, so
  the value gets past validation into the view, the service and the save; on product pages each
  field is also left out once.

Each answer must be below 500, and a refused request (4xx, or a form shown again with errors)
must have stored nothing: the row count of every table is the same before and after, except the
audit log (refusals are audited), sessions and the rate-limit counters. Every request is undone
afterwards (a savepoint rolled back), so each meets the same stored state: an admin change form's
row_fingerprint (the lost-update guard) stays current and a successful save does not turn the
next request into a refusal that never reaches the save path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection, transaction
from django.forms import BaseForm
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RoutePattern
from django.utils import timezone

from inbeeld.accounts.models import AuthenticatorDevice, Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.services import break_glass_open
from inbeeld.intake import services as intake_services
from inbeeld.intake.models import Channel
from inbeeld.intake.workflow import SignalStatus
from inbeeld.pilot.models import Deployment, Intervention
from inbeeld.pilot.services import delivery_record
from inbeeld.publication.services import budget_create
from tests.conftest import verified_login
from tests.factories import CaseFactory, chain_recorder, make_user, unit

pytestmark = pytest.mark.django_db

HOSTILE: dict[str, object] = {
    # An id past every integer column (OverflowError in the driver, a range error on PostgreSQL).
    "30 digits": "123456789012345678901234567890",
    "negative 30 digits": "-" + "9" * 30,
    # Past Python's 4,300-digit limit for int() (ValueError), and echoed whole in messages.
    "5000 digits": "9" * 5000,
    # Valid dates that one day, a time zone or a calendar year's arithmetic takes out of range.
    "9999-12-31": "9999-12-31",
    "0001-01-01": "0001-01-01",
    "NUL": "a\x00b",  # PostgreSQL refuses a NUL byte in text
    "100 kB": "x" * 100_000,  # past every max_length; whole into an unbounded column
    "unicode": "Ω\u202e\ufeff٣🙂\u0301",
    "list": ["1", "2"],  # several values where one is expected (a QueryDict takes the last)
    "empty": "",
}
MISSING = "missing"
# All fields of a form at once: one request per value (a 100 kB value in every field would only
# meet the request-size cap; it goes one field at a time below).
ALL_AT_ONCE = (
    "30 digits",
    "negative 30 digits",
    "5000 digits",
    "9999-12-31",
    "NUL",
    "unicode",
    "list",
    "empty",
    MISSING,
)
# One field at a time, by kind: the value most likely to pass validation and reach the save.
ONE_AT_A_TIME = {
    "date": ("9999-12-31", "0001-01-01"),
    "text": ("100 kB",),
    "other": ("list",),
}
_DATE_NAME = re.compile(r"date|datum|from|to$|start|end|vanaf|tot", re.IGNORECASE)
_TEXT_KINDS = ("text", "textarea", "email", "password", "search", "tel", "url")

ANONYMOUS = "anonymous"
ROLES = (
    Role.POLICE_OFFICER,
    Role.SAFETY_COORDINATOR,
    Role.PROSECUTOR,
    Role.RESEARCHER,
    Role.PRIVACY_OFFICER,
    Role.SIGNALLER,
    Role.ADMINISTRATOR,
    ANONYMOUS,
)
# Who to try first, by path prefix (then every other role).
PREFERRED = (
    ("/melden/", ANONYMOUS),
    ("/signalen/nieuw/", Role.SIGNALLER),
    ("/signalen/mijn/", Role.SIGNALLER),
    ("/signalen/", Role.SAFETY_COORDINATOR),
    ("/casussen/", Role.POLICE_OFFICER),
    ("/proeftuin/", Role.RESEARCHER),
    ("/evaluatie/", Role.RESEARCHER),
    ("/rapporten/", Role.RESEARCHER),
    ("/privacy/", Role.PRIVACY_OFFICER),
    ("/beheer/", Role.ADMINISTRATOR),
)
# Forms that end the session are not fuzzed (their pages are).
SESSION_ENDING = re.compile(r"uitloggen|logout", re.IGNORECASE)

# Pages that must be reached (a form found and fuzzed), so the walk cannot silently test nothing.
MUST_REACH = {
    "accounts:login",
    "cases:create",
    "cases:break_glass",
    "cases:event_create",
    "cases:event_correct",
    "cases:event_withdraw",
    "cases:linkage_add",
    "cases:consent_add",
    "pilot_case:delivery_create",
    "pilot_case:delivery_correct",
    "pilot_case:delivery_withdraw",
    "pilot_case:measure_create",
    "pilot:deployment_create",
    "pilot:deployment_edit",
    "privacy:log",
    "privacy:break_glass",
    "intake:links",
    "intake:create",
    "intake:triage",
    "intake:reroute",
    "intake:ask",
    "intake:convert",
    "intake:own_detail",
    "intake:funnel",
    "public_intake:create",
    "public_intake:status",
    "public_intake:link",
    "reports:open_data",
}

# --- the world ------------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, object] = field(default_factory=dict)
    case: object = None
    event: object = None
    delivery: object = None
    signal: object = None
    receipt: str = ""
    link_token: str = ""
    grant: object = None
    far_case: object = None

    def client(self, role: str) -> Client:
        client = Client(raise_request_exception=True)
        if role != ANONYMOUS:
            verified_login(client, self.users[role])
        return client


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One world for the module: built once inside a transaction that is rolled back at the end.
    Each test runs in a savepoint of its own (pytest-django's ``db``), each request in one more
    (``_probe``), so nothing a test or a request stores reaches the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def build_world() -> World:
    world = World()
    for role in ROLES:
        if role == ANONYMOUS:
            continue
        user = make_user(role, is_staff=role == Role.ADMINISTRATOR)
        AuthenticatorDevice.create_for(user=user, name="telefoon", confirmed=True)
        world.users[role] = user
    recorder = chain_recorder(unit("amsterdam"))
    world.case = CaseFactory(recorder=recorder, events=[("first_police_contact", "")])
    world.event = world.case.events.order_by("pk").first()
    world.delivery = delivery_record(
        actor=recorder,
        case=world.case,
        intervention=Intervention.objects.get(code="psychologist"),
        date=world.case.intake_date,
        delivered=True,
    )
    world.far_case = CaseFactory(police_unit=unit("limburg"), research_consent=False)
    _, world.grant = break_glass_open(
        actor=make_user(Role.POLICE_OFFICER),
        code=world.far_case.code,
        reason="Slachtoffer staat nu aan de balie en vraagt om hulp bij opvang.",
    )
    coordinator = world.users[Role.SAFETY_COORDINATOR]
    world.signal, _ = intake_services.signal_submit(
        actor=world.users[Role.SIGNALLER],
        channel=Channel.ACCOUNT,
        signaller_type="school",
        police_unit=unit("amsterdam"),
        indicators=[],
        age_band="16-17",
        gender="female",
        urgency="normal",
        description="Leerling is vaak moe en heeft nieuwe dure spullen.",
    )
    intake_services.signal_triage(
        actor=coordinator, signal=world.signal, to_status=SignalStatus.IN_TRIAGE
    )
    intake_services.signal_ask(actor=coordinator, signal=world.signal, question="Sinds wanneer?")
    public, world.receipt = intake_services.signal_submit(
        actor=None,
        channel=Channel.PUBLIC,
        signaller_type="school",
        police_unit=unit("amsterdam"),
        indicators=[],
        age_band="16-17",
        gender="female",
        urgency="normal",
        description="Anoniem signaal.",
    )
    intake_services.signal_ask(actor=coordinator, signal=public, question="Waar was dit?")
    _, world.link_token = intake_services.intake_link_create(
        actor=coordinator, police_unit=unit("amsterdam"), label="Trainer"
    )
    budget_create(
        actor=world.users[Role.ADMINISTRATOR],
        dataset="open-data-fuzz",
        label="Open data",
        epsilon_total=Decimal("5"),
    )
    return world


# --- the URLs -------------------------------------------------------------------------------------

_PARAM = re.compile(r"<(?:[^>:]+:)?(?P<name>[^>]+)>")


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if not isinstance(entry.pattern, RoutePattern):
            continue  # regex patterns: only the admin's, fuzzed through its model pages
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            # The admin is fuzzed through its model pages; the REST API (keys, JSON bodies)
            # in tests/api/test_problems.py.
            if entry.namespace in ("admin", "api"):
                continue
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, route, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", "/" + route


def product_pages() -> list[tuple[str, str]]:
    """(URL name, route) of every named page outside the admin."""
    return sorted(set(_walk(get_resolver().url_patterns)))


def admin_pages() -> list[str]:
    """The admin's list (with its bulk actions), add and change page of every registered model."""
    names = []
    for model in admin.site._registry:
        meta = model._meta
        names += [
            f"admin:{meta.app_label}_{meta.model_name}_{kind}"
            for kind in ("changelist", "add", "change")
        ]
    return sorted(names)


def fill_route(name: str, route: str, world: World) -> str | None:
    values = {
        "event_id": world.event.pk,
        "delivery_id": world.delivery.pk,
        "reference": world.signal.reference,
        "token": world.link_token,
        "grant_id": world.grant.pk,
        "pk": Deployment.objects.order_by("pk").first().pk,
        "fmt": "html",
    }
    code = world.case.code
    if name.startswith("evaluation:"):
        code = Intervention.objects.order_by("pk").first().code

    def value(match: re.Match) -> str:
        param = match["name"]
        if param == "code":
            return str(code)
        if param not in values:
            raise LookupError(param)
        return str(values[param])

    try:
        return _PARAM.sub(value, route)
    except LookupError:
        return None


def admin_url(name: str) -> str | None:
    if name.endswith(("_add", "_changelist")):
        return reverse(name)
    app_label, model_name = name.removeprefix("admin:").removesuffix("_change").split("_", 1)
    model = apps.get_model(app_label, model_name)
    obj = model._default_manager.order_by("pk").first()
    return reverse(name, args=[obj.pk]) if obj is not None else None


# --- forms on a page ------------------------------------------------------------------------------


@dataclass
class PageForm:
    method: str
    action: str
    fields: dict[str, list[str]]  # name → baseline values (a list: checkboxes, multi-selects)
    kinds: dict[str, str]


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: tuple[str, bool] | None = None
        self._textarea: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {
                "method": a.get("method", "get").lower(),
                "action": a.get("action", ""),
                "inputs": [],
            }
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "input" and a.get("name"):
            self._form["inputs"].append(
                (a["name"], a.get("type", "text").lower(), a.get("value", ""), "checked" in a)
            )
        elif tag == "select" and a.get("name"):
            self._select = (a["name"], "multiple" in a)
            self._options = []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["inputs"].append((a["name"], "textarea", "", False))

    def handle_data(self, data):
        if self._textarea and self._form and data.strip():
            name, kind, value, checked = self._form["inputs"][-1]
            self._form["inputs"][-1] = (name, kind, value + data, checked)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, multiple = self._select
            chosen = [v for v, selected in self._options if selected]
            if not chosen:
                non_empty = [v for v, _ in self._options if v]
                chosen = non_empty[:1]
            self._form["inputs"].append((name, "select-multiple" if multiple else "select",
                                         chosen, True))  # fmt: skip
            self._select = None


def _default(kind: str) -> str:
    return {
        "date": timezone.localdate().isoformat(),
        "number": "1",
        "email": "iemand@example.org",
        "password": "een-lang-wachtwoord-2025",
    }.get(kind, "Tekst voor de fuzztest")


def page_forms(html: str, page_path: str) -> list[PageForm]:
    parser = _FormParser()
    parser.feed(html)
    found = []
    for raw in parser.forms:
        action = urlsplit(raw["action"] or page_path).path or page_path
        if SESSION_ENDING.search(action):
            continue
        fields: dict[str, list[str]] = {}
        kinds: dict[str, str] = {}
        for name, kind, value, checked in raw["inputs"]:
            if kind in ("submit", "button", "file", "image", "reset"):
                continue
            kinds.setdefault(name, kind)
            if kind in ("select", "select-multiple"):
                fields[name] = list(value)
            elif kind in ("checkbox", "radio"):
                fields.setdefault(name, [])
                if checked:
                    fields[name].append(value)
            else:
                fields[name] = [value or ("" if kind == "hidden" else _default(kind))]
        for name, kind in kinds.items():
            if kind in ("radio",) and not fields[name]:
                first = next(v for n, k, v, _ in raw["inputs"] if n == name)
                fields[name] = [first]
            if kind == "checkbox" and not fields[name] and name not in ("website",):
                first = next(v for n, k, v, _ in raw["inputs"] if n == name)
                if first not in ("on", ""):
                    fields[name] = [first]  # a multiple choice: one item chosen
        fuzzable = [n for n in fields if n != "csrfmiddlewaretoken"]
        if fuzzable:
            found.append(PageForm(raw["method"], action, fields, kinds))
    return found


# --- requests and checks --------------------------------------------------------------------------

# Rows a refused request may still write: the audit log (refusals are logged), sessions, the
# admin's log and rate-limit counters.
_UNCOUNTED_APPS = {"audit", "sessions", "admin"}


def _counted_tables() -> list[str]:
    tables = []
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label in _UNCOUNTED_APPS or model.__name__.endswith("Attempt"):
            continue
        if meta.proxy or not meta.managed:
            continue
        tables.append(meta.db_table)
    return sorted(set(tables))


def row_counts() -> tuple[int, ...]:
    tables = _counted_tables()
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def _refused(response) -> bool:
    if response.status_code >= 400:
        return True
    for context in response.context or ():
        for scope in getattr(context, "dicts", [context]):
            for value in scope.values() if hasattr(scope, "values") else ():
                if isinstance(value, BaseForm) and value.is_bound and value.errors:
                    return True
    return False


_address = iter(range(1, 10**7))


def send(client: Client, form: PageForm, data: dict) -> tuple[object, str]:
    """The answer, or the exception the view raised (as text)."""
    # A fresh address per request: the public pages' rate limit must not hide deeper code.
    n = next(_address)
    meta = {"REMOTE_ADDR": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"}
    try:
        if form.method == "post":
            return client.post(form.action, data, **meta), ""
        return client.get(form.action, data, **meta), ""
    except Exception as exc:  # noqa: BLE001 (any exception is the finding)
        return None, f"{type(exc).__name__}: {str(exc)[:120]}"


def one_at_a_time(form: PageForm, name: str) -> tuple[str, ...]:
    kind = form.kinds.get(name, "text")
    if kind == "date" or _DATE_NAME.search(name):
        return ONE_AT_A_TIME["date"]
    if kind in _TEXT_KINDS:
        return ONE_AT_A_TIME["text"]
    return ONE_AT_A_TIME["other"]


@dataclass
class Outcome:
    problems: list[str] = field(default_factory=list)
    accepted: int = 0  # requests that got through (not refused): they reached the save


def _probe(client: Client, form: PageForm, data: dict, where: str, outcome: Outcome) -> None:
    """One request, checked, then undone: the next request meets the same stored state."""
    with transaction.atomic():
        before = row_counts()
        response, error = send(client, form, data)
        if error:
            outcome.problems.append(f"{where}: {error}")
        elif response.status_code >= 500:
            outcome.problems.append(f"{where}: {response.status_code}")
        elif not _refused(response):
            outcome.accepted += 1
        elif row_counts() != before:
            outcome.problems.append(
                f"{where}: refused ({response.status_code}) but rows were stored"
            )
        transaction.set_rollback(True)


def _fuzzed_names(form: PageForm) -> list[str]:
    # An inline's empty template row (``__prefix__``) is never read by the server.
    return [n for n in form.fields if n != "csrfmiddlewaretoken" and "__prefix__" not in n]


def fuzz_form(client: Client, form: PageForm, *, leave_out_each: bool) -> Outcome:
    """All fields at once with every value of ALL_AT_ONCE, then each field alone with the values
    of its kind (and, with ``leave_out_each``, left out); the other fields keep their values."""
    names = _fuzzed_names(form)
    outcome = Outcome()
    for label in ALL_AT_ONCE:
        data = {k: list(v) for k, v in form.fields.items()}
        for name in names:
            if label == MISSING:
                del data[name]
            else:
                data[name] = HOSTILE[label]
        _probe(client, form, data, f"{form.method.upper()} {form.action} *={label}", outcome)
    for name in names:
        labels = one_at_a_time(form, name) + ((MISSING,) if leave_out_each else ())
        for label in labels:
            data = {k: list(v) for k, v in form.fields.items()}
            if label == MISSING:
                del data[name]
            else:
                data[name] = HOSTILE[label]
            where = f"{form.method.upper()} {form.action} {name}={label}"
            _probe(client, form, data, where, outcome)
    return outcome


def _order(path: str) -> list[str]:
    first = [role for prefix, role in PREFERRED if path.startswith(prefix)][:1]
    return first + [role for role in ROLES if role not in first]


def reach(world: World, path: str, roles=None) -> tuple[str, Client, list[PageForm]] | None:
    """The first role that gets the page with a form on it."""
    for role in roles or _order(path):
        client = world.client(role)
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        forms = page_forms(response.content.decode(), path)
        if forms:
            return role, client, forms
    return None


# Baseline values that make a form valid, so one hostile field reaches the code behind it.
def baseline(name: str, world: World) -> dict[str, list[str]]:
    if name == "public_intake:status":
        return {"code": [world.receipt]}
    if name == "cases:break_glass":
        return {
            "code": [world.far_case.code],
            "reason": ["Slachtoffer staat aan de balie en vraagt direct om opvang."],
        }
    return {}


@pytest.mark.parametrize(("name", "route"), [pytest.param(*p, id=p[0]) for p in product_pages()])
def test_no_form_page_answers_5xx_or_stores_half_on_hostile_values(world, name, route):
    path = fill_route(name, route, world)
    if path is None:
        pytest.skip(f"{route}: no object for its parameters in this world")
    reached = reach(world, path)
    if reached is None:
        assert name not in MUST_REACH, f"{name} ({path}): no role reached a form on this page"
        return
    _role, client, forms = reached
    problems = []
    extra = baseline(name, world)
    for form in forms:
        form.fields.update({k: v for k, v in extra.items() if k in form.fields})
        problems += fuzz_form(client, form, leave_out_each=True).problems
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", admin_pages())
def test_no_admin_form_answers_5xx_or_stores_half_on_hostile_values(world, name):
    path = admin_url(name)
    if path is None:
        pytest.skip("no object to change")
    client = world.client(Role.ADMINISTRATOR)
    page = client.get(path)
    if page.status_code == 403:
        return  # e.g. adding a second-factor device is refused to everyone
    assert page.status_code == 200, f"{name}: {page.status_code}"
    html = page.content.decode()
    forms = [form for form in page_forms(html, path) if form.action == path]
    assert forms or name.endswith("_changelist"), f"{name}: no form on the page"
    problems, accepted = [], 0
    for form in forms:
        outcome = fuzz_form(client, form, leave_out_each=False)
        problems += outcome.problems
        accepted += outcome.accepted
    assert not problems, "\n".join(problems)
    if name.endswith("_change") and 'name="_save"' in html:
        # Some requests were saved: the fingerprint was current, the save path was reached.
        assert accepted, f"{name}: every request was refused; none reached the save"


def test_a_nul_byte_in_a_list_filter_is_audited_visibly_not_a_500(client, police_officer):
    # PostgreSQL refuses \u0000 in JSON: the audit row of the case list answered 500 there.
    verified_login(client, police_officer)
    response = client.get("/casussen/", {"status": "a\x00b"})
    assert response.status_code == 200
    row = AuditEvent.objects.filter(action=AuditAction.CASE_LIST_READ).latest("pk")
    assert row.extra["filters"] == {"status": "a\ufffdb"}


def test_every_page_that_must_be_fuzzed_exists():
    names = {name for name, _ in product_pages()}
    assert names >= MUST_REACH
    assert resolve("/melden/").view_name == "public_intake:create"
