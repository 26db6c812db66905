"""The data of the one policy (inbeeld.policy): the role × action × scope tables, read top to bottom.

1. Scope and Action: the scopes a membership can reach and the actions there are.
2. ROLE_SCOPE: which objects a role's membership reaches.
3. ROLE_ACTIONS: which actions a role may take at all (default deny: absent means no).
4. EVENT_RECORDERS: which roles may record which chain events (codes from stats.vocabulary).
5. DELIVERY_RECORDERS: which roles may record the delivery of which pilot intervention.
6. NOTE_FAMILY: whose free text a role may read (need-to-know; researchers, privacy officers and
   administrators read none). Every free text on a case (chain-event notes, the pilot's reasons
   "not delivered") carries the family of its writer and is shown only to that family.
7. API_GRANTABLE_ACTIONS: which actions an API client may carry as its scopes.

Plain data, no functions and no database: inbeeld.policy combines these tables with a user's
active memberships and re-exports every name, so the apps keep asking ``policy.X``.
"""

from __future__ import annotations

from enum import StrEnum

from inbeeld.roles import Role
from inbeeld.stats import vocabulary as ev


class Scope(StrEnum):
    POLICE_UNIT = "police_unit"
    OM_DISTRICT = "om_district"
    COURT = "court"
    ASSIGNED = "assigned"
    NATIONAL = "national"
    OWN_ORGANISATION = "own_organisation"
    NONE = "none"


class Action(StrEnum):
    CASE_LIST = "case.list"
    CASE_VIEW = "case.view"
    CASE_CREATE = "case.create"
    CASE_SET_COURT = "case.set_court"
    EVENT_RECORD = "event.record"
    EVENT_CORRECT = "event.correct"
    NOTE_READ = "note.read"
    NOTE_WRITE = "note.write"
    BREAK_GLASS = "case.break_glass"
    LINKAGE_ADD = "case.linkage_add"
    CONSENT_RECORD = "case.consent_record"
    DELIVERY_RECORD = "pilot.delivery_record"
    MEASURE_RECORD = "pilot.measure_record"
    PILOT_READ = "pilot.read"
    PILOT_MANAGE = "pilot.manage"
    AUDIT_READ = "audit.read"
    BREAK_GLASS_REVIEW = "audit.break_glass_review"
    ADMINISTER = "platform.administer"
    SIGNAL_SUBMIT = "signal.submit"
    SIGNAL_OWN_READ = "signal.own_read"
    SIGNAL_TRIAGE = "signal.triage"
    INTAKE_LINK_MANAGE = "signal.link_manage"
    SIGNAL_FUNNEL = "signal.funnel"
    EVALUATION_READ = "evaluation.read"
    MONITOR_READ = "monitor.read"
    EXPORT_MICRODATA = "publication.export_microdata"
    DP_RELEASE = "publication.dp_release"
    APPROVAL_DECIDE = "platform.approval_decide"
    # Bulk import (issue 16, ADR 0022): the import page and `inbeeld import`. Every imported row
    # still goes through the services, which ask CASE_CREATE / EVENT_RECORD / ... per row.
    IMPORT_CASES = "import.cases"
    IMPORT_SIGNALS = "import.signals"
    # Suspects and non-punishment (issue 17, ADR 0023). SUSPECT_VIEW: the suspects of a case
    # (researchers: pseudonymised attributes only, no notes) and its non-punishment entries;
    # SUSPECT_COUNT: only that and how many suspects are registered (care roles);
    # SUSPECT_LINK: register, link, correct and withdraw links; PROCEEDING_RECORD: the
    # prosecution of a suspect (decision, trial, verdict, sentence); NON_PUNISHMENT_RECORD.
    SUSPECT_VIEW = "suspect.view"
    SUSPECT_COUNT = "suspect.count"
    SUSPECT_LINK = "suspect.link"
    PROCEEDING_RECORD = "suspect.proceeding_record"
    NON_PUNISHMENT_RECORD = "case.non_punishment_record"
    # The agenda register (issue 18, ADR 0024): everyone signed in reads the published register
    # and figure; the researchers (CKM staff) maintain it and code its milestones.
    AGENDA_READ = "agenda.read"
    AGENDA_MANAGE = "agenda.manage"
    AGENDA_CODE = "agenda.code"


ROLE_SCOPE: dict[str, Scope] = {
    Role.SIGNALLER: Scope.OWN_ORGANISATION,
    Role.SAFETY_COORDINATOR: Scope.POLICE_UNIT,
    Role.POLICE_OFFICER: Scope.POLICE_UNIT,
    Role.PSYCHOLOGIST: Scope.ASSIGNED,
    Role.PROSECUTOR: Scope.OM_DISTRICT,
    Role.EXAMINING_JUDGE: Scope.COURT,
    Role.PEER_EXPERT: Scope.ASSIGNED,
    Role.RESEARCHER: Scope.NATIONAL,
    Role.PRIVACY_OFFICER: Scope.NATIONAL,
    Role.ADMINISTRATOR: Scope.NONE,
}

_CHAIN_WORK = {
    Action.CASE_LIST,
    Action.CASE_VIEW,
    Action.EVENT_RECORD,
    Action.NOTE_READ,
    Action.NOTE_WRITE,
}

_AGENDA_READ = {Action.AGENDA_READ}

ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    # Signallers submit signals and follow their own; they never see case data.
    Role.SIGNALLER: frozenset({Action.SIGNAL_SUBMIT, Action.SIGNAL_OWN_READ, *_AGENDA_READ}),
    Role.SAFETY_COORDINATOR: frozenset(
        _CHAIN_WORK
        | {
            Action.SIGNAL_TRIAGE,
            Action.INTAKE_LINK_MANAGE,
            Action.SIGNAL_FUNNEL,
            Action.CASE_CREATE,
            Action.EVENT_CORRECT,
            Action.BREAK_GLASS,
            Action.LINKAGE_ADD,
            Action.CONSENT_RECORD,
            Action.DELIVERY_RECORD,
            Action.MEASURE_RECORD,
            # The coordinator imports a partner's file into the unit (ADR 0022).
            Action.IMPORT_CASES,
            Action.IMPORT_SIGNALS,
            Action.SUSPECT_COUNT,
            *_AGENDA_READ,
        }
    ),
    Role.POLICE_OFFICER: frozenset(
        _CHAIN_WORK
        | {
            Action.CASE_CREATE,
            Action.EVENT_CORRECT,
            Action.BREAK_GLASS,
            Action.LINKAGE_ADD,
            Action.CONSENT_RECORD,
            Action.DELIVERY_RECORD,
            Action.MEASURE_RECORD,
            Action.SUSPECT_VIEW,
            Action.SUSPECT_LINK,
            Action.NON_PUNISHMENT_RECORD,
            *_AGENDA_READ,
        }
    ),
    # Consent and the victim-reported measures are recorded by the professionals who talk with
    # the victim; deliveries by the roles of DELIVERY_RECORDERS.
    Role.PSYCHOLOGIST: frozenset(
        _CHAIN_WORK
        | {
            Action.CONSENT_RECORD,
            Action.DELIVERY_RECORD,
            Action.MEASURE_RECORD,
            Action.SUSPECT_COUNT,
            *_AGENDA_READ,
        }
    ),
    # The prosecutor brings a case before a court (summons, a hearing by the examining judge):
    # setting the case's court is what lets that court's examining judge see it (Scope.COURT).
    Role.PROSECUTOR: frozenset(
        _CHAIN_WORK
        | {
            Action.EVENT_CORRECT,
            Action.BREAK_GLASS,
            Action.LINKAGE_ADD,
            Action.DELIVERY_RECORD,
            Action.CASE_SET_COURT,
            Action.SUSPECT_VIEW,
            Action.SUSPECT_LINK,
            Action.PROCEEDING_RECORD,
            Action.NON_PUNISHMENT_RECORD,
            *_AGENDA_READ,
        }
    ),
    Role.EXAMINING_JUDGE: frozenset(
        _CHAIN_WORK
        | {Action.BREAK_GLASS, Action.DELIVERY_RECORD, Action.SUSPECT_COUNT, *_AGENDA_READ}
    ),
    Role.PEER_EXPERT: frozenset(
        _CHAIN_WORK
        | {
            Action.CONSENT_RECORD,
            Action.DELIVERY_RECORD,
            Action.MEASURE_RECORD,
            Action.SUSPECT_COUNT,
            *_AGENDA_READ,
        }
    ),
    # National, pseudonymised: all cases, never free text, never a change.
    Role.RESEARCHER: frozenset(
        {
            Action.CASE_LIST,
            Action.CASE_VIEW,
            Action.PILOT_READ,
            Action.PILOT_MANAGE,
            Action.SIGNAL_FUNNEL,
            Action.EVALUATION_READ,
            Action.MONITOR_READ,
            Action.EXPORT_MICRODATA,
            Action.DP_RELEASE,
            # Pseudonymised: role, relationship, age band, proceedings; never a note.
            Action.SUSPECT_VIEW,
            # CKM staff maintain the agenda register and code its milestones (ADR 0024).
            Action.AGENDA_READ,
            Action.AGENDA_MANAGE,
            Action.AGENDA_CODE,
        }
    ),
    # The privacy officer reviews access (audit), not case content.
    # Both see every grant and decide four-eyes requests (never their own: may_decide_change).
    Role.PRIVACY_OFFICER: frozenset(
        {Action.AUDIT_READ, Action.BREAK_GLASS_REVIEW, Action.APPROVAL_DECIDE, *_AGENDA_READ}
    ),
    Role.ADMINISTRATOR: frozenset({Action.ADMINISTER, Action.APPROVAL_DECIDE, *_AGENDA_READ}),
}

_POLICE = {Role.POLICE_OFFICER}
_CARE = {Role.SAFETY_COORDINATOR}
_PROSECUTION = {Role.PROSECUTOR}

# The police register the chain facts they learn (the timeline is kept at the police unit); the
# OM and the RC add their own decisions and hearings; care roles record care-side events.
EVENT_RECORDERS: dict[str, frozenset[str]] = {
    ev.SIGNAL_RECEIVED: frozenset(_CARE | _POLICE),
    ev.SAFETY_ASSESSMENT: frozenset(_CARE | {Role.PEER_EXPERT}),
    ev.FIRST_POLICE_CONTACT: frozenset(_POLICE),
    ev.INFORMATIVE_INTERVIEW: frozenset(_POLICE | {Role.PSYCHOLOGIST}),
    ev.REFLECTION_PERIOD_START: frozenset(_POLICE),
    ev.REFLECTION_PERIOD_END: frozenset(_POLICE),
    ev.COMPLAINT_FILED: frozenset(_POLICE | {Role.PSYCHOLOGIST}),
    ev.COMPLAINT_DECLINED: frozenset(_POLICE | {Role.PSYCHOLOGIST}),
    ev.OTHER_COOPERATION: frozenset(_POLICE),
    ev.COMENSHA_REGISTRATION: frozenset(_POLICE | _CARE),
    ev.INVESTIGATION_STARTED: frozenset(_POLICE),
    ev.SUSPECT_ARRESTED: frozenset(_POLICE),
    ev.RC_HEARING: frozenset(_POLICE | _PROSECUTION | {Role.EXAMINING_JUDGE}),
    ev.PROSECUTION_DECISION: frozenset(_POLICE | _PROSECUTION),
    ev.TRIAL_HEARING: frozenset(_POLICE | _PROSECUTION),
    ev.VERDICT: frozenset(_POLICE | _PROSECUTION),
    ev.APPEAL_FILED: frozenset(_POLICE | _PROSECUTION),
    ev.APPEAL_VERDICT: frozenset(_POLICE | _PROSECUTION),
    ev.CASE_CLOSED: frozenset(_POLICE | _PROSECUTION | _CARE),
    ev.REVICTIMISATION: frozenset(_POLICE | _CARE | {Role.PEER_EXPERT}),
    ev.WITHDRAWAL_FROM_PROCESS: frozenset(_POLICE | _CARE | {Role.PEER_EXPERT}),
}

# The events that bring a case before a court, and so within the examining judge's scope
# (Scope.COURT): a summons, or a hearing by the examining judge (rechter-commissaris). Recording
# one on a case without a court sets the court of the case's OM district when that district has
# exactly one (reference data: OMDistrict.courts; Oost-Nederland has two, so there the prosecutor
# chooses). Outcome codes: the event counts only with one of them; empty means any outcome.
COURT_DERIVING_EVENTS: dict[str, frozenset[str]] = {
    ev.PROSECUTION_DECISION: frozenset({ev.SUMMONS_OUTCOME}),
    ev.RC_HEARING: frozenset(),
}


# Who may record the delivery of which pilot intervention (the roles that deliver it; the police
# register the psychologist's and the peer expert's work they take part in).
DELIVERY_RECORDERS: dict[str, frozenset[str]] = {
    "psychologist": frozenset({Role.PSYCHOLOGIST, Role.POLICE_OFFICER}),
    "examining_judge": frozenset({Role.EXAMINING_JUDGE, Role.PROSECUTOR}),
    "safety_coordinator": frozenset({Role.SAFETY_COORDINATOR}),
    "peer_expert": frozenset({Role.PEER_EXPERT, Role.POLICE_OFFICER}),
    "shorter_lead_times": frozenset({Role.PROSECUTOR}),
}

NOTE_FAMILY: dict[str, str] = {
    Role.POLICE_OFFICER: "police",
    Role.PSYCHOLOGIST: "police",
    Role.SAFETY_COORDINATOR: "care",
    Role.PEER_EXPERT: "care",
    # The OM and the court are independent of each other: separate families.
    Role.PROSECUTOR: "prosecution",
    Role.EXAMINING_JUDGE: "judiciary",
}

# 7. API_GRANTABLE_ACTIONS: the actions an API client (issue 16) may be given as scopes. Never the
# administration, the four eyes, the audit log or break-glass: those stay with a person at a page.
API_GRANTABLE_ACTIONS: frozenset[Action] = frozenset(
    {
        Action.CASE_LIST,
        Action.CASE_VIEW,
        Action.CASE_CREATE,
        Action.EVENT_RECORD,
        Action.EVENT_CORRECT,
        Action.NOTE_READ,
        Action.NOTE_WRITE,
        Action.SIGNAL_SUBMIT,
        Action.SIGNAL_OWN_READ,
        Action.DELIVERY_RECORD,
        Action.MEASURE_RECORD,
        Action.EVALUATION_READ,
        Action.MONITOR_READ,
    }
)
