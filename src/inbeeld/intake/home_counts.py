"""The start page per role (issue 14 item 9): counts of what needs doing, each a link to the list
that shows exactly those signals or cases. A panel of accounts.home_panels (registered in
IntakeConfig.ready; accounts imports no app above it). Counts come from the selectors, so they
hold only what the user may see.

coordinator: new, acute, overdue, answered signals; police: cases without a decision on a complaint,
open reflection periods; prosecutor: cases awaiting a decision; researcher: data cut-off and
consent coverage. Everyone who owns work also sees "mijn werk"."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.cases import selectors as case_selectors
from inbeeld.cases import work_counts
from inbeeld.intake import selectors
from inbeeld.intake.workflow import SignalStatus
from inbeeld.roles import Role


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    url: str
    testid: str


def _url(name: str, **params) -> str:
    return f"{reverse(name)}?{urlencode(params)}" if params else reverse(name)


def _signals(user, **filters) -> int:
    return selectors.signal_queue_for(user, selectors.QueueFilters(**filters)).count()


def _cases(user, **filters) -> int:
    return case_selectors.case_list(user, case_selectors.CaseFilters(**filters)).count()


def tiles_for(user) -> list[Tile]:
    """The counts for every role ``user`` holds, in a fixed order."""
    roles = policy.roles_of(user)
    tiles: list[Tile] = []
    if Role.SAFETY_COORDINATOR in roles and policy.can(user, policy.Action.SIGNAL_TRIAGE):
        q = "intake:queue"
        tiles += [
            Tile(_("Nieuwe signalen"), str(_signals(user, status=SignalStatus.RECEIVED)),
                 _url(q, status=SignalStatus.RECEIVED), "count-new"),
            Tile(_("Acute signalen"), str(_signals(user, urgency="acute")),
                 _url(q, urgency="acute"), "count-acute"),
            Tile(_("Te laat"), str(_signals(user, overdue=True)), _url(q, overdue="on"),
                 "count-overdue"),
            Tile(_("Antwoord ontvangen"), str(_signals(user, status="answered")),
                 _url(q, status="answered"), "count-answered"),
            Tile(_("Mijn signalen in behandeling"), str(_signals(user, work="mine")),
                 _url(q, work="mine"), "count-my-signals"),
        ]  # fmt: skip
    if Role.POLICE_OFFICER in roles:
        tiles += [
            Tile(_("Casussen zonder besluit over aangifte"),
                 str(_cases(user, todo=work_counts.NO_COMPLAINT_DECISION)),
                 _url("cases:list", todo=work_counts.NO_COMPLAINT_DECISION),
                 "count-no-complaint-decision"),
            Tile(_("Lopende bedenktijden"), str(_cases(user, todo=work_counts.OPEN_REFLECTION)),
                 _url("cases:list", todo=work_counts.OPEN_REFLECTION), "count-open-reflection"),
        ]  # fmt: skip
    if Role.PROSECUTOR in roles:
        tiles.append(
            Tile(_("Casussen die wachten op een vervolgingsbeslissing"),
                 str(_cases(user, todo=work_counts.AWAITING_DECISION)),
                 _url("cases:list", todo=work_counts.AWAITING_DECISION),
                 "count-awaiting-decision")
        )  # fmt: skip
    if roles & {Role.POLICE_OFFICER, Role.SAFETY_COORDINATOR, Role.PROSECUTOR} and policy.can(
        user, policy.Action.EVENT_RECORD
    ):
        tiles.append(
            Tile(_("Mijn casussen"), str(_cases(user, work="mine")),
                 _url("cases:list", work="mine"), "count-my-cases")
        )  # fmt: skip
    if Role.RESEARCHER in roles:
        cases = case_selectors.cases_in_research_scope()
        cut_off = work_counts.research_cut_off(cases)
        given, total = work_counts.consent_coverage()
        share = f"{round(100 * given / total)}%" if total else "–"
        tiles += [
            Tile(_("Gegevens tot en met"),
                 cut_off.strftime("%d-%m-%Y") if cut_off else _("nog geen gegevens"),
                 _url("cases:list"), "research-cut-off"),
            Tile(_("Casussen met toestemming voor onderzoek"),
                 _("%(share)s (%(given)s van %(total)s)") % {"share": share, "given": given,
                                                           "total": total},
                 _url("cases:list"), "consent-coverage"),
        ]  # fmt: skip
    return tiles


def home_counts_panel(request: HttpRequest) -> str:
    tiles = tiles_for(request.user)
    if not tiles:
        return ""
    return render_to_string("intake/_home_counts.html", {"tiles": tiles}, request=request)
