"""Test settings: fixed throw-away keys, fast hashing, the same database code path."""

import os

# Throw-away keys that protect nothing but test rows; real keys never live in the repository.
os.environ.setdefault("INBEELD_SECRET_KEY", "test-secret-key-" + "x" * 50)
os.environ.setdefault("INBEELD_ENCRYPTION_KEYS", "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdDE=")
os.environ.setdefault("INBEELD_LINKAGE_KEY", "test-linkage-key")
os.environ.setdefault("INBEELD_ENVIRONMENT", "test")

from inbeeld.conf.settings.base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
