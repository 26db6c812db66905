"""The publication rules (DisclosurePolicy), the status of a number and the audit."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from enum import StrEnum

from inbeeld.stats.exceptions import StatsInputError

MISSING_LABEL = "onbekend"
TOTAL_LABEL = "totaal"

# A row or column: an int is its index, a str its label (so a year label is "2019"), None the
# totals.
Key = int | str | None


class CellStatus(StrEnum):
    PUBLISHED = "published"  # published exactly
    ROUNDED = "rounded"  # published, rounded to the policy's base
    PRIMARY = "primary"  # suppressed: below the threshold itself
    SECONDARY = "secondary"  # suppressed: to protect a primary suppressed number

    @property
    def suppressed(self) -> bool:
        return self in (CellStatus.PRIMARY, CellStatus.SECONDARY)


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


@dataclass(frozen=True)
class DisclosurePolicy:
    """The publication rules; see docs/methods/disclosure.md for what each one means and why."""

    min_cell: int = 10
    rounding_base: int | None = None
    min_denominator: int = 50
    publish_zeros: bool = True
    protection_width: int | None = None  # None: min_cell; may only be raised above it

    def __post_init__(self) -> None:
        if not _is_int(self.min_cell) or self.min_cell < 1:
            raise StatsInputError(f"min_cell must be an integer >= 1, not {self.min_cell!r}")
        if self.rounding_base is not None:
            if not _is_int(self.rounding_base) or self.rounding_base < 2:
                raise StatsInputError(
                    f"rounding_base must be None or an integer >= 2, not {self.rounding_base!r}"
                )
            if self.min_cell % self.rounding_base:
                raise StatsInputError(
                    f"min_cell ({self.min_cell}) must be a multiple of rounding_base "
                    f"({self.rounding_base}), or a count above the threshold could round below it"
                )
        if not _is_int(self.min_denominator) or self.min_denominator < 1:
            raise StatsInputError(
                f"min_denominator must be an integer >= 1, not {self.min_denominator!r}"
            )
        if not isinstance(self.publish_zeros, bool):
            raise StatsInputError(f"publish_zeros must be a bool, not {self.publish_zeros!r}")
        if self.protection_width is not None and (
            not _is_int(self.protection_width) or self.protection_width < self.min_cell
        ):
            raise StatsInputError(
                f"protection_width must be None or an integer >= min_cell ({self.min_cell}), "
                f"not {self.protection_width!r}"
            )

    @property
    def required_width(self) -> int:
        """How wide the attacker's interval of every suppressed number must be."""
        return self.min_cell if self.protection_width is None else self.protection_width

    def round(self, value: int) -> int:
        """A published count as it is shown: rounded to the base (halves upwards) or unchanged."""
        base = self.rounding_base
        return value if base is None else (2 * value + base) // (2 * base) * base


@dataclass(frozen=True)
class SuppressionAudit:
    """The attacker's feasible interval of one suppressed number.

    ``key`` is ``(row, col)`` for a table (``None`` standing for the totals row or column) and
    ``(index,)`` for a one-way table (``(None,)`` for its total). ``high`` is ``math.inf`` when
    the published numbers do not bound it. Internal: not for publication (with rounding it is
    computed from the unrounded numbers).
    """

    key: tuple[int | None, ...]
    label: str
    status: CellStatus
    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low
