"""The production server behind `inbeeld serve`: gunicorn with threaded workers (gthread).

Gunicorn runs in the process of the management command (its Python API, BaseApplication), so the
settings, the checks and the JSON log configuration are the ones the command already loaded, and
a SIGTERM from the service manager reaches gunicorn's arbiter directly: it stops taking new
connections, lets running requests finish (up to the graceful timeout) and exits with 0.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from gunicorn.app.base import BaseApplication

MAX_DEFAULT_WORKERS = 12
GRACEFUL_TIMEOUT_SECONDS = 30
# A worker is replaced after this many requests (with jitter, so not all at once): memory that a
# large report or export left behind is given back.
MAX_REQUESTS = 2000
MAX_REQUESTS_JITTER = 200


def available_cpus() -> int:
    """CPUs this process may run on (a container or systemd's CPUAffinity may give fewer than
    the machine has)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def default_workers(cpus: int | None = None) -> int:
    """2 x CPUs + 1 (gunicorn's own rule), at most MAX_DEFAULT_WORKERS, each with INBEELD_THREADS'
    default of 1 thread (ADR 0031, amending ADR 0029). A page is mostly Python on the CPU: two
    threads of one process take turns on its interpreter lock, two processes do not. Measured on 2
    CPUs at 20 clients, 5 x 1 gave as many or more pages per second than 3 x 2 at two thirds of
    its server time; 3 x 1 left a CPU idle while requests waited on PostgreSQL. Each worker holds
    its own copy of the statistics libraries in memory (a few hundred MB)."""
    cpus = available_cpus() if cpus is None else cpus
    return min(2 * cpus + 1, MAX_DEFAULT_WORKERS)


@dataclass(frozen=True)
class ServerOptions:
    bind: str
    workers: int
    threads: int
    timeout: int
    logging: dict

    def gunicorn_settings(self) -> dict:
        return {
            "bind": [self.bind],
            "workers": self.workers,
            "worker_class": "gthread",
            "threads": self.threads,
            "timeout": self.timeout,
            "graceful_timeout": GRACEFUL_TIMEOUT_SECONDS,
            "max_requests": MAX_REQUESTS,
            "max_requests_jitter": MAX_REQUESTS_JITTER,
            "proc_name": "inbeeld",
            # The request log of conf.middleware replaces gunicorn's access log, which would name
            # the client's address (conf/jsonlog.py).
            "accesslog": None,
            "logconfig_dict": self.logging,
            # No runtime control socket in the user's home directory: systemd starts, reloads
            # (SIGHUP) and stops the server.
            "control_socket_disable": True,
        }


class InBeeldServer(BaseApplication):
    def __init__(self, options: ServerOptions):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.gunicorn_settings().items():
            self.cfg.set(key, value)

    def load(self):
        from inbeeld.conf.wsgi import application

        return application


def serve(options: ServerOptions) -> None:
    """Run gunicorn until it is stopped (SIGTERM or SIGINT)."""
    InBeeldServer(options).run()
