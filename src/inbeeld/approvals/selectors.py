"""Reads for the four-eyes page: every request and every active guarded membership, for those
who decide requests (policy.Action.APPROVAL_DECIDE) only."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.accounts.models import Membership
from inbeeld.approvals.models import ChangeRequest
from inbeeld.approvals.services import GUARDED_ROLES, MEMBERSHIP, display_value, field_label

DECIDED_SHOWN = 200


@dataclass(frozen=True)
class ChangeLine:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class RequestView:
    request: ChangeRequest
    lines: list[ChangeLine]
    may_decide: bool
    subject_email: str


@dataclass(frozen=True)
class GrantView:
    membership: Membership
    requested_by: str
    approved_by: str
    approved_at: object


def require_decider(user) -> None:
    if not policy.can(user, policy.Action.APPROVAL_DECIDE):
        raise PermissionDenied(_("U heeft geen toegang tot deze functie."))


def _lines(request: ChangeRequest, memo: dict) -> list[ChangeLine]:
    try:
        model = apps.get_model(request.target)
    except LookupError:
        return []

    def shown(name, value) -> str:
        key = (request.target, name, repr(value))
        if key not in memo:  # the same units, roles and users recur on one page
            memo[key] = display_value(model, name, value)
        return memo[key]

    return [
        ChangeLine(
            field_label(model, name),
            shown(name, request.before.get(name)) if request.before else "—",
            shown(name, value),
        )
        for name, value in request.changes.items()
    ]


def _view(user, request: ChangeRequest, memo: dict) -> RequestView:
    return RequestView(
        request=request,
        lines=_lines(request, memo),
        may_decide=request.status == ChangeRequest.Status.PENDING
        and policy.may_decide_change(
            user,
            requested_by_id=request.requested_by_id,
            subject_user_id=request.subject_user_id,
        ),
        subject_email=request.subject_user.email if request.subject_user else "",
    )


def _requests():
    return ChangeRequest.objects.select_related("requested_by", "decided_by", "subject_user")


def pending_requests(user) -> list[RequestView]:
    require_decider(user)
    rows = _requests().filter(status=ChangeRequest.Status.PENDING).order_by("requested_at", "pk")
    memo: dict = {}
    return [_view(user, row, memo) for row in rows]


def decided_requests(user) -> list[RequestView]:
    require_decider(user)
    rows = _requests().exclude(status=ChangeRequest.Status.PENDING).order_by("-decided_at", "-pk")
    memo: dict = {}
    return [_view(user, row, memo) for row in rows[:DECIDED_SHOWN]]


def pending_request_get(user, request_id: int) -> ChangeRequest:
    require_decider(user)
    request = ChangeRequest.objects.filter(pk=request_id).first()
    if request is None:
        raise Http404(_("Dit verzoek bestaat niet."))
    return request


def active_guarded_grants(user) -> list[GrantView]:
    """Every active membership with a role that reaches cases or approvals, with who asked for it
    and who approved it (memberships made outside the admin, e.g. demo data, have neither)."""
    require_decider(user)
    memberships = list(
        Membership.objects.filter(is_active=True, role__in=GUARDED_ROLES)
        .select_related("user", "organisation", "police_unit", "om_district", "court")
        .order_by("user__username", "role", "pk")
    )
    approvals = {}
    for row in (
        _requests()
        .filter(
            target=MEMBERSHIP,
            status=ChangeRequest.Status.APPROVED,
            object_id__in=[m.pk for m in memberships],
        )
        .order_by("decided_at", "pk")
    ):
        approvals[row.object_id] = row  # the latest approval wins
    outside = _("buiten het beheer vastgelegd")
    grants = []
    for membership in memberships:
        approval = approvals.get(membership.pk)
        grants.append(
            GrantView(
                membership=membership,
                requested_by=str(approval.requested_by) if approval else outside,
                approved_by=str(approval.decided_by) if approval else "—",
                approved_at=approval.decided_at if approval else None,
            )
        )
    return grants
