"""Receipt codes at /melden/status/ (issue 11, item 9): every check is counted BEFORE it is made,
per address and per code (the lookup key: the code's first group), so concurrent guesses cannot
all pass; a reporter shut out by a limit gets in with the code plus their own answer, which is
stored only as a slow keyed hash; failures, locks and unlocks are audited without code or answer.

The concurrent replay (40 guesses at once through the Django test client in threads) needs a
database that takes concurrent writers: it runs on PostgreSQL (DATABASE_URL=postgres://...); the
sequential versions run everywhere.
"""

from __future__ import annotations

import html
import json
import threading

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.intake import receipts, services
from inbeeld.intake.models import PublicIntakeAttempt, Signal
from tests.factories import make_user
from tests.intake.conftest import raw_row

STATUS_URL = "/melden/status/"
PUBLIC_URL = "/melden/"
SCHOOL = "203.0.113.50"  # one school network: many people behind one address
ANSWER = "Snuffie de Hamster"
STATUS_SHOWN = 'data-testid="signal-status"'
UNKNOWN = "Deze ontvangstcode kennen we niet. Controleer de code."


def text(response) -> str:
    """The page the browser shows (the receipt page after the anonymous form's redirect)."""
    from tests.intake.test_views import shown

    return html.unescape(shown(response).content.decode())


def other_code(code: str, n: int, *, same_first_group: bool) -> str:
    """A wrong code: keeps the first group of ``code`` (a targeted guess) or not."""
    alphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
    tail = "".join(alphabet[(n // 30**i) % 30] for i in range(8))
    first = code[:4] if same_first_group else "ZZZZ"
    guess = f"{first}-{tail[:4]}-{tail[4:]}"
    assert receipts.normalise_code(guess) != receipts.normalise_code(code)
    return guess


def post(client, address, **data):
    return client.post(STATUS_URL, data, REMOTE_ADDR=address)


def audit_dump() -> str:
    return " ".join(
        f"{e.subject_ref} {json.dumps(e.extra, ensure_ascii=False)}"
        for e in AuditEvent.objects.all()
    )


@pytest.fixture
def reporter(submit):
    """An anonymous signal whose reporter chose a question and an answer."""
    return submit(recovery_question="first_pet", recovery_answer=ANSWER)


# --- counted before the check, per address --------------------------------------------------------


@pytest.mark.django_db
def test_guesses_from_one_address_are_refused_after_the_limit(client, reporter):
    _, code = reporter
    limit = settings.INBEELD_PUBLIC_INTAKE_PER_HOUR
    answers = [
        post(client, SCHOOL, code=other_code(code, n, same_first_group=False)).status_code
        for n in range(limit + 3)
    ]
    assert answers == [200] * limit + [429] * 3
    failed = AuditEvent.objects.filter(action=AuditAction.RECEIPT_CHECK_FAILED)
    assert failed.count() == limit  # the refused guesses were not even checked
    assert AuditEvent.objects.filter(action=AuditAction.RECEIPT_LOCKED).count() == 1
    assert AuditEvent.objects.get(action=AuditAction.RECEIPT_LOCKED).extra["limit"] == "address"


@pytest.mark.django_db
def test_a_malformed_code_gets_a_dutch_message_and_counts_nothing(client):
    response = post(client, SCHOOL, code="ABC-123")
    assert response.status_code == 200
    assert "Een ontvangstcode heeft 12 tekens, bijvoorbeeld ABCD-EFGH-JKMN." in text(response)
    assert not PublicIntakeAttempt.objects.exists()


# --- per code: the lookup key ---------------------------------------------------------------------


@pytest.mark.django_db
def test_guesses_at_one_codes_first_group_from_many_addresses_lock_that_code(client, reporter):
    _, code = reporter
    limit = settings.INBEELD_RECEIPT_PER_CODE_PER_HOUR
    for n in range(limit):
        response = post(
            client, f"198.51.100.{n + 1}", code=other_code(code, n, same_first_group=True)
        )
        assert response.status_code == 200
        assert UNKNOWN in text(response)

    # The reporter, from a fresh address, with the RIGHT code: the code alone is blocked ...
    response = post(client, "192.0.2.200", code=code)
    assert response.status_code == 429
    assert STATUS_SHOWN not in response.content.decode()
    page = text(response)
    assert "Met deze code is het afgelopen uur te vaak geprobeerd." in page
    assert "Vul dan hieronder uw code en het antwoord in" in page
    assert 'name="recovery_answer"' in page
    assert "Nieuw signaal doen" in page and "112" in page  # no dead end
    locked = AuditEvent.objects.get(action=AuditAction.RECEIPT_LOCKED)
    assert locked.extra["limit"] == "code"

    # ... and opens with the code plus the reporter's own answer (spelled loosely).
    response = post(client, "192.0.2.200", code=code, recovery_answer="  snuffie  DE hamster ")
    assert response.status_code == 200
    assert STATUS_SHOWN in response.content.decode()
    signal = reporter[0]
    unlocked = AuditEvent.objects.get(action=AuditAction.RECEIPT_UNLOCKED)
    assert unlocked.subject_ref == signal.reference


@pytest.mark.django_db
def test_other_codes_are_not_locked_by_guesses_at_one_first_group(client, reporter, submit):
    _, code = reporter
    other_signal, other = submit()
    while other[:4] == code[:4]:  # pragma: no cover (1 in 810,000)
        other_signal, other = submit()
    for n in range(settings.INBEELD_RECEIPT_PER_CODE_PER_HOUR + 2):
        post(client, f"198.51.100.{n + 1}", code=other_code(code, n, same_first_group=True))
    response = post(client, "192.0.2.201", code=other)
    assert response.status_code == 200
    assert STATUS_SHOWN in response.content.decode()


# --- the school network: one address, the reporter locked out, and their way through ---------------


@pytest.mark.django_db
def test_a_reporter_behind_a_locked_school_address_gets_in_with_their_answer(client, reporter):
    signal, code = reporter
    for n in range(settings.INBEELD_PUBLIC_INTAKE_PER_HOUR):
        post(client, SCHOOL, code=other_code(code, n, same_first_group=False))

    blocked = post(client, SCHOOL, code=code)
    assert blocked.status_code == 429
    assert "Te veel onjuiste codes." in text(blocked)
    assert STATUS_SHOWN not in blocked.content.decode()

    opened = post(client, SCHOOL, code=code, recovery_answer=ANSWER)
    assert opened.status_code == 200
    assert STATUS_SHOWN in opened.content.decode()

    # An open question can be answered from there (the answer travels with the code).
    coordinator = make_user(Role.SAFETY_COORDINATOR, unit_code="noord-holland")
    services.signal_ask(actor=coordinator, signal=signal, question="Hoe vaak zag u dit?")
    page = post(client, SCHOOL, code=code, recovery_answer=ANSWER).content.decode()
    assert 'name="recovery_answer"' in page and 'name="answer"' in page
    answered = post(client, SCHOOL, code=code, recovery_answer=ANSWER, answer="Twee keer.")
    assert "Uw antwoord is verstuurd." in text(answered)
    signal.refresh_from_db()
    assert not signal.question_open


@pytest.mark.django_db
def test_the_answer_does_not_replace_the_code(client, reporter, submit):
    """The answer is a second factor on top of the code, never instead of it: the right answer
    with a wrong code (even one with the right first group) opens nothing."""
    _, code = reporter
    response = post(
        client, SCHOOL, code=other_code(code, 1, same_first_group=True), recovery_answer=ANSWER
    )
    assert response.status_code == 200
    assert STATUS_SHOWN not in response.content.decode()
    assert "De code of het antwoord klopt niet. Controleer beide." in text(response)
    assert not AuditEvent.objects.filter(action=AuditAction.RECEIPT_UNLOCKED).exists()


@pytest.mark.django_db
def test_wrong_answers_have_their_own_limit(client, reporter):
    _, code = reporter
    limit = settings.INBEELD_RECEIPT_UNLOCK_PER_HOUR
    for n in range(limit):
        response = post(client, f"198.51.100.{n + 1}", code=code, recovery_answer=f"fout {n}")
        assert response.status_code == 200
        assert STATUS_SHOWN not in response.content.decode()
    # Even the right answer now waits: the answers to one code are limited from any address.
    response = post(client, "192.0.2.99", code=code, recovery_answer=ANSWER)
    assert response.status_code == 429
    assert "Te veel pogingen met een antwoord bij deze code." in text(response)
    assert STATUS_SHOWN not in response.content.decode()


@pytest.mark.django_db
def test_a_reporter_without_an_answer_is_not_let_in_by_any_answer(client, submit):
    _, code = submit()
    response = post(client, SCHOOL, code=code, recovery_answer="iets")
    assert STATUS_SHOWN not in response.content.decode()
    assert "De code of het antwoord klopt niet." in text(response)


# --- what is stored and audited -------------------------------------------------------------------


@pytest.mark.django_db
def test_only_a_slow_keyed_hash_of_the_answer_is_stored(reporter):
    signal, _ = reporter
    row = " ".join(str(v) for v in raw_row("intake_signal", signal.pk))
    assert "Snuffie" not in row and "snuffie" not in row
    stored = Signal.objects.get(pk=signal.pk).recovery_answer_hash
    assert stored.split("$")[0] in {"md5", "argon2", "pbkdf2_sha256"}  # Django's hasher format
    assert receipts.recovery_answer_matches(ANSWER, stored)
    assert not receipts.recovery_answer_matches("Snuffie", stored)
    # Keyed: the hasher alone over the answer does not match (the HMAC key is outside the DB).
    from django.contrib.auth.hashers import check_password

    assert not check_password(receipts.normalise_answer(ANSWER), stored)


@pytest.mark.django_db
def test_no_code_or_answer_lands_in_the_audit_log(client, reporter):
    signal, code = reporter
    for n in range(settings.INBEELD_RECEIPT_PER_CODE_PER_HOUR + 1):
        post(client, f"198.51.100.{n + 1}", code=other_code(code, n, same_first_group=True))
    post(client, SCHOOL, code=code, recovery_answer="verkeerd antwoord")
    post(client, SCHOOL, code=code, recovery_answer=ANSWER)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        AuditAction.RECEIPT_CHECK_FAILED,
        AuditAction.RECEIPT_LOCKED,
        AuditAction.RECEIPT_UNLOCKED,
    } <= actions
    dump = audit_dump()
    normal = receipts.normalise_code(code)
    for secret in (code, normal, normal[:4] + "-", normal[4:], "Snuffie", "snuffie", "verkeerd"):
        assert secret not in dump


@pytest.mark.django_db
def test_the_public_form_offers_the_question_and_checks_question_and_answer_together(client):
    page = text(client.get(PUBLIC_URL))
    assert "Uw eigen vraag (niet verplicht)" in page
    assert "Hoe heette uw eerste huisdier?" in page
    from tests.intake.test_views import signal_data

    only_answer = client.post(PUBLIC_URL, signal_data(recovery_answer="Snuffie"))
    assert "Kies bij welke vraag uw antwoord hoort." in text(only_answer)
    only_question = client.post(PUBLIC_URL, signal_data(recovery_question="street"))
    assert "Vul uw antwoord op de gekozen vraag in." in text(only_question)
    assert not Signal.objects.exists()
    both = client.post(
        PUBLIC_URL, signal_data(recovery_question="street", recovery_answer="Dorpsstraat")
    )
    assert "U koos ook een eigen vraag." in text(both)
    assert Signal.objects.get().recovery_question == "street"


@pytest.mark.django_db
def test_a_signaller_with_an_account_gets_no_recovery_question(login, signaller):
    page = text(login(signaller).get("/signalen/nieuw/"))
    assert "Uw eigen vraag" not in page
    assert 'name="recovery_answer"' not in page


# --- concurrency: 40 guesses at once -------------------------------------------------------------


def _concurrent_posts(payloads: list[tuple[str, dict]]) -> list[int]:
    barrier = threading.Barrier(len(payloads))
    statuses: list[int] = [0] * len(payloads)
    errors: list[BaseException] = []

    def worker(i: int, address: str, data: dict) -> None:
        try:
            client = Client()
            barrier.wait(timeout=30)
            statuses[i] = client.post(STATUS_URL, data, REMOTE_ADDR=address).status_code
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, args=(i, address, data))
        for i, (address, data) in enumerate(payloads)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return statuses


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need PostgreSQL (run with DATABASE_URL=postgres://...)",
)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_forty_concurrent_guesses_from_one_address_check_at_most_the_limit(reporter):
    _, code = reporter
    limit = settings.INBEELD_PUBLIC_INTAKE_PER_HOUR
    statuses = _concurrent_posts(
        [(SCHOOL, {"code": other_code(code, n, same_first_group=False)}) for n in range(40)]
    )
    checked = AuditEvent.objects.filter(action=AuditAction.RECEIPT_CHECK_FAILED).count()
    assert statuses.count(200) <= limit
    assert checked <= limit
    assert statuses.count(200) + statuses.count(429) == 40


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_forty_concurrent_guesses_at_one_code_from_forty_addresses_check_at_most_the_limit(
    reporter,
):
    _, code = reporter
    limit = settings.INBEELD_RECEIPT_PER_CODE_PER_HOUR
    statuses = _concurrent_posts(
        [
            (f"198.51.100.{n + 1}", {"code": other_code(code, n, same_first_group=True)})
            for n in range(40)
        ]
    )
    checked = AuditEvent.objects.filter(action=AuditAction.RECEIPT_CHECK_FAILED).count()
    assert statuses.count(200) <= limit
    assert checked <= limit
