from inbeeld import policy


def navigation(request) -> dict:
    """Which menu items the current user gets (from the policy, never from templates)."""
    user = getattr(request, "user", None)
    # Before the second factor is passed, nothing is offered but the way out.
    verified = getattr(user, "is_verified", None)
    if user is None or not user.is_authenticated or verified is None or not verified():
        return {"nav": {}}
    return {
        "nav": {
            "cases": policy.can(user, policy.Action.CASE_LIST),
            "signals": policy.can(user, policy.Action.SIGNAL_TRIAGE),
            "own_signals": policy.can(user, policy.Action.SIGNAL_OWN_READ),
            "submit_signal": policy.can(user, policy.Action.SIGNAL_SUBMIT),
            "funnel": policy.can(user, policy.Action.SIGNAL_FUNNEL),
            "pilot": policy.can(user, policy.Action.PILOT_READ),
            "evaluation": policy.can(user, policy.Action.EVALUATION_READ),
            "monitor": policy.can(user, policy.Action.MONITOR_READ),
            "agenda": policy.can(user, policy.Action.AGENDA_READ),
            "break_glass": policy.can(user, policy.Action.BREAK_GLASS),
            "privacy": policy.can(user, policy.Action.AUDIT_READ),
            "approvals": policy.can(user, policy.Action.APPROVAL_DECIDE),
            "admin": policy.may_administer(user),
        }
    }
