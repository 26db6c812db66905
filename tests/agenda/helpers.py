"""Small builders for the agenda tests: a publication with recommendations, written through the
services (never straight into the tables)."""

from __future__ import annotations

import datetime as dt

from inbeeld.accounts.models import Role
from inbeeld.agenda import services
from tests.factories import make_user


def researcher(**fields):
    return make_user(Role.RESEARCHER, **fields)


def publication(actor, *, published_on=dt.date(2018, 6, 12), title="Aangifte doe je niet"):
    return services.publication_register(
        actor=actor,
        project_title="Aangiftebereidheid seksuele uitbuiting",
        kind="report",
        title=title,
        published_on=published_on,
    )


def recommendation(actor, pub=None, *, source="own", text="Leg de wettelijke definitie beter uit."):
    pub = pub or publication(actor)
    return services.recommendation_add(
        actor=actor,
        publication=pub,
        text=text,
        addressee="police",
        theme="willingness_to_report",
        source=source,
    )


def milestone(actor, rec, kind, day, **extra):
    values = {
        "description": "Motie aangenomen in de Tweede Kamer.",
        "evidence_kind": "parliament",
        "evidence_reference": "28638-200",
    }
    values.update(extra)
    return services.milestone_record(
        actor=actor, recommendation=rec, kind=kind, occurred_on=day, **values
    )
