"""Receipt codes of anonymous signals: the checks at /melden/status/, limited and audited.

A receipt code is 12 characters from a 30-letter alphabet (about 59 bits); only its keyed hash is
stored. Guessing is limited twice, and every attempt is counted BEFORE the code is checked:

* per address (a hash of it): INBEELD_PUBLIC_INTAKE_PER_HOUR look-ups an hour;
* per code: INBEELD_RECEIPT_PER_CODE_PER_HOUR look-ups an hour under the code's *lookup key*, a
  keyed hash of its first group of four characters. Someone who knows or guesses that group of a
  reporter's code can try the other eight characters only that often, from any number of
  addresses. The lookup key is only a counter's name: opening a status still needs all 12
  characters, so the code's keyspace is unchanged.

Counting is an insert that commits on its own, followed by a count of the committed rows: of any
number of concurrent attempts, the n-th to commit sees at least n rows, so at most the limit get
through (tests/intake/test_receipt_codes.py replays 40 concurrent guesses on PostgreSQL). A correct
code gives its counted attempts back, so a reporter checking their status does not use them up.

A reporter shut out by a limit (one busy school network, or someone hammering their code's first
group) gets in with their code plus the answer to the personal question they chose when reporting:
a second factor of their own, with its own limits (per address and per full code). Only a slow,
keyed hash of the answer is stored (Django's password hasher over an HMAC with the linkage key).
Every failed check, every lock and every unlock is audited, without code or answer.
"""

from __future__ import annotations

import dataclasses
import unicodedata

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.utils.translation import gettext_lazy as _

from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.crypto import keyed_digest
from inbeeld.intake.limits import client_hash, count_public_attempt
from inbeeld.intake.models import PublicIntakeAttempt, Signal
from inbeeld.intake.services import receipt_hash

CODE_LENGTH = 12
LOOKUP_LENGTH = 4
MAX_ANSWER = 100
MIN_ANSWER = 2

# Scopes of the attempt counters (PublicIntakeAttempt.scope).
SCOPE_ADDRESS = "status"
SCOPE_CODE = "status-code"
SCOPE_UNLOCK_ADDRESS = "unlock"
SCOPE_UNLOCK_CODE = "unlock-code"


class RecoveryQuestion(models.TextChoices):
    """Questions a reporter can pick; the answer is theirs (stored only as a slow keyed hash)."""

    FIRST_PET = "first_pet", _("Hoe heette uw eerste huisdier?")
    STREET = "street", _("In welke straat woonde u als kind?")
    TEACHER = "teacher", _("Hoe heette uw favoriete leraar of juf?")
    OWN = "own_word", _("Een eigen geheim woord")


def normalise_code(code: str) -> str:
    """Upper case, without spaces and dashes."""
    return "".join(ch for ch in str(code).upper() if ch.isalnum())


def code_is_well_formed(code: str) -> bool:
    normal = normalise_code(code)
    return len(normal) == CODE_LENGTH and normal.isascii()


def lookup_key(code: str) -> str:
    """Keyed hash of the code's first group: the name of its per-code counter."""
    prefix = normalise_code(code)[:LOOKUP_LENGTH]
    return keyed_digest("receipt-lookup", prefix)


def normalise_answer(answer: str) -> str:
    """The answer as compared: Unicode NFKC, case-folded, inner whitespace collapsed."""
    text = unicodedata.normalize("NFKC", str(answer)).casefold()
    return " ".join(text.split())


def _keyed_answer(answer: str) -> str:
    return keyed_digest("receipt-answer", normalise_answer(answer))


def recovery_answer_hash(answer: str) -> str:
    """What is stored of a recovery answer: the configured (slow) password hasher over an HMAC
    keyed with a secret outside the database."""
    return make_password(_keyed_answer(answer))


def recovery_answer_matches(answer: str, stored: str) -> bool:
    if not stored:
        # Same work as a real check, so the time does not tell whether an answer was set.
        make_password(_keyed_answer(answer))
        return False
    return check_password(_keyed_answer(answer), stored)


# --- counting ----------------------------------------------------------------------------------------


def _give_back(row_ids: list[int]) -> None:
    PublicIntakeAttempt.objects.filter(pk__in=row_ids).delete()


@dataclasses.dataclass(frozen=True)
class ReceiptCheck:
    """The outcome of a check: the signal (opened), or why not."""

    opened: Signal | None = None  # the signal the code opened
    locked: str = ""  # "address" or "code": a limit was reached, nothing was checked
    has_recovery: bool = False  # unlock: whether the answer path applies (never told on failure)


def _audit_failed(reason: str) -> None:
    audit_record(
        actor=None,
        action=AuditAction.RECEIPT_CHECK_FAILED,
        subject_type="receipt",
        extra={"reason": reason},
    )


def _audit_locked(limit: str, path: str) -> None:
    audit_record(
        actor=None,
        action=AuditAction.RECEIPT_LOCKED,
        subject_type="receipt",
        extra={"limit": limit, "path": path},
    )


def _find(code: str) -> Signal | None:
    if not code_is_well_formed(code):
        return None
    return (
        Signal.objects.exclude(receipt_hash="")
        .filter(receipt_hash=receipt_hash(code))
        .select_related("police_unit")
        .first()
    )


def receipt_check(*, code: str, address: str) -> ReceiptCheck:
    """Open the signal of ``code`` for the anonymous reporter at ``address``: counted first (per
    address and per lookup key), then checked. A correct code gives its counted attempts back."""
    limits = (
        ("address", client_hash(address), SCOPE_ADDRESS, settings.INBEELD_PUBLIC_INTAKE_PER_HOUR),
        ("code", lookup_key(code), SCOPE_CODE, settings.INBEELD_RECEIPT_PER_CODE_PER_HOUR),
    )
    rows = []
    for name, key, scope, limit in limits:
        row, used = count_public_attempt(key=key, scope=scope)
        rows.append(row)
        if used > limit:
            if used == limit + 1:  # the attempt that reached the limit: audited once
                _audit_locked(name, "code")
            return ReceiptCheck(locked=name)
    signal = _find(code)
    if signal is None:
        _audit_failed("unknown_code")
        return ReceiptCheck()
    _give_back(rows)
    return ReceiptCheck(opened=signal)


def receipt_unlock(*, code: str, answer: str, address: str) -> ReceiptCheck:
    """Open the signal of ``code`` with the reporter's own answer, also when a limit of the code
    alone is reached. Limited on its own: per address and per full code, counted first."""
    limits = (
        (
            "address",
            client_hash(address),
            SCOPE_UNLOCK_ADDRESS,
            settings.INBEELD_RECEIPT_UNLOCK_PER_HOUR,
        ),
        (
            "code",
            receipt_hash(normalise_code(code)),
            SCOPE_UNLOCK_CODE,
            settings.INBEELD_RECEIPT_UNLOCK_PER_HOUR,
        ),
    )
    rows = []
    for name, key, scope, limit in limits:
        row, used = count_public_attempt(key=key, scope=scope)
        rows.append(row)
        if used > limit:
            if used == limit + 1:
                _audit_locked(name, "answer")
            return ReceiptCheck(locked=name)
    signal = _find(code)
    stored = signal.recovery_answer_hash if signal is not None else ""
    if not recovery_answer_matches(answer, stored):
        _audit_failed("wrong_code_or_answer")
        return ReceiptCheck()
    _give_back(rows)
    audit_record(
        actor=None,
        action=AuditAction.RECEIPT_UNLOCKED,
        subject_type="signal",
        subject_ref=signal.reference,
        case_code="",
        extra={},
    )
    return ReceiptCheck(opened=signal, has_recovery=True)


# --- one submission per form: the one-time form token (issue 14 item 4) -------------------------
#
# Every signal form carries a token signed by the server (hidden field ``submission_token``).
# Submitting claims the token (PublicSubmission, unique on its keyed hash) in the same transaction
# as the signal: a reload of the result, a second click or the browser's "resend" presents a used
# token and stores nothing; the submitter sees that the signal was already sent. A signal that is
# refused (a form error) releases its claim with the rollback, so the corrected form goes through.
# A token older than SUBMISSION_TOKEN_MAX_AGE or not made by us is refused with a fresh form.

SUBMISSION_SIGNING_SALT = "inbeeld.intake.submission"
SUBMISSION_TOKEN_MAX_AGE = 24 * 60 * 60  # seconds: a form may stay open for a day
# Claims are kept a little longer than a token lives, then removed as new ones are made.
SUBMISSION_CLAIM_KEEP = SUBMISSION_TOKEN_MAX_AGE * 2


class AlreadySubmitted(Exception):
    """The form's one-time token was used before: the signal is already in."""


def submission_token_new() -> str:
    """A fresh one-time token for a signal form (signed, so only ours are accepted)."""
    import secrets

    from django.core import signing

    return signing.TimestampSigner(salt=SUBMISSION_SIGNING_SALT).sign(secrets.token_urlsafe(18))


def submission_token_valid(token: str) -> bool:
    """Whether ``token`` is one of ours and still fresh (used or not)."""
    from django.core import signing

    try:
        signing.TimestampSigner(salt=SUBMISSION_SIGNING_SALT).unsign(
            token or "", max_age=SUBMISSION_TOKEN_MAX_AGE
        )
    except signing.BadSignature:
        return False
    return True


def _claim_hash(token: str) -> str:
    return keyed_digest("submission-token", token)


def submission_token_used(token: str) -> bool:
    from inbeeld.intake.models import PublicSubmission

    return PublicSubmission.objects.filter(token_hash=_claim_hash(token)).exists()


def signal_submit_once(*, submission_token: str, **submission) -> tuple[Signal, str]:
    """``services.signal_submit(**submission)``, at most once per form token: raises
    AlreadySubmitted when the token was used (also by a concurrent request: the unique claim)."""
    import datetime as dt

    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from inbeeld.intake.models import PublicSubmission
    from inbeeld.intake.services import signal_submit

    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = PublicSubmission.objects.create(
                    token_hash=_claim_hash(submission_token), created_at=now
                )
        except IntegrityError:
            raise AlreadySubmitted from None
        signal, receipt = signal_submit(**submission)
        claim.signal = signal
        claim.save(update_fields=["signal"])
        PublicSubmission.objects.filter(
            created_at__lt=now - dt.timedelta(seconds=SUBMISSION_CLAIM_KEEP)
        ).delete()
    return signal, receipt
