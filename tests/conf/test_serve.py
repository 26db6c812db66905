"""`inbeeld serve` starts the real production server (gunicorn, production settings) on the
loopback address, answers its health probes, the login page with the security headers and a
static file through whitenoise, logs JSON without addresses or query strings, and stops cleanly
on SIGTERM. No mocks: a subprocess, a migrated SQLite database and HTTP over 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest
from cryptography.fernet import Fernet

from inbeeld.conf.server import MAX_DEFAULT_WORKERS, default_workers

STRONG_SECRET = "q7J#vL2@pX9!mZ4$wR8^tB1&nF6*hK3(sD5)gY0-cV_eU+aW=iO~"
REPORTER_ADDRESS = "203.0.113.47"  # TEST-NET-3: what a reporter's address would look like
START_SECONDS = 90


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_environ(var_dir) -> dict[str, str]:
    """A fresh machine's environment as docs/deployment.md lists it (nothing from var/dev.env)."""
    keep = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("INBEELD_") and key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "inbeeld.conf.settings.production",
        "INBEELD_VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'db' / 'inbeeld.sqlite3'}",
        "INBEELD_ALLOWED_HOSTS": "inbeeld.example.nl,127.0.0.1",
        "INBEELD_SITE_URL": "https://inbeeld.example.nl",
        "INBEELD_SECRET_KEY": STRONG_SECRET,
        "INBEELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "INBEELD_LINKAGE_KEY": "z" * 20 + "Y" * 20,
        "INBEELD_AUDIT_KEY": "0123456789abcdefghijklmnopqrstuvwxyzABCD",
        "INBEELD_AUDIT_SIGNING_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "INBEELD_AUDIT_CHECKPOINT_DIR": str(var_dir / "audit-checkpoints"),
        "INBEELD_API_KEY_SECRET": "api-" + "0123456789abcdefghijklmnopqrstuvwxyz",
    }


def _inbeeld(*args, environ, **kwargs):
    return subprocess.run(  # noqa: S603 (our own interpreter and entry point)
        [sys.executable, "-m", "inbeeld", *args],
        env=environ,
        capture_output=True,
        text=True,
        check=False,
        **kwargs,
    )


def _get(port: int, path: str, headers: dict[str, str] | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def _wait_until_live(process, port: int) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("inbeeld serve stopped at start (see serve.log)")
        try:
            status, _, _ = _get(port, "/health/live")
        except OSError:
            time.sleep(0.3)
            continue
        if status == 200:
            return
        time.sleep(0.3)
    raise AssertionError("inbeeld serve did not answer /health/live in time")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("serve")
    (var_dir / "db").mkdir()
    environ = production_environ(var_dir)
    migrated = _inbeeld("migrate", "--noinput", environ=environ, timeout=300)
    assert migrated.returncode == 0, migrated.stderr
    port = _free_port()
    log = (var_dir / "serve.log").open("w")
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and entry point)
        [sys.executable, "-m", "inbeeld", "serve", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "1", "--threads", "2"],
        # No settings module: `inbeeld serve` takes the production settings itself.
        env={key: value for key, value in environ.items() if key != "DJANGO_SETTINGS_MODULE"},
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        _wait_until_live(process, port)
        yield process, port, var_dir
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        log.close()


def _log_lines(var_dir) -> list[dict]:
    """The server's stderr so far, every line one JSON object."""
    text = (var_dir / "serve.log").read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


HTTPS = {"Host": "inbeeld.example.nl", "X-Forwarded-Proto": "https"}


def test_serve_answers_probes_the_login_page_and_static_files(server):
    process, port, var_dir = server

    status, headers, body = _get(port, "/health/live")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert "no-store" in headers["cache-control"]

    status, _, body = _get(port, "/health/ready")
    assert status == 200
    assert json.loads(body) == {
        "status": "ok",
        "controles": {"database": "ok", "migraties": "ok", "sleutels": "ok"},
    }

    # Production settings: plain HTTP to a page is sent to https (the probes are exempt) ...
    status, headers, _ = _get(port, "/account/inloggen/", {"Host": "inbeeld.example.nl"})
    assert status == 301
    assert headers["location"] == "https://inbeeld.example.nl/account/inloggen/"

    # ... and through the TLS proxy the login page answers with every security header.
    status, headers, body = _get(port, "/account/inloggen/", HTTPS)
    assert status == 200
    page = body.decode()
    assert "Inloggen" in page
    assert headers["strict-transport-security"].startswith("max-age=31536000")
    assert headers["content-security-policy"].startswith("default-src 'self'; script-src 'self'")
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert "secure" in headers["set-cookie"].lower()

    # The stylesheet has a hashed name (manifest storage) and whitenoise serves it for a year.
    stylesheet = re.search(r'href="(/static/inbeeld/inbeeld\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, "no hashed stylesheet link on the login page"
    status, headers, css = _get(port, stylesheet.group(1), HTTPS)
    assert status == 200
    assert headers["content-type"].startswith("text/css")
    assert "max-age=315360000" in headers["cache-control"]
    assert css == (var_dir / "static" / stylesheet.group(1).removeprefix("/static/")).read_bytes()
    assert process.poll() is None


def test_ready_is_503_while_the_database_is_unreachable(server):
    _, port, var_dir = server
    # The database's directory disappears (a lost mount): SQLite cannot open the file.
    (var_dir / "db").rename(var_dir / "db-away")
    try:
        status, _, body = _get(port, "/health/ready")
        assert status == 503
        assert json.loads(body) == {
            "status": "niet gereed",
            "controles": {"database": "fout", "migraties": "fout", "sleutels": "fout"},
        }
        assert _get(port, "/health/live")[0] == 200  # the process itself is fine
    finally:
        (var_dir / "db-away").rename(var_dir / "db")
    assert _get(port, "/health/ready")[0] == 200
    # The operator learns from the log which check failed.
    messages = [line["message"] for line in _log_lines(var_dir)]
    assert any(m.startswith("health check database failed: OperationalError") for m in messages)


def test_serve_logs_json_without_addresses_and_stops_cleanly_on_sigterm(server):
    process, port, var_dir = server
    # The anonymous signal form, with the address a proxy passes on and a query string.
    status, _, _ = _get(
        port, "/melden/?naam=Geheimenaam", {**HTTPS, "X-Forwarded-For": REPORTER_ADDRESS}
    )
    assert status == 200
    # Stopped as systemd stops it: running requests finish, the exit code is 0.
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    stderr = (var_dir / "serve.log").read_text()
    lines = _log_lines(var_dir)
    messages = [line["message"] for line in lines]
    assert any("luistert op 127.0.0.1:" in message for message in messages)
    assert any(message.startswith("Handling signal: term") for message in messages)
    requests = [line for line in lines if line["logger"] == "inbeeld.request"]
    form = [line for line in requests if line["path"] == "/melden/"]
    assert len(form) == 1
    assert form[0]["method"] == "GET" and form[0]["status"] == 200
    assert form[0]["user"] is None and form[0]["duration_ms"] >= 0
    assert REPORTER_ADDRESS not in stderr
    assert "Geheimenaam" not in stderr
    # The probes are not logged per request.
    assert not [line for line in requests if line["path"].startswith("/health/")]


def test_serve_refuses_to_start_when_the_deploy_checks_fail(tmp_path):
    environ = production_environ(tmp_path)
    environ["INBEELD_SITE_URL"] = "http://inbeeld.example.nl"
    environ.pop("DJANGO_SETTINGS_MODULE")
    result = _inbeeld("serve", "--bind", f"127.0.0.1:{_free_port()}", environ=environ, timeout=120)
    assert result.returncode != 0
    assert "inbeeld.E011" in result.stderr
    assert "inbeeld serve start niet" in result.stderr


def test_serve_refuses_other_settings_than_production(tmp_path):
    environ = production_environ(tmp_path)
    environ["DJANGO_SETTINGS_MODULE"] = "inbeeld.conf.settings.test"
    result = _inbeeld("serve", environ=environ, timeout=120)
    assert result.returncode != 0
    assert "alleen met de productie-instellingen" in result.stderr


@pytest.mark.parametrize(
    ("cpus", "workers"), [(1, 3), (2, 5), (3, 7), (5, 11), (6, MAX_DEFAULT_WORKERS), (64, 12)]
)
def test_default_workers_follow_the_cpu_count_with_a_cap(cpus, workers):
    assert default_workers(cpus) == workers
