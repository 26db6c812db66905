"""Production settings. The system checks in conf/checks.py refuse a misconfigured start."""

import os

# Not setdefault: a stray INBEELD_ENVIRONMENT must never switch the production checks off.
os.environ["INBEELD_ENVIRONMENT"] = "production"

from inbeeld.conf.settings.base import *  # noqa: E402,F403

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# One-time account links go by SMTP (conf/checks.py refuses a backend that only logs mails).
if "INBEELD_EMAIL_BACKEND" not in os.environ:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
