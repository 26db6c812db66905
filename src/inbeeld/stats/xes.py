"""Read an XES event log (IEEE 1849, the process-mining exchange format) into an event table.

``read_xes(path)`` returns a polars DataFrame with one row per event, in log order (the traces in
file order, the events of a trace in file order):

- ``case_id`` (String): the trace's ``concept:name``;
- ``activity`` (String): the event's ``concept:name``;
- ``timestamp`` (Datetime, microseconds, UTC): the event's ``time:timestamp``. An offset in the
  file (``+02:00``, ``Z``) is honoured; a timestamp without an offset is taken as UTC (as pm4py
  does). Digits below the microsecond are dropped. For an interval event this is its
  completion;
- ``start_timestamp`` (Datetime, as ``timestamp``), only for an interval log: the event's start,
  from a ``start_timestamp`` attribute or from merging ``lifecycle:transition`` start/complete
  pairs as pm4py does (the rules are in ``inbeeld.stats.xes_intervals``). Merged events are in
  start order within their trace.

Only the attributes that lead-time mining needs are read; every other attribute is skipped.

Two parsers, one contract:

1. A fast scanner for the XES subset that tools write (OpenXES, ProM, pm4py, Disco):
   ``<trace>``/``<event>`` elements and attributes of the form ``<string key="concept:name"
   value="..."/>`` and ``<date key="time:timestamp" value="..."/>``. The decompressed text is read
   as a stream in blocks cut after ``</trace>``; the tags that matter are found by one regular
   expression evaluated by polars (in Rust, several blocks in parallel), and the nesting of traces
   and events is reconstructed with cumulative sums. It parses the 561,470-event road-traffic log
   in about a second.
2. A streaming XML parser (expat, the parser underneath ``xml.etree.ElementTree.iterparse``,
   driven through its callbacks so that no element tree is built and memory stays flat). It is
   the reference: it accepts any well-formed XES (comments, CDATA, single quotes, nested
   attributes, other attribute orders) and knows the line of every element.

The scanner only answers when it can vouch for its result: every ``concept:name`` and
``time:timestamp`` in the body must be one of its tokens, there are no comments, CDATA sections,
processing instructions or nested attributes inside traces, the encoding is UTF-8, traces and
events nest properly, and every event has exactly one activity and one timestamp. Otherwise the
log is read (again) by the XML parser, which either returns the table or raises a
``StatsInputError`` that names the line and the trace that is wrong (malformed or truncated XML,
a missing ``concept:name`` or ``time:timestamp``, a date that is not ISO 8601, an ``<event>``
outside a ``<trace>``, e.g. before the first one). A duplicated case id (two traces with the same
``concept:name``) is refused as well: the case would be ambiguous. Interval logs (a
``start_timestamp`` attribute, a transition other than ``complete``) are read by the XML parser.
"""

from __future__ import annotations

import datetime as dt
import gzip
import html
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

import polars as pl

from inbeeld.stats import xes_intervals
from inbeeld.stats.exceptions import StatsInputError

CASE_ID = "case_id"
ACTIVITY = "activity"
TIMESTAMP = "timestamp"
SCHEMA = {CASE_ID: pl.String, ACTIVITY: pl.String, TIMESTAMP: pl.Datetime("us", "UTC")}

NAME_KEY = "concept:name"
TIME_KEY = "time:timestamp"
# XES attribute elements (1.0 and 2.0); nested attributes are children of these.
ATTRIBUTE_TAGS = frozenset(
    {"string", "date", "int", "float", "boolean", "id", "list", "container", "values"}
)

_BLOCK_BYTES = 8 * 2**20  # decompressed bytes read per block (cut after the last </trace>)
_BATCH_BLOCKS = 8  # blocks scanned together (polars runs a multi-row regex in parallel)
_EXPAT_BYTES = 2**20

# The tokens of the fast scanner: trace and event tags (open, close, self-closing), the two
# attributes we read in their canonical form, and the end tags of attribute elements (which only
# occur when attributes are nested).
_TAG_PATTERN = (
    r"<(?:/?(?:trace|event)\b[^>]*"
    r'|string\s+key="concept:name"\s+value="[^"]*"\s*/'
    r'|date\s+key="time:timestamp"\s+value="[^"]*"\s*/'
    r"|/(?:string|date|int|float|boolean|id|list|container|values)\s*)>"
)
# Token kinds, from the first three characters of a token.
_TRACE_OPEN, _TRACE_CLOSE, _EVENT_OPEN, _EVENT_CLOSE, _NAME, _DATE, _NESTED = range(1, 8)
_KINDS = {
    "<tr": _TRACE_OPEN,
    "</t": _TRACE_CLOSE,
    "<ev": _EVENT_OPEN,
    "</e": _EVENT_CLOSE,
    "<st": _NAME,
    "<da": _DATE,
}
# The transition that needs no merging, in the form tools write it (the road-traffic log has it
# on every event); any other transition, or a start_timestamp, sends the log to the XML parser.
_COMPLETE = r'<string\s+key="lifecycle:transition"\s+value="(?i:complete)"\s*/>'
_EVENT_TAG = re.compile(rb"<event[\s/>]")
_UTF8_NAMES = {"utf-8", "utf8", "us-ascii", "ascii"}
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def read_xes(path: str | os.PathLike[str]) -> pl.DataFrame:
    """The events of the XES log at ``path`` (gzip-compressed or plain) as an event table:
    ``case_id``, ``activity``, ``timestamp`` (UTC, microseconds), in log order, and
    ``start_timestamp`` for an interval log (see the module docstring).

    Raises ``StatsInputError`` when the file is not a readable XES log; the message names the
    line (and the trace) that is wrong. ``OSError`` (e.g. ``FileNotFoundError``) propagates.
    """
    path = Path(path)
    try:
        return _scan(path)
    except _CannotVouch:
        return _parse(path)


# --- shared helpers -----------------------------------------------------------------------------


class _CannotVouch(Exception):
    """The fast scanner found something it does not handle; the XML parser must read the log."""


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as raw:
        return raw.read(2) == b"\x1f\x8b"


def _blocks(path: Path, size: int) -> Iterator[bytes]:
    """The decompressed bytes of ``path`` in blocks of ``size``; a damaged gzip stream raises
    StatsInputError."""
    opener = gzip.open if _is_gzip(path) else open
    with opener(path, "rb") as stream:
        while True:
            try:
                block = stream.read(size)
            except EOFError as exc:
                raise StatsInputError(
                    f"{path.name}: the gzip stream ends early, the file is truncated"
                ) from exc
            except (gzip.BadGzipFile, zlib.error) as exc:
                raise StatsInputError(f"{path.name}: damaged gzip data ({exc})") from exc
            if not block:
                return
            yield block


def _parse_timestamps(values: pl.Series) -> tuple[pl.Series, int | None]:
    """``values`` (ISO 8601 strings) as UTC microsecond datetimes, and the index of the first value
    that is not a date-time (None when all are)."""
    parsed = values.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f%z", time_unit="us", time_zone="UTC", strict=False
    )
    failed = parsed.is_null() & values.is_not_null()
    if not failed.any():
        return parsed, None
    # The rest ('Z', no offset, no seconds, a space for the 'T', ...): Python's ISO 8601 parser,
    # as pm4py uses, with a missing offset read as UTC.
    index = failed.arg_true()
    repaired = []
    first_bad = None
    for i, text in zip(index.to_list(), values.gather(index).to_list(), strict=True):
        try:
            moment = dt.datetime.fromisoformat(text.strip())
        except ValueError:
            if first_bad is None:
                first_bad = i
            repaired.append(None)
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        repaired.append(moment.astimezone(dt.UTC))
    fixes = pl.Series(repaired, dtype=pl.Datetime("us", "UTC"))
    parsed = parsed.scatter(index, fixes)
    return parsed, first_bad


def _check_unique(case_names: pl.Series, label: str) -> None:
    """Two traces with the same concept:name would make one ambiguous case."""
    if case_names.n_unique() == case_names.len():
        return
    duplicated = case_names.filter(case_names.is_duplicated()).unique(maintain_order=True)
    raise StatsInputError(
        f"{label}: {duplicated.len()} case id(s) name more than one trace, e.g. "
        + ", ".join(repr(case) for case in duplicated.head(3).to_list())
        + "; every trace must have its own concept:name"
    )


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)


# --- 1. the fast scanner ---------------------------------------------------------------------------


def _scan(path: Path) -> pl.DataFrame:
    """The event table by the fast scanner, or _CannotVouch."""
    frames: list[pl.DataFrame] = []
    names: list[pl.Series] = []
    offsets = [0, 0]  # traces and events seen before the current batch
    batch: list[bytes] = []
    carry = b""
    first = True  # the first batch starts with the header
    for number, block in enumerate(_blocks(path, _BLOCK_BYTES)):
        if number == 0:
            block = _check_header(block)
        buffer = carry + block
        cut = buffer.rfind(b"</trace>")
        if cut < 0:
            carry = buffer
            continue
        cut += len(b"</trace>")
        batch.append(buffer[:cut])
        carry = buffer[cut:]
        if len(batch) == _BATCH_BLOCKS:
            _scan_batch(batch, first, offsets, frames, names)
            batch = []
            first = False
    if not carry and first and not batch:
        raise StatsInputError(f"{path.name}: the file is empty")
    if b"</log>" not in carry:
        raise _CannotVouch  # truncated or not XES: the XML parser says where
    batch.append(carry)
    _scan_batch(batch, first, offsets, frames, names)
    case_names = pl.concat(names, rechunk=True)
    _check_unique(case_names, path.name)
    events = pl.concat(frames, rechunk=True)
    if events.is_empty():
        return _empty()
    stamps, bad = _parse_timestamps(events.get_column("stamp"))
    if bad is not None:
        raise _CannotVouch  # the XML parser names the line
    return pl.DataFrame(
        {
            CASE_ID: case_names.gather(events.get_column("trace") - 1),
            ACTIVITY: events.get_column("activity"),
            TIMESTAMP: stamps,
        }
    )


def _check_header(block: bytes) -> bytes:
    if block.startswith(b"\xef\xbb\xbf"):
        block = block[3:]
    declared = _ENCODING.match(block[:512])
    if declared and declared.group(1).decode("ascii").lower() not in _UTF8_NAMES:
        raise _CannotVouch
    return block


def _scan_batch(
    batch: list[bytes],
    first: bool,
    offsets: list[int],
    frames: list[pl.DataFrame],
    names: list[pl.Series],
) -> None:
    """Scan whole traces (``batch``: chunks cut after a ``</trace>``; the first chunk of the
    ``first`` batch starts with the header, which is skipped); append the events (trace number,
    activity, timestamp text) to ``frames`` and the case ids of the traces to ``names``."""
    if first:  # skip the header: log attributes, extensions, globals, classifiers, comments
        start = batch[0].find(b"<trace")
        if _EVENT_TAG.search(batch[0] if start < 0 else batch[0][:start]):
            raise _CannotVouch  # an event outside a trace: the XML parser names its line
        batch = [b"" if start < 0 else batch[0][start:], *batch[1:]]
    try:
        bodies = pl.Series("t", batch, dtype=pl.Binary).cast(pl.String)
    except pl.exceptions.PolarsError as exc:  # not UTF-8
        raise _CannotVouch from exc
    # Every concept:name and time:timestamp of the body must become a token; comments, CDATA and
    # processing instructions could hide or fake tags.
    occurrences = (
        bodies.to_frame()
        .select(
            names=pl.col("t").str.count_matches(NAME_KEY, literal=True).sum(),
            dates=pl.col("t").str.count_matches(TIME_KEY, literal=True).sum(),
            transitions=pl.col("t")
            .str.count_matches(xes_intervals.TRANSITION_KEY, literal=True)
            .sum(),
            completes=pl.col("t").str.count_matches(_COMPLETE).sum(),
            intervals=pl.col("t").str.contains(xes_intervals.START_KEY, literal=True).any(),
            markup=(
                pl.col("t").str.contains("<!", literal=True)
                | pl.col("t").str.contains("<?", literal=True)
            ).any(),
        )
        .row(0, named=True)
    )
    if (
        occurrences["markup"]
        or occurrences["intervals"]
        or occurrences["transitions"] != occurrences["completes"]
    ):
        raise _CannotVouch
    kind = pl.col("kind")
    frame = (
        bodies.str.extract_all(_TAG_PATTERN)
        .explode()
        .drop_nulls()
        .to_frame()
        .with_columns(
            kind=pl.col("t")
            .str.slice(0, 3)
            .replace_strict(_KINDS, default=_NESTED, return_dtype=pl.Int8),
            closed=pl.col("t").str.ends_with("/>"),
        )
        .with_columns(
            in_trace=_depth(kind == _TRACE_OPEN, kind == _TRACE_CLOSE),
            in_event=_depth(kind == _EVENT_OPEN, kind == _EVENT_CLOSE),
            trace=(kind == _TRACE_OPEN).cast(pl.Int64).cum_sum() + offsets[0],
            event=(kind == _EVENT_OPEN).cast(pl.Int64).cum_sum() + offsets[1],
        )
    )
    in_trace, in_event = pl.col("in_trace"), pl.col("in_event")
    # Traces and events alternate open/close, events only inside traces, no nested attributes
    # inside traces, nothing left open at the end of the batch.
    checks = frame.select(
        depth=(~in_trace.is_between(0, 1) | ~in_event.is_between(0, 1)).any(),
        event_outside=(kind.is_in([_EVENT_OPEN, _EVENT_CLOSE]) & (in_trace != 1)).any(),
        trace_in_event=(kind.is_in([_TRACE_OPEN, _TRACE_CLOSE]) & (in_event != 0)).any(),
        nested=((kind == _NESTED) & (in_trace == 1)).any(),
        open_at_end=(in_trace.last() != 0) | (in_event.last() != 0),
        names=((kind == _NAME) & (in_trace == 1)).sum(),
        dates=((kind == _DATE) & (in_trace == 1)).sum(),
    ).row(0, named=True)
    if (
        any(checks[k] for k in ("depth", "event_outside", "trace_in_event", "nested"))
        or checks["open_at_end"]
        or checks["names"] != occurrences["names"]
        or checks["dates"] != occurrences["dates"]
    ):
        raise _CannotVouch

    inside = frame.filter(in_trace == 1)
    traces = inside.filter(kind == _TRACE_OPEN).get_column("trace")
    n_traces = int(frame.get_column("trace").max() or 0) - offsets[0]
    events = inside.filter(kind == _EVENT_OPEN).get_column("event")
    token = pl.col("t")
    attributes = inside.filter(kind.is_in([_NAME, _DATE])).with_columns(
        # The text between value=" and the closing quote (the token ends with "/>, maybe spaced).
        value=token.str.slice(token.str.find('value="', literal=True) + len('value="'))
        .str.strip_chars_end(" \t\r\n/>")
        .str.head(-1)
    )
    activities = attributes.filter((kind == _NAME) & (in_event == 1))
    stamps = attributes.filter((kind == _DATE) & (in_event == 1))
    case_names = attributes.filter((kind == _NAME) & (in_event == 0))
    # Exactly one activity and one timestamp per event and one case id per trace, in order (a
    # self-closing <trace/> has neither events nor a name: left to the XML parser as well).
    if not (
        traces.len() == n_traces
        and case_names.get_column("trace").equals(traces)
        and activities.get_column("event").equals(events)
        and stamps.get_column("event").equals(events)
    ):
        raise _CannotVouch
    frames.append(
        pl.DataFrame(
            {
                "trace": activities.get_column("trace"),
                "activity": _unescape(activities.get_column("value")),
                "stamp": _unescape(stamps.get_column("value")),
            }
        )
    )
    names.append(_unescape(case_names.get_column("value")))
    offsets[0] += n_traces
    offsets[1] += events.len()


def _depth(opens: pl.Expr, closes: pl.Expr) -> pl.Expr:
    """Nesting depth after each token (a self-closing tag opens and closes at once)."""
    step = pl.when(opens & ~pl.col("closed")).then(1).when(closes).then(-1).otherwise(0)
    return step.cast(pl.Int32).cum_sum()


def _unescape(values: pl.Series) -> pl.Series:
    """Resolve XML character and entity references (``&amp;``, ``&#233;``) in attribute values."""
    escaped = values.str.contains("&", literal=True)
    if not escaped.any():
        return values
    index = escaped.arg_true()
    fixed = pl.Series([html.unescape(v) for v in values.gather(index).to_list()], dtype=pl.String)
    return values.scatter(index, fixed)


# --- 2. the XML parser (reference; knows the lines) ------------------------------------------------


# Per-event attributes of interval logs, kept by the XML parser (index into event_extra).
_EXTRA_KEYS = {
    xes_intervals.START_KEY: 0,
    xes_intervals.TRANSITION_KEY: 1,
    xes_intervals.INSTANCE_KEY: 2,
}


@dataclass
class _Trace:
    line: int
    number: int
    name: str | None = None


class _ExpatReader:
    """Streaming XES reader on expat callbacks: keeps the case id, activity, timestamp text and
    line of every event, nothing else."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.stack: list[str] = []
        self.trace: _Trace | None = None
        self.traces = 0
        self.event_line = 0
        self.event_name: str | None = None
        self.event_time: str | None = None
        self.event_extra: list[str | None] = [None, None, None]  # start, transition, instance
        self.pending: list[tuple[str | None, str | None, int, list[str | None]]] = []
        self.cases: list[str] = []
        self.activities: list[str] = []
        self.stamps: list[str] = []
        self.lines: list[int] = []
        self.extra: tuple[list[str | None], ...] = ([], [], [])
        self.seen: dict[str, int] = {}  # case id -> line of its trace
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end

    def where(self, line: int) -> str:
        text = f"{self.label}, line {line}"
        if self.trace is not None:
            name = f" {self.trace.name!r}" if self.trace.name is not None else ""
            text += f" (trace{name} at line {self.trace.line})"
        return text

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = name.rpartition(":")[2]
        parent = self.stack[-1] if self.stack else None
        if parent is None and tag != "log":
            raise StatsInputError(
                f"{self.label}: not an XES log, the root element is <{name}> instead of <log>"
            )
        self.stack.append(tag)
        if tag == "trace" and parent == "log":
            self.traces += 1
            self.trace = _Trace(self.parser.CurrentLineNumber, self.traces)
            self.pending = []
        elif tag == "event":
            if parent != "trace":
                place = "before the first <trace>" if self.traces == 0 else "outside a <trace>"
                raise StatsInputError(
                    f"{self.where(self.parser.CurrentLineNumber)}: an <event> {place}; every "
                    "event must belong to a trace (its case)"
                )
            self.event_line = self.parser.CurrentLineNumber
            self.event_name = self.event_time = None
            self.event_extra = [None, None, None]
        elif tag in ATTRIBUTE_TAGS and parent in ("trace", "event"):
            key = attrs.get("key")
            if key == NAME_KEY:
                if parent == "event":
                    self.event_name = attrs.get("value")
                elif self.trace is not None:
                    self.trace.name = attrs.get("value")
            elif key == TIME_KEY and parent == "event" and tag == "date":
                self.event_time = attrs.get("value")
            elif parent == "event" and key in _EXTRA_KEYS:
                if key != xes_intervals.START_KEY or tag == "date":
                    self.event_extra[_EXTRA_KEYS[key]] = attrs.get("value")

    def end(self, name: str) -> None:
        tag = self.stack.pop()
        if tag == "event" and self.stack[-1:] == ["trace"]:
            line = self.event_line
            if self.event_name is None:
                raise StatsInputError(
                    f"{self.where(line)}: the event has no concept:name (activity)"
                )
            if self.event_time is None:
                raise StatsInputError(
                    f"{self.where(line)}: the event has no time:timestamp (a <date> attribute)"
                )
            self.pending.append((self.event_name, self.event_time, line, self.event_extra))
        elif tag == "trace" and self.stack == ["log"] and self.trace is not None:
            name = self.trace.name
            if self.pending and name is None:
                raise StatsInputError(
                    f"{self.label}, line {self.trace.line}: trace number {self.trace.number} has "
                    "no concept:name (case id)"
                )
            if name is not None:
                if name in self.seen:
                    raise StatsInputError(
                        f"{self.label}, line {self.trace.line}: the trace repeats the case id "
                        f"{name!r} of the trace at line {self.seen[name]}; every trace must have "
                        "its own concept:name"
                    )
                self.seen[name] = self.trace.line
            for activity, stamp, line, extra in self.pending:
                self.cases.append(self.trace.name)  # type: ignore[arg-type]
                self.activities.append(activity)  # type: ignore[arg-type]
                self.stamps.append(stamp)  # type: ignore[arg-type]
                self.lines.append(line)
                for values, value in zip(self.extra, extra, strict=True):
                    values.append(value)
            self.pending = []
            self.trace = None

    def feed(self, data: bytes, final: bool = False) -> None:
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError as exc:
            message = expat.ErrorString(exc.code)
            hint = (
                " (the file is truncated)"
                if exc.code == expat.errors.codes.get(expat.errors.XML_ERROR_NO_ELEMENTS)
                else ""
            )
            raise StatsInputError(
                f"{self.label}: not well-formed XML at line {exc.lineno}, column {exc.offset}: "
                f"{message}{hint}"
            ) from exc


def _parse(path: Path) -> pl.DataFrame:
    """The event table by the XML parser; StatsInputError names the line that is wrong."""
    reader = _ExpatReader(path.name)
    for block in _blocks(path, _EXPAT_BYTES):
        reader.feed(block)
    reader.feed(b"", final=True)
    if reader.stack:
        raise StatsInputError(f"{path.name}: the file ends inside <{reader.stack[-1]}>")
    if not reader.cases:
        return _empty()
    stamps, bad = _parse_timestamps(pl.Series(reader.stamps, dtype=pl.String))
    if bad is not None:
        raise StatsInputError(
            f"{path.name}, line {reader.lines[bad]} (trace {reader.cases[bad]!r}): time:timestamp "
            f"{reader.stamps[bad]!r} is not an ISO 8601 date-time"
        )
    table = pl.DataFrame(
        {
            CASE_ID: pl.Series(reader.cases, dtype=pl.String),
            ACTIVITY: pl.Series(reader.activities, dtype=pl.String),
            TIMESTAMP: stamps,
        }
    )
    starts, transitions, instances = reader.extra
    return xes_intervals.with_start_times(
        table, starts, transitions, instances, reader.lines, path.name, _parse_timestamps
    )
