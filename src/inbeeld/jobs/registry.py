"""The kinds of background job. An app that offers one registers it here (publication registers
its PDF reports in publication.job_kinds); the jobs app itself knows no report, export or import.

Each kind names the policy action a user needs — checked when the job is asked for, again when
the worker runs it (rights may have been taken away in between) and again when the file is
fetched — how to run it, and how the release of its file is audited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from inbeeld import policy


@dataclass(frozen=True)
class JobOutput:
    data: bytes
    filename: str
    content_type: str
    # What the release's audit row will record about the file (kept with the job, written
    # when the user fetches it).
    meta: dict = field(default_factory=dict)


@dataclass(frozen=True)
class JobKind:
    code: str
    label: str  # Dutch, e.g. "Evaluatierapport (PDF)"
    action: policy.Action
    # run(user, params, step) → JobOutput; ``step(label)`` reports one finished step
    run: Callable[..., JobOutput]
    # released(user, job): writes the audit row of handing the file over (one transaction
    # with the download, jobs.views.download)
    released: Callable[..., None]
    steps: Callable[[dict], int]  # how many steps run() reports, for the progress bar
    back_url: str = ""  # where the user came from (a URL name), for the "terug" link


_KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    if kind.code in _KINDS and _KINDS[kind.code] != kind:
        raise ValueError(f"job kind {kind.code!r} registered twice")
    _KINDS[kind.code] = kind


def get(code: str) -> JobKind | None:
    return _KINDS.get(code)


def codes() -> list[str]:
    return sorted(_KINDS)
