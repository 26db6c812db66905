"""Reads of background jobs: a user sees only their own, and only while the policy still allows
the job's action."""

from __future__ import annotations

import uuid

from inbeeld import policy
from inbeeld.jobs import registry
from inbeeld.jobs.models import Job


def job_for(user, job_id) -> Job | None:
    """The job ``job_id`` if ``user`` asked for it and may still see its kind; else None."""
    try:
        key = uuid.UUID(str(job_id))
    except ValueError:
        return None
    job = Job.objects.defer("result").filter(pk=key, requested_by=user).first()
    if job is None:
        return None
    kind = registry.get(job.kind)
    if kind is None or not policy.can(user, kind.action):
        return None
    return job


def recent_jobs(user, limit: int = 5) -> list[Job]:
    """The user's latest jobs of kinds they may still use (for the reports page)."""
    jobs = Job.objects.defer("result").filter(requested_by=user)[: limit * 2]
    allowed = []
    for job in jobs:
        kind = registry.get(job.kind)
        if kind is not None and policy.can(user, kind.action):
            allowed.append(job)
    return allowed[:limit]
