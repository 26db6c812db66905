"""The request log and the JSON formatter: one JSON object per line, no IP address (above all
not the reporter's on the anonymous signal form), no query string, a pseudonym for a user."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.test import RequestFactory

from inbeeld.conf.jsonlog import REDACTED, JsonFormatter, logging_config, redact_addresses
from tests.conftest import verified_login

REPORTER = "203.0.113.9"  # the reporter's own address (TEST-NET-3)
FORWARDED = "198.51.100.23"  # what a proxy passes on (TEST-NET-2)
IPV6 = "2001:db8::8a2e:370:7334"


@pytest.fixture
def json_log():
    """Every record of the inbeeld and django loggers, formatted as production formats them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger(name) for name in ("inbeeld", "django")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)


def _lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.django_db
def test_the_public_signal_form_never_logs_the_reporters_address(client, json_log):
    address = {"REMOTE_ADDR": REPORTER, "HTTP_X_FORWARDED_FOR": f"{FORWARDED}, {IPV6}"}
    assert client.get("/melden/?naam=Jansen&stad=Utrecht", **address).status_code == 200
    # An empty form is answered with its errors: a request that did reach the view's code.
    assert client.post("/melden/", {"omschrijving": "x"}, **address).status_code == 200
    output = json_log.getvalue()
    requests = [line for line in _lines(json_log) if line["logger"] == "inbeeld.request"]
    assert [(r["method"], r["path"], r["status"]) for r in requests] == [
        ("GET", "/melden/", 200),
        ("POST", "/melden/", 200),
    ]
    assert all(r["user"] is None and r["duration_ms"] >= 0 for r in requests)
    for secret in (REPORTER, FORWARDED, IPV6, "Jansen", "Utrecht"):
        assert secret not in output


@pytest.mark.django_db
def test_a_logged_in_user_appears_as_a_stable_pseudonym(client, make_user, json_log):
    user = make_user("police_officer")
    verified_login(client, user)
    client.get("/", REMOTE_ADDR=REPORTER)
    client.get("/account/", REMOTE_ADDR=REPORTER)
    requests = [line for line in _lines(json_log) if line["logger"] == "inbeeld.request"]
    pseudonyms = {line["user"] for line in requests[-2:]}
    assert len(pseudonyms) == 1
    pseudonym = pseudonyms.pop()
    assert len(pseudonym) == 16 and int(pseudonym, 16) >= 0
    output = json_log.getvalue()
    for identifying in (user.username, user.email, REPORTER):
        assert identifying not in output
    assert f'"user": {user.pk}' not in output


def test_django_request_objects_on_a_record_are_never_written():
    """Django's own loggers put the request (REMOTE_ADDR included) on the record."""
    request = RequestFactory().get("/melden/?naam=Jansen", REMOTE_ADDR=REPORTER)
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (request.path,), None
    )
    record.request = request
    record.status_code = 404
    entry = json.loads(JsonFormatter().format(record))
    assert set(entry) == {"time", "level", "logger", "message"}
    assert entry["message"] == "Not Found: /melden/"


def test_addresses_in_messages_and_tracebacks_are_removed():
    """gunicorn writes "Invalid request from ip=..." for a malformed request."""
    try:
        raise ValueError(f"peer {IPV6} reset")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "gunicorn.error",
            logging.WARNING,
            __file__,
            1,
            "Invalid request from ip=%s: Invalid HTTP method",
            (REPORTER,),
            sys.exc_info(),
        )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == f"Invalid request from ip={REDACTED}: Invalid HTTP method"
    assert IPV6 not in entry["exc"] and REDACTED in entry["exc"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"from {REPORTER}", f"from {REDACTED}"),
        (f"[{IPV6}]:443", f"[{REDACTED}]:443"),
        ("fe80::1%eth0 said hi", f"{REDACTED} said hi"),
        ("::ffff:192.0.2.128 connected", f"{REDACTED} connected"),
        (f"{FORWARDED}, 10.1.2.3", f"{REDACTED}, {REDACTED}"),
        (f"ended by {REPORTER}.", f"ended by {REDACTED}."),
        (f"ended by {IPV6}.", f"ended by {REDACTED}."),
        (f"ip={REPORTER}:51234", f"ip={REDACTED}:51234"),
        # Nothing else is touched: versions, times, ports, the machine's own addresses.
        ("Django 5.2.19 at 12:30:45", "Django 5.2.19 at 12:30:45"),
        ("Listening at: http://127.0.0.1:8000", "Listening at: http://127.0.0.1:8000"),
        ("bound to [::1]:8000 and 0.0.0.0:8000", "bound to [::1]:8000 and 0.0.0.0:8000"),
        ("case 2024:0001:17", "case 2024:0001:17"),
        ("999.1.1.1 is no address", "999.1.1.1 is no address"),
    ],
)
def test_redact_addresses(text, expected):
    assert redact_addresses(text) == expected


def test_production_logging_drops_gunicorns_access_log_and_djangos_server_log():
    config = logging_config("INFO")
    for name in ("gunicorn.access", "django.server"):
        assert config["loggers"][name]["handlers"] == []
        assert config["loggers"][name]["propagate"] is False
    assert config["loggers"]["inbeeld"]["handlers"] == ["stderr"]


def test_audit_checkpoints_reach_the_log_at_any_level():
    config = logging_config("ERROR")
    assert config["loggers"]["inbeeld"]["level"] == "ERROR"
    assert config["loggers"]["inbeeld.audit.checkpoint"]["level"] == "INFO"
    assert config["loggers"]["inbeeld.audit.checkpoint"]["handlers"] == ["stderr"]
