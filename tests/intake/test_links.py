"""One-time intake links (issue 11, items 8 and 11): the "for whom" label is encrypted at rest
(also existing labels, by the migration; covered by key rotation), and making a link redirects
after the POST, so a reload never makes a second link."""

from __future__ import annotations

import re

import pytest
from cryptography.fernet import Fernet
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.utils import timezone

from inbeeld.crypto import decrypt_text
from inbeeld.crypto_rotation import encrypted_columns, keys_rotate
from inbeeld.intake import services
from inbeeld.intake.models import IntakeLink
from tests.factories import unit
from tests.intake.conftest import raw_row

LINKS_URL = "/signalen/meldlinks/"
LABEL = "Trainer ZQLABELQZ van FC Zaandam"
NEW_LINK = re.compile(r'data-testid="new-link">([^<]+)<')


def _post_link(client, label=LABEL):
    return client.post(LINKS_URL, {"label": label, "police_unit": str(unit("noord-holland").pk)})


@pytest.mark.django_db
def test_making_a_link_redirects_and_a_reload_makes_no_second_link(login, coordinator):
    client = login(coordinator)

    response = _post_link(client)

    # Post/redirect/get: the POST answers with a redirect, not with a page a reload would repost.
    assert response.status_code == 302
    assert response["Location"] == LINKS_URL
    assert IntakeLink.objects.count() == 1
    page = client.get(LINKS_URL)
    match = NEW_LINK.search(page.content.decode())
    assert match, "the new link is shown once after the redirect"
    token = re.search(r"/melden/link/([^/]+)/$", match.group(1)).group(1)
    assert IntakeLink.objects.get().token_hash == services.token_hash(token)

    # The reload (the browser repeats the GET it was redirected to): no new link, and the URL is
    # not shown a second time.
    reload = client.get(LINKS_URL)
    assert reload.status_code == 200
    assert IntakeLink.objects.count() == 1
    assert not NEW_LINK.search(reload.content.decode())
    assert LABEL in reload.content.decode()


@pytest.mark.django_db
def test_the_new_link_waits_in_the_session_encrypted_never_in_clear(login, coordinator):
    client = login(coordinator)
    _post_link(client)
    session = Session.objects.get(session_key=client.session.session_key)
    stored = str(session.get_decoded()) + session.session_data
    link = IntakeLink.objects.get()
    assert "/melden/link/" not in stored
    assert link.token_hash not in stored
    page = client.get(LINKS_URL).content.decode()
    token = re.search(r"/melden/link/([^/<]+)/", page).group(1)
    assert token not in stored


@pytest.mark.django_db
def test_an_invalid_link_form_is_shown_again_without_a_redirect(login, coordinator):
    client = login(coordinator)
    response = client.post(LINKS_URL, {"label": "", "police_unit": str(unit("noord-holland").pk)})
    assert response.status_code == 200
    assert "Geef aan voor wie de link is." in response.content.decode()
    assert not IntakeLink.objects.exists()


@pytest.mark.django_db
def test_the_label_is_encrypted_at_rest_and_shown_decrypted_to_the_coordinator(login, coordinator):
    client = login(coordinator)
    _post_link(client)
    link = IntakeLink.objects.get()

    row = " ".join(str(value) for value in raw_row("intake_intakelink", link.pk))
    assert "ZQLABELQZ" not in row
    assert decrypt_text(link.label_ciphertext) == LABEL
    assert link.label == LABEL
    assert "ZQLABELQZ" not in str(link)
    assert LABEL in client.get(LINKS_URL).content.decode()


@pytest.mark.django_db
def test_key_rotation_re_encrypts_the_labels(coordinator, settings):
    link, _ = services.intake_link_create(
        actor=coordinator, police_unit=unit("noord-holland"), label=LABEL
    )
    assert (IntakeLink, "label_ciphertext") in encrypted_columns()
    new_key = Fernet.generate_key().decode()
    old_keys = list(settings.INBEELD_ENCRYPTION_KEYS)
    settings.INBEELD_ENCRYPTION_KEYS = [new_key, *old_keys]

    result = keys_rotate()

    assert result.fields["intake.IntakeLink.label_ciphertext"] == 1
    with override_settings(INBEELD_ENCRYPTION_KEYS=[new_key]):
        assert IntakeLink.objects.get(pk=link.pk).label == LABEL


BEFORE = [("intake", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_labels_that_were_stored_in_clear(coordinator):
    executor = MigrationExecutor(connection)
    # Back to every app's newest migration, not only this app's: going back also unapplies the
    # migrations of the apps that depend on it (suspects on cases), and the next test needs them.
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO intake_intakelink (token_hash, police_unit_id, label, created_by_id, "
                "created_at, expires_at) VALUES (%s, %s, %s, %s, %s, %s)",
                ["a" * 64, unit("amsterdam").pk, LABEL, coordinator.pk, now, now],
            )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    link = IntakeLink.objects.get()
    assert link.label == LABEL
    row = " ".join(str(value) for value in raw_row("intake_intakelink", link.pk))
    assert "ZQLABELQZ" not in row
    columns = [c.name for c in connection.introspection.get_table_description(
        connection.cursor(), "intake_intakelink"
    )]  # fmt: skip
    assert "label" not in columns
