"""Feedback that reaches the signaller (issue 14, item 5), through the real pages and services:
the question in the answer box, a question still answerable after conversion, a required message
with 'advice given' and 'no action', "antwoord ontvangen" for the coordinators, and what is new on
the signaller's start page."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import ValidationError

from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.intake import services
from inbeeld.intake.models import Channel, SignalEvent
from inbeeld.intake.workflow import MESSAGE_REQUIRED, NoActionReason, SignalStatus
from tests.intake.conftest import bring_to, convert, row_counts

pytestmark = pytest.mark.django_db

S = SignalStatus
QUESTION = "Sinds wanneer valt het u op dat de leerling moe is?"
ANSWER = "Sinds de herfstvakantie, ongeveer zes weken."
QUEUE_URL = "/signalen/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def _own(submit, signaller):
    signal, _ = submit(actor=signaller, channel=Channel.ACCOUNT)
    return signal


# --- the question in the question box ------------------------------------------------------------------


def test_the_signallers_page_shows_the_question_in_the_answer_box(
    login, submit, signaller, coordinator
):
    signal = _own(submit, signaller)
    services.signal_ask(actor=coordinator, signal=signal, question=QUESTION)
    page = text(login(signaller).get(f"/signalen/mijn/{signal.reference}/"))
    box = page[page.index('data-testid="question-box"') :]
    box = box[: box.index("</section>")]
    assert QUESTION in box
    assert 'name="answer"' in box


def test_the_receipt_status_page_shows_the_question_in_the_answer_box(client, submit, coordinator):
    signal, receipt = submit()
    services.signal_ask(actor=coordinator, signal=signal, question=QUESTION)
    page = text(client.post("/melden/status/", {"code": receipt}))
    box = page[page.index('data-testid="question-box"') :]
    assert QUESTION in box[: box.index("</section>")]


# --- a question stays answerable after conversion ------------------------------------------------------


def test_a_question_asked_before_conversion_is_answered_after_it_on_the_signallers_page(
    login, submit, signaller, coordinator
):
    signal = bring_to(coordinator, _own(submit, signaller), S.IN_TRIAGE)
    services.signal_ask(actor=coordinator, signal=signal, question=QUESTION)
    case = convert(coordinator, signal)
    client = login(signaller)
    url = f"/signalen/mijn/{signal.reference}/"
    page = text(client.get(url))
    assert QUESTION in page and "u kunt deze vraag nog steeds beantwoorden" in page
    assert case.code not in page

    response = client.post(url, {"answer": ANSWER})
    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.status == S.CONVERTED
    assert signal.question_open is False and signal.answer_pending is True
    answer = SignalEvent.objects.filter(signal=signal).latest("id")
    assert answer.kind == SignalEvent.Kind.ANSWER and answer.actor == signaller


def test_a_question_asked_before_conversion_is_answered_with_the_receipt_code(
    client, submit, coordinator
):
    signal, receipt = submit()
    bring_to(coordinator, signal, S.IN_TRIAGE)
    services.signal_ask(actor=coordinator, signal=signal, question=QUESTION)
    convert(coordinator, signal)
    response = client.post("/melden/status/", {"code": receipt, "answer": ANSWER})
    assert "Uw antwoord is verstuurd." in text(response)
    signal.refresh_from_db()
    assert signal.question_open is False and signal.answer_pending is True


# --- advice given and no action need a message ---------------------------------------------------------


@pytest.mark.parametrize("target", sorted(MESSAGE_REQUIRED))
def test_an_outcome_without_a_referral_needs_a_message_to_the_signaller(
    target, submit, coordinator
):
    signal = bring_to(coordinator, submit()[0], S.IN_TRIAGE)
    reason = NoActionReason.NO_INDICATIONS if target == S.NO_ACTION else ""
    before = row_counts()
    with pytest.raises(ValidationError, match="Schrijf een bericht aan de signaalgever"):
        services.signal_triage(
            actor=coordinator, signal=signal, to_status=target, reason=reason, message="   "
        )
    assert row_counts() == before
    services.signal_triage(
        actor=coordinator, signal=signal, to_status=target, reason=reason, message="Dank u."
    )
    signal.refresh_from_db()
    assert signal.status == target


def test_referrals_and_triage_still_need_no_message(submit, coordinator):
    signal = bring_to(coordinator, submit()[0], S.IN_TRIAGE)
    services.signal_triage(actor=coordinator, signal=signal, to_status=S.REFERRED_POLICE)
    signal.refresh_from_db()
    assert signal.status == S.REFERRED_POLICE


def test_the_status_form_refuses_advice_without_a_message_with_a_focused_summary(
    login, submit, coordinator
):
    signal = bring_to(coordinator, submit()[0], S.IN_TRIAGE)
    client = login(coordinator)
    before = row_counts()
    response = client.post(
        f"/signalen/{signal.reference}/triage/",
        {"to_status": "advice_given", "version": signal.version},
    )
    assert response.status_code == 200
    page = text(response)
    summary = page[page.index('data-testid="error-summary"') - 200 :]
    summary = summary[: summary.index("</div>")]
    assert 'tabindex="-1"' in summary and "autofocus" in summary
    assert "bij 'Advies gegeven' moet de signaalgever weten wat er nu gebeurt" in summary
    assert 'href="#id_message"' in summary
    assert row_counts() == before


# --- "antwoord ontvangen" for the coordinators ---------------------------------------------------------


def test_the_queue_shows_antwoord_ontvangen_until_the_next_coordinator_step(
    login, submit, signaller, coordinator
):
    signal = bring_to(coordinator, _own(submit, signaller), S.IN_TRIAGE)
    services.signal_ask(actor=coordinator, signal=signal, question=QUESTION)
    client = login(coordinator)
    assert "queue-answer-received" not in text(client.get(QUEUE_URL))

    services.signal_answer(actor=signaller, signal=signal, answer=ANSWER)
    queue = text(client.get(QUEUE_URL))
    row = queue[queue.index(signal.reference) :]
    assert "antwoord ontvangen" in row[: row.index("</tr>")]
    detail = text(client.get(f"/signalen/{signal.reference}/"))
    assert "De signaalgever heeft uw vraag beantwoord" in detail and ANSWER in detail

    services.signal_triage(actor=coordinator, signal=signal, to_status=S.REFERRED_CARE)
    signal.refresh_from_db()
    assert signal.answer_pending is False


def test_an_answer_after_conversion_is_listed_under_antwoord_ontvangen_and_marked_read(
    login, submit, signaller, coordinator, amsterdam_coordinator
):
    signal = bring_to(coordinator, _own(submit, signaller), S.IN_TRIAGE)
    services.signal_ask(actor=coordinator, signal=signal, question=QUESTION)
    convert(coordinator, signal)
    services.signal_answer(actor=signaller, signal=signal, answer=ANSWER)
    client = login(coordinator)
    # The open queue has no converted signals; the filter "antwoord ontvangen" finds it.
    assert signal.reference not in text(client.get(QUEUE_URL))
    assert signal.reference in text(client.get(QUEUE_URL, {"status": "answered"}))

    # Another unit's coordinator cannot mark it read (404, nothing changes).
    other = login(amsterdam_coordinator)
    assert other.post(f"/signalen/{signal.reference}/antwoord-gelezen/").status_code == 404
    signal.refresh_from_db()
    assert signal.answer_pending is True

    client = login(coordinator)
    version = signal.version
    response = client.post(f"/signalen/{signal.reference}/antwoord-gelezen/")
    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.answer_pending is False and signal.version == version
    assert signal.reference not in text(client.get(QUEUE_URL, {"status": "answered"}))
    row = AuditEvent.objects.filter(action=AuditAction.SIGNAL_ANSWER_SEEN).get()
    assert row.actor == coordinator and row.subject_ref == signal.reference


# --- what is new on the signaller's start page ---------------------------------------------------------


def test_the_signallers_start_page_shows_what_is_new_until_they_open_it(
    login, submit, signaller, coordinator
):
    asked = _own(submit, signaller)
    decided = _own(submit, signaller)
    quiet = _own(submit, signaller)
    client = login(signaller)
    home = text(client.get("/"))
    assert "Nieuw bij uw signalen" in home and "Niets nieuws" in home

    services.signal_ask(actor=coordinator, signal=asked, question=QUESTION)
    bring_to(coordinator, decided, S.ADVICE_GIVEN)
    home = text(client.get("/"))
    news = home[home.index('data-testid="signaller-news"') :]
    news = news[: news.index("</section>")]
    assert asked.reference in news and "de coördinator heeft een vraag voor u" in news
    assert decided.reference in news and "Advies gegeven" in news
    assert quiet.reference not in news
    own_list = text(client.get("/signalen/mijn/"))
    assert own_list.count('data-testid="own-news"') == 2

    client.get(f"/signalen/mijn/{decided.reference}/")  # opened: no longer new
    news = text(client.get("/"))
    assert (
        decided.reference
        not in news.split('data-testid="signaller-news"')[1].split("</section>")[0]
    )
    # The open question stays on the start page until it is answered.
    client.get(f"/signalen/mijn/{asked.reference}/")
    assert asked.reference in text(client.get("/"))
    client.post(f"/signalen/mijn/{asked.reference}/", {"answer": ANSWER})
    assert "Niets nieuws" in text(client.get("/"))


def test_other_roles_get_no_signaller_news_panel(login, coordinator):
    assert "Nieuw bij uw signalen" not in text(login(coordinator).get("/"))


def test_news_is_marked_seen_only_by_the_signaller_who_submitted(submit, signaller, coordinator):
    from django.core.exceptions import PermissionDenied

    signal = _own(submit, signaller)
    with pytest.raises(PermissionDenied):
        services.signal_seen_by_signaller(actor=coordinator, signal=signal)
