"""The one release service: every time figures or data leave the platform, the audit row is
written here, and only here.

A release is anything that hands numbers or records to a person or a file: a report page
download (evaluation, monitor or perpetrator report, HTML or PDF), the monitor's and the
perpetrator tables (CSV, XLSX), microdata (CSV,
XLSX, SAV and the CTDC file), a differentially private release of noisy counts, and the output of
the commands `inbeeld evaluate`, `inbeeld report` and `inbeeld export`. RELEASES says, per kind,
which audit action and subject type its row carries; ``release_record`` writes it.

Same transaction: the caller opens one ``transaction.atomic()`` around building the release,
``release_record`` and handing it over (a written file, a ledger row), so a release without its
audit row cannot happen, and a failed audit row leaves no release (``release_record`` joins the
caller's transaction; alone it opens its own).

A refusal is not a release: ``release_refused`` writes the FUNCTION_ACCESS_DENIED row of a
command that was refused (an unknown user, or one the policy does not allow), as the pages do
through the refusal middleware.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db import transaction

from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.audit.services import audit_record


class ReleaseKind(StrEnum):
    REPORT = "report"  # the evaluation or monitor report, HTML or PDF (page or `inbeeld report`)
    MONITOR_TABLES = "monitor_tables"  # the monitor's protected tables as CSV or XLSX
    MICRODATA = "microdata"  # csv, xlsx, sav or ctdc (page or `inbeeld export`)
    EVALUATION = "evaluation"  # `inbeeld evaluate`: JSON or CSV
    DP_RELEASE = "dp_release"  # noisy counts charged to a privacy budget
    PERPETRATOR_TABLES = "perpetrator_tables"  # the perpetrator tables as CSV or XLSX (issue 17)


@dataclass(frozen=True)
class ReleaseAudit:
    action: AuditAction
    subject_type: str


RELEASES: dict[ReleaseKind, ReleaseAudit] = {
    ReleaseKind.REPORT: ReleaseAudit(AuditAction.REPORT_CREATED, "report"),
    ReleaseKind.MONITOR_TABLES: ReleaseAudit(AuditAction.REPORT_CREATED, "report"),
    ReleaseKind.MICRODATA: ReleaseAudit(AuditAction.EXPORT_CREATED, "microdata"),
    ReleaseKind.EVALUATION: ReleaseAudit(AuditAction.EVALUATION_EXPORTED, "evaluation"),
    ReleaseKind.DP_RELEASE: ReleaseAudit(AuditAction.DP_RELEASE, "privacy_release"),
    ReleaseKind.PERPETRATOR_TABLES: ReleaseAudit(AuditAction.REPORT_CREATED, "report"),
}


def release_record(
    *, user, kind: ReleaseKind | str, subject_ref: str = "", extra: dict[str, Any]
) -> AuditEvent:
    """Write the audit row of one release of ``kind`` by ``user`` (None: a command run without
    a user). Call it inside the release's transaction."""
    audit = RELEASES[ReleaseKind(kind)]
    with transaction.atomic():
        return audit_record(
            actor=user,
            action=audit.action,
            subject_type=audit.subject_type,
            subject_ref=subject_ref,
            extra=extra,
        )


def release_refused(*, user, command: str, username: str, reason: str) -> AuditEvent:
    """Log a refused command (``reason``: 'unknown_user' or the policy action refused)."""
    return audit_record(
        actor=user,
        action=AuditAction.FUNCTION_ACCESS_DENIED,
        subject_type="command",
        subject_ref=command[:80],
        extra={"username": username[:150], "reason": reason},
    )
