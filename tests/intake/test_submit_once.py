"""The public receipt is not a second submission (issue 14 item 4): one form, one signal (a signed
one-time token), the receipt shown once after a redirect (a reload says "al verzonden"), likely
duplicates flagged in the coordinator's queue, and a private person not asked for an organisation.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.utils import timezone

from inbeeld.crypto import decrypt_text
from inbeeld.intake import receipts, selectors
from inbeeld.intake.models import PublicSubmission, Signal, SignallerType
from inbeeld.intake.workflow import SignalStatus
from tests.factories import unit
from tests.intake.conftest import _submit
from tests.intake.test_views import PUBLIC_URL, RECEIPT_RE, RECEIPT_URL, signal_data, text

pytestmark = pytest.mark.django_db

QUEUE_URL = "/signalen/"


def test_the_form_hands_out_a_fresh_signed_token_each_time(client):
    first = client.get(PUBLIC_URL).context["form"]["submission_token"].value()
    second = client.get(PUBLIC_URL).context["form"]["submission_token"].value()
    assert first != second
    assert receipts.submission_token_valid(first) and receipts.submission_token_valid(second)
    assert 'name="submission_token"' in text(client.get(PUBLIC_URL))


def test_sending_redirects_to_the_receipt_shown_once_and_a_reload_is_already_sent(client):
    response = client.post(PUBLIC_URL, signal_data())
    assert (response.status_code, response.url) == (302, RECEIPT_URL)
    receipt = client.get(RECEIPT_URL)
    code = RECEIPT_RE.search(receipt.content.decode()).group(1).strip()
    assert selectors.signal_by_receipt(code) == Signal.objects.get()

    reload = client.get(RECEIPT_URL)
    page = text(reload)
    assert reload.status_code == 200
    assert "Uw signaal is al verzonden" in page
    assert "niet nog een keer verzonden" in page
    assert code not in page and 'data-testid="receipt-code"' not in page
    assert Signal.objects.count() == 1


def test_posting_the_same_form_again_stores_nothing_and_says_already_sent(client):
    data = signal_data()
    client.post(PUBLIC_URL, data)
    again = client.post(PUBLIC_URL, data)
    assert again.status_code == 200
    assert "Uw signaal is al verzonden" in text(again)
    assert 'data-testid="receipt-code"' not in text(again)
    assert Signal.objects.count() == 1
    assert PublicSubmission.objects.get().signal == Signal.objects.get()


def test_a_second_browser_with_the_same_token_is_refused_too():
    data = signal_data()
    Client().post(PUBLIC_URL, data)
    assert "al verzonden" in text(Client().post(PUBLIC_URL, data))
    assert Signal.objects.count() == 1


def test_a_refused_form_keeps_its_token_usable_for_the_corrected_form(client):
    data = signal_data(age_band="")
    refused = client.post(PUBLIC_URL, data)
    assert "Kies een leeftijd" in text(refused)
    assert refused.context["form"]["submission_token"].value() == data["submission_token"]
    assert not PublicSubmission.objects.exists()
    fixed = client.post(PUBLIC_URL, {**data, "age_band": "16-17"})
    assert (fixed.status_code, fixed.url) == (302, RECEIPT_URL)
    assert Signal.objects.count() == 1


@pytest.mark.parametrize("token", [None, "", "made-up", "abc:def:ghi"])
def test_a_missing_or_forged_token_stores_nothing_and_offers_the_form_again(client, token):
    response = client.post(PUBLIC_URL, signal_data(submission_token=token))
    page = text(response)
    assert response.status_code == 200
    assert "Dit formulier stond te lang open en is nog niet verstuurd." in page
    assert 'class="error-summary" role="alert" tabindex="-1" id="fouten" autofocus' in page
    fresh = response.context["form"]["submission_token"].value()
    assert receipts.submission_token_valid(fresh)
    assert response.context["form"]["description"].value()  # what was typed is kept
    assert not Signal.objects.exists()
    assert (client.post(PUBLIC_URL, signal_data(submission_token=fresh))).status_code == 302


def test_an_expired_token_is_refused(client, monkeypatch):
    old = receipts.submission_token_new()
    monkeypatch.setattr(receipts, "SUBMISSION_TOKEN_MAX_AGE", -1)
    assert not receipts.submission_token_valid(old)
    client.post(PUBLIC_URL, signal_data(submission_token=old))
    assert not Signal.objects.exists()


def test_a_token_signed_for_something_else_is_not_accepted():
    other = signing.TimestampSigner(salt="iets-anders").sign("x")
    assert not receipts.submission_token_valid(other)


def test_the_receipt_travels_encrypted_in_the_session_and_only_the_tokens_hash_is_kept(client):
    data = signal_data()
    client.post(PUBLIC_URL, data)
    stored = client.session["intake_receipt"]
    shown = json.loads(decrypt_text(stored))
    assert shown["receipt"] not in stored
    claim = PublicSubmission.objects.get()
    assert data["submission_token"] not in claim.token_hash


def test_a_used_link_sent_again_says_already_sent(client, coordinator):
    from inbeeld.intake.services import intake_link_create

    _, token = intake_link_create(actor=coordinator, police_unit=unit("noord-holland"), label="x")
    data = signal_data()
    del data["police_unit"]
    assert client.post(f"/melden/link/{token}/", data).status_code == 302
    again = client.post(f"/melden/link/{token}/", data)
    assert again.status_code == 200 and "al verzonden" in text(again)
    assert Signal.objects.count() == 1


def test_old_claims_are_removed_as_new_ones_are_made():
    PublicSubmission.objects.create(
        token_hash="0" * 64,
        created_at=timezone.now() - dt.timedelta(seconds=receipts.SUBMISSION_CLAIM_KEEP + 60),
    )
    Client().post(PUBLIC_URL, signal_data())
    assert not PublicSubmission.objects.filter(token_hash="0" * 64).exists()
    assert PublicSubmission.objects.count() == 1


# --- a private person ------------------------------------------------------------------------------


def test_a_private_person_is_offered_first_and_its_organisation_is_not_kept(client, coordinator):
    page = text(client.get(PUBLIC_URL))
    assert "Meldt u als privépersoon of vanuit uw werk?" in page
    assert page.index("Als privépersoon") < page.index("Sportvereniging")
    assert 'class="contact-organisation"' in page  # hidden by CSS when "privépersoon" is chosen

    client.post(
        PUBLIC_URL,
        signal_data(
            signaller_type="private",
            contact_organisation="Mag niet blijven staan",
            police_unit=str(unit("noord-holland").pk),
        ),
    )
    signal = Signal.objects.get()
    assert signal.signaller_type == SignallerType.PRIVATE
    content = selectors.signal_content(coordinator, signal)
    assert content.contact["organisation"] == ""
    assert content.contact["name"] == "Trainer Tamara"  # the rest of the contact stays
    assert "Mag niet blijven staan" not in decrypt_text(signal.contact_ciphertext)


def test_the_stylesheet_hides_the_organisation_for_a_private_person():
    from pathlib import Path

    import inbeeld

    css = (Path(inbeeld.__file__).parent / "static/inbeeld/inbeeld.css").read_text()
    assert (
        '.signal-form:has(input[name="signaller_type"][value="private"]:checked) '
        ".contact-organisation"
    ) in css


# --- likely duplicates in the queue -----------------------------------------------------------------


def _flagged(signals) -> dict[str, list[str]]:
    signals = list(signals)
    selectors.flag_likely_duplicates(signals)
    return {s.reference: s.likely_duplicates for s in signals}


def test_the_same_content_in_the_same_unit_within_a_day_is_flagged_both_ways():
    first, _ = _submit()
    second, _ = _submit(
        description="  leerling ZAANDAM komt met dure spullen en is vaak moe in de les "
    )
    flags = _flagged([first, second])
    assert flags == {first.reference: [second.reference], second.reference: [first.reference]}


def test_several_duplicates_are_named_oldest_first_and_a_different_one_is_left_out():
    signals = [_submit()[0] for _ in range(3)]
    other, _ = _submit(description="Iets heel anders gezien.")
    # Received 0, 1 and 2 hours ago: the first stored is the newest, so time order is not id order.
    for hours, signal in enumerate(signals):
        Signal.objects.filter(pk=signal.pk).update(
            received_at=signal.received_at - dt.timedelta(hours=hours)
        )
        signal.refresh_from_db()
    newest, middle, oldest = signals
    flags = _flagged([newest, other, oldest, middle])
    assert flags == {
        newest.reference: [oldest.reference, middle.reference],
        middle.reference: [oldest.reference, newest.reference],
        oldest.reference: [middle.reference, newest.reference],
        other.reference: [],
    }


@pytest.mark.parametrize(
    "change",
    [
        {"description": "Iets heel anders gezien."},
        {"indicators": []},
        {"age_band": "12-15"},
        {"gender": "male"},
        {"police_unit": "amsterdam"},
    ],
)
def test_different_content_or_another_unit_is_not_flagged(change):
    first, _ = _submit()
    if "police_unit" in change:
        change = {"police_unit": unit(change["police_unit"])}
    second, _ = _submit(**change)
    assert _flagged([first, second]) == {first.reference: [], second.reference: []}


def test_outside_the_window_or_dealt_with_is_not_flagged():
    first, _ = _submit()
    late, _ = _submit()
    Signal.objects.filter(pk=late.pk).update(
        received_at=first.received_at + selectors.DUPLICATE_WINDOW + dt.timedelta(minutes=1)
    )
    late.refresh_from_db()
    assert _flagged([first, late]) == {first.reference: [], late.reference: []}
    third, _ = _submit()
    Signal.objects.filter(pk=first.pk).update(status=SignalStatus.NO_ACTION)
    assert _flagged([third])[third.reference] == []


def test_the_queue_shows_the_flag_with_the_other_reference(login, client, coordinator):
    first, _ = _submit(urgency="acute")
    second, _ = _submit(urgency="acute")
    alone, _ = _submit(description="Een ander verhaal.")
    login(coordinator)
    page = text(client.get(QUEUE_URL))
    assert page.count('data-testid="likely-duplicate"') == 2
    assert f"zelfde inhoud als {first.reference}" in page
    assert f"zelfde inhoud als {second.reference}" in page
    assert alone.reference in page


def test_the_duplicate_flag_costs_a_constant_number_of_queries(
    login, client, coordinator, django_assert_max_num_queries
):
    for _ in range(3):
        _submit()
    login(coordinator)
    client.get(QUEUE_URL)
    with django_assert_max_num_queries(40) as few:
        client.get(QUEUE_URL)
    for _ in range(10):
        _submit()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(QUEUE_URL)


# --- concurrency: the same form sent from several tabs at once ---------------------------------------


def _concurrent_public_posts(payloads: list[tuple[str, dict]]) -> list[int]:
    import threading

    from django.db import connections

    barrier = threading.Barrier(len(payloads))
    statuses: list[int] = [0] * len(payloads)
    errors: list[BaseException] = []

    def worker(i: int, address: str, data: dict) -> None:
        try:
            client = Client()
            barrier.wait(timeout=30)
            statuses[i] = client.post(PUBLIC_URL, data, REMOTE_ADDR=address).status_code
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


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need PostgreSQL (run with DATABASE_URL=postgres://...)",
)
@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_posts_of_one_form_store_one_signal():
    data = signal_data()
    statuses = _concurrent_public_posts([(f"192.0.2.{n + 10}", data) for n in range(8)])
    assert Signal.objects.count() == 1
    assert PublicSubmission.objects.count() == 1
    assert statuses.count(302) == 1 and statuses.count(200) == 7, statuses


def test_a_duplicate_removed_between_the_two_reads_is_no_longer_named():
    """The candidates are read first, their descriptions after: a signal removed in between (by
    retention, in another transaction) is left out instead of failing the queue."""
    from django.db import connection

    first, _ = _submit()
    second, _ = _submit()
    third, _ = _submit()

    def remove_second_first(execute, sql, params, many, context):
        if "description_ciphertext" in sql and "IN" in sql:
            Signal.indicators.through.objects.filter(signal_id=second.pk).delete()
            with connection.cursor() as cursor:  # what retention does, past the model's guards
                for table in ("intake_signalevent", "intake_signal"):
                    column = "signal_id" if table == "intake_signalevent" else "id"
                    cursor.execute(f"DELETE FROM {table} WHERE {column} = %s", [second.pk])  # noqa: S608
        return execute(sql, params, many, context)

    with connection.execute_wrapper(remove_second_first):
        flags = _flagged([first, third])
    assert flags == {first.reference: [third.reference], third.reference: [first.reference]}
    assert not Signal.objects.filter(pk=second.pk).exists()
