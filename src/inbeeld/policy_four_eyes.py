"""The four eyes in administration (ADR 0008), as data and pure rules: which roles reach case data,
which grants wait for a second person, and which reference-data fields widen someone's scope.
Re-exported by inbeeld.policy (``policy.SCOPE_WIDENING_FIELDS`` etc. are the public names); the
decision that needs a user (``policy.may_decide_change``) stays there."""

from __future__ import annotations

from enum import StrEnum

from inbeeld.policy_tables import ROLE_ACTIONS, Action

# A role whose actions touch cases reaches case data; granting it (or an approver role, which an
# administrator could otherwise give to a second account of their own) takes effect only after a
# second person approves: a privacy officer or another administrator, never the requester and never
# the grantee. Revoking takes effect at once. Reference data that scope rules join through (see
# policy._membership_case_q) is guarded the same way, by the table SCOPE_WIDENING_FIELDS.

CASE_ACTIONS = frozenset(
    {
        Action.CASE_LIST,
        Action.CASE_VIEW,
        Action.CASE_CREATE,
        Action.CASE_SET_COURT,
        Action.EVENT_RECORD,
        Action.EVENT_CORRECT,
        Action.NOTE_READ,
        Action.NOTE_WRITE,
        Action.BREAK_GLASS,
        Action.LINKAGE_ADD,
        Action.CONSENT_RECORD,
        Action.DELIVERY_RECORD,
        Action.MEASURE_RECORD,
        Action.SUSPECT_VIEW,
        Action.SUSPECT_COUNT,
        Action.SUSPECT_LINK,
        Action.PROCEEDING_RECORD,
        Action.NON_PUNISHMENT_RECORD,
    }
)
APPROVER_ROLES = frozenset(
    role for role, actions in ROLE_ACTIONS.items() if Action.APPROVAL_DECIDE in actions
)


def role_reaches_cases(role: str) -> bool:
    return bool(ROLE_ACTIONS.get(role, frozenset()) & CASE_ACTIONS)


def role_grant_needs_approval(role: str) -> bool:
    """Granting ``role`` needs a second person (and an administrator never grants it to
    themselves)."""
    return role_reaches_cases(role) or role in APPROVER_ROLES


def membership_state_is_guarded(state: dict | None) -> bool:
    """Whether a membership in ``state`` (field → value) is active with a guarded role."""
    return bool(state and state.get("is_active") and role_grant_needs_approval(state.get("role")))


def membership_change_needs_approval(old: dict | None, new: dict | None) -> bool:
    """A grant, re-activation, move or any other change that leaves a guarded membership active
    needs approval; a revocation (deactivating, deleting, a role that reaches nothing) does not."""
    return membership_state_is_guarded(new) and (old or {}) != new


class Widens(StrEnum):
    """When a change of a field widens someone's scope."""

    WHEN_SET = "set"  # a foreign key gets a new, non-empty value
    WHEN_ADDED = "added"  # a many-to-many field gains a member
    WHEN_ENABLED = "enabled"  # a flag goes from off to on
    WHEN_CHANGED = "changed"  # any new value


# model label → field → when a change widens scope and so waits for a second person. The user rows
# apply only to users who hold (or await) a guarded membership (see role_grant_needs_approval).
SCOPE_WIDENING_FIELDS: dict[str, dict[str, Widens]] = {
    # Prosecutors see the cases of every police unit in their district.
    "reference.policeunit": {"om_district": Widens.WHEN_SET},
    # Which courts belong to a district and which court of appeal a court falls under define the
    # jurisdiction the chain's roles work in.
    "reference.omdistrict": {"courts": Widens.WHEN_ADDED},
    "reference.court": {"court_of_appeal": Widens.WHEN_SET},
    # An organisation's working area routes signals; re-activating it revives its memberships
    # (active_memberships requires an active organisation).
    "accounts.organisation": {"police_unit": Widens.WHEN_SET, "is_active": Widens.WHEN_ENABLED},
    # Re-activating an account revives its memberships; staff status opens the admin to an
    # administrator membership; reset and enrolment links go to the e-mail address.
    # An organisation's identity provider (SSO): switching it on, or changing whom it trusts
    # (issuer, the client id the tokens are for, the claim that names a person, the claim and
    # values that count as a second factor) decides who logs in as whom, and without TOTP.
    "accounts.identityprovider": {
        "is_active": Widens.WHEN_ENABLED,
        "issuer": Widens.WHEN_CHANGED,
        "client_id": Widens.WHEN_CHANGED,
        "subject_claim": Widens.WHEN_CHANGED,
        "mfa_claim": Widens.WHEN_CHANGED,
        "mfa_values": Widens.WHEN_CHANGED,
    },
    "accounts.user": {
        "is_active": Widens.WHEN_ENABLED,
        "is_staff": Widens.WHEN_ENABLED,
        "email": Widens.WHEN_CHANGED,
    },
}


def _widens(rule: Widens, old, new) -> bool:
    if rule == Widens.WHEN_SET:
        return new not in (None, "") and new != old
    if rule == Widens.WHEN_ADDED:
        return bool(set(new or ()) - set(old or ()))
    if rule == Widens.WHEN_ENABLED:
        return bool(new) and not old
    return new != old


def widening_fields(model_label: str, old: dict, new: dict) -> list[str]:
    """The fields of ``model_label`` whose change from ``old`` to ``new`` widens scope."""
    rules = SCOPE_WIDENING_FIELDS.get(model_label, {})
    return [
        name
        for name, rule in rules.items()
        if name in new and _widens(rule, old.get(name), new[name])
    ]
