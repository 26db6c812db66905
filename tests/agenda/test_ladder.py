"""The outcome ladder's transition table, walked whole: every allowed move succeeds, every other
move is refused with a Dutch message; durable needs 24 months after the implementation."""

from __future__ import annotations

import datetime as dt

import pytest

from inbeeld.agenda import ladder
from inbeeld.web import TransitionNotAllowed

START = dt.date(2018, 6, 12)

# The shortest path into each status (every step a year apart).
PATHS = {
    ladder.OPEN: [],
    ladder.ON_AGENDA: [ladder.ON_AGENDA],
    ladder.ADOPTED: [ladder.ADOPTED],
    ladder.IMPLEMENTED: [ladder.IMPLEMENTED],
    ladder.DURABLE: [ladder.IMPLEMENTED, ladder.IMPLEMENTED, ladder.DURABLE],
    ladder.REVERSED: [ladder.IMPLEMENTED, ladder.REVERSED],
    ladder.ABANDONED: [ladder.ABANDONED],
}


def _steps(rungs, start=START):
    return [ladder.Step(r, start + dt.timedelta(days=366 * (i + 1))) for i, r in enumerate(rungs)]


def test_every_status_is_reached_by_its_path():
    assert set(PATHS) == set(ladder.TRANSITIONS)
    for status, path in PATHS.items():
        assert ladder.replay(_steps(path), issued_on=START) == status


@pytest.mark.parametrize("status", list(ladder.TRANSITIONS))
@pytest.mark.parametrize("rung", ladder.RUNGS)
def test_the_whole_table(status, rung):
    # Three years later: long enough for a durable step after an implementation.
    steps = _steps(PATHS[status]) + [ladder.Step(rung, START + dt.timedelta(days=366 * 9))]
    allowed = ladder.TRANSITIONS[status].get(rung)
    if allowed is None:
        with pytest.raises(TransitionNotAllowed) as refused:
            ladder.replay(steps, issued_on=START)
        assert "kan niet volgen op de status" in refused.value.message
    else:
        assert ladder.replay(steps, issued_on=START) == allowed


def test_durable_needs_24_months_after_the_implementation():
    implemented = dt.date(2020, 3, 31)
    too_soon = [
        ladder.Step(ladder.IMPLEMENTED, implemented),
        ladder.Step(ladder.DURABLE, dt.date(2022, 3, 30)),
    ]
    with pytest.raises(TransitionNotAllowed, match="24 maanden"):
        ladder.replay(too_soon, issued_on=START)
    just = [
        ladder.Step(ladder.IMPLEMENTED, implemented),
        ladder.Step(ladder.DURABLE, dt.date(2022, 3, 31)),
    ]
    assert ladder.replay(just, issued_on=START) == ladder.DURABLE


def test_a_milestone_before_the_recommendation_is_refused():
    with pytest.raises(TransitionNotAllowed, match="vóór de datum"):
        ladder.replay(
            [ladder.Step(ladder.ON_AGENDA, START - dt.timedelta(days=1))], issued_on=START
        )


def test_add_months_keeps_the_end_of_the_month():
    assert ladder.add_months(dt.date(2020, 1, 31), 1) == dt.date(2020, 2, 29)
    assert ladder.add_months(dt.date(2020, 2, 29), 24) == dt.date(2022, 2, 28)
    assert ladder.add_months(dt.date(2020, 11, 15), 2) == dt.date(2021, 1, 15)


def test_every_kind_belongs_to_one_rung():
    assert set(ladder.KINDS) == set(ladder.RUNGS)
    assert len(ladder.RUNG_OF_KIND) == sum(len(k) for k in ladder.KINDS.values())
