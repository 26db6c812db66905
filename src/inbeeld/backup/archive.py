"""The backup file format and its keys.

A backup file is::

    MAGIC (8 bytes) | format version (1 byte) | frame | frame | ... | frame

and every frame is a 4-byte big-endian length followed by one Fernet token, stored as raw bytes
(the token's url-safe base64 decoded, so every stored byte is covered by the token's HMAC). The
plaintext of a frame starts with a one-byte kind:

* ``H`` (first frame): the header, canonical JSON: format version, backup id, time, InBeeld and
  Django versions, database vendor, the applied migrations and the dumped models.
* ``D`` (zero or more): consecutive pieces of the archive, a gzip-compressed JSON Lines dump made
  with Django's ``jsonl`` serialiser.
* ``T`` (last frame): the trailer, canonical JSON: SHA-256 of the header and of the whole archive,
  archive size, number of data frames and the row count per model.

The checksums sit in the trailer rather than the header so that the archive is written in one
pass without holding it in memory or writing plaintext to disk. Integrity is checked twice: each
frame is authenticated by Fernet (AES-128-CBC + HMAC-SHA256), and the trailer's SHA-256 covers the
header and the archive in order, so a frame that is dropped, repeated, reordered or taken from
another backup is refused as well. Anything after the trailer is refused; a file without trailer
is truncated.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.fernet import InvalidToken, MultiFernet

from inbeeld.crypto import InvalidKeyConfiguration, load_fernet

MAGIC = b"\x89IBK\r\n\x1a\n"
FORMAT_VERSION = 1
KIND_HEADER = b"H"
KIND_DATA = b"D"
KIND_TRAILER = b"T"
CHUNK_SIZE = 1 << 20  # plaintext bytes of archive per data frame
MAX_FRAME = 16 << 20  # a longer length field can only be damage
_LENGTH = struct.Struct(">I")


class BackupError(Exception):
    """A backup or restore was refused. The message is Dutch and meant for the operator."""


NOTHING_CHANGED = "Er is niets gewijzigd."


# --- keys ------------------------------------------------------------------------------------


def backup_keys() -> list[str]:
    """The Fernet keys for backups: INBEELD_BACKUP_KEYS, the first one encrypts.

    Outside production an empty setting falls back to INBEELD_ENCRYPTION_KEYS, so development and
    test need no extra key. Production needs a key of its own (docs/backup.md).
    """
    from django.conf import settings

    keys = list(settings.INBEELD_BACKUP_KEYS)
    production = settings.INBEELD_ENVIRONMENT == "production"
    if not keys:
        if production:
            raise BackupError(
                "INBEELD_BACKUP_KEYS is niet ingesteld. In productie versleutelt de back-up met "
                "een eigen sleutel, los van INBEELD_ENCRYPTION_KEYS (zie docs/backup.md)."
            )
        return list(settings.INBEELD_ENCRYPTION_KEYS)
    if production and set(keys) & set(settings.INBEELD_ENCRYPTION_KEYS):
        raise BackupError(
            "INBEELD_BACKUP_KEYS bevat een sleutel die ook in INBEELD_ENCRYPTION_KEYS staat. "
            "Gebruik voor back-ups een eigen sleutel (zie docs/backup.md)."
        )
    return keys


def backup_fernet(keys: list[str] | None = None) -> MultiFernet:
    try:
        return load_fernet(backup_keys() if keys is None else keys)
    except InvalidKeyConfiguration as exc:
        raise BackupError(
            "De back-upsleutel is onbruikbaar: elke sleutel in INBEELD_BACKUP_KEYS moet een "
            "Fernet-sleutel zijn (32 bytes, url-safe base64)."
        ) from exc


def canonical_json(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# --- writing ---------------------------------------------------------------------------------


class ArchiveWriter:
    """A write-only byte sink for the gzip stream; emits encrypted frames to ``out``.

    ``ArchiveWriter(out, fernet, header)`` writes the magic, the version and the header frame at
    once; ``write`` takes archive bytes; ``finish(rows)`` writes the last data frame and the
    trailer and returns the trailer.
    """

    def __init__(self, out: BinaryIO, fernet: MultiFernet, header: dict):
        self._out = out
        self._fernet = fernet
        self._buffer = bytearray()
        self._archive_sha = hashlib.sha256()
        self._file_sha = hashlib.sha256()
        self.archive_bytes = 0
        self.data_frames = 0
        self.file_bytes = 0
        self._finished = False
        header_bytes = canonical_json(header)
        self._header_sha = hashlib.sha256(header_bytes).hexdigest()
        self._emit(MAGIC + bytes([FORMAT_VERSION]))
        self._frame(KIND_HEADER + header_bytes)

    def write(self, data) -> int:
        if self._finished:
            raise ValueError("archive already finished")
        data = bytes(data)
        self._buffer += data
        self._archive_sha.update(data)
        self.archive_bytes += len(data)
        while len(self._buffer) >= CHUNK_SIZE:
            self._data_frame(bytes(self._buffer[:CHUNK_SIZE]))
            del self._buffer[:CHUNK_SIZE]
        return len(data)

    def flush(self) -> None:
        """Part of the file protocol gzip expects; frames are emitted by size, not on flush."""

    def finish(self, trailer_fields: dict) -> dict:
        if self._buffer:
            self._data_frame(bytes(self._buffer))
            self._buffer.clear()
        trailer = {
            **trailer_fields,
            "header_sha256": self._header_sha,
            "archive_sha256": self._archive_sha.hexdigest(),
            "archive_bytes": self.archive_bytes,
            "data_frames": self.data_frames,
        }
        self._frame(KIND_TRAILER + canonical_json(trailer))
        self._finished = True
        return trailer

    @property
    def file_sha256(self) -> str:
        return self._file_sha.hexdigest()

    def _data_frame(self, chunk: bytes) -> None:
        self._frame(KIND_DATA + chunk)
        self.data_frames += 1

    def _frame(self, plaintext: bytes) -> None:
        raw = base64.urlsafe_b64decode(self._fernet.encrypt(plaintext))
        self._emit(_LENGTH.pack(len(raw)) + raw)

    def _emit(self, data: bytes) -> None:
        self._out.write(data)
        self._file_sha.update(data)
        self.file_bytes += len(data)


# --- reading ---------------------------------------------------------------------------------


class ArchiveReader:
    """Reads and checks a backup file frame by frame.

    ``header`` is read and checked on construction. ``chunks()`` yields the archive pieces and,
    when it reaches the trailer, checks the checksums, the frame count and the end of the file;
    only a reader whose ``chunks()`` ran to the end has a ``trailer``. Every problem is a
    BackupError with a Dutch message.
    """

    def __init__(self, stream: BinaryIO, fernet: MultiFernet):
        self._in = stream
        self._fernet = fernet
        self._frames_read = 0
        self.trailer: dict | None = None
        start = self._read_exact(len(MAGIC) + 1, at_start=True)
        if start[: len(MAGIC)] != MAGIC:
            raise BackupError(f"Dit bestand is geen InBeeld-back-up. {NOTHING_CHANGED}")
        version = start[len(MAGIC)]
        if version != FORMAT_VERSION:
            raise BackupError(
                f"Deze back-up heeft bestandsversie {version}; deze versie van InBeeld leest "
                f"alleen versie {FORMAT_VERSION}. {NOTHING_CHANGED}"
            )
        kind, body = self._next_frame()
        if kind != KIND_HEADER:
            raise _damaged("het kopblok ontbreekt")
        self._header_sha = hashlib.sha256(body).hexdigest()
        self.header = _json(body, "het kopblok")

    def chunks(self) -> Iterator[bytes]:
        archive_sha = hashlib.sha256()
        size = 0
        frames = 0
        while True:
            kind, body = self._next_frame()
            if kind == KIND_DATA:
                archive_sha.update(body)
                size += len(body)
                frames += 1
                yield body
                continue
            if kind != KIND_TRAILER:
                raise _damaged(f"blok {self._frames_read} heeft een onbekende soort")
            trailer = _json(body, "het slotblok")
            if self._in.read(1):
                raise _damaged("er staan gegevens na het slotblok")
            if (
                trailer.get("header_sha256") != self._header_sha
                or trailer.get("archive_sha256") != archive_sha.hexdigest()
                or trailer.get("archive_bytes") != size
                or trailer.get("data_frames") != frames
            ):
                raise _damaged("de SHA-256-controlesom van het archief klopt niet")
            self.trailer = trailer
            return

    def verify(self) -> dict:
        """Read the whole file and check it; the trailer."""
        for _ in self.chunks():
            pass
        return self.trailer

    def _next_frame(self) -> tuple[bytes, bytes]:
        length_bytes = self._read_exact(_LENGTH.size)
        (length,) = _LENGTH.unpack(length_bytes)
        if not 0 < length <= MAX_FRAME:
            raise _damaged(f"blok {self._frames_read + 1} heeft een onmogelijke lengte")
        raw = self._read_exact(length)
        self._frames_read += 1
        try:
            plaintext = self._fernet.decrypt(base64.urlsafe_b64encode(raw))
        except (InvalidToken, binascii.Error) as exc:
            if self._frames_read == 1:
                raise BackupError(
                    "De back-up kan niet worden ontsleuteld: de sleutel in INBEELD_BACKUP_KEYS "
                    "hoort niet bij dit bestand, of het bestand is beschadigd of gewijzigd. "
                    f"{NOTHING_CHANGED}"
                ) from exc
            raise _damaged(
                f"blok {self._frames_read} is beschadigd of gewijzigd (de echtheidscontrole faalt)"
            ) from exc
        if not plaintext:
            raise _damaged(f"blok {self._frames_read} is leeg")
        return plaintext[:1], plaintext[1:]

    def _read_exact(self, n: int, at_start: bool = False) -> bytes:
        data = self._in.read(n)
        if len(data) != n:
            if at_start:
                raise BackupError(f"Dit bestand is geen InBeeld-back-up. {NOTHING_CHANGED}")
            raise BackupError(
                "De back-up is onvolledig: het bestand houdt halverwege op (afgebroken kopie?). "
                f"{NOTHING_CHANGED}"
            )
        return data


def _damaged(what: str) -> BackupError:
    return BackupError(f"De back-up is beschadigd of gewijzigd: {what}. {NOTHING_CHANGED}")


def _json(body: bytes, what: str) -> dict:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise _damaged(f"{what} is onleesbaar") from exc
    if not isinstance(data, dict):
        raise _damaged(f"{what} is onleesbaar")
    return data


class ChunkStream(io.RawIOBase):
    """A readable raw stream over an iterator of byte chunks (for gzip.GzipFile)."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            try:
                self._pending = memoryview(next(self._chunks))
            except StopIteration:
                return 0
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n
