"""Need to know, for every free-text field of the product (issue 11, item 3).

The attack: the pilot's "reason not delivered" was shown to anyone who may read notes at all, so a
psychologist's reason reached the prosecutor and the examining judge and a coordinator's reached
the police. Here every field users type free text into gets a unique marker per writer (so per
role family), written through the real services; then every role fetches every page of the
project (each URL pattern, filled with the planted objects) and every export and report it can
reach (CSV, XLSX, SPSS, CTDC, HTML, PDF, monitor tables), and the commands `inbeeld evaluate`,
`inbeeld export` and `inbeeld report` run. A marker must be seen by exactly the users READERS
names: never by anyone else, and always by its readers (so the walk can fail: a marker nobody sees
means the walk missed the page).

Free-text fields covered (TextField/CharField users type into): chain-event notes (police, care,
prosecution, judiciary), pilot reasons "not delivered" (the same families), the signal's name,
description, municipality and contact details, the coordinator's internal note, messages to the
signaller, question and answer, break-glass reasons, the privacy officer's review note, the
deployment's note and partners, the one-time intake link's label and the explanation of a
four-eyes decision.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import tempfile
from collections import defaultdict
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

from inbeeld.accounts.models import Role
from inbeeld.cases.services import break_glass_open, break_glass_review, event_record
from inbeeld.intake import services as intake
from inbeeld.intake.models import Channel
from inbeeld.intake.workflow import SignalStatus
from inbeeld.pilot.models import Deployment, Intervention, Phase
from inbeeld.pilot.services import delivery_record, deployment_save
from inbeeld.reference.models import Indicator
from tests.conftest import verified_login
from tests.factories import CaseFactory, assign, court, event_type, make_user, unit

pytestmark = pytest.mark.django_db

MARKER = re.compile(r"ZQ[A-Z0-9]+QZ")


def marker(*parts: str) -> str:
    """A marker no page contains by accident (upper case, fenced, so no marker is a prefix of
    another one)."""
    return "ZQ" + "".join(p.upper() for p in parts).replace("_", "") + "QZ"


# --- who may read what ----------------------------------------------------------------------------
#
# The users: one of every role in the case's area (psychologist and peer expert assigned to it),
# plus a police officer and a prosecutor from Limburg who opened the case by break-glass, a safety
# coordinator from Limburg without any grant, and an anonymous visitor.

FAMILY_READERS = {
    "police": {"police", "psychologist", "police_bg"},
    "care": {"coordinator", "peer"},
    "prosecution": {"prosecutor", "prosecutor_bg"},
    "judiciary": {"judge"},
}
WRITER_FAMILY = {
    "police": "police",
    "psychologist": "police",
    "coordinator": "care",
    "peer": "care",
    "prosecutor": "prosecution",
    "judge": "judiciary",
}
# Who writes which chain event (with a note) and which pilot delivery (with a reason).
EVENTS = [
    ("police", "first_police_contact"),
    ("psychologist", "informative_interview"),
    ("coordinator", "safety_assessment"),
    ("peer", "safety_assessment"),
    ("police", "complaint_filed"),
    ("judge", "rc_hearing"),
    ("prosecutor", "rc_hearing"),
]
DELIVERIES = [
    ("police", "psychologist"),
    ("psychologist", "psychologist"),
    ("coordinator", "safety_coordinator"),
    ("peer", "peer_expert"),
    ("prosecutor", "shorter_lead_times"),
    ("judge", "examining_judge"),
]
SIGNAL_FIELDS = [
    "subject_name",
    "description",
    "municipality",
    "contact_name",
    "contact_organisation",
    "contact_phone",
    "contact_email",
]


def readers() -> dict[str, set[str]]:
    """marker → the users who must see it (and nobody else may)."""
    table: dict[str, set[str]] = {}
    for writer, code in EVENTS:
        if code != "complaint_filed":
            table[marker("note", writer, code)] = FAMILY_READERS[WRITER_FAMILY[writer]]
    for writer, code in DELIVERIES:
        table[marker("reason", writer, code)] = FAMILY_READERS[WRITER_FAMILY[writer]]
    # The signal is for the safety coordinators of its unit; the signaller sees only what is
    # addressed to them.
    for field in SIGNAL_FIELDS:
        table[marker("signal", field)] = {"coordinator"}
    table[marker("signal", "internal", "note")] = {"coordinator"}
    for field in ("status_message", "question", "answer"):
        table[marker("signal", field)] = {"coordinator", "signaller"}
    table[marker("link", "label")] = {"coordinator"}
    # A break-glass reason: its holder (on the case page) and the privacy officer (review);
    # the review note: the privacy officer only.
    table[marker("breakglass", "police")] = {"police_bg", "privacy"}
    table[marker("breakglass", "prosecutor")] = {"prosecutor_bg", "privacy"}
    table[marker("review", "note")] = {"privacy"}
    # The pilot's deployments are managed by researchers.
    table[marker("deployment", "note")] = {"researcher"}
    table[marker("deployment", "partners")] = {"researcher"}
    # A four-eyes decision's explanation: the deciders (privacy officers and administrators).
    table[marker("approval", "reason")] = {"privacy", "admin"}
    # A note on a suspect's link (issue 17): the writer's family among those who see suspect
    # details (police, prosecutor); never researchers, care, the psychologist or break-glass.
    table[marker("suspect", "police")] = {"police"}
    table[marker("suspect", "prosecutor")] = {"prosecutor"}
    return table


# --- the world ------------------------------------------------------------------------------------


def _users() -> dict:
    limburg = unit("limburg")
    users = {
        "signaller": make_user(Role.SIGNALLER),
        "coordinator": make_user(Role.SAFETY_COORDINATOR),
        "police": make_user(Role.POLICE_OFFICER),
        "psychologist": make_user(Role.PSYCHOLOGIST),
        "prosecutor": make_user(Role.PROSECUTOR),
        "judge": make_user(Role.EXAMINING_JUDGE),
        "peer": make_user(Role.PEER_EXPERT),
        "researcher": make_user(Role.RESEARCHER),
        "privacy": make_user(Role.PRIVACY_OFFICER),
        "admin": make_user(Role.ADMINISTRATOR, is_staff=True),
        "police_bg": make_user(Role.POLICE_OFFICER, unit_code="limburg"),
        "prosecutor_bg": make_user(Role.PROSECUTOR, district_code=limburg.om_district.code),
        "coordinator_elsewhere": make_user(Role.SAFETY_COORDINATOR, unit_code="limburg"),
    }
    return users


def _plant(users: dict) -> dict:
    """Write every marker through the real services; returns the planted objects."""
    case = CaseFactory(intake_date=dt.date(2024, 3, 1), court=court("amsterdam"))
    assign(case, users["psychologist"], Role.PSYCHOLOGIST)
    assign(case, users["peer"], Role.PEER_EXPERT)
    day = case.intake_date
    events = []
    for writer, code in EVENTS:
        day += dt.timedelta(days=1)
        note = "" if code == "complaint_filed" else marker("note", writer, code)
        events.append(
            event_record(
                actor=users[writer],
                case=case,
                event_type=event_type(code),
                event_date=day,
                note=note,
            )
        )
    deliveries = []
    for writer, code in DELIVERIES:
        delivery = delivery_record(
            actor=users[writer],
            case=case,
            intervention=Intervention.objects.get(code=code),
            date=day,
            delivered=False,
            reason_not_delivered=marker("reason", writer, code),
        )
        deliveries.append(delivery)
    _case, pending = break_glass_open(
        actor=users["police_bg"], code=case.code, reason=marker("breakglass", "police") + " spoed"
    )
    _case, reviewed = break_glass_open(
        actor=users["prosecutor_bg"],
        code=case.code,
        reason=marker("breakglass", "prosecutor") + " spoed",
    )
    break_glass_review(
        actor=users["privacy"], grant=reviewed, verdict="unjustified", note=marker("review", "note")
    )

    signal, _receipt = intake.signal_submit(
        actor=users["signaller"],
        channel=Channel.ACCOUNT,
        signaller_type="school",
        police_unit=unit("amsterdam"),
        indicators=[
            Indicator.objects.filter(category__catalogue_version=intake.current_catalogue_version())
            .order_by("pk")
            .first()
        ],
        age_band="16-17",
        gender="female",
        urgency="normal",
        subject_name=marker("signal", "subject_name"),
        description=marker("signal", "description"),
        municipality=marker("signal", "municipality"),
        contact=intake.Contact(
            name=marker("signal", "contact_name"),
            organisation=marker("signal", "contact_organisation"),
            phone=marker("signal", "contact_phone"),
            email=marker("signal", "contact_email"),
        ),
    )
    intake.signal_triage(
        actor=users["coordinator"],
        signal=signal,
        to_status=SignalStatus.IN_TRIAGE,
        note=marker("signal", "internal", "note"),
        message=marker("signal", "status_message"),
    )
    intake.signal_ask(
        actor=users["coordinator"], signal=signal, question=marker("signal", "question")
    )
    intake.signal_answer(actor=users["signaller"], signal=signal, answer=marker("signal", "answer"))
    link, token = intake.intake_link_create(
        actor=users["coordinator"], police_unit=unit("amsterdam"), label=marker("link", "label")
    )

    deployment = deployment_save(
        actor=users["researcher"],
        deployment=Deployment(
            intervention=Intervention.objects.get(code="peer_expert"), phase=Phase.objects.first()
        ),
        police_units=[unit("limburg")],
        start=dt.date(2020, 1, 1),
        end=dt.date(2020, 6, 30),
        partners=marker("deployment", "partners"),
        regions_assumed=False,
        note=marker("deployment", "note"),
    )
    from inbeeld.approvals import services as approvals

    limburg = unit("limburg")
    change = approvals.change_request_create(
        actor=users["admin"],
        model=type(limburg),
        obj=limburg,
        before={"om_district": limburg.om_district_id},
        changes={"om_district": case.police_unit.om_district_id},
    )
    approvals.change_request_reject(
        actor=users["privacy"], request_id=change.pk, reason=marker("approval", "reason")
    )
    from inbeeld.suspects import services as suspects

    links = [
        suspects.suspect_register(
            actor=users[writer],
            case=case,
            role="exploiter",
            relationship="partner",
            note=marker("suspect", writer),
        )
        for writer in ("police", "prosecutor")
    ]
    step = suspects.proceeding_record(
        actor=users["prosecutor"],
        case=case,
        suspect=links[0].suspect,
        date=case.intake_date,
        kind="decision",
        decision="summons",
    )
    entry = suspects.non_punishment_record(
        actor=users["police"], case=case, step="suspected", date=case.intake_date, offence="drugs"
    )
    from inbeeld.suspects.modus_operandi import safety_fact_record

    # A safety fact and a telling of the story: the case page's safety section has content.
    facts = [
        safety_fact_record(actor=users["police"], case=case, kind=kind, date=case.intake_date)
        for kind in ("threat", "complaint")
    ]
    return {
        "case": case,
        "suspects": [link.suspect.code for link in links],
        "links": [str(link.pk) for link in links],
        "step": [str(step.pk)],
        "non_punishment": [str(entry.pk)],
        "safety_facts": [str(fact.pk) for fact in facts],
        "events": events,
        "deliveries": deliveries,
        "grants": [pending, reviewed],
        "signal": signal,
        "token": token,
        "deployment": deployment,
    }


# --- walking every page ---------------------------------------------------------------------------

FORMATS = ["html", "pdf", "csv", "xlsx", "sav", "ctdc", "json"]


def _formats(name: str) -> list[str]:
    """The formats a download URL serves (every format we know for an unknown one)."""
    from inbeeld.publication import exports, views

    served = {
        "reports:evaluation": views.FORMATS,
        "reports:monitor": views.FORMATS,
        "reports:monitor_tables": getattr(views, "TABLE_FORMATS", FORMATS),
        "reports:microdata": exports.CONTENT_TYPES,
    }
    return list(served.get(name, FORMATS))


def _routes(patterns, prefix: str = "", namespace: str = ""):
    """(route with <converter:name> placeholders, URL name) of every non-admin URL pattern."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            # The REST API shows the same selectors' data to a key, never to a session: its
            # need-to-know is walked in tests/api (notes per family, scope per role).
            if entry.namespace in ("admin", "api"):
                continue
            assert isinstance(entry.pattern, RoutePattern), entry
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern), ns)
        else:
            assert isinstance(entry, URLPattern) and isinstance(entry.pattern, RoutePattern), entry
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}"


def _values(name: str, param: str, world: dict) -> list[str]:
    if name == "evaluation:intervention" and param == "code":
        return list(Intervention.objects.values_list("code", flat=True))
    if param == "token" and name != "public_intake:link":
        # Account links (password reset, second-factor enrolment) are personal and show none of
        # the planted texts; an unknown token answers 404.
        return ["onbekend"]
    known = {
        "code": [world["case"].code],
        "event_id": [str(e.pk) for e in world["events"]],
        "delivery_id": [str(d.pk) for d in world["deliveries"]],
        "reference": [world["signal"].reference],
        "pk": [str(world["deployment"].pk)],
        "grant_id": [str(g.pk) for g in world["grants"]],
        "fmt": _formats(name),
        "token": [world["token"]],
        # The import templates (empty files with only the Dutch column names).
        "kind": ["cases", "signals"],
        # Suspects (issue 17).
        "suspect": world["suspects"],
        "link_id": world["links"],
        "step_id": world["step"],
        "entry_id": world["non_punishment"],
        "fact_id": world["safety_facts"],
        # The agenda register holds no case data and no free text of a case (issue 18): its
        # pages are walked with an id (found or not, they show none of the planted texts).
        "publication_id": ["1"],
        "recommendation_id": ["1"],
        "milestone_id": ["1"],
    }
    assert param in known, f"teach the need-to-know walk the URL parameter {param!r} of {name}"
    return known[param]


def project_pages(world: dict) -> list[str]:
    """Every URL of the project (outside the admin) filled with the planted objects."""
    urls = []
    placeholder = re.compile(r"<(?:[^>:]+:)?([^>]+)>")
    for route, name in _routes(get_resolver().url_patterns):
        filled = [route]
        for param in placeholder.findall(route):
            filled = [
                re.sub(rf"<(?:[^>:]+:)?{param}>", value, url, count=1)
                for url in filled
                for value in _values(name, param, world)
            ]
        urls.extend("/" + url for url in filled)
    return urls


def admin_pages() -> list[str]:
    """The admin's index, app pages, and every registered model's list, add and change pages."""
    from django.contrib import admin

    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        opts = model._meta
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])
            )
    urls += [
        reverse("admin:app_list", args=[label])
        for label in sorted({m._meta.app_label for m in admin.site._registry})
    ]
    return urls


def text_of(content: bytes, content_type: str) -> str:
    """Everything a reader of this response could read, as text."""
    if content_type.startswith("application/pdf"):
        import pypdfium2

        pdf = pypdfium2.PdfDocument(content)
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    if "spreadsheetml" in content_type:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        cells = [ws.title for ws in book.worksheets]
        for ws in book.worksheets:
            for row in ws.iter_rows(values_only=True):
                cells.extend(str(v) for v in row if v is not None)
        return "\n".join(cells)
    if "spss" in content_type or content[:4] == b"$FL2":
        import pyreadstat

        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "data.sav"
            path.write_bytes(content)
            frame, meta = pyreadstat.read_sav(str(path))
        return "\n".join(
            [frame.to_csv(), str(meta.column_names_to_labels), str(meta.variable_value_labels)]
        )
    return html.unescape(content.decode("utf-8", "replace"))


def _seen(text: str) -> set[str]:
    return set(MARKER.findall(text))


def walk(client: Client, urls: list[str], where: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code != 200:
            continue  # refused, not found, a redirect (its target is walked itself), POST only
        content = b"".join(response.streaming_content) if response.streaming else response.content
        found = _seen(text_of(content, response.get("Content-Type", "")))
        for m in found:
            where[m].append(url)
        seen |= found
    return seen


def _accept_data_use_agreement(researcher) -> None:
    """Microdata need an accepted data-use agreement where the product asks for one."""
    from inbeeld.publication import services

    accept = getattr(services, "data_use_agreement_accept", None)
    if accept is not None:
        from inbeeld.publication import agreement

        accept(actor=researcher, version=agreement.VERSION)


def test_every_free_text_reaches_exactly_its_readers_on_every_page_and_export():
    users = _users()
    world = _plant(users)
    _accept_data_use_agreement(users["researcher"])
    pages = project_pages(world)
    assert len(pages) > 40
    seen_by: dict[str, set[str]] = {}
    where: dict[str, list[str]] = defaultdict(list)
    for key, user in users.items():
        client = verified_login(Client(), user)
        urls = pages + (admin_pages() if key == "admin" else [])
        seen_by[key] = walk(client, urls, where)
    seen_by["anonymous"] = walk(Client(), pages, where)

    expected = readers()
    problems = []
    for m, allowed in expected.items():
        actual = {key for key, seen in seen_by.items() if m in seen}
        if actual != allowed:
            problems.append(
                f"{m}: seen by {sorted(actual)}, must be {sorted(allowed)} "
                f"(pages: {sorted(set(where[m]))[:6]})"
            )
    unknown = set().union(*seen_by.values()) - set(expected)
    assert not unknown, f"markers not in the table: {unknown}"
    assert not problems, "\n".join(problems)


def test_no_free_text_in_any_command_output(tmp_path):
    """`inbeeld evaluate`, `inbeeld export` (every format, CTDC included) and `inbeeld report`
    (monitor and evaluation) carry no free text at all."""
    users = _users()
    _plant(users)
    _accept_data_use_agreement(users["researcher"])
    outputs: dict[str, str] = {}
    for fmt in ("json", "csv"):
        out = io.StringIO()
        call_command("evaluate", format=fmt, user=users["researcher"].username, stdout=out)
        outputs[f"evaluate {fmt}"] = out.getvalue()
    types = {"csv": "text/csv", "xlsx": "spreadsheetml", "sav": "spss", "ctdc": "text/csv"}
    for fmt, content_type in types.items():
        path = tmp_path / f"microdata.{fmt}"
        call_command(
            "export",
            format=fmt,
            user=users["researcher"].username,
            output=str(path),
            stdout=io.StringIO(),
        )
        outputs[f"export {fmt}"] = text_of(path.read_bytes(), content_type)
    for kind in ("monitor", "evaluation"):
        path = tmp_path / f"{kind}.html"
        call_command(
            "report",
            kind,
            format="html",
            user=users["researcher"].username,
            output=str(path),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        outputs[f"report {kind}"] = path.read_text()
    assert all(outputs.values()), [k for k, v in outputs.items() if not v]
    leaks = {name: _seen(text) for name, text in outputs.items() if _seen(text)}
    assert not leaks, leaks


def test_the_decoders_find_a_marker_in_every_format(tmp_path):
    """The walk reads PDF, XLSX and SPSS files as text; a marker in them would be found."""
    import pandas
    import pyreadstat
    from openpyxl import Workbook
    from weasyprint import HTML

    m = marker("decoder", "check")
    pdf = HTML(string=f"<p>Reden: {m}</p>").write_pdf()
    assert m in text_of(pdf, "application/pdf")
    book = Workbook()
    book.active["B2"] = m
    buffer = io.BytesIO()
    book.save(buffer)
    assert m in text_of(
        buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    path = tmp_path / "check.sav"
    pyreadstat.write_sav(pandas.DataFrame({"reden": [m]}), str(path))
    assert m in text_of(path.read_bytes(), "application/x-spss-sav")
