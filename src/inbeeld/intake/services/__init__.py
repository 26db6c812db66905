"""Writes on signals. Each service: keyword-only arguments, one transaction, the policy asked again
(defence in depth), the history row and the audit row written in the same transaction.

A package since issue 13 (the module passed 600 lines): ``base`` holds what the services share,
``submission`` the intake of signals and one-time links, ``triage`` the coordinator's work on a
signal up to its conversion into a case. Every public name stays importable from here.
"""

from __future__ import annotations

from inbeeld.intake.limits import client_hash, public_attempt_allowed
from inbeeld.intake.services.assignment import signal_assign
from inbeeld.intake.services.base import (
    MAX_CONTACT_FIELD,
    MAX_DESCRIPTION,
    MAX_MESSAGE,
    MAX_NAME,
    MAX_NOTE,
    Contact,
    current_catalogue_version,
    receipt_hash,
    token_hash,
)
from inbeeld.intake.services.feedback import signal_answer_seen, signal_seen_by_signaller
from inbeeld.intake.services.submission import intake_link_create, signal_submit
from inbeeld.intake.services.triage import (
    signal_answer,
    signal_ask,
    signal_convert,
    signal_reroute,
    signal_triage,
)

__all__ = [
    "signal_assign",
    "MAX_CONTACT_FIELD",
    "MAX_DESCRIPTION",
    "MAX_MESSAGE",
    "MAX_NAME",
    "MAX_NOTE",
    "Contact",
    "client_hash",
    "current_catalogue_version",
    "intake_link_create",
    "public_attempt_allowed",
    "receipt_hash",
    "signal_answer",
    "signal_answer_seen",
    "signal_ask",
    "signal_convert",
    "signal_reroute",
    "signal_seen_by_signaller",
    "signal_submit",
    "signal_triage",
    "token_hash",
]
