"""The page benchmark's own arithmetic (bench/pages_http.py): the TOTP codes its clients type
must be the ones the server accepts, and its percentiles and verdicts must say what they claim.
The benchmark itself runs against PostgreSQL with `bench/run.py pages`, not in the test suite."""

from __future__ import annotations

import time

import pytest
from bench import pages_http as web
from bench.bench_pages import Result
from django_otp.oath import TOTP


def test_the_clients_totp_codes_are_the_servers():
    # RFC 6238, appendix B (SHA-1, 8 digits).
    secret = "3132333435363738393031323334353637383930"
    assert web.totp(secret, at=59, digits=8) == "94287082"
    assert web.totp(secret, at=1111111109, digits=8) == "07081804"
    # What django-otp (the server's TOTP devices, 6 digits, 30 s) accepts right now.
    server = TOTP(bytes.fromhex(secret))
    server.time = time.time()
    assert web.totp(secret, at=server.time) == f"{server.token():06d}"


def test_percentiles_interpolate_between_ranks():
    values = [float(v) for v in range(1, 101)]
    assert web.percentile(values, 0.5) == pytest.approx(50.5)
    assert web.percentile(values, 0.95) == pytest.approx(95.05)
    assert web.percentile([7.0], 0.95) == 7.0
    assert web.percentile([], 0.5) is None


def test_the_verdict_names_each_missed_target():
    targets = (100, 60)
    fast = Result(key="case list", clients=20, client_ms=[10.0] * 100, seconds=1.0, done=100)
    fast.server_ms = [50.0] * 100
    assert web.verdict(fast, targets) == "met"
    slow = Result(key="case list", clients=20, client_ms=[10.0] * 30, seconds=1.0, done=30)
    slow.server_ms = [50.0] * 20 + [150.0] * 10
    assert web.verdict(slow, targets) == "**missed**: p95 ≥ 100 ms, < 60 pages/s"
    step = Result(key="login: POST /account/inloggen/", clients=20, seconds=1.0, done=2)
    step.server_ms = [300.0, 400.0]
    assert web.verdict(step, targets) == "**missed**: p95 ≥ 100 ms"
