"""Audit values in Dutch on the privacy pages (issue 14, item 10): action labels, subject types,
the keys and values of ``extra``; the requester's unit and the reviewer on break-glass."""

from __future__ import annotations

import ast
import pathlib

import pytest
from django.urls import reverse
from django.utils import timezone

from inbeeld.accounts.models import Role
from inbeeld.audit.services import audit_record
from inbeeld.cases.models import BreakGlassGrant
from inbeeld.cases.services import break_glass_open, break_glass_review
from inbeeld.oversight import labels
from tests.factories import CaseFactory, make_user, unit

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "inbeeld"
REASON = "Slachtoffer staat aan de balie en heeft dringend opvang nodig."


def _written_codes():
    """The literal subject types and extra keys the application passes to audit_record."""
    subject_types, keys = set(), set()
    logging_calls = {"debug", "info", "warning", "error", "exception", "critical", "log"}
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text())
        # extra= of a logging call is a log record's fields, not an audit row's.
        log_keywords = {
            id(keyword)
            for call in ast.walk(tree)
            if isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr in logging_calls
            for keyword in call.keywords
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.keyword) or id(node) in log_keywords:
                continue
            if node.arg == "subject_type" and isinstance(node.value, ast.Constant):
                subject_types.add(node.value.value)
            if node.arg == "extra" and isinstance(node.value, ast.Dict):
                keys |= {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
    return subject_types, keys


def test_every_subject_type_and_extra_key_written_has_a_dutch_label():
    subject_types, keys = _written_codes()
    assert subject_types and keys
    assert subject_types - set(labels.SUBJECT_TYPES) == set()
    assert keys - set(labels.EXTRA_KEYS) == set()


def test_every_policy_action_has_a_dutch_purpose():
    from inbeeld.policy_tables import Action

    assert {a.value for a in Action} - set(labels.PURPOSES) == set()


def test_extra_values_are_shown_in_dutch():
    details = labels.extra_details(
        {"action": "event.record", "break_glass": 7, "pending_approval": True, "old": {"k": 5}}
    )
    assert [(d.label, d.value) for d in details] == [
        ("doel", "formulier gebeurtenis vastleggen"),
        ("noodtoegang", "7"),
        ("wacht op goedkeuring", "ja"),
        ("oud", "k: 5"),
    ]
    assert labels.extra_details("not a dict") == []
    assert labels.subject_label("case") == "casus"
    assert labels.subject_label("onbekend_type") == "onbekend_type"


@pytest.mark.django_db
def test_the_log_shows_dutch_words_not_codes(login):
    officer = make_user(Role.POLICE_OFFICER, username="agent.ams")
    case = CaseFactory()
    login(officer).get(reverse("cases:detail", args=[case.code]))
    audit_record(actor=officer, action="case.list_read", subject_type="case_list")
    client = login(make_user(Role.PRIVACY_OFFICER, username="fg.test"))
    html = client.get(reverse("privacy:case_access", args=[case.code])).content.decode()
    assert "Casus ingezien" in html
    assert "casus " + case.code in html
    assert "doel: casus bekeken" in html
    assert "case.view" not in html and "case.read" not in html
    log = client.get(reverse("privacy:log")).content.decode()
    assert "casuslijst" in log and "case_list" not in log


@pytest.mark.django_db
def test_break_glass_cards_show_the_requesters_unit_and_reviews_their_reviewer(login):
    officer = make_user(Role.POLICE_OFFICER, username="agent.ams", unit_code="amsterdam")
    reviewer = make_user(Role.PRIVACY_OFFICER, username="fg.test", first_name="Fleur")
    pending_case = CaseFactory(police_unit=unit("limburg"))
    break_glass_open(actor=officer, code=pending_case.code, reason=REASON)
    done_case = CaseFactory(police_unit=unit("limburg"))
    _case, grant = break_glass_open(actor=officer, code=done_case.code, reason=REASON)
    break_glass_review(
        actor=reviewer, grant=grant, verdict=BreakGlassGrant.Review.JUSTIFIED, note=""
    )
    grant.refresh_from_db()
    response = login(reviewer).get(reverse("privacy:break_glass"))
    html = response.content.decode()
    unit_name = str(officer.memberships.get().police_unit)
    card = html[html.index('data-testid="grant"') : html.index("Eerder beoordeeld")]
    assert "Eenheid van de aanvrager" in card and unit_name in card
    row = html[html.index('data-testid="reviewed-grant"') :]
    row = row[: row.index("</tr>")]
    assert str(reviewer) in row and unit_name in row
    assert timezone.localtime(grant.reviewed_at).strftime("%d-%m-%Y %H:%M") in row
    assert "Beoordeeld door" in html and "Beoordeeld op" in html
