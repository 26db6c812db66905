"""How a p-value reads in the Dutch sentences (issue 14, item 15): "p < 0,001", never "p = < 0,001"."""

import pytest

from inbeeld.analysis.presenter import p_value


@pytest.mark.parametrize(
    "p, text",
    [(0.0000004, "p < 0,001"), (0.000999, "p < 0,001"), (0.001, "p = 0,001"), (0.0421, "p = 0,042"),
     (1.0, "p = 1,000"), (None, "p = –")],
)  # fmt: skip
def test_a_p_value_reads_as_one_relation(p, text):
    assert p_value(p) == text
    assert "= <" not in p_value(p)
