"""HTTP side of bench_pages.py: a small browser over http.client (a keep-alive connection and a
cookie jar of its own; the production cookies are Secure and the TLS proxy is played by the
X-Forwarded-Proto header, so a library that drops Secure cookies over http:// cannot be used),
the login a person does, and the Markdown report. Not a bench module of its own."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import re
import socket
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

HOST = "inbeeld-bench.example.nl"
PASSWORD = "InBeeld-demo-2026"  # noqa: S105 (the synthetic demo accounts' shared password)
LOGIN_PATHS = ("/account/inloggen/", "/", "/account/tweede-factor/")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(port: int, process, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("inbeeld serve stopped at start (see its log)")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/health/ready")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("inbeeld serve did not answer /health/ready in time")


def totp(secret_hex: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 (SHA-1), as django-otp's TOTP devices with their defaults."""
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(bytes.fromhex(secret_hex), counter.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF) % 10**digits
    return f"{code:0{digits}d}"


class Browser:
    """One person's browser: its own connection (keep-alive) and cookies, behind the TLS proxy."""

    def __init__(self, port: int, *, keep_alive: bool = True):
        self.port = port
        # keep_alive=False: a new connection for every request, as nginx opens one to its
        # upstream by default (docs/deployment.md's proxy); True: a browser talking directly.
        self.keep_alive = keep_alive
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def _send(self, method: str, path: str, body: bytes | None, headers: dict):
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        return response, response.read()

    def request(self, method: str, path: str, form: dict | None = None):
        """(status, headers, body, client milliseconds); one retry on a connection the server
        closed while idle (keep-alive timeout, a worker replaced after max_requests)."""
        headers = {"Host": HOST, "X-Forwarded-Proto": "https", "Accept": "text/html"}
        if not self.keep_alive:
            headers["Connection"] = "close"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{HOST}"
            headers["Referer"] = f"https://{HOST}{path}"
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                response, data = self._send(method, path, body, headers)
                break
            except (http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine):
                self.close()
                if attempt == 2:
                    raise
        ms = (time.perf_counter() - started) * 1000
        for value in response.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if not self.keep_alive or response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, response, data, ms

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def login(browser: Browser, username: str, secret: str) -> list[tuple[str, str, float, bool]]:
    """A person's login: the form, the password, the redirects to the code form, the code.
    Returns (method, path, client ms, as expected) per request."""
    browser.cookies.clear()
    steps = []

    def go(method: str, path: str, form: dict | None = None, expect=(200,)):
        status, response, data, ms = browser.request(method, path, form)
        steps.append((method, urlsplit(path).path, ms, status in expect))
        return status, response, data.decode("utf-8", "replace")

    _, _, page = go("GET", "/account/inloggen/")
    token = CSRF.search(page)
    form = {"username": username, "password": PASSWORD}
    status, response, page = go(
        "POST",
        "/account/inloggen/",
        {**form, "csrfmiddlewaretoken": token.group(1) if token else ""},
        expect=(302,),
    )
    hops = 0
    while status in (301, 302) and hops < 4:  # "/" sends an unverified user to the code form
        hops += 1
        target = urlsplit(response.getheader("Location", "/"))
        status, response, page = go(
            "GET", target.path + (f"?{target.query}" if target.query else ""), expect=(200, 302)
        )
    token = CSRF.search(page)
    go(
        "POST",
        "/account/tweede-factor/",
        {"token": totp(secret), "csrfmiddlewaretoken": token.group(1) if token else ""},
        expect=(302,),
    )
    return steps


# --- numbers and the report ------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between the closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def rate(result) -> float:
    return result.done / result.seconds if result.seconds else 0.0


def summary(result) -> str:
    return (
        f"{result.key} x{result.clients}: {result.done} in {result.seconds:.1f} s, "
        f"client p50/p95 {_ms(percentile(result.client_ms, 0.5))}/"
        f"{_ms(percentile(result.client_ms, 0.95))} ms, server p50/p95 "
        f"{_ms(percentile(result.server_ms, 0.5))}/{_ms(percentile(result.server_ms, 0.95))} ms, "
        f"{rate(result):.1f}/s, errors {result.errors}, CPU ms/request app "
        f"{_ms(result.app_cpu_ms)}, db {_ms(result.db_cpu_ms)}"
    )


def query_args(pages, info: dict, login_user: str, login_key: str) -> dict:
    return {
        "host": HOST,
        "login_user": login_user,
        "login_key": login_key,
        "pages": [
            {"key": p.key, "path": p.path, "user": info["accounts"][p.role]["clones"][0]}
            for p in pages
        ],
    }


def verdict(result, targets: tuple[int, int]) -> str:
    p95_target, rate_target = targets
    if result.key.startswith("login (") and not result.server_ms:
        return "(a whole login: its requests below)"
    p95 = percentile(result.server_ms, 0.95)
    misses = []
    if p95 is not None and p95 >= p95_target:
        misses.append(f"p95 ≥ {p95_target} ms")
    if result.key.startswith("login") or not result.client_ms:
        pass  # a login is not a page view; its throughput is not held to the page target
    elif rate(result) < rate_target:
        misses.append(f"< {rate_target} pages/s")
    return "**missed**: " + ", ".join(misses) if misses else "met"


def table(results, max_clients: int, targets) -> list[str]:
    lines = [
        "| page | clients | requests | errors | client p50 / p95 (ms) | server p50 / p95 (ms) "
        "| pages/s | queries | CPU ms per request (app / db) | machine busy | target (at "
        f"{max_clients} clients) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        client = (
            f"{_ms(percentile(r.client_ms, 0.5))} / {_ms(percentile(r.client_ms, 0.95))}"
            if r.client_ms
            else "–"
        )
        server = (
            f"{_ms(percentile(r.server_ms, 0.5))} / {_ms(percentile(r.server_ms, 0.95))}"
            if r.server_ms
            else "–"
        )
        queries = "–" if r.queries is None else str(r.queries)
        cpu = "–" if r.app_cpu_ms is None else f"{r.app_cpu_ms:.0f} / {r.db_cpu_ms:.0f}"
        target = verdict(r, targets) if r.clients == max_clients else ""
        count = len(r.client_ms) or len(r.server_ms)
        lines.append(
            f"| {r.key} | {r.clients} | {count} | {r.errors} | {client} | {server} "
            f"| {rate(r):.1f} | {queries} | {cpu} | {r.cpu_busy:.0%} | {target} |"
        )
    return lines


WHERE_THE_TIME_GOES = (
    "Where the time goes (profiles of the pages with Django's test client and the production "
    "settings, issue 15): the pages use 5–50 ms of Python per request, the ORM building and "
    "reading its queries (the case page asks 25 small ones, each under 1 ms in PostgreSQL) and "
    "the template engine rendering; the query count does not grow with the data "
    "(tests/cases/test_views.py and tests/cases/test_assignment.py hold them to it). On 2 CPUs "
    "60 pages/s leaves about 33 ms of CPU per page for the application, PostgreSQL and the "
    "bench's own client together. `inbeeld serve` handles one request per worker process at once, "
    "2 x CPUs + 1 of them (ADR 0029, ADR 0031); the others wait in gunicorn's queue, which the "
    "client time includes and the server time does not. A login is slow by design: Argon2 hashes the password with 100 MB "
    "and two passes (Django's defaults), about 0.2 s of CPU, so logins are not held to the page "
    "target."
)


def render(*, machine, info, layout, results, scaled, filled, settings, load, when) -> str:
    top = max(settings["levels"])
    targets = settings["targets"]
    workers, threads = layout
    missed = [
        f"{r.key} ({verdict(r, targets).removeprefix('**missed**: ')})"
        for r in results + scaled
        if r.clients == top and verdict(r, targets).startswith("**missed**")
    ]
    before, after = load
    name = settings["pg_url"].rsplit("/", 1)[-1]
    note = [f"**{settings['note']}**", ""] if settings["note"] else []
    return "\n".join(
        [
            "## Page latency and throughput (`inbeeld serve`, PostgreSQL)",
            "",
            *note,
            "Command: `make bench` (this section alone: `.venv/bin/python bench/run.py pages`; "
            "scale with `BENCH_PAGES_CASES`, `BENCH_PAGES_AUDIT_ROWS`, `BENCH_PAGES_REQUESTS`, "
            "`BENCH_PAGES_SECONDS`, `BENCH_PAGES_LOGINS`, `BENCH_PAGES_LEVELS`, "
            "`BENCH_PAGES_WORKERS`, `BENCH_PAGES_THREADS`, `BENCH_PAGES_CONNECTION`, "
            "`BENCH_PAGES_ONLY`). "
            f"`inbeeld demo --cases {settings['cases']:,}` into `{name}` (dropped and recreated, "
            f"migrated; load {settings['demo_seconds']:.0f} s; then VACUUM (ANALYZE), as autovacuum "
            "would on a database in use), then "
            f"`inbeeld serve` with the production settings: {workers} worker processes × "
            f"{threads} threads (gthread). Every client is a thread with "
            + (
                "its own keep-alive connection"
                if settings.get("keep_alive", True)
                else "a new connection for every request (as nginx opens to its upstream)"
            )
            + " and its own account (clones of the demo users with their role and scope), "
            "logged in over HTTP like a person (form with CSRF token, password, TOTP code). Per "
            f"page and number of clients: up to {settings['requests']} requests or "
            f"{settings['seconds']:.0f} s, after one warm-up request per client. Client time "
            "is measured around each request; **server time is `duration_ms` of the server's "
            "JSON request log** (the outermost middleware). Queries: Django's test client, "
            "second request (a login: all its requests). CPU ms per request: CPU time of the "
            "server's processes (gunicorn) and of the PostgreSQL backends of this database during "
            "the measurement, divided by the requests served (a login: per whole login) — what a "
            "page costs whatever else runs; the pages/s a quiet machine can give is about "
            f"{machine['nproc']} × 1000 / (app + db + the bench's own client). Machine busy: all "
            "CPUs during the measurement, other jobs included. The bench adds "
            f"{info['bench_accounts']} accounts (clones of the demo users: "
            f"{info['police_clones']} officers in the police user's unit, who appear in the case "
            "page's list of colleagues, and the accounts of the login measurement, officers of "
            f"`{info['login_template']}`'s unit who each log in once).",
            "",
            f"Measured {when:%Y-%m-%d %H:%M} UTC on {machine['nproc']} CPUs ({machine['cpu']}), "
            f"{machine['ram_gib']:.0f} GiB RAM, {machine['os']}, PostgreSQL {info['postgresql']}, "
            f"Python {machine['python']}. Load average (1/5/15 min) before "
            f"{before[0]:.2f}/{before[1]:.2f}/{before[2]:.2f}, after "
            f"{after[0]:.2f}/{after[1]:.2f}/{after[2]:.2f}; whole run "
            f"{settings['whole_seconds'] / 60:.0f} min. The bench, the server and PostgreSQL "
            "share these CPUs.",
            "",
            f"Data: {info['cases']:,} cases, {info['events']:,} chain events; the police user "
            f"(`{info['police_user']}`) sees {info['police_cases']:,} cases; the case page is the one "
            f"with the longest timeline they may see ({info['case_events']} events); filters "
            f"`form={info['form']}`, `reached_by={info['reached_by']}`; audit rows after the "
            f"demo load: {info['audit_rows']:,} (every measured case list, case page and login "
            "adds its own).",
            "",
            f"Targets: server p95 < {targets[0]} ms at {top} clients and at least "
            f"{targets[1]} pages/s.",
            "",
            *table(results, top, targets),
            "",
            f"### With {filled['rows']:,} audit rows",
            "",
            f"{filled['inserted']:,} synthetic audit rows added with COPY in "
            f"{filled['seconds']:.0f} s (a year of use: case reads and lists, logins, chain work; "
            "actors among all accounts, cases among all cases; `extra` marks them "
            '`{"synthetic": true}`; the chain fields have the right shape but are not valid '
            "MACs, so `inbeeld audit verify` fails on this benchmark database; the columns are "
            "read from the model at run time), then VACUUM (ANALYZE) and `inbeeld audit checkpoint` "
            "(a year of use would have written one every 1,000 rows; without it the privacy "
            "overview's quick check of the chain after its newest checkpoint walks its limit of "
            "5,000 rows on every view).",
            "",
            *table(scaled, top, targets),
            "",
            f"Missed at {top} clients: " + ("; ".join(missed) + "." if missed else "nothing."),
            "",
            WHERE_THE_TIME_GOES,
        ]
    )
