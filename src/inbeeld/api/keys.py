"""API keys: made from 32 random bytes, shown once, kept only as HMAC-SHA256 under a server key
that lives in the environment (INBEELD_API_KEY_SECRET; outside production derived from the
secret key), never in the database. A stolen database thus holds no usable key."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

KEY_PREFIX = "ib"
PREFIX_BYTES = 6  # 8 url-safe characters, public: finds the row
SECRET_BYTES = 32


def _server_key() -> bytes:
    configured = getattr(settings, "INBEELD_API_KEY_SECRET", "")
    if configured:
        return configured.encode("utf-8")
    return hashlib.sha256(b"inbeeld.api-keys:" + settings.SECRET_KEY.encode("utf-8")).digest()


def key_digest(key: str) -> str:
    return hmac.new(_server_key(), key.encode("utf-8"), hashlib.sha256).hexdigest()


def new_key() -> tuple[str, str]:
    """A new key and its public prefix: ``ib_<prefix>_<secret>``."""
    prefix = secrets.token_urlsafe(PREFIX_BYTES).replace("_", "x").replace("-", "y")
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return f"{KEY_PREFIX}_{prefix}_{secret}", prefix


def split_key(key: str) -> str | None:
    """The prefix of a well-formed key, or None."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or len(parts[2]) < 40:
        return None
    if len(parts[1]) > 16 or len(key) > 200:
        return None
    return parts[1]


def digest_matches(key: str, digest: str) -> bool:
    return hmac.compare_digest(key_digest(key), digest)
