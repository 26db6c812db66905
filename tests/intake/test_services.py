"""Writes on signals: submission over the three channels, validation that stores nothing,
encryption at rest, the audit row in the same transaction, routing between units, question and
answer, conversion into a case, the receipt code, rate limiting and the signaller's own list."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.models import Case, ChainEvent
from inbeeld.crypto import decrypt_text
from inbeeld.intake import services
from inbeeld.intake.models import (
    Channel,
    IntakeLink,
    PublicIntakeAttempt,
    Signal,
    SignalEvent,
)
from inbeeld.intake.selectors import (
    intake_link_by_token,
    own_signals_for,
    signal_by_receipt,
    signal_content,
    signal_get_for,
    signal_history,
    signal_queue_for,
)
from inbeeld.intake.services import (
    Contact,
    intake_link_create,
    public_attempt_allowed,
    signal_answer,
    signal_ask,
    signal_reroute,
    signal_triage,
)
from inbeeld.intake.workflow import SignalStatus
from inbeeld.web import ConcurrentChange
from tests.factories import form, make_user, unit
from tests.intake.conftest import (
    DESCRIPTION,
    SUBJECT_NAME,
    add_catalogue_version,
    bring_to,
    catalogue,
    convert,
    current_catalogue,
    indicator,
    raw_row,
    row_counts,
)

pytestmark = pytest.mark.django_db

S = SignalStatus
CONTACT = Contact(
    name="Coach Kees Testpersoon",
    organisation="Voetbalclub De Zwaluwen",
    phone="0612345678",
    email="kees.testpersoon@example.org",
)
CONTACT_TEXTS = [CONTACT.name, CONTACT.organisation, CONTACT.phone, CONTACT.email]


def _audits(action, signal=None):
    rows = AuditEvent.objects.filter(action=action)
    return rows.filter(subject_ref=signal.reference) if signal is not None else rows


def _signal_table() -> str:
    return Signal._meta.db_table


def _raw_signal(signal) -> str:
    """Every column of the signal's row as the database holds it, as one string."""
    return " ".join(str(value) for value in raw_row(_signal_table(), signal.pk))


def _raw_events(signal) -> str:
    return " ".join(
        " ".join(str(v) for v in raw_row(SignalEvent._meta.db_table, pk))
        for pk in SignalEvent.objects.filter(signal=signal).values_list("pk", flat=True)
    )


def _account_signal(submit, signaller, **overrides):
    signal, receipt = submit(actor=signaller, channel=Channel.ACCOUNT, **overrides)
    assert receipt == ""
    return signal


# --- submission: account -----------------------------------------------------------------------


def test_a_signaller_submits_through_their_account(submit, signaller):
    signal = _account_signal(submit, signaller)
    signal.refresh_from_db()
    assert signal.channel == Channel.ACCOUNT and signal.status == S.RECEIVED
    assert signal.submitted_by == signaller
    assert signal.organisation == signaller.memberships.get().organisation
    assert signal.receipt_hash == ""
    assert signal.police_unit.code == "noord-holland"
    assert signal.catalogue_version == current_catalogue()
    assert list(signal.indicators.values_list("code", flat=True)) == [
        "sudden-money-or-expensive-items"
    ]
    event = SignalEvent.objects.get(signal=signal)
    assert (event.kind, event.to_status, event.actor) == (
        SignalEvent.Kind.RECEIVED,
        S.RECEIVED,
        signaller,
    )
    audit = _audits(AuditAction.SIGNAL_SUBMITTED, signal).get()
    assert audit.actor == signaller
    assert audit.extra["new"] == {
        "channel": "account",
        "signaller_type": "school",
        "police_unit": "noord-holland",
        "urgency": "normal",
        "catalogue_version": current_catalogue().version,
        "indicators": 1,
        "has_name": False,
        "has_description": True,
    }


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.SIGNALLER] + [None])
def test_only_a_signaller_membership_may_submit_through_an_account(role, submit):
    actor = make_user(role)
    before = row_counts()
    with pytest.raises(PermissionDenied, match="geen signalen indienen"):
        submit(actor=actor, channel=Channel.ACCOUNT)
    assert row_counts() == before


def test_no_one_submits_through_the_account_channel_without_logging_in(submit):
    before = row_counts()
    with pytest.raises(PermissionDenied):
        submit(actor=None, channel=Channel.ACCOUNT)
    assert row_counts() == before


def test_an_unknown_channel_is_refused(submit):
    before = row_counts()
    with pytest.raises(ValidationError, match="Onbekend kanaal"):
        submit(channel="fax")
    assert row_counts() == before


# --- submission: public form ----------------------------------------------------------------------


def test_a_public_signal_returns_a_receipt_code_and_stores_only_its_hash(submit):
    signal, receipt = submit(channel=Channel.PUBLIC)
    assert len(receipt) == 14 and receipt.count("-") == 2
    signal.refresh_from_db()
    assert signal.channel == Channel.PUBLIC
    assert signal.submitted_by is None and signal.organisation is None
    assert signal.receipt_hash == services.receipt_hash(receipt)
    row = _raw_signal(signal)
    assert receipt not in row
    assert receipt.replace("-", "") not in row
    for part in receipt.split("-"):
        assert part not in row
    assert receipt not in json.dumps(_audits(AuditAction.SIGNAL_SUBMITTED, signal).get().extra)


def test_every_anonymous_signal_gets_its_own_receipt_code(submit):
    codes = {submit()[1] for _ in range(5)}
    assert len(codes) == 5


# --- submission: one-time link --------------------------------------------------------------------


@pytest.fixture
def link_and_token(coordinator):
    return intake_link_create(
        actor=coordinator, police_unit=unit("noord-holland"), label="Trainer JO15"
    )


def test_a_link_signal_goes_to_the_links_unit_and_uses_the_link_up(submit, link_and_token):
    link, token = link_and_token
    assert intake_link_by_token(token) == link
    signal, receipt = submit(
        channel=Channel.LINK,
        intake_link=link,
        police_unit=unit("amsterdam"),  # the link's unit wins
        signaller_type="sports_club",
    )
    signal.refresh_from_db()
    link.refresh_from_db()
    assert signal.police_unit.code == "noord-holland"
    assert signal.channel == Channel.LINK and signal.intake_link == link
    assert receipt and signal.receipt_hash == services.receipt_hash(receipt)
    assert link.used_at is not None
    assert intake_link_by_token(token) is None
    audit = _audits(AuditAction.SIGNAL_SUBMITTED, signal).get()
    assert audit.extra["new"]["police_unit"] == "noord-holland"


def test_a_link_works_only_once(submit, link_and_token):
    link, _ = link_and_token
    submit(channel=Channel.LINK, intake_link=link)
    before = row_counts()
    # The caller still holds the link as it was loaded before the first use.
    stale = IntakeLink.objects.get(pk=link.pk)
    stale.used_at = None
    with pytest.raises(PermissionDenied, match="al gebruikt of verlopen"):
        submit(channel=Channel.LINK, intake_link=stale)
    assert row_counts() == before


def test_an_expired_link_is_refused_and_stays_unused(submit, link_and_token):
    link, token = link_and_token
    # Setup: expire the link directly in the database.
    IntakeLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert intake_link_by_token(token) is None
    before = row_counts()
    with pytest.raises(PermissionDenied, match="al gebruikt of verlopen"):
        submit(channel=Channel.LINK, intake_link=link)
    assert row_counts() == before
    link.refresh_from_db()
    assert link.used_at is None


def test_the_link_channel_without_a_link_is_refused(submit):
    before = row_counts()
    with pytest.raises(PermissionDenied, match="link is ongeldig"):
        submit(channel=Channel.LINK, intake_link=None)
    assert row_counts() == before


def test_a_link_is_stored_as_a_hash_and_its_creation_audited_without_label(
    coordinator, link_and_token
):
    link, token = link_and_token
    assert link.token_hash == services.token_hash(token) and token not in link.token_hash
    assert link.expires_at - link.created_at == dt.timedelta(days=14)
    audit = _audits(AuditAction.INTAKE_LINK_CREATED).get(subject_ref=str(link.pk))
    assert audit.actor == coordinator
    assert audit.extra["police_unit"] == "noord-holland"
    assert "Trainer JO15" not in json.dumps(audit.extra) and token not in json.dumps(audit.extra)


@pytest.mark.parametrize("who", ["other_unit_coordinator", "signaller"])
def test_a_link_is_made_only_by_a_coordinator_of_that_unit(who, coordinator, signaller):
    actor = (
        make_user(Role.SAFETY_COORDINATOR, unit_code="amsterdam")
        if who != "signaller"
        else signaller
    )
    before = (IntakeLink.objects.count(), AuditEvent.objects.count())
    with pytest.raises(PermissionDenied):
        intake_link_create(actor=actor, police_unit=unit("noord-holland"), label="Coach")
    assert (IntakeLink.objects.count(), AuditEvent.objects.count()) == before


# --- validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"indicators": [], "description": "   "},
            "indicators",
            "Kies ten minste één signaal of beschrijf in eigen woorden",
        ),
        ({"description": "x" * 4001}, "description", "De beschrijving is te lang (maximaal 4000"),
        ({"subject_name": "n" * 151}, "subject_name", "De naam is te lang (maximaal 150"),
        ({"municipality": "m" * 81}, "municipality", "De gemeente is te lang"),
        ({"contact": Contact(phone="0" * 201)}, "contact_phone", "Dit gegeven is te lang"),
        ({"age_band": "17"}, "age_band", "Kies een leeftijd"),
        ({"gender": "x"}, "gender", "Kies een gender"),
        ({"urgency": "soon"}, "urgency", "Geef aan of er acuut gevaar is"),
        ({"signaller_type": "club"}, "signaller_type", "Kies wat voor organisatie u bent"),
    ],
)
@pytest.mark.parametrize("channel", [Channel.ACCOUNT, Channel.PUBLIC])
def test_invalid_submissions_are_refused_with_a_dutch_message_and_store_nothing(
    overrides, field, message, channel, submit, signaller
):
    actor = signaller if channel == Channel.ACCOUNT else None
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        submit(actor=actor, channel=channel, **overrides)
    assert field in refused.value.message_dict
    assert any(message in m for m in refused.value.message_dict[field])
    assert row_counts() == before


def test_an_item_of_another_catalogue_version_is_refused_and_stores_nothing(submit):
    previous = current_catalogue()
    new = add_catalogue_version()  # valid from 2026-01-01: the current version from now on
    assert services.current_catalogue_version() == catalogue(new)
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        submit(indicators=[indicator("sudden-money-or-expensive-items", version=previous.version)])
    assert "horen niet bij de huidige signalenlijst" in refused.value.message_dict["indicators"][0]
    assert row_counts() == before
    # The same item of the current version is accepted.
    signal, _ = submit(indicators=[indicator("sudden-money-or-expensive-items", version=new)])
    assert signal.catalogue_version == catalogue(new)


def test_an_invalid_link_submission_leaves_the_link_unused(submit, link_and_token):
    link, token = link_and_token
    with pytest.raises(ValidationError):
        submit(channel=Channel.LINK, intake_link=link, age_band="17")
    assert intake_link_by_token(token) == link


def test_a_description_alone_or_items_alone_are_enough_and_limits_are_inclusive(submit):
    only_text, _ = submit(indicators=[], description="d" * 4000, subject_name="n" * 150)
    only_items, _ = submit(description="")
    assert only_text.indicators.count() == 0
    assert only_items.indicators.count() == 1


# --- encryption at rest -------------------------------------------------------------------------------


def test_name_description_and_contact_details_are_encrypted_at_rest(submit):
    signal, _ = submit(subject_name=SUBJECT_NAME, contact=CONTACT, municipality="Zaanstad")
    row = _raw_signal(signal)
    for plaintext in [SUBJECT_NAME, DESCRIPTION, *CONTACT_TEXTS]:
        assert plaintext not in row
    stored = Signal.objects.get(pk=signal.pk)
    assert decrypt_text(stored.subject_name_ciphertext) == SUBJECT_NAME
    assert decrypt_text(stored.description_ciphertext) == DESCRIPTION
    assert json.loads(decrypt_text(stored.contact_ciphertext)) == {
        "name": CONTACT.name,
        "organisation": CONTACT.organisation,
        "phone": CONTACT.phone,
        "email": CONTACT.email,
    }


def test_notes_messages_questions_answers_and_reasons_are_encrypted_at_rest(
    submit, coordinator, amsterdam_coordinator
):
    signal, _ = submit()
    texts = {
        "note": "Interne notitie: broer ook betrokken",
        "message": "Bedankt, wij nemen het signaal in behandeling",
        "question": "Sinds wanneer ziet u deze veranderingen?",
        "answer": "Sinds de zomervakantie, ongeveer drie maanden",
        "reroute": "Woont sinds kort in Amsterdam-Noord",
    }
    signal_triage(
        actor=coordinator,
        signal=signal,
        to_status=S.IN_TRIAGE,
        note=texts["note"],
        message=texts["message"],
    )
    signal_ask(actor=coordinator, signal=signal, question=texts["question"])
    signal_answer(actor=None, signal=signal, answer=texts["answer"])
    signal_reroute(
        actor=coordinator, signal=signal, police_unit=unit("amsterdam"), reason=texts["reroute"]
    )
    raw = _raw_events(signal)
    for plaintext in texts.values():
        assert plaintext not in raw
    decrypted = {
        decrypt_text(value)
        for event in SignalEvent.objects.filter(signal=signal)
        for value in (event.text_ciphertext, event.message_ciphertext)
    }
    assert set(texts.values()) <= decrypted
    history = signal_history(signal, for_signaller=False)
    assert [e.kind for e in history] == ["received", "status", "question", "answer", "rerouted"]
    assert history[1].text == texts["note"] and history[1].message == texts["message"]
    assert history[4].text == texts["reroute"]


def test_the_signaller_history_leaves_out_rerouting_internal_notes_and_names(
    submit, signaller, coordinator
):
    signal = _account_signal(submit, signaller)
    signal_triage(
        actor=coordinator,
        signal=signal,
        to_status=S.IN_TRIAGE,
        note="Interne notitie",
        message="In behandeling",
    )
    signal_reroute(
        actor=coordinator, signal=signal, police_unit=unit("amsterdam"), reason="Woont elders"
    )
    history = signal_history(signal, for_signaller=True)
    assert [e.kind for e in history] == ["received", "status"]
    assert all(e.text == "" and e.actor == "" for e in history)
    assert history[1].message == "In behandeling"


def test_only_the_coordinators_of_the_signals_unit_read_its_content(
    submit, coordinator, amsterdam_coordinator, signaller
):
    signal, _ = submit(subject_name=SUBJECT_NAME)
    assert signal_content(coordinator, signal).subject_name == SUBJECT_NAME
    for outsider in (amsterdam_coordinator, signaller):
        with pytest.raises(Http404):
            signal_content(outsider, signal)


# --- audit: one row per write, in the same transaction, no free text ------------------------------


def test_every_write_leaves_its_audit_row_without_free_text(submit, signaller, coordinator):
    link, token = intake_link_create(
        actor=coordinator, police_unit=unit("noord-holland"), label="Coach Kees Testpersoon"
    )
    signal = _account_signal(
        submit, signaller, subject_name=SUBJECT_NAME, contact=CONTACT, municipality="Zaanstad"
    )
    free_text = [
        SUBJECT_NAME,
        DESCRIPTION,
        *CONTACT_TEXTS,
        "Notitie over de broer",
        "Bericht aan de school",
        "Waarom denkt u dat?",
        "Omdat zij het zelf vertelde",
        "Verhuisd naar Amsterdam",
        "Casus aangemaakt, dank",
        token,
    ]
    signal_triage(
        actor=coordinator,
        signal=signal,
        to_status=S.IN_TRIAGE,
        note=free_text[6],
        message=free_text[7],
    )
    signal_ask(actor=coordinator, signal=signal, question=free_text[8])
    signal_answer(actor=signaller, signal=signal, answer=free_text[9])
    signal_reroute(
        actor=coordinator, signal=signal, police_unit=unit("amsterdam"), reason=free_text[10]
    )
    amsterdam = make_user(Role.SAFETY_COORDINATOR, unit_code="amsterdam")
    case = convert(amsterdam, signal, message=free_text[11])

    rows = AuditEvent.objects.filter(subject_type="signal", subject_ref=signal.reference)
    assert list(rows.order_by("id").values_list("action", "actor")) == [
        (AuditAction.SIGNAL_SUBMITTED, signaller.pk),
        (AuditAction.SIGNAL_STATUS_CHANGED, coordinator.pk),
        (AuditAction.SIGNAL_QUESTION, coordinator.pk),
        (AuditAction.SIGNAL_ANSWERED, signaller.pk),
        (AuditAction.SIGNAL_REROUTED, coordinator.pk),
        (AuditAction.SIGNAL_CONVERTED, amsterdam.pk),
    ]
    converted = rows.get(action=AuditAction.SIGNAL_CONVERTED)
    assert converted.case_code == case.code and converted.extra["case"] == case.code
    assert rows.get(action=AuditAction.SIGNAL_REROUTED).extra["police_unit"] == {
        "old": "noord-holland",
        "new": "amsterdam",
    }
    status = rows.get(action=AuditAction.SIGNAL_STATUS_CHANGED).extra
    assert status["has_note"] is True and status["has_message"] is True
    every_extra = json.dumps(
        list(AuditEvent.objects.values_list("extra", flat=True)), ensure_ascii=False
    )
    for text in [*free_text, "Coach Kees Testpersoon"]:
        assert text not in every_extra


def _write(kind, *, submit, signaller, coordinator):
    """Set up for one write and return a callable that performs it."""
    if kind == "link":
        return lambda: intake_link_create(
            actor=coordinator, police_unit=unit("noord-holland"), label="Coach"
        )
    if kind == "submitted":
        return lambda: submit(actor=signaller, channel=Channel.ACCOUNT)
    signal = _account_signal(submit, signaller)
    if kind == "status":
        return lambda: signal_triage(actor=coordinator, signal=signal, to_status=S.IN_TRIAGE)
    if kind == "rerouted":
        return lambda: signal_reroute(
            actor=coordinator, signal=signal, police_unit=unit("amsterdam"), reason="Verhuisd"
        )
    if kind == "question":
        return lambda: signal_ask(actor=coordinator, signal=signal, question="Hoe oud?")
    if kind == "answered":
        signal_ask(actor=coordinator, signal=signal, question="Hoe oud?")
        return lambda: signal_answer(actor=signaller, signal=signal, answer="Vijftien")
    if kind == "converted":
        bring_to(coordinator, signal, S.IN_TRIAGE)
        return lambda: convert(coordinator, signal)
    raise AssertionError(kind)


WRITES = {
    "submitted": AuditAction.SIGNAL_SUBMITTED,
    "status": AuditAction.SIGNAL_STATUS_CHANGED,
    "rerouted": AuditAction.SIGNAL_REROUTED,
    "question": AuditAction.SIGNAL_QUESTION,
    "answered": AuditAction.SIGNAL_ANSWERED,
    "converted": AuditAction.SIGNAL_CONVERTED,
    "link": AuditAction.INTAKE_LINK_CREATED,
}


def _state():
    return (
        row_counts(),
        IntakeLink.objects.count(),
        list(Signal.objects.order_by("pk").values_list("status", "version", "police_unit_id")),
        list(Signal.objects.order_by("pk").values_list("question_open", "case_id")),
    )


@pytest.mark.parametrize("kind", list(WRITES))
def test_each_write_and_its_audit_row_commit_together(
    kind, submit, signaller, coordinator, monkeypatch
):
    perform = _write(kind, submit=submit, signaller=signaller, coordinator=coordinator)
    action = WRITES[kind]
    before = _state()
    original_save = AuditEvent.save

    def failing_save(self, *args, **kwargs):
        # Only the write's own audit row fails (a conversion also audits the new case).
        if self.action == action:
            raise RuntimeError("audit store unavailable")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(AuditEvent, "save", failing_save)
    with pytest.raises(RuntimeError):
        perform()
    monkeypatch.undo()
    assert _state() == before

    perform()  # without the failure the same write goes through, with its audit row
    assert _audits(action).count() == 1
    assert _state() != before


# --- routing -------------------------------------------------------------------------------------------


def test_a_coordinator_of_another_unit_cannot_triage_the_signal(
    submit, amsterdam_coordinator, signaller
):
    signal, _ = submit()
    attempts = [
        lambda: signal_triage(actor=amsterdam_coordinator, signal=signal, to_status=S.IN_TRIAGE),
        lambda: signal_reroute(
            actor=amsterdam_coordinator,
            signal=signal,
            police_unit=unit("amsterdam"),
            reason="Hoort bij ons",
        ),
        lambda: signal_ask(actor=amsterdam_coordinator, signal=signal, question="Wie?"),
        lambda: signal_triage(actor=signaller, signal=signal, to_status=S.IN_TRIAGE),
    ]
    for attempt in attempts:
        before = row_counts()
        with pytest.raises(PermissionDenied):
            attempt()
        assert row_counts() == before
    signal.refresh_from_db()
    assert signal.status == S.RECEIVED and signal.police_unit.code == "noord-holland"


def test_a_coordinator_of_another_unit_cannot_convert_the_signal(
    submit, coordinator, amsterdam_coordinator
):
    signal, _ = submit()
    bring_to(coordinator, signal, S.IN_TRIAGE)
    before = row_counts()
    with pytest.raises(PermissionDenied):
        convert(amsterdam_coordinator, signal)
    assert row_counts() == before


def test_a_signal_outside_ones_unit_answers_404_and_the_attempt_is_audited(
    submit, amsterdam_coordinator
):
    signal, _ = submit()
    with pytest.raises(Http404):
        signal_get_for(amsterdam_coordinator, signal.reference)
    denied = _audits(AuditAction.SIGNAL_ACCESS_DENIED, signal).get()
    assert denied.actor == amsterdam_coordinator
    assert not _audits(AuditAction.SIGNAL_READ, signal).exists()


def test_a_missing_signal_answers_404_without_an_audit_row(amsterdam_coordinator):
    with pytest.raises(Http404):
        signal_get_for(amsterdam_coordinator, "SG-XXXX-XXXX")
    assert not _audits(AuditAction.SIGNAL_ACCESS_DENIED).exists()


def test_the_coordinator_of_the_unit_reads_the_signal_and_the_read_is_audited(submit, coordinator):
    signal, _ = submit()
    assert signal_get_for(coordinator, signal.reference) == signal
    assert _audits(AuditAction.SIGNAL_READ, signal).get().actor == coordinator


def test_a_signaller_opens_their_own_signal_only_for_following_it(submit, signaller):
    signal = _account_signal(submit, signaller)
    with pytest.raises(Http404):
        signal_get_for(signaller, signal.reference)  # triage: no
    from inbeeld import policy

    own = signal_get_for(signaller, signal.reference, action=policy.Action.SIGNAL_OWN_READ)
    assert own == signal


def test_a_rerouted_signal_moves_to_the_other_units_queue(
    submit, coordinator, amsterdam_coordinator
):
    signal, _ = submit()
    due = (signal.acknowledge_due_at, signal.decision_due_at)
    assert signal in signal_queue_for(coordinator)
    assert signal not in signal_queue_for(amsterdam_coordinator)

    signal_reroute(
        actor=coordinator,
        signal=signal,
        police_unit=unit("amsterdam"),
        reason="Woont in Amsterdam",
    )

    signal.refresh_from_db()
    assert signal.police_unit.code == "amsterdam"
    assert (signal.acknowledge_due_at, signal.decision_due_at) == due  # the clock keeps running
    assert signal not in signal_queue_for(coordinator)
    assert signal in signal_queue_for(amsterdam_coordinator)
    event = SignalEvent.objects.filter(signal=signal).latest("id")
    assert event.kind == SignalEvent.Kind.REROUTED
    assert (event.from_unit.code, event.to_unit.code) == ("noord-holland", "amsterdam")
    # The first unit has let go of it.
    with pytest.raises(PermissionDenied):
        signal_triage(actor=coordinator, signal=signal, to_status=S.IN_TRIAGE)
    signal_triage(actor=amsterdam_coordinator, signal=signal, to_status=S.IN_TRIAGE)


@pytest.mark.parametrize(
    ("status", "unit_code", "reason", "message"),
    [
        (S.RECEIVED, "amsterdam", "", "Geef aan waarom"),
        (S.RECEIVED, "amsterdam", "   ", "Geef aan waarom"),
        (S.IN_TRIAGE, "noord-holland", "Verhuisd", "ligt al bij deze eenheid"),
        (S.REFERRED_POLICE, "amsterdam", "Verhuisd", "nog open staat"),
        (S.NO_ACTION, "amsterdam", "Verhuisd", "nog open staat"),
        (S.CONVERTED, "amsterdam", "Verhuisd", "nog open staat"),
    ],
)
def test_reroute_is_refused_without_reason_to_the_same_unit_or_once_decided(
    status, unit_code, reason, message, submit, coordinator
):
    signal, _ = submit()
    bring_to(coordinator, signal, status)
    before = row_counts()
    with pytest.raises(ValidationError, match=message):
        signal_reroute(actor=coordinator, signal=signal, police_unit=unit(unit_code), reason=reason)
    assert row_counts() == before
    signal.refresh_from_db()
    assert signal.police_unit.code == "noord-holland" and signal.status == status


def test_a_stale_version_is_refused_and_nothing_is_written(submit, coordinator):
    signal, _ = submit()
    loaded_version = signal.version
    signal_triage(actor=coordinator, signal=signal, to_status=S.IN_TRIAGE)
    before = row_counts()
    with pytest.raises(ConcurrentChange):
        signal_triage(
            actor=coordinator,
            signal=signal,
            to_status=S.ADVICE_GIVEN,
            expected_version=loaded_version,
        )
    assert row_counts() == before
    signal.refresh_from_db()
    assert signal.status == S.IN_TRIAGE


# --- question and answer -------------------------------------------------------------------------------


def test_the_submitting_signaller_answers_the_coordinators_question(submit, signaller, coordinator):
    signal = _account_signal(submit, signaller)
    signal_ask(actor=coordinator, signal=signal, question="Hoe oud is de leerling?")
    signal.refresh_from_db()
    assert signal.question_open is True
    signal_answer(actor=signaller, signal=signal, answer="Vijftien jaar")
    signal.refresh_from_db()
    assert signal.question_open is False
    question, answer = SignalEvent.objects.filter(signal=signal).order_by("id")[1:]
    assert (question.kind, question.actor) == (SignalEvent.Kind.QUESTION, coordinator)
    assert (answer.kind, answer.actor) == (SignalEvent.Kind.ANSWER, signaller)
    assert decrypt_text(answer.message_ciphertext) == "Vijftien jaar"
    assert _audits(AuditAction.SIGNAL_ANSWERED, signal).get().actor == signaller


def test_another_signaller_of_the_same_school_cannot_answer(submit, signaller, coordinator):
    signal = _account_signal(submit, signaller)
    colleague = make_user(Role.SIGNALLER, organisation=signaller.memberships.get().organisation)
    signal_ask(actor=coordinator, signal=signal, question="Hoe oud?")
    before = row_counts()
    with pytest.raises(PermissionDenied, match="eigen signalen"):
        signal_answer(actor=colleague, signal=signal, answer="Vijftien")
    assert row_counts() == before
    signal.refresh_from_db()
    assert signal.question_open is True


def test_an_anonymous_submitter_answers_a_public_signal(submit, coordinator):
    signal, receipt = submit()
    signal_ask(actor=coordinator, signal=signal, question="Welke school?")
    found = signal_by_receipt(receipt)
    signal_answer(actor=None, signal=found, answer="Het Zaanlands")
    signal.refresh_from_db()
    assert signal.question_open is False
    answer = SignalEvent.objects.filter(signal=signal).latest("id")
    assert answer.kind == SignalEvent.Kind.ANSWER and answer.actor is None
    assert _audits(AuditAction.SIGNAL_ANSWERED, signal).get().actor is None


def test_an_account_signal_is_not_answered_anonymously(submit, signaller, coordinator):
    signal = _account_signal(submit, signaller)
    signal_ask(actor=coordinator, signal=signal, question="Hoe oud?")
    before = row_counts()
    with pytest.raises(PermissionDenied, match="Log in"):
        signal_answer(actor=None, signal=signal, answer="Vijftien")
    assert row_counts() == before


def test_there_is_no_answer_without_an_open_question(submit, signaller, coordinator):
    signal = _account_signal(submit, signaller)
    before = row_counts()
    with pytest.raises(ValidationError, match="geen vraag open"):
        signal_answer(actor=signaller, signal=signal, answer="Zomaar")
    assert row_counts() == before
    signal_ask(actor=coordinator, signal=signal, question="Hoe oud?")
    signal_answer(actor=signaller, signal=signal, answer="Vijftien")
    with pytest.raises(ValidationError, match="geen vraag open"):
        signal_answer(actor=signaller, signal=signal, answer="Nog een keer")


def test_an_empty_question_or_answer_is_refused(submit, signaller, coordinator):
    signal = _account_signal(submit, signaller)
    with pytest.raises(ValidationError, match="Schrijf uw vraag op"):
        signal_ask(actor=coordinator, signal=signal, question="  ")
    signal_ask(actor=coordinator, signal=signal, question="Hoe oud?")
    with pytest.raises(ValidationError, match="Schrijf uw antwoord op"):
        signal_answer(actor=signaller, signal=signal, answer="")


def test_only_a_coordinator_of_the_unit_asks_and_not_after_conversion(
    submit, signaller, coordinator
):
    signal = _account_signal(submit, signaller)
    with pytest.raises(PermissionDenied):
        signal_ask(actor=signaller, signal=signal, question="Mag ik iets vragen?")
    bring_to(coordinator, signal, S.CONVERTED)
    before = row_counts()
    with pytest.raises(ValidationError, match="vragen gaan nu via de casus"):
        signal_ask(actor=coordinator, signal=signal, question="Nog iets?")
    assert row_counts() == before


# --- conversion ----------------------------------------------------------------------------------------


def test_conversion_creates_a_case_that_keeps_the_link_and_copies_only_the_chain_facts(
    submit, signaller, coordinator
):
    signal = _account_signal(
        submit,
        signaller,
        age_band="12-15",
        gender="male",
        subject_name=SUBJECT_NAME,
        contact=CONTACT,
    )
    # Setup: a receipt time late in the evening (UTC), already the next day in Amsterdam.
    received = dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC)
    Signal.objects.filter(pk=signal.pk).update(received_at=received)
    bring_to(coordinator, signal, S.IN_TRIAGE)

    case = convert(
        coordinator,
        signal,
        exploitation_forms=[form("criminal")],
        nationality_group="eu",
        message="Er is een casus aangemaakt",
    )

    signal.refresh_from_db()
    assert signal.case == case and case.signal == signal
    assert signal.status == S.CONVERTED
    case = Case.objects.get(pk=case.pk)
    assert case.police_unit.code == "noord-holland"
    assert (case.age_band, case.gender, case.minor_at_intake) == ("12-15", "male", True)
    assert case.nationality_group == "eu"
    assert list(case.exploitation_forms.values_list("code", flat=True)) == ["criminal"]
    assert case.intake_date == dt.date(2026, 3, 11)
    first = ChainEvent.objects.filter(case=case).order_by("event_date", "id").first()
    assert first.event_type.code == "signal_received"
    assert first.event_date == dt.date(2026, 3, 11)
    # Nothing that identifies the person travels with the case.
    case_rows = _raw_case_rows(case)
    for text in [SUBJECT_NAME, DESCRIPTION, *CONTACT_TEXTS]:
        assert text not in case_rows
    assert all(
        decrypt_text(note) == ""
        for note in ChainEvent.objects.filter(case=case).values_list("note_ciphertext", flat=True)
    )


def _raw_case_rows(case) -> str:
    parts = [" ".join(str(v) for v in raw_row(Case._meta.db_table, case.pk))]
    for pk in ChainEvent.objects.filter(case=case).values_list("pk", flat=True):
        parts.append(" ".join(str(v) for v in raw_row(ChainEvent._meta.db_table, pk)))
    return " ".join(parts)


@pytest.mark.parametrize(
    ("age_band", "minor"),
    [("0-11", True), ("16-17", True), ("18-22", False), ("unknown", False)],
)
def test_conversion_derives_minor_from_the_age_band(age_band, minor, submit, coordinator):
    signal, _ = submit(age_band=age_band)
    bring_to(coordinator, signal, S.IN_TRIAGE)
    case = convert(coordinator, signal)
    assert case.minor_at_intake is minor and case.age_band == age_band


def test_conversion_of_a_referral_is_possible_and_keeps_an_open_question_answerable(
    submit, coordinator
):
    # Issue 14 (item 5): the conversion used to close the question, so the signaller's answer
    # was lost; now the question stays open and the answer reaches the coordinator.
    signal, _ = submit()
    bring_to(coordinator, signal, S.REFERRED_CARE)
    signal_ask(actor=coordinator, signal=signal, question="Nog nieuws?")
    convert(coordinator, signal)
    signal.refresh_from_db()
    assert signal.status == S.CONVERTED and signal.question_open is True
    signal_answer(actor=None, signal=signal, answer="Ja, de leerling is weer gezien.")
    signal.refresh_from_db()
    assert signal.question_open is False and signal.answer_pending is True


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"exploitation_forms": []}, "ten minste één uitbuitingsvorm"),
        ({"nationality_group": "mars"}, "Kies een nationaliteit"),
    ],
)
def test_an_invalid_conversion_stores_no_case_and_leaves_the_signal(
    overrides, message, submit, coordinator
):
    signal, _ = submit()
    bring_to(coordinator, signal, S.IN_TRIAGE)
    before = row_counts()
    with pytest.raises(ValidationError, match=message):
        convert(coordinator, signal, **overrides)
    assert row_counts() == before
    signal.refresh_from_db()
    assert signal.status == S.IN_TRIAGE and signal.case_id is None


# --- receipt code --------------------------------------------------------------------------------------


def test_a_receipt_code_finds_its_signal_whatever_the_dashes_case_or_spaces(submit):
    signal, receipt = submit()
    other, _ = submit()
    for variant in (
        receipt,
        receipt.lower(),
        receipt.replace("-", ""),
        f"  {receipt.replace('-', ' ').lower()}  ",
    ):
        assert signal_by_receipt(variant) == signal
    assert signal_by_receipt(receipt) != other


def test_a_wrong_or_empty_receipt_code_finds_nothing(submit, signaller):
    signal, receipt = submit()
    _account_signal(submit, signaller)
    wrong = ("2" if receipt[0] != "2" else "3") + receipt[1:]
    assert signal_by_receipt(wrong) is None
    assert signal_by_receipt("") is None
    assert signal_by_receipt("   ") is None
    assert signal_by_receipt("----") is None


# --- rate limiting -------------------------------------------------------------------------------------


def test_an_address_is_refused_after_its_hourly_attempts_but_another_address_is_not(settings):
    settings.INBEELD_PUBLIC_INTAKE_PER_HOUR = 3
    results = [public_attempt_allowed(address="203.0.113.7", scope="submit") for _ in range(4)]
    assert results == [True, True, True, False]
    assert public_attempt_allowed(address="203.0.113.7", scope="submit") is False
    assert public_attempt_allowed(address="198.51.100.2", scope="submit") is True
    # Status look-ups are counted apart from submissions.
    assert public_attempt_allowed(address="203.0.113.7", scope="status") is True


def test_attempts_count_only_for_an_hour_and_the_address_itself_is_not_stored(settings):
    settings.INBEELD_PUBLIC_INTAKE_PER_HOUR = 2
    assert public_attempt_allowed(address="203.0.113.7", scope="submit")
    assert public_attempt_allowed(address="203.0.113.7", scope="submit")
    assert not public_attempt_allowed(address="203.0.113.7", scope="submit")
    for pk in PublicIntakeAttempt.objects.values_list("pk", flat=True):
        assert "203.0.113.7" not in " ".join(
            str(v) for v in raw_row(PublicIntakeAttempt._meta.db_table, pk)
        )
    # Setup: the earlier attempts are now more than an hour old.
    PublicIntakeAttempt.objects.update(created_at=timezone.now() - dt.timedelta(minutes=61))
    assert public_attempt_allowed(address="203.0.113.7", scope="submit")


# --- own signals ---------------------------------------------------------------------------------------


def test_a_signaller_follows_only_their_own_signals(submit, signaller, coordinator):
    colleague = make_user(Role.SIGNALLER, organisation=signaller.memberships.get().organisation)
    mine = _account_signal(submit, signaller)
    theirs = _account_signal(submit, colleague)
    submit()  # an anonymous one
    assert list(own_signals_for(signaller)) == [mine]
    assert list(own_signals_for(colleague)) == [theirs]
    assert list(own_signals_for(coordinator)) == []
