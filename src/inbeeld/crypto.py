"""Encryption of free text at rest and keyed pseudonyms for linkage.

Keys come from settings (the environment), never from the database. Free text is encrypted with
Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`); several keys form a MultiFernet so that a
rotation can re-encrypt old rows while they stay readable.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class InvalidKeyConfiguration(Exception):
    pass


class DecryptionFailed(Exception):
    pass


def load_fernet(keys: list[str] | tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise InvalidKeyConfiguration("no encryption key configured")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as exc:
        raise InvalidKeyConfiguration("a key is not 32 url-safe base64-encoded bytes") from exc


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    return load_fernet(keys)


def _fernet() -> MultiFernet:
    from django.conf import settings

    return _fernet_for(tuple(settings.INBEELD_ENCRYPTION_KEYS))


def encrypt_text(plaintext: str) -> str:
    """Encrypt ``plaintext``; an empty text stays empty (nothing to protect)."""
    if not plaintext:
        return ""
    return _fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise DecryptionFailed("ciphertext cannot be decrypted with the configured keys") from exc


def rotate_token(token: str) -> str:
    """Re-encrypt ``token`` under the first (newest) key."""
    if not token:
        return ""
    return _fernet().rotate(token.encode("ascii")).decode("ascii")


def linkage_key(identifier: str) -> str:
    """Keyed pseudonym of a partner identifier: HMAC-SHA256, hex.

    The identifier is normalised (trimmed, upper-case) so that the same victim seen by two sources
    yields the same key; the identifier itself is never stored.
    """
    from django.conf import settings

    message = identifier.strip().upper().encode("utf-8")
    return hmac.new(
        settings.INBEELD_LINKAGE_KEY.encode("utf-8"), message, hashlib.sha256
    ).hexdigest()


def keyed_digest(purpose: str, value: str) -> str:
    """Keyed pseudonym of ``value`` for one ``purpose`` (HMAC-SHA256 under the linkage key, hex):
    rate-limit keys, receipt look-up keys, unknown login names. The purpose keeps the digests of
    different uses apart; the value itself is never stored."""
    from django.conf import settings

    mac = _keyed_hmac(settings.INBEELD_LINKAGE_KEY).copy()
    mac.update(f"{purpose}:{value}".encode())
    return mac.hexdigest()


@lru_cache(maxsize=4)
def _keyed_hmac(key: str) -> hmac.HMAC:
    """The keyed HMAC before any message, copied per digest (an import takes several digests a
    row; keying afresh each time was a measurable part of its CPU time)."""
    return hmac.new(key.encode(), digestmod=hashlib.sha256)
