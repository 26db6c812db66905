"""One audit row per user action (issue 14, item 10): a recorded event is one "vastgelegd" row,
not three or four identical "Casus ingezien" rows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from inbeeld.audit import reads
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.audit.services import audit_record
from inbeeld.cases.selectors import case_get_for
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def _event_post(case):
    return {
        "event_type": "first_police_contact",
        "outcome": "",
        "event_date": "2024-03-05",
        "date_precision": "day",
        "note": "",
        "version": case.version,
    }


def _actions(case):
    return list(
        AuditEvent.objects.filter(case_code=case.code).order_by("id").values_list("action", "extra")
    )


def test_viewing_a_case_page_leaves_one_read_row(login, police_officer):
    case = CaseFactory()
    client = login(police_officer)
    assert client.get(reverse("cases:detail", args=[case.code])).status_code == 200
    assert _actions(case) == [(AuditAction.CASE_READ, {"action": "case.view"})]


def test_recording_an_event_leaves_one_row_that_says_recorded(login, police_officer):
    case = CaseFactory()
    client = login(police_officer)
    url = reverse("cases:event_create", args=[case.code])
    response = client.post(url, _event_post(case))
    assert response.status_code == 302
    # The page the user lands on after the redirect is part of the same action.
    assert client.get(response.url).status_code == 200
    assert [action for action, _extra in _actions(case)] == [AuditAction.EVENT_RECORDED]


def test_the_whole_recording_flow_names_each_step_once(login, police_officer):
    """Case page, form, post, landing page: viewed, form opened, recorded (no identical rows)."""
    case = CaseFactory()
    client = login(police_officer)
    client.get(reverse("cases:detail", args=[case.code]))
    url = reverse("cases:event_create", args=[case.code])
    client.get(url)
    client.get(client.post(url, _event_post(case)).url)
    assert _actions(case)[:2] == [
        (AuditAction.CASE_READ, {"action": "case.view"}),
        (AuditAction.CASE_READ, {"action": "event.record"}),
    ]
    assert [action for action, _extra in _actions(case)][2:] == [AuditAction.EVENT_RECORDED]


def test_a_refused_post_is_logged_as_a_read_of_the_form(login, police_officer):
    case = CaseFactory()
    client = login(police_officer)
    url = reverse("cases:event_create", args=[case.code])
    response = client.post(url, {**_event_post(case), "event_date": ""})
    assert response.status_code == 200
    assert _actions(case) == [(AuditAction.CASE_READ, {"action": "event.record"})]


def test_the_page_after_the_landing_page_is_a_new_read(login, police_officer):
    case = CaseFactory()
    client = login(police_officer)
    response = client.post(reverse("cases:event_create", args=[case.code]), _event_post(case))
    client.get(response.url)
    client.get(response.url)
    assert [action for action, _extra in _actions(case)] == [
        AuditAction.EVENT_RECORDED,
        AuditAction.CASE_READ,
    ]


def test_one_read_row_per_case_per_request(police_officer):
    case = CaseFactory()
    token = reads.open_scope()
    case_get_for(police_officer, case.code)
    case_get_for(police_officer, case.code)
    assert AuditEvent.objects.filter(case_code=case.code).count() == 0  # deferred
    reads.close_scope(token)
    assert _actions(case) == [(AuditAction.CASE_READ, {"action": "case.view"})]


def test_a_more_specific_row_in_the_same_request_replaces_the_read(police_officer):
    case = CaseFactory()
    token = reads.open_scope()
    case_get_for(police_officer, case.code)
    audit_record(
        actor=police_officer,
        action=AuditAction.EXPORT_CREATED,
        subject_type="case",
        subject_ref=case.code,
        case_code=case.code,
    )
    reads.close_scope(token)
    assert [action for action, _extra in _actions(case)] == [AuditAction.EXPORT_CREATED]


def test_outside_a_request_a_read_is_written_at_once(police_officer):
    case = CaseFactory()
    case_get_for(police_officer, case.code)
    assert _actions(case) == [(AuditAction.CASE_READ, {"action": "case.view"})]
