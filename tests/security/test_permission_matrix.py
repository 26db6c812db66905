"""The permission matrix: every URL of the project × every role (and anonymous) → the answer.

DESIGN §1 (who may see what) and §7 ("one policy module decides every permission; tests walk every
URL"). MATRIX below is one explicit table: for every URL name of the project, what each role gets:
a status (200, 403, 404) or a path (a 302 redirect to that page). Every role logs in WITH the
second factor passed (tests.conftest.verified_login).

Case pages are tried on real cases, labelled in the "object" column:

* ``own``: the case in the user's area (Amsterdam: police unit, OM district, court), assigned to
  the user when the role works by assignment, with research consent; plus every other case of
  CASES that DESIGN §1 puts in the role's scope.
* ``other``: the cases outside the role's scope: one far away (Limburg, no consent, nobody
  assigned) and the near misses of CASES (another unit and district, another court, no research
  consent, assigned to a colleague, assigned to the user under another role).
* ``granted``: a case outside every scope for which the user holds an active break-glass grant:
  readable (cases:detail) for the break-glass roles only, never changeable.
* ``foreign_event``: an own case's code with the id of an event of another case.
* privacy:break_glass_review: ``grant`` (a real grant, opened through the service) or
  ``missing`` (an id that does not exist).

The admin (/beheer/) is covered by one rule (ADMIN_SITE_PAGES, ADMIN_MODEL_PAGES), applied to
every admin URL the project has, with real objects (and a missing one) on its object pages.

The table must name every URL of the project: a new URL pattern fails
test_every_url_of_the_project_is_in_the_table until someone decides here who may reach it.
Besides the statuses: every 403/404 is the Dutch error page and nothing answers 500.

Known product bugs are listed in KNOWN_BUGS: the table holds the CORRECT answer, the matrix test
skips those cells, and test_known_bug (strict xfail) fails once a bug is fixed, so the entry is
removed and the matrix checks the cell again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inbeeld.accounts import links
from inbeeld.accounts.models import (
    AuthenticatorDevice,
    IdentityProvider,
    Membership,
    Organisation,
    Role,
    User,
)
from inbeeld.cases.models import BreakGlassGrant
from inbeeld.cases.services import break_glass_open
from tests.api.test_api_matrix import API_MATRIX_NAMES
from tests.conftest import verified_login
from tests.factories import (
    CaseFactory,
    OrganisationFactory,
    assign,
    chain_recorder,
    court,
    make_user,
    unit,
)
from tests.test_architecture import API_PREFIX, project_urls

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
# The table's columns: anonymous, then every role of inbeeld.accounts.models.Role, in its order.
COLUMNS: tuple[str, ...] = (ANONYMOUS, *Role.values)
LOGGED_IN = COLUMNS[1:]

# Redirect targets (a path in a cell means: 302 to exactly this path, query string aside).
LOGIN = "/account/inloggen/"
START = "/"
OTP = "/account/tweede-factor/"
QUEUE = "/privacy/noodtoegang/"  # the privacy officer's break-glass review queue
ADMIN_LOGIN = "/beheer/login/"
ADMIN_INDEX = "/beheer/"
DUA = "/rapporten/microdata/gebruiksvoorwaarden/"  # microdata: accept the data-use agreement first
CHANGE_PAGE = "<the object's change page>"  # the admin's old object URL redirects there
SIGNAL_PAGE = "<the signal's page>"  # an action on a signal redirects back to the signal
CASE_PAGE = "<the case's page>"  # an action on a case redirects back to the case
JOB_PAGE = "<the job's page>"  # a job that is not done: its file and its retry go to its page

DUTCH_ERROR_PAGES = ("Geen toegang", "Niet gevonden")
MISSING_ID = 999999
IMPORTS = "/importeren/"  # cancelling an import goes back to the import page

# --- the table ------------------------------------------------------------------------------------
#
# anon = anonymous               sig = signaller (signaalgever)   vc  = safety coordinator
# pol  = police officer (AVIM)   psy = investigative psychologist om  = prosecutor (OM)
# rc   = examining judge (RC)    ed  = peer expert                res = researcher
# fg   = privacy officer (FG)    adm = administrator
#
# "method": the requests made (an empty body for POST); "GET POST" means both, same answer.

MATRIX: list[tuple] = [
    # URL name                       object           method      anon   sig    vc     pol    psy    om     rc     ed     res    fg     adm
    ("home",                         "-",             "GET",      LOGIN, 200,   200,   200,   200,   200,   200,   200,   200,   200,   200),
    # The login page is the one public page; logged in, one is sent on to the start page.
    ("accounts:login",               "-",             "GET POST", 200,   START, START, START, START, START, START, START, START, START, START),
    ("accounts:logout",              "-",             "POST",     LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    # The second factor has been passed already: the 2FA pages send one on.
    ("accounts:second_factor",       "-",             "GET POST", LOGIN, START, START, START, START, START, START, START, START, START, START),
    ("accounts:second_factor_setup", "-",             "GET POST", LOGIN, OTP,   OTP,   OTP,   OTP,   OTP,   OTP,   OTP,   OTP,   OTP,   OTP),
    # The enrolment QR code exists only before a device is confirmed.
    ("accounts:second_factor_qr",    "-",             "GET",      LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    # Enrolment needs a one-time link from the administrator (and the password first); with a
    # device already confirmed one is sent to the code step.
    ("accounts:second_factor_enrol", "missing",       "GET POST", LOGIN, OTP,   OTP,   OTP,   OTP,   OTP,   OTP,   OTP,   OTP,   OTP,   OTP),
    # Every logged-in user changes their own password (an empty POST is an invalid form).
    ("accounts:password_change",     "-",             "GET POST", LOGIN, 200,   200,   200,   200,   200,   200,   200,   200,   200,   200),
    # A password-reset link answers whoever holds it; an unknown or used one is not found.
    ("accounts:password_reset",      "valid",         "GET POST", 200,   200,   200,   200,   200,   200,   200,   200,   200,   200,   200),
    ("accounts:password_reset",      "missing",       "GET POST", 404,   404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    # Single sign-on: the button of a provider that does not exist is not found for anyone; a
    # switched-off provider, and the way back without a pending login attempt, send everyone to
    # the login page with a Dutch message (the attempt is audited).
    ("accounts:sso_start",           "missing",       "GET",      404,   404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("accounts:sso_start",           "disabled",      "GET",      LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("accounts:sso_callback",        "-",             "GET",      LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("accounts:logout_everywhere",   "-",             "POST",     LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("accounts:account",             "-",             "GET",      LOGIN, 200,   200,   200,   200,   200,   200,   200,   200,   200,   200),
    # Cases. Signallers, the privacy officer and the administrator never see case data.
    ("cases:list",                   "-",             "GET",      LOGIN, 403,   200,   200,   200,   200,   200,   200,   200,   403,   403),
    ("cases:create",                 "-",             "GET POST", LOGIN, 403,   200,   200,   403,   403,   403,   403,   403,   403,   403),
    ("cases:break_glass",            "-",             "GET POST", LOGIN, 403,   200,   200,   403,   200,   200,   403,   403,   403,   403),
    ("cases:detail",                 "own",           "GET",      LOGIN, 404,   200,   200,   200,   200,   200,   200,   200,   404,   404),
    ("cases:detail",                 "other",         "GET",      LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("cases:detail",                 "granted",       "GET",      LOGIN, 404,   200,   200,   404,   200,   200,   404,   404,   404,   404),
    # The printable summary: the case page's policy and selector, so exactly its answers.
    ("cases:summary",                "own",           "GET",      LOGIN, 404,   200,   200,   200,   200,   200,   200,   200,   404,   404),
    ("cases:summary",                "other",         "GET",      LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("cases:summary",                "granted",       "GET",      LOGIN, 404,   200,   200,   404,   200,   200,   404,   404,   404,   404),
    ("cases:event_create",           "own",           "GET POST", LOGIN, 404,   200,   200,   200,   200,   200,   200,   404,   404,   404),
    ("cases:event_create",           "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("cases:event_create",           "granted",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("cases:event_correct",          "own",           "GET POST", LOGIN, 404,   200,   200,   404,   200,   404,   404,   404,   404,   404),
    ("cases:event_correct",          "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("cases:event_correct",          "granted",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("cases:event_correct",          "foreign_event", "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    # Withdrawing an event: who may correct (an empty POST is an invalid form: the page again).
    ("cases:event_withdraw",         "own",           "GET POST", LOGIN, 404,   200,   200,   404,   200,   404,   404,   404,   404,   404),
    ("cases:event_withdraw",         "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("cases:event_withdraw",         "granted",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("cases:event_withdraw",         "foreign_event", "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("cases:linkage_add",            "own",           "GET POST", LOGIN, 404,   200,   200,   404,   200,   404,   404,   404,   404,   404),
    ("cases:linkage_add",            "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("cases:linkage_add",            "granted",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("cases:consent_add",            "own",           "GET POST", LOGIN, 404,   200,   200,   200,   404,   404,   200,   404,   404,   404),
    ("cases:consent_add",            "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("cases:consent_add",            "granted",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    # The court of a case (issue 14 item 2): the prosecutor of the case's district sets it; an
    # empty POST is an invalid form (nothing changed).
    ("cases:court",                  "own",           "GET POST", LOGIN, 404,   404,   404,   404,   200,   404,   404,   404,   404,   404),
    ("cases:court",                  "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("cases:court",                  "granted",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    # Suspects (issue 17, ADR 0023): the police and the prosecutor in scope link suspects and
    # record non-punishment; the prosecutor records each suspect's prosecution; researchers read
    # a suspect's page pseudonymised; care roles and the examining judge see only a count on the
    # case page, so every suspect page is 404 for them. Break-glass opens none of it. "foreign":
    # an own case's code with a suspect, link or entry of the far away case. An empty POST is an
    # invalid form: the page again.
    ("suspects:link",                "own",           "GET POST", LOGIN, 404,   404,   200,   404,   200,   404,   404,   404,   404,   404),
    ("suspects:link",                "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:link",                "granted",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:link_correct",        "own",           "GET POST", LOGIN, 404,   404,   200,   404,   200,   404,   404,   404,   404,   404),
    ("suspects:link_correct",        "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:link_correct",        "granted",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:link_correct",        "foreign",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:link_withdraw",       "own",           "GET POST", LOGIN, 404,   404,   200,   404,   200,   404,   404,   404,   404,   404),
    ("suspects:link_withdraw",       "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:link_withdraw",       "granted",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:link_withdraw",       "foreign",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:detail",              "own",           "GET",      LOGIN, 404,   404,   200,   404,   200,   404,   404,   200,   404,   404),
    ("suspects:detail",              "other",         "GET",      LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:detail",              "granted",       "GET",      LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:detail",              "foreign",       "GET",      LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:proceeding",          "own",           "GET POST", LOGIN, 404,   404,   404,   404,   200,   404,   404,   404,   404,   404),
    ("suspects:proceeding",          "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:proceeding",          "granted",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:proceeding",          "foreign",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:proceeding_correct",  "own",           "GET POST", LOGIN, 404,   404,   404,   404,   200,   404,   404,   404,   404,   404),
    ("suspects:proceeding_correct",  "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:proceeding_correct",  "granted",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:proceeding_correct",  "foreign",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:proceeding_withdraw", "own",           "GET POST", LOGIN, 404,   404,   404,   404,   200,   404,   404,   404,   404,   404),
    ("suspects:proceeding_withdraw", "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:proceeding_withdraw", "granted",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:proceeding_withdraw", "foreign",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:modus_operandi",      "own",           "GET POST", LOGIN, 404,   404,   200,   404,   200,   404,   404,   404,   404,   404),
    ("suspects:modus_operandi",      "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:modus_operandi",      "granted",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    # Safety facts (issue 17 item 5): the same roles as the modus operandi (SUSPECT_LINK).
    ("suspects:safety_fact",         "own",           "GET POST", LOGIN, 404,   404,   200,   404,   200,   404,   404,   404,   404,   404),
    ("suspects:safety_fact",         "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:safety_fact",         "granted",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    # Correcting and withdrawing a safety fact: who records one; "foreign": an own case's code
    # with a fact of the far away case.
    ("suspects:safety_fact_correct", "own",           "GET POST", LOGIN, 404,   404,   200,   404,   200,   404,   404,   404,   404,   404),
    ("suspects:safety_fact_correct", "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:safety_fact_correct", "granted",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:safety_fact_correct", "foreign",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:safety_fact_withdraw", "own",          "GET POST", LOGIN, 404,   404,   200,   404,   200,   404,   404,   404,   404,   404),
    ("suspects:safety_fact_withdraw", "other",        "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:safety_fact_withdraw", "granted",      "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:safety_fact_withdraw", "foreign",      "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:non_punishment",      "own",           "GET POST", LOGIN, 404,   404,   200,   404,   200,   404,   404,   404,   404,   404),
    ("suspects:non_punishment",      "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:non_punishment",      "granted",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:non_punishment_withdraw", "own",       "GET POST", LOGIN, 404,   404,   200,   404,   200,   404,   404,   404,   404,   404),
    ("suspects:non_punishment_withdraw", "other",     "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:non_punishment_withdraw", "granted",   "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("suspects:non_punishment_withdraw", "foreign",   "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    # The pilot dashboard and deployment management: researchers only.
    ("pilot:dashboard",              "-",             "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("pilot:deployment_list",        "-",             "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("pilot:deployment_create",      "-",             "GET POST", LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("pilot:deployment_edit",        "deployment",    "GET POST", LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    # Pilot on the case page: deliveries by the roles that deliver an intervention, measures by
    # those who talk with the victim; never by researchers, the privacy officer or administrator.
    ("pilot_case:delivery_create",   "own",           "GET POST", LOGIN, 404,   200,   200,   200,   200,   200,   200,   404,   404,   404),
    ("pilot_case:delivery_create",   "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("pilot_case:delivery_create",   "granted",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    # Correcting or withdrawing a delivery (each case has a psychologist delivery): the roles
    # that deliver its intervention; a role that records other deliveries gets 403.
    ("pilot_case:delivery_correct",  "own",           "GET POST", LOGIN, 404,   403,   200,   200,   403,   403,   403,   404,   404,   404),
    ("pilot_case:delivery_correct",  "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("pilot_case:delivery_correct",  "granted",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("pilot_case:delivery_withdraw", "own",           "GET POST", LOGIN, 404,   403,   200,   200,   403,   403,   403,   404,   404,   404),
    ("pilot_case:delivery_withdraw", "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("pilot_case:delivery_withdraw", "granted",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("pilot_case:measure_create",    "own",           "GET POST", LOGIN, 404,   200,   200,   200,   404,   404,   200,   404,   404,   404),
    ("pilot_case:measure_create",    "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("pilot_case:measure_create",    "granted",       "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    # The privacy officer's screens: nobody else, and the privacy officer for any case code.
    ("privacy:overview",             "-",             "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   403,   200,   403),
    ("privacy:log",                  "-",             "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   403,   200,   403),
    ("privacy:case_access",          "own",           "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   403,   200,   403),
    ("privacy:case_access",          "other",         "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   403,   200,   403),
    ("privacy:break_glass",          "-",             "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   403,   200,   403),
    # POST only; an empty body is an invalid review: a message, back to the queue.
    ("privacy:break_glass_review",   "grant",         "POST",     LOGIN, 403,   403,   403,   403,   403,   403,   403,   403,   QUEUE, 403),
    ("privacy:break_glass_review",   "missing",       "POST",     LOGIN, 403,   403,   403,   403,   403,   403,   403,   403,   404,   403),
    # Four eyes (ADR 0008): the privacy officer and administrators see every grant and decide
    # requests; an empty POST is an invalid decision: the page again, with an error summary.
    ("approvals:list",               "-",             "GET POST", LOGIN, 403,   403,   403,   403,   403,   403,   403,   403,   200,   200),
    # Signals (intake). The safety coordinator triages the signals of their unit; a signaller
    # submits and follows their own signals only; nobody else reaches a signal.
    ("intake:queue",                 "-",             "GET",      LOGIN, 403,   200,   403,   403,   403,   403,   403,   403,   403,   403),
    ("intake:overdue",               "-",             "GET",      LOGIN, 403,   200,   403,   403,   403,   403,   403,   403,   403,   403),
    ("intake:links",                 "-",             "GET POST", LOGIN, 403,   200,   403,   403,   403,   403,   403,   403,   403,   403),
    # Funnel figures: aggregate counts for the coordinator (own unit) and research (national).
    ("intake:funnel",                "-",             "GET",      LOGIN, 403,   200,   403,   403,   403,   403,   403,   200,   403,   403),
    ("intake:create",                "-",             "GET POST", LOGIN, 200,   403,   403,   403,   403,   403,   403,   403,   403,   403),
    ("intake:own_list",              "-",             "GET",      LOGIN, 200,   403,   403,   403,   403,   403,   403,   403,   403,   403),
    ("intake:own_detail",            "own",           "GET POST", LOGIN, 200,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("intake:own_detail",            "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("intake:detail",                "own",           "GET",      LOGIN, 404,   200,   404,   404,   404,   404,   404,   404,   404,   404),
    ("intake:detail",                "other",         "GET",      LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("intake:triage",                "own",           "GET POST", LOGIN, 404,   200,   404,   404,   404,   404,   404,   404,   404,   404),
    ("intake:triage",                "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("intake:reroute",               "own",           "GET POST", LOGIN, 404,   200,   404,   404,   404,   404,   404,   404,   404,   404),
    ("intake:reroute",               "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("intake:ask",                   "own",           "GET POST", LOGIN, 404,   200,   404,   404,   404,   404,   404,   404,   404,   404),
    ("intake:ask",                   "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("intake:convert",               "own",           "GET POST", LOGIN, 404,   200,   404,   404,   404,   404,   404,   404,   404,   404),
    ("intake:convert",               "other",         "GET POST", LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    # Issue 14: "antwoord gelezen" (POST only) by the coordinators of the signal's unit.
    ("intake:answer_seen",           "own",           "POST",     LOGIN, 404,   SIGNAL_PAGE, 404, 404, 404,  404,   404,   404,   404,   404),
    ("intake:answer_seen",           "other",         "POST",     LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    # Issue 14: assigning a signal (POST only; an empty POST takes the owner away) by who triages it.
    ("intake:assign",                "own",           "POST",     LOGIN, 404,   SIGNAL_PAGE, 404, 404, 404,  404,   404,   404,   404,   404),
    ("intake:assign",                "other",         "POST",     LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    # Issue 14: search from the header (an empty query shows the form); who works on cases or signals.
    ("search",                       "-",             "GET",      LOGIN, 403,   200,   200,   200,   200,   200,   200,   200,   403,   403),
    # Issue 14: saved filters on the case list (an empty POST has no name: 400 with the reason).
    ("cases:filter_save",            "-",             "POST",     LOGIN, 403,   400,   400,   400,   400,   400,   400,   400,   403,   403),
    ("cases:filter_delete",          "missing",       "POST",     LOGIN, 403,   404,   404,   404,   404,   404,   404,   404,   403,   403),
    # Issue 14: assigning a case (POST only) by who records on it.
    ("cases:assign",                 "own",           "POST",     LOGIN, 404,   CASE_PAGE, CASE_PAGE, CASE_PAGE, CASE_PAGE, CASE_PAGE, CASE_PAGE, 403, 404, 404),
    ("cases:assign",                 "other",         "POST",     LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    # With a break-glass grant the case is readable, so refusing the assignment (403) leaks nothing.
    ("cases:assign",                 "granted",       "POST",     LOGIN, 404,   403,   403,   404,   403,   403,   404,   404,   404,   404),
    # The evaluation (issue 6): researchers only; aggregate figures over consented cases.
    ("evaluation:overview",          "-",             "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("evaluation:lead_times",        "-",             "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("evaluation:intervention",      "intervention",  "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("evaluation:intervention",      "missing",       "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   404,   403,   403),
    # Reports and exports that can leave the platform, and the monitor page: researchers only.
    ("reports:index",                "-",             "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("reports:monitor_page",         "-",             "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    # The perpetrator and non-punishment tables (issue 17): who reads the monitor.
    ("reports:perpetrators",         "-",             "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("reports:perpetrator_report",   "pdf",           "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("reports:perpetrator_report",   "html",          "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("reports:perpetrator_report",   "unknown",       "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   404,   403,   403),
    ("reports:perpetrator_tables",   "csv",           "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("reports:perpetrator_tables",   "xlsx",          "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("reports:perpetrator_tables",   "unknown",       "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   404,   403,   403),
    ("reports:evaluation",           "html",          "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("reports:evaluation",           "pdf",           "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("reports:evaluation",           "unknown",       "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   404,   403,   403),
    ("reports:monitor",              "html",          "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("reports:monitor",              "pdf",           "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("reports:monitor_tables",       "csv",           "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("reports:monitor_tables",       "xlsx",          "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("reports:monitor_tables",       "unknown",       "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   404,   403,   403),
    # Background jobs (issue 15): a user sees only the jobs they asked for ("own": the
    # researcher's own PDF job; every other role gets another researcher's job) and none that
    # does not exist; a retry of a job that did not fail goes back to its page.
    ("jobs:detail",                  "own",           "GET",      LOGIN, 404,   404,   404,   404,   404,   404,   404,   200,   404,   404),
    ("jobs:detail",                  "missing",       "GET",      LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("jobs:status",                  "own",           "GET",      LOGIN, 404,   404,   404,   404,   404,   404,   404,   200,   404,   404),
    ("jobs:download",                "own",           "GET",      LOGIN, 404,   404,   404,   404,   404,   404,   404,   JOB_PAGE, 404, 404),
    ("jobs:retry",                   "own",           "POST",     LOGIN, 404,   404,   404,   404,   404,   404,   404,   JOB_PAGE, 404, 404),
    ("jobs:cancel",                  "own",           "POST",     LOGIN, 404,   404,   404,   404,   404,   404,   404,   JOB_PAGE, 404, 404),
    # Bulk import (issue 16): the safety coordinator of the importing organisation only (ADR
    # 0022); an import of another organisation is not found. An empty POST of the upload or the
    # commit is an invalid form (400, nothing stored); cancelling goes back to the import page.
    ("imports:index",                "-",             "GET",      LOGIN, 403,   200,   403,   403,   403,   403,   403,   403,   403,   403),
    ("imports:index",                "-",             "POST",     LOGIN, 403,   400,   403,   403,   403,   403,   403,   403,   403,   403),
    ("imports:template",             "csv",           "GET",      LOGIN, 403,   200,   403,   403,   403,   403,   403,   403,   403,   403),
    ("imports:template",             "unknown",       "GET",      LOGIN, 403,   404,   403,   403,   403,   403,   403,   403,   403,   403),
    ("imports:detail",               "own",           "GET",      LOGIN, 403,   200,   403,   403,   403,   403,   403,   403,   403,   403),
    ("imports:detail",               "other",         "GET",      LOGIN, 403,   404,   403,   403,   403,   403,   403,   403,   403,   403),
    ("imports:detail",               "missing",       "GET",      LOGIN, 403,   404,   403,   403,   403,   403,   403,   403,   403,   403),
    ("imports:commit",               "own",           "POST",     LOGIN, 403,   400,   403,   403,   403,   403,   403,   403,   403,   403),
    ("imports:commit",               "other",         "POST",     LOGIN, 403,   404,   403,   403,   403,   403,   403,   403,   403,   403),
    ("imports:cancel",               "own",           "POST",     LOGIN, 403,   IMPORTS, 403, 403,   403,   403,   403,   403,   403,   403),
    ("imports:cancel",               "other",         "POST",     LOGIN, 403,   404,   403,   403,   403,   403,   403,   403,   403,   403),
    ("imports:report",               "own",           "GET",      LOGIN, 403,   200,   403,   403,   403,   403,   403,   403,   403,   403),
    ("imports:report",               "other",         "GET",      LOGIN, 403,   404,   403,   403,   403,   403,   403,   403,   403,   403),
    # Microdata: a researcher who has not accepted the data-use agreement is sent to it first.
    ("reports:microdata",            "csv",           "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   DUA,   403,   403),
    ("reports:microdata",            "sav",           "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   DUA,   403,   403),
    ("reports:microdata",            "unknown",       "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   404,   403,   403),
    ("reports:microdata_page",       "-",             "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("reports:data_use_agreement",   "-",             "GET POST", LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    # Open data with differential privacy: researchers spend a privacy budget (an empty POST is an
    # invalid form: nothing released).
    ("reports:open_data",            "-",             "GET POST", LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    # Anonymous intake: the public form, the status page for a receipt code and the form behind a
    # one-time link answer everyone (an empty POST is an invalid form, nothing stored); an unknown
    # or used link is not found.
    ("public_intake:create",         "-",             "GET POST", 200,   200,   200,   200,   200,   200,   200,   200,   200,   200,   200),
    # The receipt page shows a code once, after the form's redirect; otherwise "al verzonden".
    ("public_intake:receipt",        "-",             "GET",      200,   200,   200,   200,   200,   200,   200,   200,   200,   200,   200),
    ("public_intake:status",         "-",             "GET POST", 200,   200,   200,   200,   200,   200,   200,   200,   200,   200,   200),
    ("public_intake:link",           "valid",         "GET POST", 200,   200,   200,   200,   200,   200,   200,   200,   200,   200,   200),
    ("public_intake:link",           "missing",       "GET POST", 404,   404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    # Health probes (conf/health.py): the same JSON for everyone, no login, nothing personal.
    ("health:live",                  "-",             "GET",      200,   200,   200,   200,   200,   200,   200,   200,   200,   200,   200),
    ("health:ready",                 "-",             "GET",      200,   200,   200,   200,   200,   200,   200,   200,   200,   200,   200),
    # The agenda register (issue 18, ADR 0024): everyone signed in reads the published register,
    # a recommendation's path and the figure (page and PDF); the researchers (CKM staff) maintain
    # it, code milestones and download evidence documents. A write page refuses a reader before it
    # looks the object up (403); an empty POST is an invalid form (400, nothing stored).
    ("agenda:register",              "-",             "GET",      LOGIN, 200,   200,   200,   200,   200,   200,   200,   200,   200,   200),
    ("agenda:figure",                "-",             "GET",      LOGIN, 200,   200,   200,   200,   200,   200,   200,   200,   200,   200),
    ("agenda:figure_pdf",            "-",             "GET",      LOGIN, 200,   200,   200,   200,   200,   200,   200,   200,   200,   200),
    ("agenda:publication",           "record",        "GET",      LOGIN, 200,   200,   200,   200,   200,   200,   200,   200,   200,   200),
    ("agenda:publication",           "missing",       "GET",      LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("agenda:recommendation",        "record",        "GET",      LOGIN, 200,   200,   200,   200,   200,   200,   200,   200,   200,   200),
    ("agenda:recommendation",        "missing",       "GET",      LOGIN, 404,   404,   404,   404,   404,   404,   404,   404,   404,   404),
    ("agenda:publication_create",    "-",             "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("agenda:publication_create",    "-",             "POST",     LOGIN, 403,   403,   403,   403,   403,   403,   403,   400,   403,   403),
    ("agenda:recommendation_create",  "record",        "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("agenda:recommendation_create",  "record",        "POST",     LOGIN, 403,   403,   403,   403,   403,   403,   403,   400,   403,   403),
    ("agenda:recommendation_create",  "missing",       "GET POST", LOGIN, 403,   403,   403,   403,   403,   403,   403,   404,   403,   403),
    ("agenda:recommendation_withdraw","record",        "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("agenda:recommendation_withdraw","record",        "POST",     LOGIN, 403,   403,   403,   403,   403,   403,   403,   400,   403,   403),
    ("agenda:recommendation_withdraw","missing",       "GET POST", LOGIN, 403,   403,   403,   403,   403,   403,   403,   404,   403,   403),
    ("agenda:milestone_create",       "record",        "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("agenda:milestone_create",       "record",        "POST",     LOGIN, 403,   403,   403,   403,   403,   403,   403,   400,   403,   403),
    ("agenda:milestone_create",       "missing",       "GET POST", LOGIN, 403,   403,   403,   403,   403,   403,   403,   404,   403,   403),
    ("agenda:milestone_correct",      "record",        "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("agenda:milestone_correct",      "record",        "POST",     LOGIN, 403,   403,   403,   403,   403,   403,   403,   400,   403,   403),
    ("agenda:milestone_correct",      "missing",       "GET POST", LOGIN, 403,   403,   403,   403,   403,   403,   403,   404,   403,   403),
    ("agenda:milestone_withdraw",     "record",        "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("agenda:milestone_withdraw",     "record",        "POST",     LOGIN, 403,   403,   403,   403,   403,   403,   403,   400,   403,   403),
    ("agenda:milestone_withdraw",     "missing",       "GET POST", LOGIN, 403,   403,   403,   403,   403,   403,   403,   404,   403,   403),
    ("agenda:milestone_code",         "record",        "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("agenda:milestone_code",         "record",        "POST",     LOGIN, 403,   403,   403,   403,   403,   403,   403,   400,   403,   403),
    ("agenda:milestone_code",         "missing",       "GET POST", LOGIN, 403,   403,   403,   403,   403,   403,   403,   404,   403,   403),
    ("agenda:milestone_adjudicate",   "record",        "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("agenda:milestone_adjudicate",   "record",        "POST",     LOGIN, 403,   403,   403,   403,   403,   403,   403,   400,   403,   403),
    ("agenda:milestone_adjudicate",   "missing",       "GET POST", LOGIN, 403,   403,   403,   403,   403,   403,   403,   404,   403,   403),
    ("agenda:document",               "record",        "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("agenda:document",               "missing",       "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   404,   403,   403),
    # The parliament mirror: everyone signed in reads it; only CKM staff mark a number as relevant
    # (an empty POST is an invalid form: 400, nothing stored).
    ("agenda:parliament",             "-",             "GET",      LOGIN, 200,   200,   200,   200,   200,   200,   200,   200,   200,   200),
    ("agenda:parliament",             "-",             "POST",     LOGIN, 403,   403,   403,   403,   403,   403,   403,   400,   403,   403),
    # Reading a saved set of parliamentary items in: CKM staff only (an empty POST: 400).
    ("agenda:parliament_upload",      "-",             "GET",      LOGIN, 403,   403,   403,   403,   403,   403,   403,   200,   403,   403),
    ("agenda:parliament_upload",      "-",             "POST",     LOGIN, 403,   403,   403,   403,   403,   403,   403,   400,   403,   403),
]  # fmt: skip

# URL names whose first argument is a case code (the objects own/other/granted apply).
CASE_URL_NAMES = {
    "cases:detail",
    "cases:summary",
    "cases:event_create",
    "cases:event_correct",
    "cases:event_withdraw",
    "cases:linkage_add",
    "cases:consent_add",
    "cases:court",
    "cases:assign",
    "privacy:case_access",
    "pilot_case:delivery_create",
    "pilot_case:delivery_correct",
    "pilot_case:delivery_withdraw",
    "pilot_case:measure_create",
    *(
        f"suspects:{name}"
        for name in (
            "link",
            "link_correct",
            "link_withdraw",
            "detail",
            "proceeding",
            "proceeding_correct",
            "proceeding_withdraw",
            "modus_operandi",
            "safety_fact",
            "safety_fact_correct",
            "safety_fact_withdraw",
            "non_punishment",
            "non_punishment_withdraw",
        )
    ),
}
# The suspect URLs' further arguments: (the world's per-case object, its attribute) in order.
SUSPECT_ARGS = {
    "suspects:link_correct": ("link",),
    "suspects:link_withdraw": ("link",),
    "suspects:detail": ("suspect",),
    "suspects:proceeding": ("suspect",),
    "suspects:proceeding_correct": ("suspect", "step"),
    "suspects:proceeding_withdraw": ("suspect", "step"),
    "suspects:non_punishment_withdraw": ("non_punishment",),
    "suspects:safety_fact_correct": ("safety_fact",),
    "suspects:safety_fact_withdraw": ("safety_fact",),
}
# The pages that only show a case (the case page and its printable summary): a break-glass grant
# opens these, and researchers read them; every other case URL writes or prepares a write.
CASE_READ_PAGES = ("cases:detail", "cases:summary")
# URL names whose first argument is a signal reference (the objects own/other apply).
SIGNAL_URL_NAMES = {
    "intake:own_detail",
    "intake:detail",
    "intake:triage",
    "intake:reroute",
    "intake:ask",
    "intake:convert",
    "intake:answer_seen",
    "intake:assign",
}
# After these requests the session is gone (logged out); the test logs in again.
ENDS_SESSION = {"accounts:logout", "accounts:logout_everywhere", "admin:logout"}

# --- the admin (/beheer/): one rule for every admin URL ----------------------------------------------
#
# Every logged-in role but the administrator: the admin's has_permission (policy.may_administer)
# fails, so admin_view sends them to the admin's login page (302 /beheer/login/); on that page a
# logged-in user without admin rights must get the Dutch 403 (see KNOWN_BUGS: today it loops back
# to the login page). The admin's logout sends them to the admin index (/beheer/).
# Anonymous visitors: the AdminSite's own pages send them to /beheer/login/ (which forwards to our
# login page); the model pages to /account/inloggen/ at once (LoginRequiredMiddleware).
# The administrator (staff, with the administrator role) gets, by page:

ADMIN_SITE_PAGES: dict[str | None, dict[str, tuple[str, int | str]]] = {
    # URL name                     object:       (method, administrator's answer)
    "admin:index":                 {"-":         ("GET", 200)},
    "admin:login":                 {"-":         ("GET", LOGIN)},  # one login page (ours, with 2FA)
    "admin:logout":                {"-":         ("POST", LOGIN)},  # POST only; logs out
    # The administrator's own password: the account page's form (NIST rules, audited).
    "admin:password_change":       {"-":         ("GET", "/account/wachtwoord/")},
    "admin:password_change_done":  {"-":         ("GET", "/account/wachtwoord/")},
    "admin:autocomplete":          {"-":         ("GET", 403)},  # without its query parameters
    "admin:jsi18n":                {"-":         ("GET", 200)},
    "admin:view_on_site":          {"user":      ("GET", 404)},  # no model here has a public page
    "admin:app_list":              {"accounts":  ("GET", 200),
                                    "reference": ("GET", 200),
                                    "pilot":     ("GET", 200),
                                    "publication": ("GET", 200),
                                    "api":       ("GET", 200)},
    None:                          {"-":         ("GET", 404)},  # the catch-all (/beheer/<url>)
}  # fmt: skip

# Model pages, by the shape of their URL (<model>/, add/, <id>/change/, ...). "real": an existing
# object (the administrator's own user, membership, organisation, TOTP device; the first row of a
# reference table); "missing": an id that does not exist.
_POLICY_MODEL = {
    "changelist": {"-": 200},
    "add": {"-": 200},
    "object": {"real": CHANGE_PAGE, "missing": CHANGE_PAGE},  # the old object URL (unnamed)
    "change": {"real": 200, "missing": ADMIN_INDEX},  # missing: back to the index, with a message
    "history": {"real": 200, "missing": ADMIN_INDEX},
    "delete": {"real": 200, "missing": ADMIN_INDEX},  # an empty POST never confirms a deletion
    "password": {"real": 200, "missing": 404},  # the user's password form
}
# Second-factor devices follow the policy too: the administrator may list, view and remove a
# device (a lost phone) but never add or change one (users enrol themselves, through a link); the
# change page is read-only and no page shows a secret or QR code.
_AUTHENTICATOR_DEVICE = {
    "changelist": {"-": 200},
    "add": {"-": 403},
    "object": {"real": CHANGE_PAGE, "missing": CHANGE_PAGE},
    "change": {"real": 200, "missing": ADMIN_INDEX},
    "history": {"real": 200, "missing": ADMIN_INDEX},
    "delete": {"real": 200, "missing": ADMIN_INDEX},
}
# The privacy-budget ledger: the administrator lists budgets and adds one (audited), but never
# changes or deletes one (the view is read-only; delete is refused before the lookup). The matrix's
# worlds hold no budget, so only "missing" objects are tried here; tests/publication tries real ones.
_PRIVACY_BUDGET = {
    "changelist": {"-": 200},
    "add": {"-": 200},
    "object": {"missing": CHANGE_PAGE},
    "change": {"missing": ADMIN_INDEX},
    "history": {"missing": ADMIN_INDEX},
    "delete": {"missing": 403},
}
# API clients (issue 16): listed and added by the administrator, never deleted (switched off
# instead); keys are made by an action on their client (no add page) and only revoked.
_API_KEY = {**_PRIVACY_BUDGET, "add": {"-": 403}}
ADMIN_MODEL_PAGES: dict[str, dict[str, dict[str, int | str]]] = {
    "api.apiclient": _PRIVACY_BUDGET,
    "api.apikey": _API_KEY,
    "accounts.user": _POLICY_MODEL,
    "accounts.membership": _POLICY_MODEL,
    "accounts.organisation": _POLICY_MODEL,
    "reference.chaineventtype": _POLICY_MODEL,
    "reference.policeunit": _POLICY_MODEL,
    "reference.omdistrict": _POLICY_MODEL,
    "reference.court": _POLICY_MODEL,
    "reference.courtofappeal": _POLICY_MODEL,
    "reference.exploitationform": _POLICY_MODEL,
    "accounts.authenticatordevice": _AUTHENTICATOR_DEVICE,
    "accounts.identityprovider": _POLICY_MODEL,
    "pilot.intervention": _POLICY_MODEL,
    "pilot.phase": _POLICY_MODEL,
    "pilot.instrument": _POLICY_MODEL,
    "publication.privacybudget": _PRIVACY_BUDGET,
    # The microdata threshold (k, l): added (audited), never changed or deleted, like a budget.
    "publication.microdatapolicy": _PRIVACY_BUDGET,
}

# --- known product bugs: the table above holds the correct answer --------------------------------

NON_ADMINISTRATORS = tuple(r for r in LOGGED_IN if r != Role.ADMINISTRATOR)

# A bug found by this matrix goes here (bug id: (reason, cells (URL name, object, method), roles))
# with the correct answer kept in the table; test_known_bug keeps it visible as a strict xfail.
KNOWN_BUGS: dict[str, tuple[str, list[tuple[str, str, str]], tuple[str, ...]]] = {}


def _known_bug_cells() -> set[tuple[str, str, str, str]]:
    return {
        (*cell, role) for _, cells, roles in KNOWN_BUGS.values() for cell in cells for role in roles
    }


# --- rows ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    name: str  # URL name; unnamed admin patterns: "admin:(catch-all)" / "admin:<model>(object)"
    obj: str
    methods: tuple[str, ...]
    expected: dict[str, int | str]  # column → status or redirect path
    admin_url: str | None = None  # admin rows: the sample URL of the pattern
    admin_model: str | None = None  # admin model pages: "app_label.model_name"

    @property
    def key(self) -> tuple[str, str, tuple[str, ...]]:
        return self.name, self.obj, self.methods


def explicit_rows() -> list[Row]:
    rows = []
    for name, obj, methods, *cells in MATRIX:
        assert len(cells) == len(COLUMNS), f"{name} {obj}: {len(cells)} cells, want {len(COLUMNS)}"
        rows.append(Row(name, obj, tuple(methods.split()), dict(zip(COLUMNS, cells, strict=True))))
    return rows


def _is_api(url: str) -> bool:
    return url.startswith(API_PREFIX)


def _is_admin(url: str) -> bool:
    return url.startswith(ADMIN_INDEX)


def _admin_model_page(url: str) -> tuple[str, str] | None:
    """("app.model", kind) for a model page of the admin, None for the AdminSite's own pages."""
    parts = url.removeprefix(ADMIN_INDEX).split("/")
    if len(parts) < 3:
        return None
    try:
        model = apps.get_model(parts[0], parts[1])
    except (LookupError, ValueError):
        return None
    if model not in admin.site._registry:
        return None
    rest = parts[2:]
    if rest == [""]:
        kind = "changelist"
    elif rest == ["add", ""]:
        kind = "add"
    elif rest[1:] == [""]:
        kind = "object"
    else:
        kind = rest[1]
    return model._meta.label_lower, kind


def _admin_row(
    name: str,
    obj: str,
    method: str,
    administrator: int | str,
    *,
    model_page: bool,
    url: str,
    model: str | None = None,
) -> Row:
    expected: dict[str, int | str] = {ANONYMOUS: LOGIN if model_page else ADMIN_LOGIN}
    for role in NON_ADMINISTRATORS:
        expected[role] = ADMIN_LOGIN
    if name == "admin:login":
        expected[ANONYMOUS] = LOGIN
        expected.update({role: 403 for role in NON_ADMINISTRATORS})
    if name == "admin:logout":
        expected.update({role: ADMIN_INDEX for role in NON_ADMINISTRATORS})
    expected[Role.ADMINISTRATOR] = administrator
    return Row(name, obj, (method,), expected, admin_url=url, admin_model=model)


def admin_rows() -> tuple[list[Row], list[str]]:
    """The rows the admin rule gives every admin URL of the project, and the admin URLs it has no
    rule for."""
    rows, unknown = [], []
    for url, name, _ in project_urls():
        if not _is_admin(url):
            continue
        page = _admin_model_page(url)
        if page is None:
            rule = ADMIN_SITE_PAGES.get(name)
            if rule is None:
                unknown.append(f"{url} ({name})")
                continue
            for obj, (method, answer) in rule.items():
                rows.append(
                    _admin_row(
                        name or "admin:(catch-all)", obj, method, answer, model_page=False, url=url
                    )
                )
            continue
        model, kind = page
        rule = ADMIN_MODEL_PAGES.get(model, {}).get(kind)
        if rule is None:
            unknown.append(f"{url} ({name}): no rule for {model} {kind}")
            continue
        for obj, answer in rule.items():
            rows.append(
                _admin_row(
                    name or f"admin:{model}(object)",
                    obj,
                    "GET",
                    answer,
                    model_page=True,
                    url=url,
                    model=model,
                )
            )
    return rows, unknown


@cache
def all_rows() -> tuple[Row, ...]:
    rows, _ = admin_rows()
    return (*explicit_rows(), *rows)


# --- the world each role's test runs in ----------------------------------------------------------

VC, POL, PSY, OM, RC, ED, RES = (
    Role.SAFETY_COORDINATOR,
    Role.POLICE_OFFICER,
    Role.PSYCHOLOGIST,
    Role.PROSECUTOR,
    Role.EXAMINING_JUDGE,
    Role.PEER_EXPERT,
    Role.RESEARCHER,
)
ASSIGNED_ROLES = {PSY, ED}

# The cases of every world. "reached by": the roles whose regular scope (DESIGN §1) includes the
# case; for them it is an "own" case, for every other role an "other" case.
CASES: dict[str, tuple[str, str, bool, str | None, set[str]]] = {
    # label:                          (police unit,    court,          consent, assigned,     reached by)
    "own":                            ("amsterdam",     "amsterdam",     True,  "user",       {VC, POL, PSY, OM, RC, ED, RES}),
    "other unit and OM district":     ("noord-holland", "amsterdam",     True,  None,         {RC, RES}),
    "other court":                    ("amsterdam",     "noord-holland", True,  None,         {VC, POL, OM, RES}),
    "no research consent":            ("amsterdam",     "amsterdam",     False, None,         {VC, POL, OM, RC}),
    "assigned to a colleague":        ("amsterdam",     "amsterdam",     True,  "colleague",  {VC, POL, OM, RC, RES}),
    "assigned to user in other role": ("amsterdam",     "amsterdam",     True,  "other role", {VC, POL, OM, RC, RES}),
    "far away":                       ("limburg",       "limburg",       False, None,         set()),
}  # fmt: skip
GRANTED_CASE = ("limburg", "limburg", False)  # outside every scope; the user holds a grant


@dataclass
class World:
    role: str
    user: User | None
    client: Client
    administrator: User  # whose objects the admin's object pages show
    cases: dict[str, list[tuple[str, object]]] = field(default_factory=dict)
    events: dict[str, object] = field(default_factory=dict)  # case code → one of its events
    deliveries: dict[str, object] = field(default_factory=dict)  # case code → its delivery
    # case code → {"suspect": code, "link": id, "step": id, "non_punishment": id,
    # "safety_fact": id} (issue 17)
    suspects: dict[str, dict] = field(default_factory=dict)
    grant: BreakGlassGrant | None = None  # a police officer's grant, for the review page
    signals: dict[str, list[tuple[str, object]]] = field(default_factory=dict)
    link_token: str = ""
    reset_token: str = ""
    agenda: dict[str, int] = field(default_factory=dict)  # ids of the agenda's records

    def login(self) -> None:
        if self.user is not None:
            self.user.refresh_from_db()  # "log out everywhere" bumped the session generation
            verified_login(self.client, self.user)


def _case(unit_code: str, court_code: str, consent: bool, recorders: dict):
    from inbeeld.pilot.models import Intervention
    from inbeeld.pilot.services import delivery_record

    if unit_code not in recorders:
        recorders[unit_code] = chain_recorder(unit(unit_code))
    recorder = recorders[unit_code]
    case = CaseFactory(
        police_unit=unit(unit_code),
        court=court(court_code),
        research_consent=consent,
        recorder=recorder,
        events=[("first_police_contact", "")],
    )
    # A psychologist delivery, recorded by the unit's officer (for the delivery pages).
    delivery_record(
        actor=recorder,
        case=case,
        intervention=Intervention.objects.get(code="psychologist"),
        date=case.intake_date,
        delivered=True,
    )
    _add_suspect(case, recorder, recorders)
    return case


def _add_suspect(case, recorder, recorders: dict) -> None:
    """A suspect linked by the unit's officer, the prosecutor's summons for them, a
    non-punishment entry and a safety fact (for the suspect pages, issue 17)."""
    from inbeeld.suspects import services as suspects
    from inbeeld.suspects.modus_operandi import safety_fact_record

    om_key = f"om:{case.police_unit.code}"
    if om_key not in recorders:
        recorders[om_key] = make_user(
            Role.PROSECUTOR, district_code=case.police_unit.om_district.code
        )
    link = suspects.suspect_register(
        actor=recorder, case=case, role="exploiter", relationship="partner"
    )
    step = suspects.proceeding_record(
        actor=recorders[om_key],
        case=case,
        suspect=link.suspect,
        date=case.intake_date,
        kind="decision",
        decision="summons",
    )
    entry = suspects.non_punishment_record(
        actor=recorder, case=case, step="suspected", date=case.intake_date, offence="drugs"
    )
    fact = safety_fact_record(actor=recorder, case=case, kind="threat", date=case.intake_date)
    case._matrix_suspect = {
        "suspect": link.suspect.code,
        "link": link.pk,
        "step": step.pk,
        "non_punishment": entry.pk,
        "safety_fact": fact.pk,
    }


def build_world(role: str, *, with_cases: bool = True) -> World:
    user = None
    if role != ANONYMOUS:
        # Every user is staff: the admin's refusal must come from the policy (the administrator
        # role), not from Django's staff flag.
        user = make_user(role, is_staff=True)
    administrator = make_user(Role.ADMINISTRATOR, is_staff=True)
    AuthenticatorDevice.create_for(user=administrator, name="beheerder", confirmed=True)
    world = World(role, user, Client(raise_request_exception=False), administrator)
    links.password_reset_link_send(actor=administrator, user=administrator, request=None)
    world.reset_token = mail.outbox[-1].body.split("/wachtwoord/herstellen/")[1].split("/")[0]
    if with_cases:
        _add_cases(world)
        _add_signals(world)
    world.login()
    return world


def _add_cases(world: World) -> None:
    role, user = world.role, world.user
    recorders: dict = {}
    world.cases = {"own": [], "other": [], "granted": []}
    for label, (unit_code, court_code, consent, assigned, reached_by) in CASES.items():
        case = _case(unit_code, court_code, consent, recorders)
        if user is not None and assigned == "user" and role in ASSIGNED_ROLES:
            assign(case, user, role)
        elif user is not None and assigned == "colleague":
            colleague_role = role if role in ASSIGNED_ROLES else PSY
            assign(case, make_user(colleague_role), colleague_role)
        elif user is not None and assigned == "other role":
            assign(case, user, ED if role == PSY else PSY)
        world.cases["own" if label == "own" or role in reached_by else "other"].append(
            (label, case)
        )
        world.events[case.code] = case.events.order_by("pk").first()
        world.deliveries[case.code] = case.deliveries.get()
        world.suspects[case.code] = case._matrix_suspect
    granted = _case(*GRANTED_CASE, recorders)
    world.suspects[granted.code] = granted._matrix_suspect
    world.events[granted.code] = granted.events.order_by("pk").first()
    world.deliveries[granted.code] = granted.deliveries.get()
    world.cases["granted"].append(("with an active break-glass grant", granted))
    if user is not None:
        # Made directly (not through the service, which refuses roles without break-glass): a
        # grant of a role without break-glass, e.g. left from an earlier role, must open nothing.
        now = timezone.now()
        BreakGlassGrant.objects.create(
            case=granted,
            user=user,
            reason="Matrix: noodtoegang.",
            granted_at=now,
            expires_at=now + dt.timedelta(minutes=30),
        )
    # A real grant through the service, by an Amsterdam officer, for the privacy officer's review.
    _, world.grant = break_glass_open(
        actor=make_user(POL, unit_code="amsterdam"),
        code=granted.code,
        reason="Slachtoffer staat nu aan de balie en vraagt om hulp bij opvang.",
    )


# The signals of every world: (police unit, submitted by, reached by). "reached by": for the
# signaller the signals they submitted themselves, for the coordinator those of their unit.
SIGNALS: dict[str, tuple[str, str, set[str]]] = {
    # label:                      (unit,        submitted by,   reached by)
    "own":                        ("amsterdam", "user",         {Role.SIGNALLER, VC}),
    "another signaller's":        ("amsterdam", "other",        {VC}),
    "far away":                   ("limburg",   "other",        set()),
}  # fmt: skip


def _add_signals(world: World) -> None:
    from inbeeld.intake.models import Channel, Urgency
    from inbeeld.intake.services import intake_link_create, signal_submit

    role, user = world.role, world.user
    world.signals = {"own": [], "other": []}
    other = make_user(Role.SIGNALLER)
    for label, (unit_code, by, reached_by) in SIGNALS.items():
        submitter = user if by == "user" and role == Role.SIGNALLER else other
        signal, _ = signal_submit(
            actor=submitter,
            channel=Channel.ACCOUNT,
            signaller_type="school",
            police_unit=unit(unit_code),
            indicators=[],
            age_band="12-15",
            gender="female",
            urgency=Urgency.NORMAL,
            description="Matrix: leerling wordt na school opgehaald door oudere jongens.",
        )
        world.signals["own" if role in reached_by else "other"].append((label, signal))
    _, world.link_token = intake_link_create(
        actor=make_user(VC, unit_code="amsterdam"),
        police_unit=unit("amsterdam"),
        label="Matrix: voetbaltrainer",
    )


# --- URLs of a row in a world ----------------------------------------------------------------------


def _real_admin_object(model_label: str, world: World):
    admin_user = world.administrator
    membership = Membership.objects.filter(user=admin_user).first()
    objects = {
        "accounts.user": admin_user,
        "accounts.membership": membership,
        "accounts.organisation": Organisation.objects.get(pk=membership.organisation_id),
        "accounts.authenticatordevice": AuthenticatorDevice.objects.filter(user=admin_user).first(),
        "accounts.identityprovider": _identity_provider(membership.organisation_id),
    }
    if model_label in objects:
        return objects[model_label]
    return apps.get_model(model_label).objects.order_by("pk").first()


def _identity_provider(organisation_id: int):
    """A registered provider, switched off (as every new one is until a second person approves)."""
    provider, _ = IdentityProvider.objects.get_or_create(
        issuer="https://sso.matrix.example",
        client_id="inbeeld",
        defaults={"organisation_id": organisation_id},
    )
    return provider


def _admin_urls(row: Row, world: World) -> list[tuple[str, str]]:
    if row.name == "admin:view_on_site":
        content_type = ContentType.objects.get_for_model(User)
        return [
            (
                "the administrator's user",
                reverse(row.name, args=[content_type.pk, world.administrator.pk]),
            )
        ]
    if row.name == "admin:app_list":
        return [(row.obj, reverse(row.name, kwargs={"app_label": row.obj}))]
    if row.obj in ("real", "missing"):
        parts = row.admin_url.split("/")  # /beheer/<app>/<model>/<id>/...
        if row.obj == "real":
            parts[4] = str(_real_admin_object(row.admin_model, world).pk)
        else:
            parts[4] = str(MISSING_ID)
        return [(row.obj, "/".join(parts))]
    return [("", row.admin_url)]


def _job_id(world: World, obj: str) -> str:
    """A queued PDF job of the world's researcher (or of another researcher for every other role);
    "missing": an id that no job has."""
    import uuid

    from inbeeld.jobs.models import Job

    if obj == "missing":
        return str(uuid.UUID(int=MISSING_ID))
    owner = world.user if world.role == Role.RESEARCHER else make_user(Role.RESEARCHER)
    return str(Job.objects.create(kind="evaluation_pdf", requested_by=owner).pk)


def _import_id(world: World, obj: str) -> int:
    """An import of the world's coordinator ("own"; for every other role too, so their 403 is
    about the page) or of a coordinator of another organisation ("other"); "missing": no import."""
    import base64

    from inbeeld.crypto import encrypt_text
    from inbeeld.imports.models import ImportRun
    from inbeeld.imports.services import import_organisation

    if obj == "missing":
        return MISSING_ID
    if obj == "own" and world.role == VC:
        owner = world.user
    else:
        owner = make_user(VC, unit_code="limburg", organisation=OrganisationFactory())
    organisation = import_organisation(owner, "cases")
    ImportRun.objects.filter(organisation=organisation).delete()
    return ImportRun.objects.create(
        kind="cases",
        organisation=organisation,
        created_by=owner,
        file_name="dossiers.csv",
        file_format="csv",
        file_sha256="0" * 64,
        report_ciphertext=encrypt_text(base64.b64encode(b"dossiernummer;resultaat\n").decode()),
    ).pk


def _agenda_id(world: World, name: str, obj: str) -> int:
    """The id an agenda URL takes: of a publication, a recommendation or a milestone (with an
    evidence document and two differing codes, so the decision page is reachable) that other
    researchers recorded; "missing": an id nothing has."""
    if obj == "missing":
        return MISSING_ID
    if not world.agenda:
        import datetime as dt

        from inbeeld.agenda import services as agenda

        staff = [make_user(Role.RESEARCHER) for _ in range(3)]
        publication = agenda.publication_register(
            actor=staff[0],
            project_title="Matrix",
            kind="report",
            title="Matrix",
            published_on=dt.date(2018, 6, 12),
        )
        recommendation = agenda.recommendation_add(
            actor=staff[0],
            publication=publication,
            text="Matrix: aanbeveling.",
            addressee="police",
            theme="other",
            source="own",
        )
        milestone = agenda.milestone_record(
            actor=staff[0],
            recommendation=recommendation,
            kind="debate",
            occurred_on=dt.date(2019, 1, 1),
            description="Matrix: debat.",
            evidence_kind="document",
            document=("verslag.pdf", "application/pdf", b"%PDF-1.4 matrix"),
        )
        agenda.milestone_code(
            actor=staff[1], milestone=milestone, rung="on_agenda", causal_link=True
        )
        agenda.milestone_code(actor=staff[2], milestone=milestone, rung="adopted", causal_link=True)
        world.agenda = {
            "publication": publication.pk,
            "recommendation": recommendation.pk,
            "milestone": milestone.pk,
        }
    if name in ("agenda:publication", "agenda:recommendation_create"):
        return world.agenda["publication"]
    if name.startswith(("agenda:recommendation", "agenda:milestone_create")):
        return world.agenda["recommendation"]
    return world.agenda["milestone"]


def urls_for(row: Row, world: World) -> list[tuple[str, str]]:
    """(label, URL) pairs to request for ``row``."""
    if row.admin_url is not None:
        return _admin_urls(row, world)
    if row.name in CASE_URL_NAMES:
        if row.obj == "foreign_event":
            own = world.cases["own"][0][1]
            far = next(case for label, case in world.cases["other"] if label == "far away")
            return [
                (
                    "own case, event of the far away case",
                    reverse(row.name, args=[own.code, world.events[far.code].pk]),
                )
            ]
        if row.obj == "foreign":
            own = world.cases["own"][0][1]
            far = next(case for label, case in world.cases["other"] if label == "far away")
            args = [own.code, *(world.suspects[far.code][a] for a in SUSPECT_ARGS[row.name])]
            return [("own case, object of the far away case", reverse(row.name, args=args))]
        urls = []
        for label, case in world.cases[row.obj]:
            args = [case.code]
            args += [world.suspects[case.code][a] for a in SUSPECT_ARGS.get(row.name, ())]
            if row.name in ("cases:event_correct", "cases:event_withdraw"):
                args.append(world.events[case.code].pk)
            if row.name in ("pilot_case:delivery_correct", "pilot_case:delivery_withdraw"):
                args.append(world.deliveries[case.code].pk)
            urls.append((label, reverse(row.name, args=args)))
        return urls
    if row.name in SIGNAL_URL_NAMES:
        return [
            (label, reverse(row.name, args=[s.reference])) for label, s in world.signals[row.obj]
        ]
    if row.name in (
        "reports:evaluation",
        "reports:monitor",
        "reports:microdata",
        "reports:monitor_tables",
        "reports:perpetrator_report",
        "reports:perpetrator_tables",
    ):
        fmt = "docx" if row.obj == "unknown" else row.obj
        return [(row.obj, reverse(row.name, args=[fmt]))]
    if row.name.startswith("jobs:"):
        return [(row.obj, reverse(row.name, args=[_job_id(world, row.obj)]))]
    if row.name == "imports:template":
        return [
            (row.obj, reverse(row.name, args=["cases", "docx" if row.obj == "unknown" else "csv"]))
        ]
    if row.name.startswith("imports:") and row.obj != "-":
        return [(row.obj, reverse(row.name, args=[_import_id(world, row.obj)]))]
    if row.name == "evaluation:intervention":
        code = "psychologist" if row.obj == "intervention" else "bestaat-niet"
        return [(row.obj, reverse(row.name, args=[code]))]
    if row.name == "public_intake:link":
        token = world.link_token if row.obj == "valid" else "onbekende-link"
        return [(row.obj, reverse(row.name, args=[token]))]
    if row.name == "accounts:password_reset":
        token = world.reset_token if row.obj == "valid" else "onbekende-link"
        return [(row.obj, reverse(row.name, args=[token]))]
    if row.name == "accounts:sso_start":
        pk = (
            _identity_provider(Organisation.objects.order_by("pk").first().pk).pk
            if row.obj == "disabled"
            else MISSING_ID
        )
        return [(row.obj, reverse(row.name, args=[pk]))]
    if row.name == "accounts:second_factor_enrol":
        return [(row.obj, reverse(row.name, args=["onbekende-link"]))]
    if row.name == "privacy:break_glass_review":
        grant_id = world.grant.pk if row.obj == "grant" else MISSING_ID
        return [(row.obj, reverse(row.name, args=[grant_id]))]
    if row.name == "cases:filter_delete":
        return [(row.obj, reverse(row.name, args=[MISSING_ID]))]
    if row.name == "pilot:deployment_edit":
        from inbeeld.pilot.models import Deployment

        return [(row.obj, reverse(row.name, args=[Deployment.objects.order_by("pk").first().pk]))]
    if row.name.startswith("agenda:") and row.obj != "-":
        return [(row.obj, reverse(row.name, args=[_agenda_id(world, row.name, row.obj)]))]
    assert row.obj == "-", f"{row.name}: no URL builder for object {row.obj!r}"
    return [("", reverse(row.name))]


# --- one request, checked ------------------------------------------------------------------------------


def check_cell(world: World, row: Row, method: str) -> list[str]:
    problems = []
    expected = row.expected[world.role]
    for label, url in urls_for(row, world):
        response = getattr(world.client, method.lower())(url)
        if row.name in ENDS_SESSION:
            world.login()
        detail = f", {row.obj}: {label}" if label and label != row.obj else f", {row.obj}"
        where = f"[{world.role}] {method} {url} ({row.name}{detail})"
        got = response.status_code
        location = urlsplit(response.get("Location", "")).path
        want = url + "change/" if expected == CHANGE_PAGE else expected
        if expected in (SIGNAL_PAGE, CASE_PAGE, JOB_PAGE):
            want = url.rstrip("/").rsplit("/", 1)[0] + "/"
        if got == 500:
            problems.append(f"{where}: 500 (server error), want {want}")
        elif isinstance(want, str):
            if got != 302 or location != want:
                problems.append(
                    f"{where}: want 302 -> {want}, got {got}{' -> ' + location if location else ''}"
                )
        elif got != want:
            problems.append(
                f"{where}: want {want}, got {got}{' -> ' + location if location else ''}"
            )
        if got in (403, 404):
            body = response.content.decode(errors="replace")
            if not any(marker in body for marker in DUTCH_ERROR_PAGES):
                problems.append(
                    f"{where}: {got} is not the Dutch error page "
                    f"(no {' / '.join(DUTCH_ERROR_PAGES)}): {body[:80]!r}"
                )
    return problems


# --- the tests -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", COLUMNS)
def test_every_url_answers_the_role_as_the_table_says(role):
    world = build_world(role)
    skip = _known_bug_cells()
    problems = []
    for row in all_rows():
        for method in row.methods:
            if (row.name, row.obj, method, role) in skip:
                continue
            problems += check_cell(world, row, method)
    assert not problems, (
        f"{role}: {len(problems)} answers differ from the permission matrix:\n"
        + "\n".join(problems)
    )


def test_known_bug_cells_are_checked_when_there_are_any():
    """Fixed bugs leave KNOWN_BUGS; what remains must name cells that exist in the table."""
    rows = {(row.name, row.obj) for row in all_rows()}
    for _, cells, _ in KNOWN_BUGS.values():
        assert all((name, obj) in rows for name, obj, _ in cells)


def test_every_url_of_the_project_is_in_the_table():
    """A new page fails here until someone decides, in MATRIX, who may reach it."""
    project = project_urls()
    unnamed = [url for url, name, _ in project if name is None and not _is_admin(url)]
    assert not unnamed, f"URL patterns without a name (name them, add them to MATRIX): {unnamed}"
    in_project = {name for url, name, _ in project if not _is_admin(url) and not _is_api(url)}
    in_table = {name for name, *_ in MATRIX}
    # The REST API (/api/, keys instead of sessions) has its own table: tests/api/test_api_matrix.py.
    api_in_project = {name for url, name, _ in project if _is_api(url)}
    assert api_in_project == set(API_MATRIX_NAMES), (
        f"API URLs not in tests/api/test_api_matrix.py: {sorted(api_in_project - API_MATRIX_NAMES)}; "
        f"in that table but gone: {sorted(API_MATRIX_NAMES - api_in_project)}"
    )
    assert in_table == in_project, (
        f"not in the table: {sorted(in_project - in_table)}; "
        f"in the table but gone: {sorted(in_table - in_project)}"
    )
    admin_in_project = {name for url, name, _ in project if _is_admin(url) and name}
    assert {n for n in admin_in_project if not n.startswith("admin:")} == set()
    rows, unknown = admin_rows()
    assert not unknown, (
        "admin URLs without a rule in ADMIN_SITE_PAGES/ADMIN_MODEL_PAGES:\n" + "\n".join(unknown)
    )
    assert admin_in_project <= {row.name for row in rows}
    assert len({url for url, _, _ in project if _is_admin(url)}) == len(
        {row.admin_url for row in rows}
    )


def test_the_table_is_well_formed():
    rows = all_rows()
    keys = [row.key for row in rows]
    assert len(keys) == len(set(keys)), "a row appears twice"
    for row in rows:
        assert set(row.methods) <= {"GET", "POST"}, row
        assert set(row.expected) == set(COLUMNS), row
    # Every case URL is tried on a case in the scope and on cases outside it.
    objects = {}
    for row in rows:
        objects.setdefault(row.name, set()).add(row.obj)
    for name in CASE_URL_NAMES:
        assert {"own", "other"} <= objects[name], name
    # Every known-bug cell is a cell of the table.
    cells = {(row.name, row.obj, method) for row in rows for method in row.methods}
    for _, bug_cells, _ in KNOWN_BUGS.values():
        assert set(bug_cells) <= cells, bug_cells


def test_the_table_keeps_to_design_section_1():
    """Independent of the statuses chosen above: the need-to-know rules of DESIGN §1 hold in the
    table, so a regression cannot be 'fixed' by editing a cell."""
    reads = {200}
    for row in all_rows():
        answers = row.expected
        # Anonymous visitors reach the login page only; everything else sends them there.
        if row.name == "accounts:login":
            anonymous_may = {200}
        elif row.name.startswith("public_intake:") or row.name == "accounts:password_reset":
            # Anonymous intake and the one-time reset link: an unknown link is not found.
            anonymous_may = {200, 404}
        elif row.name in ("health:live", "health:ready"):
            # The health probes, explicitly: they answer anyone and show no data.
            anonymous_may = {200}
        elif row.name.startswith("accounts:sso_"):
            # Single sign-on: a provider that does not exist is not found; a switched-off one, and
            # the way back without a pending attempt, send the visitor to the login page.
            anonymous_may = {404, LOGIN}
        else:
            anonymous_may = {LOGIN, ADMIN_LOGIN}
        assert answers[ANONYMOUS] in anonymous_may, row
        if row.name.startswith("cases:"):
            # No case data for signallers, the privacy officer and the administrator.
            for role in (Role.SIGNALLER, Role.PRIVACY_OFFICER, Role.ADMINISTRATOR):
                assert answers[role] not in reads, (row.name, row.obj, role)
            # Nothing outside the scope; a grant opens the case page only, for reading.
            if row.obj in ("other", "foreign_event"):
                assert not any(answers[r] in reads for r in LOGGED_IN), row
            if row.obj == "granted":
                readers = {r for r in LOGGED_IN if answers[r] in reads}
                assert readers == ({VC, POL, OM, RC} if row.name in CASE_READ_PAGES else set()), row
            # Researchers read (list, case page), never write.
            if row.name not in ("cases:list", *CASE_READ_PAGES):
                assert answers[RES] not in reads, row
        if row.name.startswith("suspects:"):
            # Suspect data (issue 17): the police and the prosecutor; researchers read a
            # suspect's page (pseudonymised), never write; care roles, the examining judge and
            # everyone without case data: nothing (care sees a count on the case page only).
            readers = {r for r in LOGGED_IN if answers[r] in reads}
            if row.obj in ("other", "granted", "foreign"):
                assert readers == set(), row
            allowed = {POL, OM, RES} if row.name == "suspects:detail" else {POL, OM}
            assert readers <= allowed, row
        if row.name.startswith("intake:"):
            # A signal's content reaches only the coordinators of its unit; a signaller only
            # their own signals' status; everyone else nothing.
            readers = {r for r in LOGGED_IN if answers[r] in reads}
            if row.name in SIGNAL_URL_NAMES and row.obj == "other":
                assert readers == set(), row
            elif row.name in ("intake:create", "intake:own_list", "intake:own_detail"):
                assert readers <= {Role.SIGNALLER}, row
            elif row.name == "intake:funnel":
                assert readers <= {VC, RES}, row
            else:
                assert readers <= {VC}, row
        if row.name.startswith(("evaluation:", "reports:")):
            assert {r for r in LOGGED_IN if answers[r] in reads} <= {RES}, row
        if row.name.startswith("jobs:"):
            # Only the one who asked sees a job; today only researchers can ask for one.
            assert {r for r in LOGGED_IN if answers[r] in reads} <= {RES}, row
            if row.obj == "missing":
                assert {answers[r] for r in LOGGED_IN} == {404}, row
        if row.name.startswith("imports:"):
            # Importing is the safety coordinator's (ADR 0022); nobody reaches another's import.
            assert {r for r in LOGGED_IN if answers[r] in reads | {IMPORTS}} <= {VC}, row
            if row.obj in ("other", "missing"):
                assert answers[VC] == 404, row
        if row.name.startswith("privacy:"):
            assert {r for r in LOGGED_IN if answers[r] in reads | {QUEUE}} <= {
                Role.PRIVACY_OFFICER
            }, row
        if row.name.startswith("admin:") and row.name not in ("admin:login",):
            assert {r for r in LOGGED_IN if answers[r] in reads} <= {Role.ADMINISTRATOR}, row
