"""Statistical disclosure control for every table that leaves the platform.

Every count that reaches a page for external users, a PDF or a CSV/XLSX export goes through
:func:`protect_table` (a two-way table) or :func:`protect_one_way` (one row of counts with its
total). The result holds only what may be published: the published numbers (``None`` where a
number is suppressed), a status per number, and an audit; the true counts are not kept in it.

The rules, the attacker model and the linear programmes that verify the protection:
docs/methods/disclosure.md. Checked in tests/stats/test_disclosure.py.
"""

from inbeeld.stats.disclosure.counts import crosstab, frequencies
from inbeeld.stats.disclosure.policy import (
    MISSING_LABEL,
    TOTAL_LABEL,
    CellStatus,
    DisclosurePolicy,
    Key,
    SuppressionAudit,
)
from inbeeld.stats.disclosure.tables import (
    ProtectedSeries,
    ProtectedTable,
    protect_one_way,
    protect_table,
)

__all__ = [
    "MISSING_LABEL",
    "TOTAL_LABEL",
    "CellStatus",
    "DisclosurePolicy",
    "Key",
    "ProtectedSeries",
    "ProtectedTable",
    "SuppressionAudit",
    "crosstab",
    "frequencies",
    "protect_one_way",
    "protect_table",
]
