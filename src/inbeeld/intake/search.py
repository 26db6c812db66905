"""Search by case code or signal reference (issue 14 item 7). Lives in intake because it reads both
cases and signals (ADR 0012: intake sits above cases).

Only what the user may see is found. A code outside the user's scope answers exactly like an
unknown one; the refused attempt on an existing case or signal is logged by the selectors
(case.access_denied / signal.access_denied)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.http import Http404
from django.urls import reverse

from inbeeld import policy
from inbeeld.cases import selectors as case_selectors
from inbeeld.intake import selectors as signal_selectors

MAX_QUERY = 40
# Codes and references are letters, digits and hyphens; anything else is not a code.
_CODE = re.compile(rf"^[A-Z0-9-]{{1,{MAX_QUERY}}}$")


@dataclass(frozen=True)
class Hit:
    kind: str  # "case" or "signal"
    code: str
    url: str


def normalise(query: str) -> str:
    return re.sub(r"\s+", "", (query or "")).upper()[:MAX_QUERY]


def may_search(user) -> bool:
    return policy.can(user, policy.Action.CASE_VIEW) or policy.can(
        user, policy.Action.SIGNAL_TRIAGE
    )


def search(user, query: str) -> Hit | None:
    """The case or signal with exactly this code that ``user`` may open, or None."""
    code = normalise(query)
    if not _CODE.match(code):
        return None
    if policy.can(user, policy.Action.CASE_VIEW):
        try:
            case = case_selectors.case_get_for(user, code, log_read=False)
        except Http404:
            pass
        else:
            return Hit("case", case.code, reverse("cases:detail", args=[case.code]))
    if policy.can(user, policy.Action.SIGNAL_TRIAGE):
        try:
            signal = signal_selectors.signal_get_for(user, code, log_read=False)
        except Http404:
            pass
        else:
            return Hit(
                "signal", signal.reference, reverse("intake:detail", args=[signal.reference])
            )
    return None
