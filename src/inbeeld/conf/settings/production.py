"""Production settings. The system checks in conf/checks.py refuse a misconfigured start.

`inbeeld serve` runs these under gunicorn (conf/server.py, docs/deployment.md).
"""

import os

# Not setdefault: a stray INBEELD_ENVIRONMENT must never switch the production checks off.
os.environ["INBEELD_ENVIRONMENT"] = "production"

from inbeeld.conf.jsonlog import logging_config  # noqa: E402
from inbeeld.conf.settings.base import *  # noqa: E402,F403
from inbeeld.conf.settings.base import INBEELD_LOG_LEVEL, MIDDLEWARE  # noqa: E402

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# TLS ends at the reverse proxy, which MUST set this header itself, overwriting any value a
# client sent (docs/deployment.md: `proxy_set_header X-Forwarded-Proto $scheme;`).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Health probes come from the machine itself over plain HTTP; a redirect to https would fail them.
SECURE_REDIRECT_EXEMPT = [r"^health/"]

# Static files from the application itself (whitenoise), right after SecurityMiddleware: hashed
# names, cached for a year, compressed copies made by collectstatic (`inbeeld serve` runs it).
MIDDLEWARE = [*MIDDLEWARE]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# One JSON object per line on stderr, never an IP address (conf/jsonlog.py).
LOGGING = logging_config(INBEELD_LOG_LEVEL)

# One-time account links go by SMTP (conf/checks.py refuses a backend that only logs mails).
if "INBEELD_EMAIL_BACKEND" not in os.environ:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
