"""The one release service (inbeeld.publication.release): every path by which figures or data
leave the platform writes exactly one audit row, and that row comes from the service.

RELEASE_PATHS lists them all: the report pages (HTML, PDF), the monitor's tables (CSV, XLSX), the
microdata (CSV, XLSX, SAV, CTDC), a differentially private release (the open-data page), and the
commands `inbeeld evaluate`, `inbeeld report` and `inbeeld export`. A path is run, and the test
requires one new audit row, of the kind's action, written through ``release.audit_record`` (the
only call of it is in ``release_record``). A static check keeps it that way: no other module of
analysis/ or publication/ writes a release's audit action. Plus the ``--user`` of the commands:
an unknown user or one the policy refuses gets a Dutch message and a refusal row.
"""

from __future__ import annotations

import ast
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import inbeeld
from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.publication import agreement
from inbeeld.publication import release as release_service
from inbeeld.publication.release import RELEASES, ReleaseKind
from inbeeld.publication.services import budget_create, data_use_agreement_accept
from tests.conftest import verified_login
from tests.factories import CaseFactory, make_user, record_events, unit
from tests.jobs.helpers import fetch_via_job

pytestmark = pytest.mark.django_db

SRC = Path(inbeeld.__file__).resolve().parent
RELEASE_ACTIONS = {audit.action for audit in RELEASES.values()}


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world():
    researcher = make_user(Role.RESEARCHER)
    data_use_agreement_accept(actor=researcher, version=agreement.VERSION)
    administrator = make_user(Role.ADMINISTRATOR, is_staff=True)
    budget_create(actor=administrator, dataset="open", label="Open data", epsilon_total=10)
    for i, code in enumerate(("amsterdam", "noord-holland", "amsterdam")):
        case = CaseFactory(police_unit=unit(code), intake_date=dt.date(2023, 3 + i, 1))
        record_events(case, [("first_police_contact", ""), ("complaint_filed", "")])
    return researcher


def _client(user) -> Client:
    client = Client()
    verified_login(client, user)
    return client


def _page(name: str, fmt: str | None) -> Callable:
    def run(user, client, tmp_path):
        response = client.get(reverse(name, args=[fmt] if fmt else []))
        assert response.status_code == 200, response.status_code

    return run


def _job(name: str, fmt: str) -> Callable:
    """A file made by the worker: asked for, made, then fetched (the fetch is the release)."""

    def run(user, client, tmp_path):
        response = fetch_via_job(client, reverse(name, args=[fmt]))
        assert response.status_code == 200, response.status_code

    return run


def _open_data(user, client, tmp_path):
    year = timezone.localdate().year
    response = client.post(
        reverse("reports:open_data"),
        {
            "dataset": "open",
            "table": "form",
            "first_year": year - 2,
            "last_year": year,
            "epsilon": "0,5",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]


def _command(*args) -> Callable:
    def run(user, client, tmp_path):
        options = {"user": user.username}
        if args[0] in ("report", "export"):
            options["output"] = str(tmp_path / "release.out")
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO(), **options)

    return run


RELEASE_PATHS: dict[str, tuple[ReleaseKind, Callable]] = {
    "page: evaluation report html": (ReleaseKind.REPORT, _page("reports:evaluation", "html")),
    "page: monitor report pdf": (ReleaseKind.REPORT, _job("reports:monitor", "pdf")),
    "page: monitor tables csv": (
        ReleaseKind.MONITOR_TABLES,
        _page("reports:monitor_tables", "csv"),
    ),
    "page: monitor tables xlsx": (
        ReleaseKind.MONITOR_TABLES,
        _page("reports:monitor_tables", "xlsx"),
    ),
    **{
        f"page: microdata {fmt}": (ReleaseKind.MICRODATA, _job("reports:microdata", fmt))
        for fmt in ("csv", "xlsx", "sav", "ctdc")
    },
    "page: open data (DP release)": (ReleaseKind.DP_RELEASE, _open_data),
    "cli: evaluate --user": (ReleaseKind.EVALUATION, _command("evaluate", "--format", "csv")),
    "cli: report evaluation --user": (
        ReleaseKind.REPORT,
        _command("report", "evaluation", "--format", "html"),
    ),
    "cli: report monitor --user": (
        ReleaseKind.REPORT,
        _command("report", "monitor", "--format", "html"),
    ),
    "cli: export sav": (ReleaseKind.MICRODATA, _command("export", "--format", "sav")),
    # The perpetrator and non-punishment report (issue 17): page, PDF, tables, command.
    "page: perpetrator tables": (ReleaseKind.REPORT, _page("reports:perpetrators", None)),
    "page: perpetrator report pdf": (
        ReleaseKind.REPORT,
        _page("reports:perpetrator_report", "pdf"),
    ),
    **{
        f"page: perpetrator tables {fmt}": (
            ReleaseKind.PERPETRATOR_TABLES,
            _page("reports:perpetrator_tables", fmt),
        )
        for fmt in ("csv", "xlsx")
    },
    "cli: report perpetrators csv --user": (
        ReleaseKind.PERPETRATOR_TABLES,
        _command("report", "perpetrators", "--format", "csv"),
    ),
    "cli: report perpetrators pdf --user": (
        ReleaseKind.REPORT,
        _command("report", "perpetrators", "--format", "pdf"),
    ),
}


@pytest.mark.parametrize(
    "name",
    [
        # The worker makes the PDF and commits as in production (tests/jobs/helpers.py).
        pytest.param(name, marks=pytest.mark.django_db(transaction=True))
        if name.endswith("pdf") or name.startswith("page: microdata")
        else name
        for name in RELEASE_PATHS
    ],
)
def test_every_release_writes_exactly_one_audit_row_through_the_service(
    name, world, tmp_path, monkeypatch
):
    kind, run = RELEASE_PATHS[name]
    through_service = []
    record = release_service.audit_record

    def spy(**kwargs):
        row = record(**kwargs)
        through_service.append(row.pk)
        return row

    monkeypatch.setattr(release_service, "audit_record", spy)
    client = _client(world)  # the login writes its own row, before the release
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    run(world, client, tmp_path)
    new = AuditEvent.objects.exclude(pk__in=before)
    assert new.count() == 1, list(new.values_list("action", flat=True))
    row = new.get()
    assert row.action == RELEASES[kind].action
    assert row.subject_type == RELEASES[kind].subject_type
    assert through_service == [row.pk]
    expected_actor = None if "(national)" in name else world
    assert row.actor == expected_actor


def test_every_release_kind_has_a_path():
    assert {kind for kind, _ in RELEASE_PATHS.values()} == set(ReleaseKind)


def _release_action_writers() -> list[str]:
    """Modules of analysis/ and publication/ (other than the release service) that name a release's
    audit action."""
    names = {str(action.name) for action in RELEASE_ACTIONS}
    found = []
    # AuditAction.<a release action>, wherever it is written.
    for app in ("analysis", "publication"):
        for path in sorted((SRC / app).rglob("*.py")):
            if "migrations" in path.parts or path == SRC / "publication" / "release.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr in names
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "AuditAction"
                ):
                    found.append(f"{path.relative_to(SRC)}:{node.lineno}: {node.attr}")
    return found


def test_only_the_release_service_writes_a_release_audit_row():
    assert _release_action_writers() == []


def test_a_release_row_rolls_back_with_its_release(world, tmp_path, monkeypatch):
    """A file that cannot be written leaves no audit row (one transaction)."""
    before = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="niet schrijven"):
        call_command(
            "report",
            "evaluation",
            format="html",
            user=world.username,
            output=str(tmp_path / "missing" / "dir" / "x.html"),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert AuditEvent.objects.count() == before


# --- --user on the commands -----------------------------------------------------------------------

# The command's audit name → (its arguments, the Dutch refusal).
REFUSING_COMMANDS = {
    "evaluate": (("evaluate",), "mag de evaluatie niet inzien"),
    "report evaluation": (("report", "evaluation", "--format", "html"), "mag de evaluatie niet"),
    "report monitor": (("report", "monitor", "--format", "html"), "mag de monitor niet inzien"),
    "export": (("export", "--format", "csv"), "mag geen microdata exporteren"),
}


@pytest.mark.parametrize("command", list(REFUSING_COMMANDS))
def test_a_command_refuses_a_user_the_policy_does_not_allow_in_dutch_and_audits_it(
    command, world, tmp_path
):
    args, message = REFUSING_COMMANDS[command]
    officer = make_user(Role.PRIVACY_OFFICER)
    target = tmp_path / "out"
    with pytest.raises(CommandError, match=message):
        call_command(*args, user=officer.username, output=str(target), stdout=io.StringIO())
    assert not target.exists()
    refusal = AuditEvent.objects.get(action=AuditAction.FUNCTION_ACCESS_DENIED)
    assert refusal.actor == officer
    assert (refusal.subject_type, refusal.subject_ref) == ("command", command)
    assert not AuditEvent.objects.filter(action__in=RELEASE_ACTIONS).exists()


@pytest.mark.parametrize("command", list(REFUSING_COMMANDS))
def test_a_command_refuses_an_unknown_user_in_dutch_and_audits_it(command, world, tmp_path):
    args, _message = REFUSING_COMMANDS[command]
    with pytest.raises(CommandError, match="bestaat niet of is niet actief"):
        call_command(*args, user="niemand", output=str(tmp_path / "out"), stdout=io.StringIO())
    refusal = AuditEvent.objects.get(action=AuditAction.FUNCTION_ACCESS_DENIED)
    assert refusal.actor is None and refusal.extra["username"] == "niemand"
    assert not AuditEvent.objects.filter(action__in=RELEASE_ACTIONS).exists()


def test_a_command_as_a_researcher_counts_what_the_research_scope_counts(world):
    """A researcher's scope is the research scope: the same numbers with and without --user."""
    import json

    def run(**options) -> dict:
        out = io.StringIO()
        call_command("evaluate", stdout=out, **options)
        return json.loads(out.getvalue())

    from inbeeld.analysis.evaluation import research_evaluation
    from inbeeld.analysis.export import to_json_payload

    as_researcher = run(user=world.username)
    national = json.loads(json.dumps(to_json_payload(research_evaluation()), allow_nan=False))
    assert as_researcher["n_cases"] == national["n_cases"] == 3
    assert as_researcher == national


@pytest.mark.parametrize("command", list(REFUSING_COMMANDS))
def test_a_command_without_a_user_is_refused_in_dutch_and_releases_nothing(
    command, world, tmp_path
):
    """Default deny: no release command runs on nobody's behalf."""
    args, _message = REFUSING_COMMANDS[command]
    target = tmp_path / "out"
    with pytest.raises(CommandError, match="Geef met --user|Geef --format"):
        call_command(*args, output=str(target), stdout=io.StringIO())
    assert not target.exists()
    assert not AuditEvent.objects.filter(action__in=RELEASE_ACTIONS).exists()
