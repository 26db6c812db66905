"""Settings shared by every environment. Values from outside come through conf.env only."""

import importlib.util
from pathlib import Path

import dj_database_url

from inbeeld.conf.env import env

PACKAGE_DIR = Path(__file__).resolve().parents[2]
PROJECT_DIR = PACKAGE_DIR.parents[1]
VAR_DIR = Path(
    env("INBEELD_VAR_DIR", default=str(PROJECT_DIR / "var"), help="Directory for local state")
)

INBEELD_ENVIRONMENT = env(
    "INBEELD_ENVIRONMENT",
    default="development",
    help="development, test or production; production enables the strict system checks",
)
SECRET_KEY = env("INBEELD_SECRET_KEY", help="Django secret key (at least 50 random characters)")
DEBUG = env(
    "INBEELD_DEBUG", cast=bool, default=False, help="Django debug mode; never in production"
)
ALLOWED_HOSTS = env(
    "INBEELD_ALLOWED_HOSTS",
    cast=list,
    default=["127.0.0.1", "localhost"],
    help="Comma-separated host names this instance answers to",
)

# Fernet keys (urlsafe base64, 32 bytes). The first encrypts; all decrypt, so a key rotation adds
# the new key in front, re-encrypts, and only then drops the old one.
INBEELD_ENCRYPTION_KEYS = env(
    "INBEELD_ENCRYPTION_KEYS",
    cast=list,
    help="Comma-separated Fernet keys for free text at rest; the first one encrypts",
)
INBEELD_LINKAGE_KEY = env(
    "INBEELD_LINKAGE_KEY",
    help="Secret for the keyed HMAC linkage keys of partner identifiers",
)
# Backups have keys of their own (docs/backup.md); outside production an empty value falls back to
# the encryption keys.
INBEELD_BACKUP_KEYS = env(
    "INBEELD_BACKUP_KEYS",
    cast=list,
    default=[],
    help="Comma-separated Fernet keys for `inbeeld backup` and `restore`; the first one "
    "encrypts. Required in production; elsewhere empty means the encryption keys",
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    # django-otp's framework; the TOTP device is accounts.AuthenticatorDevice (secret encrypted).
    "django_otp",
    "inbeeld.conf",
    "inbeeld.reference",
    "inbeeld.accounts",
    "inbeeld.audit",
    "inbeeld.approvals",
    "inbeeld.administration",
    "inbeeld.cases",
    "inbeeld.pilot",
    "inbeeld.suspects",
    "inbeeld.intake",
    "inbeeld.analysis",
    "inbeeld.publication",
    "inbeeld.demo",
    "inbeeld.oversight",
    "inbeeld.backup",
    "inbeeld.jobs",
    "inbeeld.imports",
    "inbeeld.agenda",
    # Background jobs (issue 15): the queue lives in the database, the worker is `inbeeld worker`.
    "django_tasks",
    "django_tasks_db",
    # The REST API for partner systems (issue 16, ADR 0021) and its OpenAPI document and
    # self-hosted documentation page (Swagger UI from the sidecar: no external requests).
    "rest_framework",
    "drf_spectacular",
    "inbeeld.api",
]

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The research pages' stored results (jobs.results) are computed by the worker; only the test
# settings let a page compute a missing or stale one itself (the worker's path has its own tests).
INBEELD_RESULTS_AT_ONCE = False
# Memory for sorting and hashing in the worker's recomputation transaction (PostgreSQL work_mem).
INBEELD_RESULTS_WORK_MEM = env(
    "INBEELD_RESULTS_WORK_MEM",
    default="256MB",
    help="PostgreSQL work_mem for recomputing the research figures in the worker",
)
# The dark number's published interval: resamples of the bootstrap that repeats the model choice
# (stats.mse_uncertainty; ADR 0007: 40 covered 0.908 of simulated truths with five lists, 100
# covered 0.970). The worker computes it as a stored result of its own (monitor_bootstrap).
INBEELD_DARK_NUMBER_REPLICATES = env(
    "INBEELD_DARK_NUMBER_REPLICATES",
    cast=int,
    default=100,
    help="resamples of the dark number's model-choice bootstrap (at least 100 for an interval "
    "that holds with five or more sources; each takes about 1 s on six sources)",
)
# On PostgreSQL the research tables are read with COPY ... TO STDOUT straight into polars
# (analysis.builders.query_frame); False reads them row by row through the ORM (the identity
# test, tests/analysis/test_copy_load.py, builds both).
INBEELD_TABLE_LOAD_COPY = True
# Faster still: the same queries read as Arrow columns through ADBC's PostgreSQL driver, in the
# snapshot of the transaction that asks, when that transaction has written nothing
# (analysis.arrow_read, ADR 0027); False keeps COPY (the identity test builds every way).
INBEELD_TABLE_LOAD_ARROW = True

MIDDLEWARE = [
    # Outermost, so the duration covers every other middleware (conf/jsonlog.py formats it).
    "inbeeld.conf.middleware.RequestLogMiddleware",
    # The client's address behind the TLS proxy, for the per-address limits (never logged).
    "inbeeld.conf.middleware.ForwardedClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "inbeeld.conf.middleware.SecurityHeadersMiddleware",
    # Under /api/: the API-Version header and every error as problem+json (issue 16); inside the
    # security headers, so an answer it replaces keeps them, outside everything that can refuse.
    "inbeeld.api.middleware.ApiConventionsMiddleware",
    # Django's, except that a background poll does not extend the idle timeout.
    "inbeeld.conf.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A login lasts at most INBEELD_SESSION_MAX_HOURS, however active.
    "inbeeld.accounts.middleware.SessionLifetimeMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Secure by default: every view needs a login unless it opts out explicitly ...
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # ... and a second factor (TOTP) for every role, in every environment.
    "inbeeld.accounts.middleware.RequireSecondFactorMiddleware",
    # ... and a membership: an account without one (e.g. new from SSO) sees only "no access yet".
    "inbeeld.accounts.middleware.RequireMembershipMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # The Dutch 400/404/500 pages also with DEBUG on (issue 14); before the audit middleware,
    # whose process_exception must still see a refusal first.
    "inbeeld.conf.error_pages.DutchErrorPagesMiddleware",
    # Refused function pages leave an audit row (issue 11).
    "inbeeld.conf.middleware.AuditRefusalMiddleware",
    # One "Casus ingezien" row per user action, not per read (issue 14).
    "inbeeld.audit.middleware.AuditReadScopeMiddleware",
]

ROOT_URLCONF = "inbeeld.conf.urls"
WSGI_APPLICATION = "inbeeld.conf.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "inbeeld.conf.context_processors.navigation",
            ],
        },
    },
    {
        # The long lists' tables (conf/jinja.py, ADR 0030); searched after Django's templates.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "rows",
        "DIRS": [PACKAGE_DIR / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "inbeeld.conf.jinja.environment"},
    },
]

# Forms and widgets through Jinja2 where Django ships the template for it (conf/form_renderer.py).
FORM_RENDERER = "inbeeld.conf.form_renderer.FormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        env(
            "DATABASE_URL",
            default=f"sqlite:///{VAR_DIR / 'inbeeld.sqlite3'}",
            help="Database URL; sqlite:///path (default) or postgres://user@host:port/name",
        ),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # Writers take the lock up front, so two writers wait instead of failing mid-way.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON",
    }

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "inbeeld.accounts.passwords.DutchMinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "inbeeld.accounts.passwords.ContextWordsValidator"},
]
# NIST 800-63B: besides Django's 20,000 common passwords, an optional larger local list of
# breached passwords (accounts/passwords.py says why no package ships one).
INBEELD_PASSWORD_LIST_FILE = env(
    "INBEELD_PASSWORD_LIST_FILE",
    default="",
    help="Optional local file of breached passwords (one per line, may be .gz) refused as "
    "passwords, besides Django's list of 20,000 common ones",
)
if INBEELD_PASSWORD_LIST_FILE:
    AUTH_PASSWORD_VALIDATORS.append(
        {
            "NAME": "django.contrib.auth.password_validation.CommonPasswordValidator",
            "OPTIONS": {"password_list_path": INBEELD_PASSWORD_LIST_FILE},
        }
    )
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Amsterdam"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    PACKAGE_DIR / "static",
    # Swagger UI for the API's documentation page (/api/v1/docs), from drf-spectacular-sidecar:
    # only this directory of the package, not its Redoc (inbeeld.api.staticfiles says why).
    (
        "drf_spectacular_sidecar/swagger-ui-dist",
        Path(importlib.util.find_spec("drf_spectacular_sidecar").origin).parent
        / "static"
        / "drf_spectacular_sidecar"
        / "swagger-ui-dist",
    ),
]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "inbeeld.api.staticfiles.AppDirectoriesWithoutUnservedFinder",
]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Idle timeout: the session expires after this many minutes without a request (sliding).
INBEELD_IDLE_TIMEOUT_MINUTES = env(
    "INBEELD_IDLE_TIMEOUT_MINUTES",
    cast=int,
    default=15,
    help="Minutes without activity after which a user is logged out",
)
SESSION_COOKIE_AGE = INBEELD_IDLE_TIMEOUT_MINUTES * 60
# Absolute lifetime: however active, a login ends this many hours after it began
# (accounts.middleware.SessionLifetimeMiddleware, audited as SESSION_EXPIRED).
INBEELD_SESSION_MAX_HOURS = env(
    "INBEELD_SESSION_MAX_HOURS",
    cast=int,
    default=12,
    help="Hours after a login at which the session ends, however active (besides the idle timeout)",
)
SESSION_SAVE_EVERY_REQUEST = True
# ... but a session whose data did not change is written at most once a minute
# (conf.middleware.SessionMiddleware): the idle timeout ends between 14 and 15 minutes.
INBEELD_SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
INBEELD_LOGIN_MAX_FAILURES = env(
    "INBEELD_LOGIN_MAX_FAILURES",
    cast=int,
    default=5,
    help="Failed logins for one user name within the lockout window before it is locked",
)
INBEELD_LOGIN_MAX_FAILURES_PER_IP = env(
    "INBEELD_LOGIN_MAX_FAILURES_PER_IP",
    cast=int,
    default=20,
    help="Failed logins from one IP address within the lockout window before it is throttled",
)
INBEELD_LOGIN_LOCKOUT_MINUTES = env(
    "INBEELD_LOGIN_LOCKOUT_MINUTES",
    cast=int,
    default=15,
    help="Length of the lockout window for failed logins, in minutes",
)
OTP_TOTP_ISSUER = "InBeeld"
# Single sign-on (accounts/sso.py): how long InBeeld waits for an organisation's OpenID provider.
INBEELD_SSO_TIMEOUT_SECONDS = env(
    "INBEELD_SSO_TIMEOUT_SECONDS",
    cast=int,
    default=10,
    help="Seconds to wait for an organisation's OpenID provider (discovery, keys, token) in SSO",
)
# Administrators manage devices (e.g. reset a lost phone) but never see TOTP secrets or QR codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# One-time links an administrator sends to a user's own e-mail address (accounts/links.py): a
# password reset (an administrator never knows or sets a password) and a second-factor enrolment.
INBEELD_ACCOUNT_LINK_HOURS = env(
    "INBEELD_ACCOUNT_LINK_HOURS",
    cast=int,
    default=24,
    help="Hours a one-time password-reset or second-factor enrolment link stays valid",
)

# E-mail (the one-time account links and the notifications of intake/notifications.py).
# Development prints mails on the console; production sets an SMTP server (settings/production.py
# switches to SMTP). Tests use Django's in-memory outbox or a local SMTP server (aiosmtpd).
EMAIL_BACKEND = env(
    "INBEELD_EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend",
    help="Django e-mail backend: the console backend prints mails (development); production uses django.core.mail.backends.smtp.EmailBackend when this is unset",
)
EMAIL_HOST = env("INBEELD_EMAIL_HOST", default="localhost", help="SMTP server host")
EMAIL_PORT = env("INBEELD_EMAIL_PORT", cast=int, default=25, help="SMTP server port")
EMAIL_HOST_USER = env("INBEELD_EMAIL_HOST_USER", default="", help="SMTP user name (if any)")
EMAIL_HOST_PASSWORD = env("INBEELD_EMAIL_HOST_PASSWORD", default="", help="SMTP password (if any)")
EMAIL_USE_TLS = env(
    "INBEELD_EMAIL_USE_TLS", cast=bool, default=False, help="Use STARTTLS to the SMTP server"
)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env(
    "INBEELD_EMAIL_FROM",
    default="InBeeld <noreply@inbeeld.invalid>",
    help="Sender address of the e-mails InBeeld sends",
)

# Notifications link to pages, so they need the address people open InBeeld at (a mail has no
# request to build it from).
INBEELD_SITE_URL = env(
    "INBEELD_SITE_URL",
    default="http://127.0.0.1:8000",
    help="Address of InBeeld as users open it (https://... in production); links in e-mails start with it",
).rstrip("/")
INBEELD_NOTIFICATIONS = env(
    "INBEELD_NOTIFICATIONS",
    cast=bool,
    default=True,
    help="Send notification e-mails: news on a signal to its signaller, new acute signals to the unit's safety coordinators, overdue signals through `inbeeld notify overdue` (run it from a timer, e.g. every 15 minutes); a user turns them off on Mijn account",
)

# Bulk import (imports app, ADR 0022): rows per transaction of a commit "per rij".
INBEELD_IMPORT_BATCH_ROWS = env(
    "INBEELD_IMPORT_BATCH_ROWS",
    cast=int,
    default=5000,
    help="Rows per transaction when an import is checked or committed per row (whole cases per batch; new cases are written set-based per batch, so larger batches are faster)",
)

INBEELD_IMPORT_CHECK_IN_REQUEST_ROWS = env(
    "INBEELD_IMPORT_CHECK_IN_REQUEST_ROWS",
    cast=int,
    default=2000,
    help="An uploaded import file with more rows than this is checked (dry run) by the worker as a background job with progress; a smaller one at once, in the request",
)

# Retention per data category (`inbeeld retention apply`, see docs/security.md).
INBEELD_RETENTION = {
    "notes": env(
        "INBEELD_RETENTION_NOTES_YEARS",
        cast=int,
        default=5,
        help="Years after a case is closed before its free-text notes are removed",
    ),
    "linkage_keys": env(
        "INBEELD_RETENTION_LINKAGE_YEARS",
        cast=int,
        default=10,
        help="Years after a case is closed before its linkage keys are removed",
    ),
    "signals": env(
        "INBEELD_RETENTION_SIGNALS_YEARS",
        cast=int,
        default=2,
        help="Years after a decision on a signal before its name, free text, contact details "
        "and messages are removed",
    ),
    "break_glass": env(
        "INBEELD_RETENTION_BREAK_GLASS_YEARS",
        cast=int,
        default=2,
        help="Years after which reviewed break-glass grants (with reasons) are removed",
    ),
    "import_files": env(
        "INBEELD_RETENTION_IMPORT_FILES_DAYS",
        cast=int,
        default=30,
        help="Days after an import ends before its uploaded file and report file are removed",
    ),
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

INBEELD_BREAK_GLASS_MINUTES = env(
    "INBEELD_BREAK_GLASS_MINUTES",
    cast=int,
    default=60,
    help="How long a break-glass access to a case outside one's scope lasts, in minutes",
)

# Signals (intake): time targets and the limits of the anonymous pages (see intake/deadlines.py).
INBEELD_SIGNAL_ACK_WORKING_DAYS = env(
    "INBEELD_SIGNAL_ACK_WORKING_DAYS",
    cast=int,
    default=1,
    help="Working days within which a safety coordinator takes a signal into triage",
)
INBEELD_SIGNAL_ACUTE_ACK_HOURS = env(
    "INBEELD_SIGNAL_ACUTE_ACK_HOURS",
    cast=int,
    default=4,
    help="Hours within which an acute signal is taken into triage (clock hours, day and night)",
)
INBEELD_SIGNAL_DECISION_WORKING_DAYS = env(
    "INBEELD_SIGNAL_DECISION_WORKING_DAYS",
    cast=int,
    default=5,
    help="Working days within which a signal gets a decision (referral, advice, no action, case)",
)
INBEELD_SIGNAL_ACUTE_DECISION_HOURS = env(
    "INBEELD_SIGNAL_ACUTE_DECISION_HOURS",
    cast=int,
    default=24,
    help="Hours within which an acute signal gets a decision",
)
INBEELD_PUBLIC_INTAKE_PER_HOUR = env(
    "INBEELD_PUBLIC_INTAKE_PER_HOUR",
    cast=int,
    default=5,
    help="Anonymous signals (and, separately, receipt-code look-ups) one address may send per hour",
)
INBEELD_INTAKE_LINK_DAYS = env(
    "INBEELD_INTAKE_LINK_DAYS",
    cast=int,
    default=14,
    help="Days a one-time intake link made by a safety coordinator stays valid",
)
# Receipt codes (intake/receipts.py): besides the per-address limit above, per code (its lookup
# key) and, for the reporter's own answer that opens a blocked code, per address and per code.
INBEELD_RECEIPT_PER_CODE_PER_HOUR = env(
    "INBEELD_RECEIPT_PER_CODE_PER_HOUR",
    cast=int,
    default=5,
    help="Receipt-code look-ups per hour under one code's lookup key (its first four "
    "characters), from any address",
)
INBEELD_RECEIPT_UNLOCK_PER_HOUR = env(
    "INBEELD_RECEIPT_UNLOCK_PER_HOUR",
    cast=int,
    default=5,
    help="Attempts per hour, per address and per code, to open a blocked receipt code with the "
    "reporter's own answer",
)

# Request bodies: Django refuses larger form bodies (400, nothing read further); the public
# signal form has its own, smaller cap with a Dutch 413 page (intake/views.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = env(
    "INBEELD_MAX_REQUEST_BODY_BYTES",
    cast=int,
    default=1_048_576,
    help="Largest form body (without uploaded files) any page accepts, in bytes",
)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env(
    "INBEELD_MAX_REQUEST_FIELDS",
    cast=int,
    default=2000,
    help="Most form fields one request may send",
)
FILE_UPLOAD_MAX_MEMORY_SIZE = env(
    "INBEELD_FILE_UPLOAD_MEMORY_BYTES",
    cast=int,
    default=1_048_576,
    help="Uploaded files larger than this many bytes go to a temporary file instead of memory",
)
INBEELD_PUBLIC_FORM_MAX_BYTES = env(
    "INBEELD_PUBLIC_FORM_MAX_BYTES",
    cast=int,
    default=65_536,
    help="Largest request body the anonymous pages (/melden/) accept, in bytes; larger ones get "
    "a Dutch 413 page",
)

# Statistical disclosure control of every table that leaves the platform (pages for external
# users, PDF, CSV/XLSX): cells below this count are suppressed (issue 7).
INBEELD_DISCLOSURE_MIN_CELL = env(
    "INBEELD_DISCLOSURE_MIN_CELL",
    cast=int,
    default=10,
    help="Smallest count published in a table that leaves the platform; smaller cells are suppressed",
)

# The live connector to the Tweede Kamer's open data (issue 18 item 3, ADR 0024): off unless set;
# `inbeeld parliament_import --live` then fetches the pages about trafficking from this OData v4
# service root and mirrors them exactly as saved files are.
INBEELD_PARLIAMENT_ODATA_URL = env(
    "INBEELD_PARLIAMENT_ODATA_URL",
    default="",
    help="OData v4 root of the Tweede Kamer's gegevensmagazijn, e.g. "
    "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0; empty turns the live import off",
)
INBEELD_PARLIAMENT_TIMEOUT = env(
    "INBEELD_PARLIAMENT_TIMEOUT",
    cast=int,
    default=30,
    help="Seconds the live parliament import waits for one page before it gives up",
)

# Audit anchoring (issue 11, docs/adr/0009-audit-anchoring.md). The chain MAC key and the
# checkpoint signing key live in the environment, never in the database; outside production an
# empty value derives a key from INBEELD_SECRET_KEY, so an existing development environment keeps
# working (the production checks refuse that).
INBEELD_AUDIT_KEY = env(
    "INBEELD_AUDIT_KEY",
    default="",
    help="Secret (at least 32 characters) for the HMAC-SHA256 chain of the audit log. Required "
    "in production; elsewhere empty means a key derived from the secret key",
)
INBEELD_AUDIT_SIGNING_KEY = env(
    "INBEELD_AUDIT_SIGNING_KEY",
    default="",
    help="Ed25519 private key (32 bytes, base64) that signs the audit checkpoints. Required in "
    "production; elsewhere empty means a key derived from the secret key",
)
INBEELD_AUDIT_CHECKPOINT_DIR = Path(
    env(
        "INBEELD_AUDIT_CHECKPOINT_DIR",
        default="",
        help="Directory OUTSIDE the database for the signed, append-only audit checkpoints "
        "(empty: var/audit-checkpoints; in production on storage the database's administrators "
        "cannot rewrite)",
    )
    or VAR_DIR / "audit-checkpoints"
)
INBEELD_AUDIT_CHECKPOINT_EVERY = env(
    "INBEELD_AUDIT_CHECKPOINT_EVERY",
    cast=int,
    default=1000,
    help="Write a signed audit checkpoint after this many new audit rows (0: only by command)",
)
INBEELD_AUDIT_CHAINS = env(
    "INBEELD_AUDIT_CHAINS",
    cast=int,
    default=16,
    help="Number of parallel audit chains concurrent writers spread over (each with its own head "
    "lock, all signed in one checkpoint; docs/adr/0019-audit-that-scales.md). 1 gives the single "
    "chain of before: every audited request queues on one lock",
)

# `inbeeld serve` (conf/server.py, docs/deployment.md): gunicorn with threaded workers.
INBEELD_BIND = env(
    "INBEELD_BIND",
    default="127.0.0.1:8000",
    help="Address `inbeeld serve` listens on (host:port or unix:/path); the TLS reverse proxy "
    "forwards to it",
)
INBEELD_WORKERS = env(
    "INBEELD_WORKERS",
    cast=int,
    default=0,
    help="Worker processes of `inbeeld serve`; 0 means from the CPU count: 2 x CPUs + 1, at most 12",
)
INBEELD_THREADS = env(
    "INBEELD_THREADS",
    cast=int,
    default=1,
    help="Threads per worker process of `inbeeld serve` (requests one worker handles at once)",
)
INBEELD_WORKER_TIMEOUT = env(
    "INBEELD_WORKER_TIMEOUT",
    cast=int,
    default=60,
    help="Seconds a request may take before `inbeeld serve` restarts its worker",
)
INBEELD_TRUSTED_PROXIES = env(
    "INBEELD_TRUSTED_PROXIES",
    cast=list,
    default=["127.0.0.1", "::1"],
    help="Comma-separated addresses of the reverse proxies in front of InBeeld; from these the "
    "client's address is taken from X-Forwarded-For (for the per-address limits). Empty: never",
)
INBEELD_LOG_LEVEL = env(
    "INBEELD_LOG_LEVEL",
    default="INFO",
    help="Level of the JSON logs in production (DEBUG, INFO, WARNING or ERROR); INFO writes one "
    "line per request",
)

# The REST API (issue 16, docs/api.md, docs/adr/0021-rest-api.md): its settings in rest_api.py, read
# last so that its variables keep their place at the end of docs/configuration.md.
from inbeeld.conf.settings.rest_api import *  # noqa: E402,F403
