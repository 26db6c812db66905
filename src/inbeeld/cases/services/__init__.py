"""Writes on cases and their timeline. Each service: keyword-only arguments, one transaction,
the policy asked again (defence in depth), the audit row written in the same transaction.

A package along the old module's sections; every name is importable from here as before."""

from inbeeld.cases.services.assignment import case_assign  # noqa: F401
from inbeeld.cases.services.base import (  # noqa: F401
    CASE_CHANGED,
    EARLIEST_DATE,
    MAX_NOTE_LENGTH,
    _lock_case,
    check_date,
)
from inbeeld.cases.services.break_glass import (  # noqa: F401
    MIN_BREAK_GLASS_REASON,
    CaseNotFound,
    break_glass_open,
    break_glass_review,
)
from inbeeld.cases.services.consent import (  # noqa: F401
    consent_record,
    linkage_key_add,
)
from inbeeld.cases.services.court import (  # noqa: F401
    _audit_court,
    case_derive_court,
    case_set_court,
    court_choices,
)
from inbeeld.cases.services.events import (  # noqa: F401
    _append_event,
    _authorise_event,
    _bump_case,
    _effective_in_recording_order,
    _refuse_if_not_effective,
    _validate_event,
    case_register,
    event_correct,
    event_record,
    event_withdraw,
)
from inbeeld.cases.services.saved_filters import (  # noqa: F401
    clean_querystring,
    saved_filter_delete,
    saved_filter_save,
)
from inbeeld.cases.workflow import TransitionNotAllowed
from inbeeld.web import ConcurrentChange

__all__ = [
    "ConcurrentChange",
    "TransitionNotAllowed",
    "CASE_CHANGED",
    "CaseNotFound",
    "EARLIEST_DATE",
    "MAX_NOTE_LENGTH",
    "MIN_BREAK_GLASS_REASON",
    "break_glass_open",
    "case_assign",
    "break_glass_review",
    "case_derive_court",
    "case_register",
    "case_set_court",
    "check_date",
    "consent_record",
    "court_choices",
    "event_correct",
    "event_record",
    "event_withdraw",
    "linkage_key_add",
    "saved_filter_delete",
    "saved_filter_save",
]
