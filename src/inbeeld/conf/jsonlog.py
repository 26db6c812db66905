"""JSON logs for production: one JSON object per line, never an IP address.

The request log (conf.middleware.RequestLogMiddleware) writes method, path (never the query
string), status, duration and a pseudonym of the logged-in user; it has no field for an address.
Other loggers (Django's, gunicorn's) may put an address in their message text, e.g. gunicorn's
"Invalid request from ip=..." warning, so the formatter removes every IPv4 and IPv6 address from
the message and the traceback as well (the loopback address names nobody and stays). Above all the anonymous signal form (/melden/) must never
leave the reporter's address in a log.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import re

# Fields a log call may add with ``extra=``; anything else on the record (Django puts the whole
# request object there, REMOTE_ADDR included) is never written.
EXTRA_FIELDS = ("method", "path", "status", "duration_ms", "user")
REDACTED = "[adres]"

# Candidates only: each match is kept unless ipaddress accepts it as an address, so version
# numbers, times (12:30:45) and host:port pairs stay readable.
_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\w|\.\d)")
_IPV6 = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4})"
    r"(?:%\w+)?(?![\w:]|\.\d)"
)


def _redact_match(match: re.Match) -> str:
    text = match.group(0)
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return text
    # The machine's own addresses (the bind address, the proxy on the same host) name nobody.
    if address.is_loopback or address.is_unspecified:
        return text
    return REDACTED


def redact_addresses(text: str) -> str:
    """``text`` with every IPv4 and IPv6 address replaced by a placeholder, except loopback and
    unspecified ones (127.0.0.1, ::1, 0.0.0.0)."""
    return _IPV4.sub(_redact_match, _IPV6.sub(_redact_match, text))


class JsonFormatter(logging.Formatter):
    """time (UTC, ISO 8601), level, logger, message and the known extra fields; ``exc`` holds a
    traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": redact_addresses(record.getMessage()),
        }
        for name in EXTRA_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exc"] = redact_addresses(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(level: str = "INFO") -> dict:
    """The dictConfig of production: every logger InBeeld, Django and gunicorn use writes JSON
    lines to stderr (systemd's journal collects them). Gunicorn's access log stays off: the
    request log replaces it, without the client's address."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
        "loggers": {
            "inbeeld": {"handlers": ["stderr"], "level": level, "propagate": False},
            # Every signed audit checkpoint line also goes to the log, whatever the level: the
            # journal shipped off-host is the copy a database-and-disk attacker cannot reach
            # (ADR 0009, threat C).
            "inbeeld.audit.checkpoint": {
                "handlers": ["stderr"],
                "level": "INFO",
                "propagate": False,
            },
            "django": {"handlers": ["stderr"], "level": level, "propagate": False},
            # Django's development server is never used in production; its lines name addresses.
            "django.server": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "gunicorn.error": {"handlers": ["stderr"], "level": level, "propagate": False},
            "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
    }
