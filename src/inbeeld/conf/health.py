"""Health endpoints for the service manager, the reverse proxy and monitoring.

``/health/live``: the process answers (no database). ``/health/ready``: the database answers,
every migration is applied, and the keys are usable (the encryption keys decrypt the newest stored
ciphertext, the audit keys load). Both answer JSON, 200 or 503, without a login.

They say only "ok" or "fout" per check: no versions, paths, exception texts or key material, since
anyone who can reach the server can ask. A failure is logged (without secrets) for the operator.
They are not audited: a probe every few seconds would bury the audit log under rows that record
no access to personal data (a probe reads none); the request log skips them for the same reason.
"""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger("inbeeld.health")

OK = "ok"
FAILED = "fout"


def database_ready() -> bool:
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def migrations_applied() -> bool:
    """True when the database has every migration the code knows (the plan to the leaves is
    empty)."""
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


def keys_usable() -> bool:
    """The encryption keys load and decrypt what they encrypt and the newest stored ciphertext
    of every encrypted column (a restore with the wrong keys fails here, not on a user's page);
    the audit chain and checkpoint signing keys load."""
    from django.conf import settings

    from inbeeld.audit.chain import mac_key, signing_seed
    from inbeeld.crypto import decrypt_text, encrypt_text, load_fernet
    from inbeeld.crypto_rotation import newest_ciphertexts

    load_fernet(settings.INBEELD_ENCRYPTION_KEYS)
    if decrypt_text(encrypt_text("gereed")) != "gereed":
        return False
    for _, token in newest_ciphertexts():
        decrypt_text(token)
    mac_key()
    signing_seed()
    return True


READINESS_CHECKS = {
    "database": database_ready,
    "migraties": migrations_applied,
    "sleutels": keys_usable,
}


def readiness() -> dict[str, str]:
    """Each check's verdict; a check that raises has failed (the reason goes to the log)."""
    verdicts = {}
    for name, check in READINESS_CHECKS.items():
        try:
            passed = check()
        except Exception as exc:  # every failure, whatever its kind, means "not ready"
            logger.warning(
                "health check %s failed: %s: %s", name, type(exc).__name__, str(exc)[:200]
            )
            passed = False
        verdicts[name] = OK if passed else FAILED
        if not passed and name == "database":
            # Without a database the other checks say nothing new.
            verdicts.update({other: FAILED for other in READINESS_CHECKS if other != name})
            break
    return verdicts


def _answer(status: str, checks: dict[str, str] | None = None) -> JsonResponse:
    body = {"status": status} if checks is None else {"status": status, "controles": checks}
    return JsonResponse(body, status=200 if status == OK else 503)


@login_not_required
@require_safe
@never_cache
def live(request):
    return _answer(OK)


@login_not_required
@require_safe
@never_cache
def ready(request):
    checks = readiness()
    return _answer(OK if all(v == OK for v in checks.values()) else "niet gereed", checks)


app_name = "health"
urlpatterns = [
    path("live", live, name="live"),
    path("ready", ready, name="ready"),
]
