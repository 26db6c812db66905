"""The demo loader's COPY text (generator/bulk.py: _copy_text), written by polars, against the
format's rules one value at a time, and a round trip through PostgreSQL's COPY."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection

from inbeeld.demo.generator import bulk

AWKWARD = ["plain", "tab\there", "new\nline", "carriage\rreturn", "back\\slash", "\\N", "", "é€"]


def _one_value(value) -> str:
    """COPY text format for one value, written out from PostgreSQL's documentation."""
    if value is None:
        return "\\N"
    text = str(value)
    for char, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        text = text.replace(char, escaped)
    return text


def _columns(n: int, seed: int):
    rng = np.random.default_rng(seed)
    strings = np.array(AWKWARD, dtype=object)[rng.integers(0, len(AWKWARD), n)]
    with_none = strings.copy()
    with_none[rng.random(n) < 0.3] = None
    mixed = np.array([None if i % 5 == 0 else int(i) for i in range(n)], dtype=object)
    return [
        ("id", np.arange(1, n + 1, dtype=np.int64)),
        ("text", strings),
        ("maybe", with_none),
        ("mixed", mixed),
        ("fixed", bulk.Const("vaste\twaarde")),
        ("nothing", bulk.Const(None)),
        ("flag", bulk.Const(True)),
    ]


def _expected(columns, start: int, stop: int) -> str:
    lines = []
    for i in range(start, stop):
        values = [
            (True if c.value is True else c.value) if isinstance(c, bulk.Const) else c[i]
            for _, c in columns
        ]
        cells = ["t" if v is True else _one_value(v) for v in values]
        lines.append("\t".join(cells) + "\n")
    return "".join(lines)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_copy_text_follows_the_format_value_by_value(seed):
    columns = _columns(400, seed)
    assert bulk._copy_text(columns, 0, 400) == _expected(columns, 0, 400)
    assert bulk._copy_text(columns, 150, 275) == _expected(columns, 150, 275)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_round_trip_through_postgresql(monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 97)  # several chunks through the writer thread
    columns = _columns(1_000, 7)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE copy_probe (id bigint, text text, maybe text, mixed text, "
            "fixed text, nothing text, flag boolean)"
        )
    bulk.Backend(connection)._copy("copy_probe", columns, 1_000)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM copy_probe ORDER BY id")
        rows = cursor.fetchall()
    assert len(rows) == 1_000
    for i, row in enumerate(rows):
        mixed = columns[3][1][i]
        assert row == (
            i + 1,
            columns[1][1][i],
            columns[2][1][i],
            None if mixed is None else str(mixed),
            "vaste\twaarde",
            None,
            True,
        )
