"""Encryption of free text at rest (with key rotation) and keyed linkage pseudonyms."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

from inbeeld.crypto import (
    DecryptionFailed,
    InvalidKeyConfiguration,
    decrypt_text,
    encrypt_text,
    linkage_key,
    load_fernet,
    rotate_token,
)

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
TEXT = "Slachtoffer (17) verblijft in Zaandam; contact via tante – ‘veilig’ ✓"


def test_encrypt_and_decrypt_round_trip():
    token = encrypt_text(TEXT)
    assert token != TEXT and "Zaandam" not in token
    assert decrypt_text(token) == TEXT


def test_the_same_text_encrypts_differently_each_time():
    assert encrypt_text(TEXT) != encrypt_text(TEXT)


def test_empty_text_stays_empty():
    assert encrypt_text("") == ""
    assert decrypt_text("") == ""
    assert rotate_token("") == ""


def test_a_token_from_another_key_cannot_be_decrypted():
    with override_settings(INBEELD_ENCRYPTION_KEYS=[OLD_KEY]):
        token = encrypt_text(TEXT)
    with override_settings(INBEELD_ENCRYPTION_KEYS=[NEW_KEY]), pytest.raises(DecryptionFailed):
        decrypt_text(token)


def test_a_tampered_token_is_refused():
    token = encrypt_text(TEXT)
    tampered = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    with pytest.raises(DecryptionFailed):
        decrypt_text(tampered)


def test_an_old_token_stays_readable_after_a_new_first_key_is_added():
    with override_settings(INBEELD_ENCRYPTION_KEYS=[OLD_KEY]):
        old_token = encrypt_text(TEXT)
    with override_settings(INBEELD_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        assert decrypt_text(old_token) == TEXT
        new_token = encrypt_text(TEXT)
    # New text is encrypted under the new (first) key only.
    with override_settings(INBEELD_ENCRYPTION_KEYS=[NEW_KEY]):
        assert decrypt_text(new_token) == TEXT
    with override_settings(INBEELD_ENCRYPTION_KEYS=[OLD_KEY]), pytest.raises(DecryptionFailed):
        decrypt_text(new_token)


def test_rotate_token_re_encrypts_under_the_new_key():
    with override_settings(INBEELD_ENCRYPTION_KEYS=[OLD_KEY]):
        old_token = encrypt_text(TEXT)
    with override_settings(INBEELD_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        rotated = rotate_token(old_token)
    assert rotated != old_token
    with override_settings(INBEELD_ENCRYPTION_KEYS=[NEW_KEY]):  # the old key can now go
        assert decrypt_text(rotated) == TEXT


@pytest.mark.parametrize("keys", [[], ["not-a-key"], [OLD_KEY, "kapot"]])
def test_an_unusable_key_configuration_is_refused(keys):
    with pytest.raises(InvalidKeyConfiguration):
        load_fernet(keys)


def test_linkage_key_is_deterministic_and_hides_the_identifier():
    key = linkage_key("V-2024-000123")
    assert key == linkage_key("V-2024-000123")
    assert len(key) == 64 and int(key, 16) >= 0
    assert "000123" not in key


def test_linkage_key_normalises_case_and_surrounding_whitespace():
    assert linkage_key("  ab-12cd \n") == linkage_key("AB-12CD")


def test_linkage_key_distinguishes_identifiers():
    assert linkage_key("AB-12CD") != linkage_key("AB-12CE")
    assert linkage_key("AB 12CD") != linkage_key("AB12CD")  # only outer whitespace is trimmed


def test_linkage_key_differs_with_another_secret():
    ours = linkage_key("AB-12CD")
    with override_settings(INBEELD_LINKAGE_KEY="another-linkage-secret-of-32-chars!"):
        theirs = linkage_key("AB-12CD")
    assert ours != theirs
