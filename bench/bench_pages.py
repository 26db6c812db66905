"""Page latency and throughput under `inbeeld serve` on PostgreSQL (issue 15 item 5).

Set-up (not timed): the database BENCH_PG_URL is dropped and recreated, migrated and loaded with
`inbeeld demo --cases BENCH_PAGES_CASES`; bench/pages_django.py clones the demo users (one
account per client, each with its own TOTP secret) and picks the case with the longest timeline
the police user sees and the case-list filter values. Then `inbeeld serve` starts on a free port
with the production settings (its own worker/thread defaults unless BENCH_PAGES_WORKERS /
BENCH_PAGES_THREADS say otherwise) and every client logs in over HTTP like a person: the login
form with its CSRF token, the password, then the current TOTP code.

Per page and per number of concurrent clients (BENCH_PAGES_LEVELS, default 1,5,20) every client
(a thread with its own session, a new connection per request by default) requests the page
until the page has had BENCH_PAGES_REQUESTS requests at that level or BENCH_PAGES_SECONDS have
passed. Client latency is measured around each request; the server time is the `duration_ms` of the server's
JSON request log (RequestLogMiddleware, outermost: it covers every middleware and the view), read
from the log lines written during that measurement. The query count per page comes from a child
process with Django's test client (second request, caches warm).

Then the privacy officer's pages and the login again after synthetic audit rows were added up to
BENCH_PAGES_AUDIT_ROWS (pages_django.audit_fill: COPY, marked synthetic in `extra`, chain fields
of the right shape that are not valid MACs).

Environment: BENCH_PAGES_CASES (200000), BENCH_PAGES_AUDIT_ROWS (5000000), BENCH_PAGES_REQUESTS
(200), BENCH_PAGES_SECONDS (30), BENCH_PAGES_LOGINS (40 per level), BENCH_PAGES_LEVELS (1,5,20),
BENCH_PAGES_WORKERS / BENCH_PAGES_THREADS (unset: the defaults of `inbeeld serve`), BENCH_PAGES_CONNECTION ("close", the
default: a new connection per request, as the documented nginx proxy opens to its upstream;
"keep-alive": each client keeps its connection), BENCH_PAGES_ONLY (page names, comma-separated, each a prefix), BENCH_PG_URL
(postgres://postgres@127.0.0.1:5432/inbeeld_bench_pages), BENCH_PAGES_NOTE (a line for the
report, e.g. "small validation run").
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import pages_http as web
from bench.bench_demo import _recreate_pg_database, machine

NAME = "pages"
PROJECT_DIR = Path(__file__).resolve().parent.parent
CASES = int(os.environ.get("BENCH_PAGES_CASES", "200000"))
AUDIT_ROWS = int(os.environ.get("BENCH_PAGES_AUDIT_ROWS", "5000000"))
REQUESTS = int(os.environ.get("BENCH_PAGES_REQUESTS", "200"))
SECONDS = float(os.environ.get("BENCH_PAGES_SECONDS", "30"))
LOGINS = int(os.environ.get("BENCH_PAGES_LOGINS", "40"))
LEVELS = [int(n) for n in os.environ.get("BENCH_PAGES_LEVELS", "1,5,20").split(",")]
WORKERS = os.environ.get("BENCH_PAGES_WORKERS", "")
THREADS = os.environ.get("BENCH_PAGES_THREADS", "")
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/inbeeld_bench_pages")
NOTE = os.environ.get("BENCH_PAGES_NOTE", "")
# "close" (the default): a new connection per request, as the documented nginx proxy talks to
# `inbeeld serve` (nginx's default towards an upstream, docs/deployment.md); "keep-alive": every
# client keeps its connection, as a browser talking to gunicorn directly would. Measured side by
# side at 20 clients: keep-alive connections stay with the worker that accepted them, and the
# uneven share cost 10-35 % of the pages per second (BENCHMARKS "Page latency").
CONNECTION = os.environ.get("BENCH_PAGES_CONNECTION", "close")
KEEP_ALIVE = CONNECTION != "close"
ONLY = [k for k in os.environ.get("BENCH_PAGES_ONLY", "").split(",") if k]  # page keys (prefix)
TARGET_P95_MS = 100
TARGET_PAGES_PER_S = 60

POLICE, COORDINATOR, RESEARCHER, PRIVACY = (
    "politie.amsterdam",
    "coordinator.nh",
    "onderzoeker",
    "fg",
)
LOGIN = "login (form, password, code)"


@dataclass
class Page:
    key: str  # what the table calls it
    role: str  # the demo user whose clones request it
    path: str
    method: str = "GET"
    audit: bool = False  # measured again after the synthetic audit rows


@dataclass
class Result:
    key: str
    clients: int
    client_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    cpu_busy: float = 0.0
    load: float = 0.0
    queries: int | None = None
    done: int = 0  # completed page views (logins: whole logins)
    app_cpu_ms: float | None = None  # CPU of the server's processes per request
    db_cpu_ms: float | None = None  # CPU of the database's backends per request


def pages(info: dict) -> list[Page]:
    deep = max(1, -(-info["police_cases"] // 25))
    case = info["case"]
    return [
        Page("case list", POLICE, "/casussen/"),
        Page("case list, filtered on form", POLICE, f"/casussen/?form={info['form']}"),
        Page("case list, reached by", POLICE, f"/casussen/?reached_by={info['reached_by']}"),
        Page("case list, sorted on phase", POLICE, "/casussen/?sort=status"),
        Page(f"case list, deep page ({deep})", POLICE, f"/casussen/?pagina={deep}"),
        Page(f"case page ({info['case_events']} events)", POLICE, f"/casussen/{case}/"),
        Page("signal queue", COORDINATOR, "/signalen/"),
        Page("signals overdue", COORDINATOR, "/signalen/te-laat/"),
        Page("funnel", COORDINATOR, "/signalen/trechter/"),
        Page("pilot dashboard", RESEARCHER, "/proeftuin/"),
        Page("audit search by user", PRIVACY, f"/privacy/auditlog/?username={POLICE}", audit=True),
        Page("privacy overview", PRIVACY, "/privacy/", audit=True),
        Page("case access history", PRIVACY, f"/privacy/casus/{case}/", audit=True),
    ]


# --- environment and processes ---------------------------------------------------------------------


def production_env(var_dir: Path) -> dict[str, str]:
    """What a production start needs (tests/conf/test_serve.py), with this database."""
    from cryptography.fernet import Fernet

    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("INBEELD_") and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "inbeeld.conf.settings.production",
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(PROJECT_DIR / "src"), str(PROJECT_DIR), keep.get("PYTHONPATH")) if p
        ),
        "INBEELD_VAR_DIR": str(var_dir),
        "DATABASE_URL": PG_URL,
        "INBEELD_ALLOWED_HOSTS": f"{web.HOST},127.0.0.1",
        "INBEELD_SITE_URL": f"https://{web.HOST}",
        "INBEELD_SECRET_KEY": "bench-pages-" + os.urandom(32).hex(),
        "INBEELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "INBEELD_LINKAGE_KEY": os.urandom(20).hex(),
        "INBEELD_AUDIT_KEY": os.urandom(24).hex(),
        "INBEELD_AUDIT_SIGNING_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "INBEELD_API_KEY_SECRET": "bench-api-" + os.urandom(24).hex(),
        "INBEELD_AUDIT_CHECKPOINT_DIR": str(var_dir / "audit-checkpoints"),
        "INBEELD_LOG_LEVEL": "INFO",
    }


def _inbeeld(env: dict, *args: str) -> None:
    subprocess.run(  # noqa: S603 (our own interpreter and entry point)
        [sys.executable, "-m", "inbeeld", *args], env=env, check=True, cwd=PROJECT_DIR
    )


def _django(env: dict, command: str, args: dict) -> dict:
    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, str(PROJECT_DIR / "bench" / "pages_django.py"), command, json.dumps(args)],
        env={**env, "INBEELD_LOG_LEVEL": "WARNING"},  # not a request log line per test request
        check=True,
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


class Server:
    """`inbeeld serve` as a subprocess; its JSON log goes to a file the bench reads."""

    def __init__(self, env: dict, var_dir: Path):
        self.port = web.free_port()
        self.log_path = var_dir / "serve.log"
        options = ["--workers", WORKERS] if WORKERS else []
        options += ["--threads", THREADS] if THREADS else []
        self.log = self.log_path.open("a")
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and entry point)
            [
                sys.executable,
                "-m",
                "inbeeld",
                "serve",
                "--bind",
                f"127.0.0.1:{self.port}",
                *options,
            ],
            env=env,
            cwd=PROJECT_DIR,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        web.wait_ready(self.port, self.process)
        self.workers, self.threads = self._layout()
        self.meter: CpuMeter | None = None

    def _layout(self) -> tuple[int, int]:
        for line in self.lines(0)[0]:
            message = line.get("message", "")
            if "werkprocessen van elk" in message:
                words = message.split()
                return int(words[words.index("werkprocessen") - 1]), int(
                    words[words.index("threads.") - 1]
                )
        return 0, 0

    def offset(self) -> int:
        return self.log_path.stat().st_size

    def lines(self, offset: int) -> tuple[list[dict], int]:
        with self.log_path.open("rb") as handle:
            handle.seek(offset)
            data = handle.read()
        end = data.rfind(b"\n") + 1  # a line still being written is read next time
        parsed = []
        for raw in data[:end].splitlines():
            try:
                parsed.append(json.loads(raw))
            except ValueError:
                continue
        return parsed, offset + end

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# --- measuring -------------------------------------------------------------------------------------


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds used) of a process, from /proc/<pid>/stat."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class CpuMeter:
    """CPU seconds of the server (gunicorn's arbiter and workers) and of the PostgreSQL backends
    connected to the benchmark database: what a page costs, whatever else runs on the machine.
    A process that ends during a measurement (a worker replaced after max_requests) is lost."""

    def __init__(self, server: Server, database_url: str):
        import psycopg

        self.server = server
        self.connection = psycopg.connect(database_url, autocommit=True)

    def snapshot(self) -> dict[tuple[str, int], float]:
        pids = {("app", self.server.process.pid)}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                stat = _proc_stat(int(entry))
                if stat and stat[0] == self.server.process.pid:
                    pids.add(("app", int(entry)))
        rows = self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
        pids |= {("db", pid) for (pid,) in rows}
        found = {}
        for kind, pid in pids:
            stat = _proc_stat(pid)
            if stat:
                found[kind, pid] = stat[1]
        return found

    @staticmethod
    def used(before: dict, after: dict, kind: str) -> float:
        return sum(v - before.get(k, 0.0) for k, v in after.items() if k[0] == kind)


def measure(server: Server, key: str, browsers: list, action, total: int) -> tuple[Result, list]:
    """Run ``action(browser)`` from every browser at once until ``total`` actions are done or
    SECONDS have passed; returns the client-side result and the server's request lines."""
    result = Result(key=key, clients=len(browsers))
    per_client = max(1, -(-total // len(browsers)))
    barrier = threading.Barrier(len(browsers) + 1)
    lock = threading.Lock()
    deadline = [0.0]

    def client(browser) -> None:
        barrier.wait()
        for _ in range(per_client):
            if time.monotonic() > deadline[0]:
                break
            try:
                samples = action(browser)
            except (OSError, http.client.HTTPException) as exc:  # a worker killed on timeout
                print(f"   {key}: {type(exc).__name__}: {exc}", flush=True)
                browser.close()
                samples = [(float("nan"), False)]
            with lock:
                result.done += 1
                for ms, ok in samples:
                    if ms == ms:  # not NaN: the request was answered
                        result.client_ms.append(ms)
                    result.errors += 0 if ok else 1

    threads = [threading.Thread(target=client, args=(b,), daemon=True) for b in browsers]
    for thread in threads:
        thread.start()
    offset = server.offset()
    cpu_before = server.meter.snapshot() if server.meter else {}
    busy, whole = cpu_times()
    deadline[0] = time.monotonic() + SECONDS
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    busy2, whole2 = cpu_times()
    result.cpu_busy = (busy2 - busy) / max(1, whole2 - whole)
    result.load = os.getloadavg()[0]
    time.sleep(0.2)  # the last log lines
    lines, _ = server.lines(offset)
    lines = [line for line in lines if line.get("logger") == "inbeeld.request"]
    if server.meter and lines:
        after = server.meter.snapshot()
        result.app_cpu_ms = 1000 * CpuMeter.used(cpu_before, after, "app") / len(lines)
        result.db_cpu_ms = 1000 * CpuMeter.used(cpu_before, after, "db") / len(lines)
    return result, lines


def page_action(page: Page):
    def action(browser) -> list[tuple[float, bool]]:
        status, _, _, ms = browser.request("GET", page.path)
        return [(ms, status == 200)]

    return action


def run_page(server: Server, page: Page, browsers: list, levels: list[int]) -> list[Result]:
    path = page.path.split("?")[0]
    warm = browsers[: max(levels)]
    measure(server, "warm-up", warm, page_action(page), len(warm))
    results = []
    for level in levels:
        result, lines = measure(server, page.key, browsers[:level], page_action(page), REQUESTS)
        result.server_ms = [
            float(line["duration_ms"])
            for line in lines
            if line.get("path") == path and line.get("method") == "GET"
        ]
        results.append(result)
        print(f"   {web.summary(result)}", flush=True)
    return results


def run_logins(server: Server, pool: list[str], secrets: dict, levels: list[int]) -> list[Result]:
    """Whole logins (form, password, redirects, code) by accounts that log in once each (a TOTP
    code is accepted once per account and time step): one row for the whole login, client time,
    and one row per request of it, server time."""
    results = []
    lock = threading.Lock()
    for level in levels:
        browsers = [web.Browser(server.port, keep_alive=KEEP_ALIVE) for _ in range(level)]

        def action(browser) -> list[tuple[float, bool]]:
            with lock:
                username = pool.pop()
            steps = web.login(browser, username, secrets[username]["secret"])
            return [(sum(ms for _, _, ms, _ in steps), all(ok for *_, ok in steps))]

        whole, lines = measure(server, LOGIN, browsers, action, LOGINS)
        if whole.app_cpu_ms is not None and whole.done:  # per whole login, not per request
            whole.app_cpu_ms *= len(lines) / whole.done
            whole.db_cpu_ms *= len(lines) / whole.done
        results.append(whole)
        print(f"   {web.summary(whole)}", flush=True)
        steps: dict[tuple[str, str], list[float]] = {}
        for line in lines:
            if line.get("path") in web.LOGIN_PATHS:
                steps.setdefault((line["method"], line["path"]), []).append(
                    float(line["duration_ms"])
                )
        for (method, path), durations in steps.items():
            step = Result(key=f"login: {method} {path}", clients=level, seconds=whole.seconds)
            step.server_ms, step.done = durations, len(durations)
            step.load, step.cpu_busy = whole.load, whole.cpu_busy
            results.append(step)
        for browser in browsers:
            browser.close()
    return results


# --- the run ---------------------------------------------------------------------------------------


def _logged_in(server: Server, info: dict, role: str, count: int) -> list:
    names = info["accounts"][role]["clones"][:count]
    browsers = []
    for username in names:
        browser = web.Browser(server.port, keep_alive=KEEP_ALIVE)
        steps = web.login(browser, username, info["accounts"][username]["secret"])
        if not all(ok for *_, ok in steps):
            raise RuntimeError(f"login of {username} failed: {steps}")
        browsers.append(browser)
    return browsers


def _measure(server: Server, env: dict, measured: list[Page], browsers, pool, info) -> list:
    """Every page of ``measured`` and the login at every level, with their query counts."""
    results: list[Result] = []
    for page in measured:
        results += run_page(server, page, browsers[page.role], LEVELS)
    results += run_logins(server, pool, info["accounts"], LEVELS)
    counts = _django(env, "queries", web.query_args(measured, info, pool.pop(), LOGIN))["counts"]
    for result in results:
        result.queries = counts.get(result.key, {}).get("queries")
    return results


def run() -> str:
    when = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    load_before = os.getloadavg()
    top = max(LEVELS)
    with tempfile.TemporaryDirectory(prefix="inbeeld-bench-pages-") as tmp:
        var_dir = Path(tmp)
        env = production_env(var_dir)
        print(f"   database {PG_URL.rsplit('/', 1)[-1]}: migrate, demo {CASES:,} cases", flush=True)
        _recreate_pg_database(PG_URL)
        _inbeeld(env, "migrate", "--noinput", "-v0")
        clock = time.perf_counter()
        _inbeeld(env, "demo", "--cases", str(CASES))
        demo_seconds = time.perf_counter() - clock
        pool_size = 2 * sum(max(LOGINS, level) for level in LEVELS) + 2
        clones = {POLICE: top, COORDINATOR: top, RESEARCHER: top, PRIVACY: top}
        info = _django(env, "prepare", {"clones": clones, "login_pool": pool_size})
        pool = list(reversed(info["login_pool"]))
        server = Server(env, var_dir)
        server.meter = CpuMeter(server, PG_URL)
        try:
            all_pages = [p for p in pages(info) if not ONLY or p.key.startswith(tuple(ONLY))]
            browsers = {role: _logged_in(server, info, role, top) for role in clones}
            results = _measure(server, env, all_pages, browsers, pool, info)
            print(f"   audit rows {info['audit_rows']:,} -> {AUDIT_ROWS:,}", flush=True)
            filled = _django(env, "audit_fill", {"target": AUDIT_ROWS})
            # A year of use would have written a signed checkpoint every 1,000 rows: without one
            # the privacy overview's quick check walks the newest 5,000 rows (their MACs) on
            # every view, a cost of the benchmark's bulk fill and not of use.
            _inbeeld(env, "audit", "checkpoint")
            scaled = _measure(server, env, [p for p in all_pages if p.audit], browsers, pool, info)
            layout = (server.workers, server.threads)
        finally:
            server.meter.connection.close()
            server.stop()
    return web.render(
        machine=machine(),
        info=info,
        layout=layout,
        results=results,
        scaled=scaled,
        filled=filled,
        settings={
            "cases": CASES,
            "audit_rows": AUDIT_ROWS,
            "requests": REQUESTS,
            "seconds": SECONDS,
            "logins": LOGINS,
            "levels": LEVELS,
            "note": NOTE,
            "keep_alive": KEEP_ALIVE,
            "demo_seconds": demo_seconds,
            "whole_seconds": time.perf_counter() - started,
            "pg_url": PG_URL,
            "targets": (TARGET_P95_MS, TARGET_PAGES_PER_S),
        },
        load=(load_before, os.getloadavg()),
        when=when,
    )


if __name__ == "__main__":
    print(run())
