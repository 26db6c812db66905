"""The privacy-budget ledger (inbeeld.publication.services): differentially private releases of
open data are charged to their data set's budget, and a release past the budget is refused.

Who: the administrator fixes a budget (budget_create), a researcher spends it (dp_release),
nobody else does either. What is refused leaves nothing behind: no release row, no audit row.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inbeeld import policy
from inbeeld.accounts.models import Role
from inbeeld.audit.models import AppendOnlyError, AuditAction, AuditEvent
from inbeeld.publication import release as release_service
from inbeeld.publication import services
from inbeeld.publication.models import PrivacyBudget, PrivacyRelease
from inbeeld.publication.services import budget_create, budget_remaining, dp_release
from tests.factories import make_user

pytestmark = pytest.mark.django_db

DATASET = "monitor-open-data"
LABELS = ["seksueel", "arbeid", "crimineel", "overig"]
COUNTS = [412, 133, 97, 8]
BUDGET_EXHAUSTED = "Het privacybudget van deze dataset is op:"


@pytest.fixture
def administrator():
    return make_user(Role.ADMINISTRATOR, is_staff=True)


@pytest.fixture
def researcher():
    return make_user(Role.RESEARCHER)


@pytest.fixture
def budget(administrator):
    return budget_create(
        actor=administrator, dataset=DATASET, label="Monitor open data", epsilon_total=1.0
    )


def _release(actor, epsilon, **overrides):
    values = {
        "actor": actor,
        "dataset": DATASET,
        "counts": COUNTS,
        "labels": LABELS,
        "epsilon": epsilon,
        "query": "Geregistreerde slachtoffers 2024 naar uitbuitingsvorm",
    }
    values.update(overrides)
    return dp_release(**values)


def _ledger_rows() -> tuple[int, int]:
    return (
        PrivacyRelease.objects.count(),
        AuditEvent.objects.filter(action=AuditAction.DP_RELEASE).count(),
    )


# --- a release -----------------------------------------------------------------------------------


def test_a_researcher_releases_noisy_counts_charged_to_the_budget(budget, researcher):
    release = _release(researcher, 0.25)
    assert release.budget == budget and release.actor == researcher
    assert release.epsilon == Decimal("0.25")
    assert release.labels == LABELS
    assert len(release.values) == len(COUNTS)
    assert all(isinstance(v, int) and v >= 0 for v in release.values)
    assert release.mechanism == "discrete_laplace" and release.sensitivity == 1
    assert release.scale == pytest.approx(1 / 0.25)
    assert release.confidence_halfwidth_95 > release.scale  # about scale × ln 20
    assert budget_remaining(dataset=DATASET) == pytest.approx(0.75)
    assert budget.epsilon_spent() == Decimal("0.25")


def test_the_release_is_audited_without_the_true_counts(budget, researcher):
    release = _release(researcher, 0.5)
    row = AuditEvent.objects.get(action=AuditAction.DP_RELEASE)
    assert row.actor == researcher
    assert (row.subject_type, row.subject_ref) == ("privacy_release", str(release.pk))
    assert row.extra["dataset"] == DATASET
    assert row.extra["epsilon"] == "0.500000"
    assert row.extra["spent"] == "0.500000" and row.extra["total"] == "1.000000"
    assert "counts" not in row.extra and "values" not in row.extra


def test_released_values_are_the_counts_plus_small_noise_at_a_large_epsilon(administrator):
    budget_create(actor=administrator, dataset="ruim", label="Ruim budget", epsilon_total=500)
    release = dp_release(
        actor=make_user(Role.RESEARCHER),
        dataset="ruim",
        counts=COUNTS,
        labels=LABELS,
        epsilon=200,
        query="Bijna zonder ruis",
    )
    # Scale 1 / 200: the noise is 0 with probability tanh(1 / 400) ≈ 99.5 %, per cell.
    assert max(abs(v - c) for v, c in zip(release.values, COUNTS, strict=True)) <= 1


def test_the_noise_of_the_stored_releases_is_centred_on_the_true_counts(administrator):
    """A statistical check through the service: the mean of many releases is the true count."""
    budget_create(actor=administrator, dataset="veel", label="Veel vrijgaven", epsilon_total=100)
    researcher = make_user(Role.RESEARCHER)
    counts = [200] * 50
    for _ in range(20):
        dp_release(
            actor=researcher,
            dataset="veel",
            counts=counts,
            labels=[f"cel {i}" for i in range(50)],
            epsilon=0.5,
            query="Dezelfde tabel, twintig keer",
        )
    values = [v for r in PrivacyRelease.objects.all() for v in r.values]
    assert len(values) == 1000
    sd = math.sqrt(2) * 2  # discrete Laplace of scale 2: sd just under sqrt(2) × scale
    assert abs(sum(values) / len(values) - 200) < 5 * sd / math.sqrt(len(values))
    assert budget_remaining(dataset="veel") == pytest.approx(90)


# --- the budget ----------------------------------------------------------------------------------


def test_a_release_past_the_budget_is_refused_and_leaves_nothing(budget, researcher):
    before = _ledger_rows()
    with pytest.raises(ValidationError) as excinfo:
        _release(researcher, 1.5)
    message = excinfo.value.messages[0]
    assert message.startswith(BUDGET_EXHAUSTED)
    assert "nog epsilon 1 over van 1" in message and "vraagt 1,5" in message
    assert _ledger_rows() == before == (0, 0)
    assert budget_remaining(dataset=DATASET) == 1.0


def test_the_budget_is_spent_exactly_up_to_its_total(budget, researcher):
    """Ten releases of 0.1 spend a budget of 1 exactly (no floating-point shortfall or excess);
    then nothing more fits, however small."""
    for _ in range(10):
        _release(researcher, 0.1)
    assert budget.epsilon_spent() == Decimal("1")
    assert budget_remaining(dataset=DATASET) == 0.0
    for epsilon in (0.1, 0.000001):
        with pytest.raises(ValidationError, match=BUDGET_EXHAUSTED):
            _release(researcher, epsilon)
    assert _ledger_rows() == (10, 10)


def test_sums_that_floating_point_gets_wrong_still_fit(administrator, researcher):
    # 0.1 + 0.2 is 0.30000000000000004 in floating point: it must fit a budget of 0.3.
    budget_create(actor=administrator, dataset="precies", label="Precies", epsilon_total=0.3)
    for epsilon in (0.1, 0.2):
        _release(researcher, epsilon, dataset="precies")
    assert budget_remaining(dataset="precies") == 0.0


def test_two_releases_that_fit_alone_but_not_together_the_second_is_refused(budget, researcher):
    other = make_user(Role.RESEARCHER)
    _release(researcher, 0.6)
    with pytest.raises(ValidationError, match=BUDGET_EXHAUSTED):
        _release(other, 0.6)
    assert _ledger_rows() == (1, 1)
    # What does fit still goes through.
    _release(other, 0.4)
    assert budget_remaining(dataset=DATASET) == 0.0


def test_the_budget_row_is_locked_while_the_spent_epsilon_is_summed(budget, researcher):
    """Concurrent releases are serialised: on PostgreSQL by SELECT ... FOR UPDATE on the budget
    row, on SQLite by the IMMEDIATE transactions (one writer at a time)."""
    with CaptureQueriesContext(connection) as queries:
        _release(researcher, 0.1)
    budget_selects = [
        q["sql"]
        for q in queries.captured_queries
        if "publication_privacybudget" in q["sql"] and q["sql"].lstrip().startswith("SELECT")
    ]
    if connection.features.has_select_for_update:
        assert any("FOR UPDATE" in sql for sql in budget_selects), budget_selects
    else:
        assert connection.settings_dict["OPTIONS"].get("transaction_mode") == "IMMEDIATE"


def test_epsilon_is_charged_rounded_up_to_the_ledger_precision(budget, researcher):
    release = _release(researcher, 1 / 3)
    assert release.epsilon == Decimal("0.333334")  # never less than what is spent
    assert release.scale == pytest.approx(1 / 0.333334)
    assert budget_remaining(dataset=DATASET) == pytest.approx(0.666666)


def test_the_budgets_are_per_data_set(administrator, budget, researcher):
    budget_create(actor=administrator, dataset="ander", label="Ander", epsilon_total=0.5)
    _release(researcher, 1.0)
    _release(researcher, 0.5, dataset="ander")
    assert budget_remaining(dataset=DATASET) == 0.0
    assert budget_remaining(dataset="ander") == 0.0


def test_a_data_set_without_a_budget_cannot_be_released(researcher):
    with pytest.raises(ValidationError, match="geen privacybudget"):
        _release(researcher, 0.1)
    with pytest.raises(ValidationError, match="geen privacybudget"):
        budget_remaining(dataset=DATASET)
    assert _ledger_rows() == (0, 0)


# --- validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "epsilon", [0, 0.0, -0.1, math.inf, -math.inf, math.nan, "0.1", None, True, 1001]
)
def test_epsilon_must_be_a_positive_number(budget, researcher, epsilon):
    with pytest.raises(ValidationError) as excinfo:
        _release(researcher, epsilon)
    assert "epsilon" in excinfo.value.message_dict
    assert _ledger_rows() == (0, 0)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"counts": [1, -2, 3, 4]}, "counts"),
        ({"counts": [1, 2.5, 3, 4]}, "counts"),
        ({"counts": []}, "counts"),
        ({"labels": ["a", "b"]}, "labels"),
        ({"labels": ["a", "a", "b", "c"]}, "labels"),
        ({"query": "  "}, "query"),
        ({"query": "x" * 501}, "query"),
        ({"sensitivity": 0}, "sensitivity"),
    ],
)
def test_a_malformed_table_is_refused(budget, researcher, overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        _release(researcher, 0.1, **overrides)
    assert field in excinfo.value.message_dict
    assert _ledger_rows() == (0, 0)


# --- who -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [r for r in Role if r != Role.RESEARCHER])
def test_only_researchers_release(budget, role):
    assert not policy.can(make_user(role), policy.Action.DP_RELEASE)
    with pytest.raises(PermissionDenied):
        _release(make_user(role), 0.1)
    assert _ledger_rows() == (0, 0)


def test_anonymous_and_inactive_researchers_do_not_release(budget):
    from django.contrib.auth.models import AnonymousUser

    inactive = make_user(Role.RESEARCHER)
    inactive.memberships.update(is_active=False)
    policy.forget_memberships(inactive)
    for actor in (AnonymousUser(), None, inactive):
        with pytest.raises(PermissionDenied):
            _release(actor, 0.1)
    assert _ledger_rows() == (0, 0)


def test_the_administrator_creates_a_budget_and_it_is_audited(administrator):
    budget = budget_create(
        actor=administrator, dataset="jaarcijfers", label="Jaarcijfers", epsilon_total=2
    )
    assert budget.epsilon_total == Decimal("2") and budget.created_at is not None
    row = AuditEvent.objects.get(action=AuditAction.DP_BUDGET_CREATED)
    assert row.actor == administrator and row.subject_ref == "jaarcijfers"
    assert row.extra == {"label": "Jaarcijfers", "epsilon_total": "2.000000"}


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMINISTRATOR])
def test_only_the_administrator_creates_a_budget(role):
    """Separation of duties: the researcher who spends a budget cannot make one."""
    with pytest.raises(PermissionDenied):
        budget_create(actor=make_user(role), dataset="eigen", label="Eigen", epsilon_total=100)
    assert not PrivacyBudget.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.DP_BUDGET_CREATED).exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"dataset": "met spaties"}, "dataset"),
        ({"dataset": ""}, "dataset"),
        ({"label": ""}, "label"),
        ({"epsilon_total": 0}, "epsilon_total"),
        ({"epsilon_total": -1}, "epsilon_total"),
        ({"epsilon_total": math.nan}, "epsilon_total"),
        ({"epsilon_total": 0.0000001}, "epsilon_total"),  # rounds down to 0
    ],
)
def test_a_malformed_budget_is_refused(administrator, values, field):
    arguments = {"dataset": "goed", "label": "Goed", "epsilon_total": 1.0} | values
    with pytest.raises(ValidationError) as excinfo:
        budget_create(actor=administrator, **arguments)
    assert field in excinfo.value.message_dict
    assert not PrivacyBudget.objects.exists()


def test_a_data_set_has_one_budget(administrator, budget):
    with pytest.raises(ValidationError, match="al een privacybudget"):
        budget_create(actor=administrator, dataset=DATASET, label="Nog een", epsilon_total=10)
    assert PrivacyBudget.objects.get().epsilon_total == Decimal("1")
    assert AuditEvent.objects.filter(action=AuditAction.DP_BUDGET_CREATED).count() == 1


# --- append-only, one transaction ----------------------------------------------------------------


def test_releases_and_budgets_are_append_only(budget, researcher):
    release = _release(researcher, 0.5)
    release.values = [0, 0, 0, 0]
    with pytest.raises(AppendOnlyError):
        release.save()
    with pytest.raises(AppendOnlyError):
        release.delete()
    with pytest.raises(AppendOnlyError):
        PrivacyRelease.objects.update(epsilon=0)
    with pytest.raises(AppendOnlyError):
        PrivacyRelease.objects.all().delete()
    budget.epsilon_total = Decimal(100)
    with pytest.raises(AppendOnlyError):
        budget.save()
    with pytest.raises(AppendOnlyError):
        PrivacyBudget.objects.update(epsilon_total=100)
    release.refresh_from_db()
    budget.refresh_from_db()
    assert release.epsilon == Decimal("0.5") and budget.epsilon_total == Decimal("1")
    assert budget_remaining(dataset=DATASET) == 0.5


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database trigger exists on PostgreSQL only"
)
def test_postgresql_refuses_raw_changes_to_the_ledger(budget, researcher):
    from django.db import DatabaseError, transaction

    release = _release(researcher, 0.5)
    for sql in (
        "UPDATE publication_privacyrelease SET epsilon = 0 WHERE id = %s",
        "DELETE FROM publication_privacyrelease WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [release.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE publication_privacybudget SET epsilon_total = 100")
    assert budget_remaining(dataset=DATASET) == 0.5


def test_the_release_and_its_audit_row_are_one_transaction(budget, researcher, monkeypatch):
    def failing_audit(**kwargs):
        raise RuntimeError("audit log unavailable")

    # The release's audit row comes from the release service (publication.release).
    monkeypatch.setattr(release_service, "audit_record", failing_audit)
    with pytest.raises(RuntimeError):
        _release(researcher, 0.5)
    assert _ledger_rows() == (0, 0)
    assert budget_remaining(dataset=DATASET) == 1.0


def test_the_budget_and_its_audit_row_are_one_transaction(administrator, monkeypatch):
    def failing_audit(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services, "audit_record", failing_audit)
    with pytest.raises(RuntimeError):
        budget_create(actor=administrator, dataset="los", label="Los", epsilon_total=1)
    assert not PrivacyBudget.objects.exists()


# --- the admin -----------------------------------------------------------------------------------


def test_the_administrator_reads_the_ledger_in_the_admin(login, administrator, budget, researcher):
    _release(researcher, 0.25)
    client = login(administrator)
    changelist = client.get(reverse("admin:publication_privacybudget_changelist"))
    assert changelist.status_code == 200
    body = changelist.content.decode()
    assert DATASET in body and "0,250000" in body and "0,750000" in body
    change_url = reverse("admin:publication_privacybudget_change", args=[budget.pk])
    change = client.get(change_url)
    assert change.status_code == 200
    body = change.content.decode()
    assert "Geregistreerde slachtoffers 2024" in body  # the release, read-only
    assert 'name="_save"' not in body  # view only: nothing to save
    # Neither the budget nor a release can be changed or deleted through the admin.
    client.post(change_url, {"dataset": DATASET, "label": "X", "epsilon_total": "100"})
    budget.refresh_from_db()
    assert budget.epsilon_total == Decimal("1") and budget.label == "Monitor open data"
    delete_url = reverse("admin:publication_privacybudget_delete", args=[budget.pk])
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert PrivacyBudget.objects.count() == 1 and PrivacyRelease.objects.count() == 1


def test_the_administrator_adds_a_budget_through_the_admin_and_it_is_audited(login, administrator):
    client = login(administrator)
    add_url = reverse("admin:publication_privacybudget_add")
    assert client.get(add_url).status_code == 200
    response = client.post(
        add_url, {"dataset": "open-jaarcijfers", "label": "Open jaarcijfers", "epsilon_total": "2"}
    )
    assert response.status_code == 302
    budget = PrivacyBudget.objects.get(dataset="open-jaarcijfers")
    assert budget.epsilon_total == Decimal("2")
    row = AuditEvent.objects.get(action=AuditAction.DP_BUDGET_CREATED)
    assert row.actor == administrator and row.subject_ref == "open-jaarcijfers"
    # A second budget for the same data set is refused by the form, not by a server error.
    again = client.post(
        add_url, {"dataset": "open-jaarcijfers", "label": "X", "epsilon_total": "9"}
    )
    assert again.status_code == 200 and PrivacyBudget.objects.count() == 1


def test_researchers_do_not_reach_the_ledger_in_the_admin(login, researcher, budget):
    client = login(make_user(Role.RESEARCHER, is_staff=True))
    response = client.get(reverse("admin:publication_privacybudget_changelist"))
    assert response.status_code == 302 and "/beheer/login/" in response.url
    response = client.post(
        reverse("admin:publication_privacybudget_add"),
        {"dataset": "eigen", "label": "Eigen", "epsilon_total": "100"},
    )
    assert response.status_code == 302
    assert PrivacyBudget.objects.count() == 1
