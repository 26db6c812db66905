"""Test settings: fixed throw-away keys, fast hashing, the same database code path."""

import os
import tempfile

# Throw-away keys that protect nothing but test rows; real keys never live in the repository.
os.environ.setdefault("INBEELD_SECRET_KEY", "test-secret-key-" + "x" * 50)
os.environ.setdefault("INBEELD_ENCRYPTION_KEYS", "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdDE=")
os.environ.setdefault("INBEELD_LINKAGE_KEY", "test-linkage-key")
os.environ.setdefault("INBEELD_ENVIRONMENT", "test")
os.environ.setdefault("INBEELD_AUDIT_KEY", "test-audit-chain-key-" + "y" * 32)
os.environ.setdefault("INBEELD_AUDIT_SIGNING_KEY", "dGVzdC1hdWRpdC1zaWduaW5nLWtleS0zMi1ieXRlcyE=")
# Checkpoints never land in the project's var/; tests/conftest.py gives every test its own dir.
os.environ.setdefault(
    "INBEELD_AUDIT_CHECKPOINT_DIR", tempfile.mkdtemp(prefix="inbeeld-test-checkpoints-")
)

from inbeeld.conf.settings.base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# A page computes a missing or stale stored result itself (jobs.results), so the page tests see
# the figures of the rows they just wrote; tests/jobs/test_stored_results.py switches this off and
# runs the real worker.
INBEELD_RESULTS_AT_ONCE = True

# The dark number's model-choice bootstrap: enough resamples for an interval to exist (the
# pages' tests check that it is computed and shown); its coverage with the production number
# (100) is measured by scripts/simulate_dark_number.py (ADR 0007).
INBEELD_DARK_NUMBER_REPLICATES = 30
