"""Stored research results (issue 15 item 3) with the real database worker, as in production
(INBEELD_RESULTS_AT_ONCE off): the first view of a research page says the figures are being
computed and computes nothing; the worker stores them per data scope, not per user; the page then
serves them with their time, and they equal a fresh computation (the oracle); a new event marks
them stale — the page keeps its figures and says new data are being processed — and queues one
recomputation, not one per write."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import pickle
import re

import pytest
from django.db.models import Model, OuterRef, Q, Subquery
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from inbeeld import policy
from inbeeld.accounts.models import Role
from inbeeld.analysis.evaluation import evaluation_for
from inbeeld.cases import selectors as case_selectors
from inbeeld.cases.models import Case, ConsentRecord
from inbeeld.jobs.models import StoredResult
from inbeeld.jobs.tasks import recompute_results
from inbeeld.pilot.dashboard import compact, pilot_dashboard
from inbeeld.publication.monitor_report import monitor_context_for
from tests.analysis.conftest import record
from tests.conftest import session_for
from tests.factories import add_membership, make_user
from tests.jobs.helpers import run_worker
from tests.publication.test_reports import build_world

# The worker commits as in production: these tests are transactional (tests/jobs/helpers.py).
pytestmark = pytest.mark.django_db(transaction=True)

PAGES = {
    "evaluation": reverse("evaluation:overview"),
    "monitor": reverse("reports:monitor_page"),
    "pilot_dashboard": reverse("pilot:dashboard"),
}


@pytest.fixture
def world(db, settings):
    settings.INBEELD_RESULTS_AT_ONCE = False
    return build_world()


def queued() -> int:
    return DBTaskResult.objects.ready().filter(task_path=recompute_results.module_path).count()


def payload(kind: str):
    row = StoredResult.objects.get(kind=kind)
    return pickle.loads(bytes(row.payload))  # noqa: S301 (written by the worker in this test)


def canonical(value):
    """The figures as plain data: dataclasses as dicts, sets sorted, rows of the database by key,
    NaN as text, the charts' element ids (a counter per drawing) left out."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {canonical(k): canonical(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(canonical(v) for v in value)
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, Model):
        return (type(value).__name__, value.pk)
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, str):
        return re.sub(r"(pilot-[a-z]+(?:-[a-z]+)?)-\d+", r"\1", value)
    return value


def same(stored, fresh) -> bool:
    return repr(canonical(stored)) == repr(canonical(fresh))


def test_the_first_view_computes_nothing_and_the_worker_stores_the_figures(world):
    client = session_for(world.researcher)
    for kind, url in PAGES.items():
        page = client.get(url)
        assert page.status_code == 200
        text = page.content.decode()
        assert "De cijfers voor deze pagina worden berekend" in text, kind
        assert StoredResult.objects.get(kind=kind).payload is None
    assert queued() == 1  # three pages, one recomputation
    client.get(PAGES["monitor"])
    assert queued() == 1

    run_worker()
    assert queued() == 0
    assert not StoredResult.objects.filter(stale=True).exists()
    # The oracle: the stored figures are those of a fresh computation.
    assert same(payload("evaluation"), evaluation_for(world.researcher))
    assert same(payload("monitor"), monitor_context_for(world.researcher, compute_bootstrap=True))
    assert same(payload("pilot_dashboard"), compact(pilot_dashboard(world.researcher)))
    row = StoredResult.objects.get(kind="evaluation")
    assert row.cutoff == payload("evaluation").cutoff and len(row.fingerprint) == 64

    for kind, url in PAGES.items():
        text = client.get(url).content.decode()
        assert "Cijfers van " in text, kind
        assert "nieuwe gegevens worden verwerkt" not in text, kind


def test_a_new_event_marks_them_stale_and_queues_one_recomputation(world):
    client = session_for(world.researcher)
    client.get(PAGES["evaluation"])
    client.get(PAGES["monitor"])
    run_worker()
    before = payload("evaluation")
    versions = dict(StoredResult.objects.values_list("kind", "version"))

    case = world.cases[0]
    record(
        case, "complaint_filed", dt.date(2025, 11, 3), actor=world.recorders[case.police_unit.code]
    )
    record(case, "case_closed", dt.date(2025, 11, 4), actor=world.recorders[case.police_unit.code])
    assert set(StoredResult.objects.values_list("stale", flat=True)) == {True}
    assert all(r.version > versions[r.kind] for r in StoredResult.objects.all())
    assert queued() == 1  # two writes, one recomputation

    # The page keeps its figures (not emptied) and says they are being brought up to date.
    text = client.get(PAGES["evaluation"]).content.decode()
    assert "Cijfers van " in text and "nieuwe gegevens worden verwerkt" in text
    assert same(payload("evaluation"), before)

    run_worker()
    fresh = evaluation_for(world.researcher)
    assert not same(fresh, before)  # the new events changed the figures...
    assert same(payload("evaluation"), fresh)  # ...and the stored ones are the new ones
    assert payload("evaluation").cutoff == dt.date(2025, 11, 4)
    text = client.get(PAGES["evaluation"]).content.decode()
    assert "nieuwe gegevens worden verwerkt" not in text


def test_results_are_kept_per_data_scope_not_per_user(world):
    other = make_user(Role.RESEARCHER)
    session_for(world.researcher).get(PAGES["evaluation"])
    session_for(other).get(PAGES["evaluation"])
    assert StoredResult.objects.filter(kind="evaluation").count() == 1  # one scope
    assert policy.research_scope(other).key == "cases=consent"

    # A researcher who is also a police officer in Rotterdam sees more cases: another scope.
    wider = make_user(Role.RESEARCHER)
    add_membership(wider, Role.POLICE_OFFICER, unit_code="rotterdam")
    assert policy.research_scope(wider).key != policy.research_scope(other).key
    session_for(wider).get(PAGES["evaluation"])
    assert StoredResult.objects.filter(kind="evaluation").count() == 2
    run_worker()
    assert same(
        pickle.loads(  # noqa: S301
            bytes(
                StoredResult.objects.get(
                    kind="evaluation", scope_key=policy.research_scope(wider).key
                ).payload
            )
        ),
        evaluation_for(wider),
    )


def test_a_page_still_checks_the_policy(world):
    officer = make_user(Role.POLICE_OFFICER)
    client = session_for(officer)
    for url in PAGES.values():
        assert client.get(url).status_code == 403
    assert not StoredResult.objects.exists()


@pytest.mark.parametrize(
    "roles",
    [
        (Role.RESEARCHER,),
        (Role.POLICE_OFFICER,),
        (Role.RESEARCHER, Role.POLICE_OFFICER),
        (Role.PROSECUTOR,),
        (Role.EXAMINING_JUDGE,),
        (Role.PSYCHOLOGIST,),
        (Role.PRIVACY_OFFICER,),
        (),
    ],
)
def test_a_scope_rebuilt_from_its_key_selects_the_users_cases(world, roles):
    user = make_user(roles[0] if roles else None)
    for role in roles[1:]:
        add_membership(user, role, unit_code="rotterdam")
    if Role.PSYCHOLOGIST in roles:
        from inbeeld.cases.models import CaseAssignment

        CaseAssignment.objects.create(case=world.cases[2], user=user, role=Role.PSYCHOLOGIST)
    for monitor in (False, True):
        scope = policy.research_scope(user, monitor=monitor)
        rebuilt = policy.ResearchScope.from_key(scope.key)
        assert rebuilt == scope
        # The rules as policy states them, applied membership by membership (not via the key).
        scope_q = policy.case_scope_filter(user, policy.EVALUATION_ACTION)
        expected = Case.objects.none() if scope_q is None else Case.objects.filter(scope_q)
        if monitor and Role.RESEARCHER in roles:
            latest = ConsentRecord.objects.filter(case=OuterRef("pk")).order_by("-pk")
            expected = expected.annotate(latest=Subquery(latest.values("scope")[:1])).filter(
                Q(research_consent=False) | Q(latest=policy.MONITOR_CONSENT_SCOPE)
            )
        got = case_selectors.cases_of_research_scope(rebuilt)
        assert sorted(got.values_list("pk", flat=True)) == sorted(
            expected.values_list("pk", flat=True)
        )
