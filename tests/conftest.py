"""Shared fixtures: no outbound network, logged-in clients per role, reference look-ups.

Reference rows are in every test database already (reference.sync runs after migrate), and the
factories in tests/factories.py build users, memberships and cases on top of them.
"""

from __future__ import annotations

import ipaddress
import socket
from collections import Counter

import pytest

from tests import factories, realdata

_LOCAL_NAMES = {"localhost", "testserver"}


def pytest_addoption(parser):
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help=(
            "Run only the tests that use the test database (CI's second database run: the others "
            "cannot touch a database and gave their answer on the first run; ADR 0025)."
        ),
    )


def _uses_database(item) -> bool:
    """True when the test can reach the test database. pytest-django blocks every database
    access of a test without the django_db mark or a database fixture, so a test this returns
    False for behaves the same on every database backend."""
    if item.get_closest_marker("django_db") is not None:
        return True
    names = set(getattr(item, "fixturenames", ()))
    if names & {"_django_db_helper", "db", "transactional_db", "live_server"}:
        return True
    cls = getattr(item, "cls", None)
    if cls is not None:
        from django.test import TransactionTestCase

        return issubclass(cls, TransactionTestCase)
    return False


def pytest_collection_modifyitems(config, items):
    # pytest-xdist schedules by node id: two tests with one id would run once and count once.
    counts = Counter(item.nodeid for item in items)
    twice = sorted(nodeid for nodeid, n in counts.items() if n > 1)
    if twice:
        raise pytest.UsageError("tests with the same node id (give each its own): " + str(twice))
    if not config.getoption("--database-tests-only"):
        return
    kept, dropped = [], []
    for item in items:
        (kept if _uses_database(item) else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_report_header(config):
    """State at the start of every run where the real data sets are looked for and what a
    missing one does (tests/realdata.py): skipped locally, a failure under CI."""
    names = (
        realdata.NL_MSE_SIX_LISTS,
        realdata.CTDC_VICTIM_PERPETRATOR,
        realdata.ROAD_TRAFFIC_FINES,
    )
    missing = [name for name in names if not (realdata.SHARED_DATA / name).is_file()]
    mode = "CI: a missing file fails" if realdata.in_ci() else "local: a missing file skips"
    found = f"missing {', '.join(missing)}" if missing else "all present"
    return f"real data: {realdata.SHARED_DATA} ({found}; {mode})"


def _is_local(address) -> bool:
    if not isinstance(address, tuple) or not address:
        return True  # AF_UNIX paths and the like
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode()
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True, scope="session")
def _block_outbound_network():
    """Tests never reach the internet: a connection to anything but loopback fails loudly."""
    original = socket.socket.connect

    def guarded_connect(sock, address):
        if not _is_local(address):
            raise RuntimeError(f"outbound network blocked in tests: {address!r}")
        return original(sock, address)

    socket.socket.connect = guarded_connect
    try:
        yield
    finally:
        socket.socket.connect = original


@pytest.fixture(autouse=True)
def _audit_checkpoint_dir(settings, tmp_path_factory):
    """Every test its own directory for the signed audit checkpoints (they live outside the
    database, so the test database's rollback would not undo them)."""
    settings.INBEELD_AUDIT_CHECKPOINT_DIR = tmp_path_factory.mktemp("audit-checkpoints")


@pytest.fixture
def make_user(db):
    """``make_user(role, unit_code=..., district_code=..., court_code=...)``: a user with one
    active membership (see factories.make_user)."""
    return factories.make_user


@pytest.fixture
def police_officer(db):
    return factories.make_user(
        factories.Role.POLICE_OFFICER,
        unit_code="amsterdam",
        first_name="Pieter",
        last_name="Politie",
    )


@pytest.fixture
def researcher(db):
    return factories.make_user(factories.Role.RESEARCHER)


def verified_login(client, user):
    """Log ``client`` in as ``user`` with a passed second factor, as after a real TOTP login:
    a confirmed authenticator device and its id in the session (what django_otp.login stores)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from inbeeld.accounts.models import AuthenticatorDevice

    device = AuthenticatorDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = AuthenticatorDevice.create_for(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def session_for(user):
    """A test client of its own (a separate session), logged in as ``user`` with a passed second
    factor: for two people working at once."""
    from django.test import Client

    return verified_login(Client(), user)


@pytest.fixture
def beheerder(db):
    """An administrator (staff), as the demo's `beheerder`."""
    return factories.make_user(factories.Role.ADMINISTRATOR, username="beheerder", is_staff=True)


@pytest.fixture
def fg(db):
    """A privacy officer, as the demo's `fg`."""
    return factories.make_user(factories.Role.PRIVACY_OFFICER, username="fg")


@pytest.fixture
def login(client):
    """``login(user)``: the test client, logged in as ``user`` (password and second factor)."""

    def _login(user):
        return verified_login(client, user)

    return _login
