"""Typed errors of the statistics package."""


class StatsError(Exception):
    """Base class of every error raised by inbeeld.stats."""


class StatsInputError(StatsError, ValueError):
    """The input table or arrays are not what the estimator needs; the message says which rows or
    columns are wrong."""


class NotEstimable(StatsError):
    """The estimate does not exist for these data (e.g. no events, a single group)."""
