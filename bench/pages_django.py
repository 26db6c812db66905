"""The Django side of bench_pages.py, run as a child process with the server's environment (the
same database, keys and production settings): set-up of the benchmark accounts, the query count
per page, and the synthetic audit rows. Each command prints one JSON object on its last line.

    python bench/pages_django.py prepare '{"clones": {...}, "login_pool": 90}'
    python bench/pages_django.py queries '{"pages": [...], "host": "..."}'
    python bench/pages_django.py audit_fill '{"target": 5000000}'

Not a bench module of its own (run.py only imports bench_*.py).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time

# The demo accounts the benchmark's users are cloned from: same organisation, role and scope.
POLICE = "politie.amsterdam"
COORDINATOR = "coordinator.nh"
RESEARCHER = "onderzoeker"
PRIVACY_OFFICER = "fg"
LOGIN_PREFIX = "bench.login."
LOGIN_TEMPLATE = "politie.limburg"
SYNTHETIC = {"synthetic": True, "bench": "pages"}


def _setup() -> None:
    import django

    django.setup()


# --- prepare ---------------------------------------------------------------------------------------


def _clone(template, username: str, secret: str):
    """A user with ``template``'s password hash and memberships and a confirmed TOTP device with
    the given secret (hex), created straight in the tables as ensure_demo_accounts does."""
    from inbeeld.accounts.models import AuthenticatorDevice, Membership, User

    user, _ = User.objects.update_or_create(
        username=username,
        defaults={
            "first_name": template.first_name,
            "last_name": template.last_name,
            "email": f"{username}@bench.inbeeld.invalid",
            "password": template.password,  # the demo password, hashed once (argon2)
        },
    )
    for membership in Membership.objects.filter(user=template, is_active=True):
        Membership.objects.get_or_create(
            user=user,
            organisation_id=membership.organisation_id,
            role=membership.role,
            police_unit_id=membership.police_unit_id,
            om_district_id=membership.om_district_id,
            court_id=membership.court_id,
        )
    AuthenticatorDevice.objects.filter(user=user).delete()
    AuthenticatorDevice.create_for(user=user, name="bench", confirmed=True, key_hex=secret)
    return user


def prepare(args: dict) -> dict:
    """Bench accounts (``clones``: template -> how many; ``login_pool`` police officers that log
    in once each), the case with the longest timeline the police user may see, the filter values
    of the case list and how many cases that user sees."""
    import secrets

    from django.db import connection
    from django.db.models import Count

    from inbeeld.accounts.models import User
    from inbeeld.audit.models import AuditEvent
    from inbeeld.cases.forms import CaseFilterForm
    from inbeeld.cases.models import Case, ChainEvent
    from inbeeld.cases.selectors import CASE_LIST_EXTENSIONS, case_list, cases_visible_to
    from inbeeld.reference.models import ExploitationForm

    accounts: dict[str, dict] = {}
    for template_name, count in args["clones"].items():
        template = User.objects.get(username=template_name)
        names = []
        for n in range(count):
            username = f"bench.{template_name}.{n:02d}"
            secret = secrets.token_hex(20)
            _clone(template, username, secret)
            accounts[username] = {"secret": secret}
            names.append(username)
        accounts[template_name] = {"clones": names}
    police = User.objects.get(username=POLICE)
    # The accounts that only log in are officers of another unit: they would otherwise make the
    # list of colleagues on the measured case page longer than a real team's.
    elsewhere = User.objects.get(username=LOGIN_TEMPLATE)
    login_pool = []
    for n in range(args["login_pool"]):
        username = f"{LOGIN_PREFIX}{n:03d}"
        secret = secrets.token_hex(20)
        _clone(elsewhere, username, secret)
        accounts[username] = {"secret": secret}
        login_pool.append(username)

    visible = cases_visible_to(police)
    longest = (
        ChainEvent.objects.filter(case__in=visible)
        .values("case_id")
        .annotate(n=Count("id"))
        .order_by("-n", "case_id")
        .first()
    )
    case = Case.objects.get(pk=longest["case_id"])
    listed = case_list(police, CaseFilterForm().filters()).count()
    form = (
        ExploitationForm.objects.filter(cases__in=visible)
        .annotate(n=Count("cases"))
        .order_by("-n")
        .values_list("code", flat=True)
        .first()
    )
    reached = CASE_LIST_EXTENSIONS["reached_by"].choices().order_by("code").first()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        # As autovacuum does on a database in use: statistics, and the visibility map that lets
        # a count or a page of the case list read the index alone. This machine's PostgreSQL runs
        # with autovacuum off, so a freshly loaded database would otherwise never be vacuumed.
        cursor.execute("VACUUM (ANALYZE)")
    return {
        "accounts": accounts,
        "login_pool": login_pool,
        "case": case.code,
        "case_events": longest["n"],
        "cases": Case.objects.count(),
        "events": ChainEvent.objects.count(),
        "police_cases": listed,
        "form": form,
        "reached_by": reached.code if reached is not None else "",
        "audit_rows": AuditEvent.objects.count(),
        "postgresql": version,
        "police_user": POLICE,
        "bench_accounts": sum(1 for name in accounts if "secret" in accounts[name]),
        "police_clones": len(accounts[POLICE]["clones"]),
        "login_template": LOGIN_TEMPLATE,
    }


# --- query count per page ---------------------------------------------------------------------------


def queries(args: dict) -> dict:
    """The number of SQL queries of each page (second request; the first warms the caches), with
    the Django test client logged in as the page's user with a passed second factor."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY

    from inbeeld.accounts.models import AuthenticatorDevice, User

    clients: dict[str, Client] = {}
    counts = {}
    for page in args["pages"]:
        user = page["user"]
        if user not in clients:
            client = Client(HTTP_HOST=args["host"])
            account = User.objects.get(username=user)
            client.force_login(account)
            session = client.session
            device = AuthenticatorDevice.objects.filter(user=account, confirmed=True).first()
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
            clients[user] = client
        client = clients[user]
        client.get(page["path"], secure=True)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page["path"], secure=True)
        counts[page["key"]] = {"queries": len(captured), "status": response.status_code}
    if args.get("login_user"):
        counts.update(_login_queries(args["host"], args["login_user"], args["login_key"]))
    return {"counts": counts}


def _login_queries(host: str, username: str, whole_key: str) -> dict:
    """Queries of each request of a real login (password, then the current TOTP code)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from inbeeld.accounts.models import User
    from inbeeld.demo.accounts import DEMO_PASSWORD, current_code

    client = Client(HTTP_HOST=host)
    steps = [
        ("GET", "/account/inloggen/", None),
        ("POST", "/account/inloggen/", {"username": username, "password": DEMO_PASSWORD}),
        ("GET", "/", None),
        ("GET", "/account/tweede-factor/", None),
        ("POST", "/account/tweede-factor/", "code"),
    ]
    counts = {}
    for method, path, data in steps:
        if data == "code":
            data = {"token": current_code(User.objects.get(username=username))}
        with CaptureQueriesContext(connection) as captured:
            if method == "GET":
                response = client.get(path, secure=True)
            else:
                response = client.post(path, data, secure=True)
        counts[f"login: {method} {path}"] = {
            "queries": len(captured),
            "status": response.status_code,
        }
    counts[whole_key] = {"queries": sum(c["queries"] for c in counts.values())}
    return counts


# --- synthetic audit rows ---------------------------------------------------------------------------

# A year of use, roughly: mostly case reads and case lists, some logins and chain work.
ACTIONS = [
    ("case.read", "case", 0.40),
    ("case.list_read", "case_list", 0.25),
    ("auth.login", "user", 0.07),
    ("auth.2fa_verified", "user", 0.07),
    ("event.recorded", "case", 0.08),
    ("signal.read", "signal", 0.06),
    ("case.summary_read", "case", 0.03),
    ("auth.logout", "user", 0.03),
    ("audit.read", "audit", 0.01),
]


def _copy_value(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _fixed_value(field):
    """A plausible constant for a column this bench does not know (another branch may add
    columns to the audit table): the field's default, NULL, or an empty/zero value."""
    from django.db import models

    if field.has_default():
        return field.get_default()
    if field.null:
        return None
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.IntegerField | models.FloatField | models.DecimalField):
        return 0
    if isinstance(field, models.JSONField):
        return {}
    return ""


def audit_fill(args: dict) -> dict:
    """Add synthetic audit rows (extra = SYNTHETIC) with COPY until the table holds ``target``
    rows. The columns are read from the AuditEvent model at run time. prev_hash/row_hash form a
    chain of random 64-hex values: plausible in shape, NOT valid MACs (`inbeeld audit verify`
    fails on this benchmark database from the first synthetic row on)."""
    import numpy as np
    from django.db import connection

    from inbeeld.accounts.models import User
    from inbeeld.audit.models import AuditEvent
    from inbeeld.cases.models import Case

    started = time.perf_counter()
    before = AuditEvent.objects.count()
    missing = max(0, int(args["target"]) - before)
    if not missing:
        return {"inserted": 0, "rows": before, "seconds": 0.0}
    rng = np.random.default_rng(2026)
    users = list(User.objects.values_list("pk", "username"))
    codes = np.array(list(Case.objects.values_list("code", flat=True)), dtype=object)
    names = [name for name, _, _ in ACTIONS]
    kinds = [kind for _, kind, _ in ACTIONS]
    weights = np.array([w for _, _, w in ACTIONS])
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    fixed = {f.name: _copy_value(_fixed_value(f)) for f in fields}
    extra_text = _copy_value(SYNTHETIC)
    end = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    start = end - dt.timedelta(days=365)
    span = (end - start).total_seconds()
    previous = "0" * 64
    batch = 200_000
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            for offset in range(0, missing, batch):
                size = min(batch, missing - offset)
                action_ix = rng.choice(len(ACTIONS), size=size, p=weights / weights.sum())
                user_ix = rng.integers(0, len(users), size=size)
                case_ix = rng.integers(0, len(codes), size=size)
                seconds = np.sort(rng.uniform(offset, offset + size, size=size)) / missing * span
                hashes = rng.bytes(32 * size).hex()
                lines = []
                for i in range(size):
                    pk, username = users[user_ix[i]]
                    kind = kinds[action_ix[i]]
                    code = codes[case_ix[i]] if kind == "case" else ""
                    row_hash = hashes[64 * i : 64 * i + 64]
                    values = {
                        "created_at": (start + dt.timedelta(seconds=seconds[i])).isoformat(),
                        "actor": str(pk),
                        "actor_label": username,
                        "action": names[action_ix[i]],
                        "subject_type": kind,
                        "subject_ref": code or (username if kind == "user" else ""),
                        "case_code": code,
                        "extra": extra_text,
                        "prev_hash": previous,
                        "row_hash": row_hash,
                    }
                    previous = row_hash
                    lines.append("\t".join(values.get(f.name, fixed[f.name]) for f in fields))
                copy.write("\n".join(lines) + "\n")
        cursor.execute(f"VACUUM (ANALYZE) {table}")
    return {
        "inserted": missing,
        "rows": before + missing,
        "columns": columns,
        "seconds": time.perf_counter() - started,
    }


COMMANDS = {"prepare": prepare, "queries": queries, "audit_fill": audit_fill}

if __name__ == "__main__":
    _setup()
    result = COMMANDS[sys.argv[1]](json.loads(sys.argv[2]))
    print(json.dumps(result, default=str))
