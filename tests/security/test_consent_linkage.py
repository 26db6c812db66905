"""Research consent and pseudonymous linkage keys."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases import selectors, services
from inbeeld.cases.models import Case, ConsentRecord, LinkageKey
from inbeeld.crypto import linkage_key
from tests.factories import CaseFactory, make_user

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 6, 1)


@pytest.fixture
def officer():
    return make_user(Role.POLICE_OFFICER, unit_code="amsterdam")


def test_research_sees_a_case_only_after_consent_and_loses_it_at_once_on_withdrawal(officer, login):
    researcher = make_user(Role.RESEARCHER)
    case = CaseFactory(without_consent=True)
    assert not selectors.cases_visible_to(researcher).filter(pk=case.pk).exists()

    services.consent_record(actor=officer, case=case, kind="given", scope="evaluation", date=TODAY)
    assert selectors.cases_visible_to(researcher).filter(pk=case.pk).exists()
    client = login(researcher)
    assert client.get(reverse("cases:detail", args=[case.code])).status_code == 200

    services.consent_record(actor=officer, case=case, kind="withdrawn", date=TODAY)
    assert not selectors.cases_visible_to(researcher).filter(pk=case.pk).exists()
    assert client.get(reverse("cases:detail", args=[case.code])).status_code == 404
    assert case.code not in client.get(reverse("cases:list")).content.decode()
    # The chain keeps working with the case; only research use stops.
    assert selectors.cases_visible_to(officer).filter(pk=case.pk).exists()
    history = list(ConsentRecord.objects.filter(case=case).values_list("kind", flat=True))
    assert history == ["given", "withdrawn"]
    rows = AuditEvent.objects.filter(action=AuditAction.CONSENT_RECORDED, case_code=case.code)
    assert [r.extra["new"]["research_consent"] for r in rows.order_by("id")] == [True, False]


def test_consent_needs_a_scope_and_withdrawal_needs_consent(officer):
    case = CaseFactory(without_consent=True)
    with pytest.raises(ValidationError) as missing_scope:
        services.consent_record(actor=officer, case=case, kind="given", date=TODAY)
    assert "Kies waarvoor" in str(missing_scope.value)
    with pytest.raises(ValidationError) as nothing:
        services.consent_record(actor=officer, case=case, kind="withdrawn", date=TODAY)
    assert "geen toestemming" in str(nothing.value)
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.PROSECUTOR, Role.EXAMINING_JUDGE])
def test_only_professionals_who_meet_the_victim_record_consent(role):
    case = CaseFactory(without_consent=True, court=None)
    user = make_user(role)
    with pytest.raises(PermissionDenied):
        services.consent_record(actor=user, case=case, kind="given", scope="evaluation", date=TODAY)
    assert not Case.objects.get(pk=case.pk).research_consent


def test_consent_through_the_page(officer, login):
    case = CaseFactory(without_consent=True)
    client = login(officer)
    url = reverse("cases:consent_add", args=[case.code])
    page = client.get(url)
    assert page.status_code == 200
    bad = client.post(url, {"kind": "given", "date": "2025-06-01", "version": case.version})
    assert "Kies waarvoor" in bad.content.decode()
    ok = client.post(
        url, {"kind": "given", "scope": "evaluation", "date": "2025-06-01", "version": case.version}
    )
    assert ok.status_code == 302
    detail = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "toestemming gegeven" in detail and "evaluatie van de proeftuin" in detail


def test_a_linkage_key_stores_no_identifier_and_matches_across_sources(officer):
    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="amsterdam")
    police_case, care_case = CaseFactory(), CaseFactory()
    services.linkage_key_add(
        actor=officer,
        case=police_case,
        source="police",
        identifier_type="v_number",
        identifier="V 1234 5678",
    )
    services.linkage_key_add(
        actor=coordinator,
        case=care_case,
        source="care",
        identifier_type="v_number",
        identifier="v12345678",
    )
    keys = list(LinkageKey.objects.order_by("pk").values_list("key", flat=True))
    assert keys[0] == keys[1] == linkage_key("v_number:V12345678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_linkagekey")
        dump = repr(cursor.fetchall()).upper()
    assert "12345678" not in dump
    audit = AuditEvent.objects.filter(action=AuditAction.LINKAGE_KEY_ADDED)
    assert audit.count() == 2 and "12345678" not in repr(list(audit.values("extra")))
    # Another key gives other pseudonyms: the key outside the database is what protects them.
    with override_settings(INBEELD_LINKAGE_KEY="another-secret-linkage-key-0123456789"):
        assert linkage_key("v_number:V12345678") != keys[0]


def test_a_linkage_key_is_refused_twice_and_outside_scope(officer):
    case = CaseFactory()
    services.linkage_key_add(
        actor=officer,
        case=case,
        source="police",
        identifier_type="police_registration",
        identifier="PL1300-2024-1",
    )
    with pytest.raises(ValidationError):
        services.linkage_key_add(
            actor=officer,
            case=case,
            source="police",
            identifier_type="police_registration",
            identifier="PL1300-2024-1",
        )
    limburg = make_user(Role.POLICE_OFFICER, unit_code="limburg")
    with pytest.raises(PermissionDenied):
        services.linkage_key_add(
            actor=limburg,
            case=case,
            source="police",
            identifier_type="police_registration",
            identifier="X-99999",
        )
    with pytest.raises(PermissionDenied):
        services.linkage_key_add(
            actor=make_user(Role.RESEARCHER),
            case=case,
            source="other",
            identifier_type="other",
            identifier="ABCDE",
        )
    assert LinkageKey.objects.count() == 1


def test_the_case_page_names_the_sources_never_the_keys(officer, login):
    case = CaseFactory()
    link = services.linkage_key_add(
        actor=officer,
        case=case,
        source="comensha",
        identifier_type="comensha_dossier",
        identifier="CM-2024-0042",
    )
    html = login(officer).get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "CoMensha" in html and link.key not in html and "CM-2024-0042" not in html


# --- the monitor's consent: kept on the case beside research_consent (ADR 0028) -----------------


def _latest_covers_monitor() -> dict[int, bool]:
    """The oracle from the history alone: does each case's latest record (highest id) give
    consent with the monitor's scope?"""
    latest: dict[int, ConsentRecord] = {}
    for record in ConsentRecord.objects.order_by("pk"):
        latest[record.case_id] = record
    return {
        case.pk: case.pk in latest
        and latest[case.pk].kind == "given"
        and latest[case.pk].scope == "evaluation_monitor"
        for case in Case.objects.all()
    }


def test_the_case_keeps_whether_its_current_consent_covers_the_monitor(officer):
    researcher = make_user(Role.RESEARCHER)
    case = CaseFactory(without_consent=True)
    steps = [
        ("given", "evaluation", (True, False)),
        ("given", "evaluation_monitor", (True, True)),
        ("withdrawn", "", (False, False)),
        ("given", "evaluation_monitor", (True, True)),
        ("given", "evaluation", (True, False)),
    ]
    for kind, scope, expected in steps:
        services.consent_record(actor=officer, case=case, kind=kind, scope=scope, date=TODAY)
        stored = Case.objects.get(pk=case.pk)
        assert (stored.research_consent, stored.monitor_consent) == expected
        assert (case.research_consent, case.monitor_consent) == expected
        assert stored.monitor_consent == _latest_covers_monitor()[case.pk]
        in_monitor = selectors.cases_in_monitor_scope(researcher).filter(pk=case.pk).exists()
        assert in_monitor == expected[1]
        in_evaluation = selectors.cases_in_evaluation_scope(researcher).filter(pk=case.pk).exists()
        assert in_evaluation == expected[0]


def test_a_refused_consent_leaves_the_monitor_column_as_it_was(officer):
    case = CaseFactory(without_consent=True)
    services.consent_record(
        actor=officer, case=case, kind="given", scope="evaluation_monitor", date=TODAY
    )
    with pytest.raises(ValidationError):
        services.consent_record(actor=officer, case=case, kind="given", date=TODAY)
    with pytest.raises(PermissionDenied):
        services.consent_record(
            actor=make_user(Role.RESEARCHER), case=case, kind="withdrawn", date=TODAY
        )
    assert Case.objects.get(pk=case.pk).monitor_consent is True


def test_the_migration_fills_the_monitor_column_from_the_consent_history(officer):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("inbeeld.cases.migrations.0012_fill_monitor_consent")
    histories = [
        [],
        [("given", "evaluation")],
        [("given", "evaluation_monitor")],
        [("given", "evaluation_monitor"), ("withdrawn", "")],
        [("given", "evaluation_monitor"), ("given", "evaluation")],
        [("given", "evaluation"), ("given", "evaluation_monitor")],
        [("given", "evaluation_monitor"), ("withdrawn", ""), ("given", "evaluation_monitor")],
    ]
    for history in histories:
        case = CaseFactory(without_consent=True)
        for kind, scope in history:
            services.consent_record(actor=officer, case=case, kind=kind, scope=scope, date=TODAY)
    kept = dict(Case.objects.values_list("pk", "monitor_consent"))
    assert sorted(kept.values()) == [False] * 4 + [True] * 3
    Case.objects.update(monitor_consent=False)  # as the column is when the migration adds it
    migration.fill_monitor_consent(apps, None)
    filled = dict(Case.objects.values_list("pk", "monitor_consent"))
    assert filled == kept == _latest_covers_monitor()
