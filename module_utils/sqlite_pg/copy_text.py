"""PostgreSQL COPY text format: escaping, the streaming reader, the row digest.

Every converter renders a value exactly as PostgreSQL's COPY TO renders the
stored value (with the session settings in ``pg_target.SESSION_SETTINGS``), so the
same per-row hash can be computed over what we send and over what PostgreSQL
sends back.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from operator import methodcaller
from typing import Any

NULL = "\\N"

# COPY TO escapes these control characters (and never emits octal escapes), so
# we escape them the same way on input; PostgreSQL accepts both forms.
_ESCAPES = str.maketrans(
    {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\b": "\\b", "\f": "\\f", "\v": "\\v"}
)
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r\b\f\v]")


def escape(text: str) -> str:
    # One regex scan is cheaper than translate() on the (common) clean string.
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    return text.translate(_ESCAPES)


# The same escapes as bytes, the backslash first (the others add backslashes).
_BYTE_ESCAPES = sorted(
    ((chr(c).encode(), t.encode()) for c, t in _ESCAPES.items()), key=lambda e: e[0] != b"\\"
)


def escape_bytes(data: bytes) -> bytes:
    """``escape`` of UTF-8 text as bytes (no multi-byte sequence holds an ASCII
    byte): for large values, where replace() beats str.translate tenfold."""
    for raw, escaped in _BYTE_ESCAPES:  # the backslash first
        if raw in data:
            data = data.replace(raw, escaped)
    return data


_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "N": None}


def split_line(line: str) -> list[str | None]:
    """Fields of one COPY text line (for reports, and postgres_to_sqlite's rows), with escapes undone."""
    fields: list[str | None] = []
    for raw in line.rstrip("\n").split("\t"):
        if raw == NULL:
            fields.append(None)
            continue
        if "\\" not in raw:  # most fields: nothing to undo (postgres_to_sqlite reads every line here)
            fields.append(raw)
            continue
        fields.append(re.sub(r"\\(.)", lambda m: _UNESCAPES.get(m.group(1)) or m.group(1), raw))
    return fields


_MOD = 1 << 128
_sha1 = hashlib.sha1
_digest_of = methodcaller("digest")
_from_bytes = int.from_bytes  # big-endian by default

# A row's hash: the SHA-1 of its COPY text line (the newline included) as a
# big-endian integer; a table's digest sums them. The functions below are the
# only places that compute it.
line_hasher = hashlib.sha1  # for a line that comes in pieces: update(), then hash_value()


def hash_value(hasher: Any) -> int:
    """The row hash of a line fed to ``line_hasher()`` piece by piece."""
    return _from_bytes(hasher.digest())


def row_hash(line: bytes) -> int:
    return _from_bytes(_sha1(line).digest())


def hash_sum(lines: list[bytes]) -> int:
    """Sum of the lines' row hashes: ``RowDigest.add`` over a batch, with no
    Python frame per line."""
    return sum(map(_from_bytes, map(_digest_of, map(_sha1, lines))))


class RowDigest:
    """Order-independent digest of a multiset of rows: count and sum of row hashes.

    Order independence lets both sides be read in their natural order (no sort, no
    collation question), and a sum keeps duplicate rows of a table without a primary
    key counted.
    """

    __slots__ = ("count", "total")

    def __init__(self) -> None:
        self.count = 0
        self.total = 0

    def add(self, line: bytes) -> None:
        self.count += 1
        self.total += row_hash(line)

    def hexdigest(self) -> str:
        return f"{self.total % _MOD:032x}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RowDigest):
            return NotImplemented
        return self.count == other.count and self.total % _MOD == other.total % _MOD

    def __hash__(self) -> int:
        return hash((self.count, self.total % _MOD))


class ChunkReader:
    """File-like object for ``copy_expert``: pulls byte chunks from an iterator.

    Memory stays at about one chunk whatever the table's size.
    """

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        # psycopg2 turns an exception raised in read() into QueryCanceled; the
        # original (a problem limit, a SQLite read error) is kept here to re-raise.
        self.error: BaseException | None = None

    def read(self, size: int = -1) -> bytes:
        try:
            for chunk in self._chunks:
                if chunk:
                    return chunk
        except BaseException as exc:
            self.error = exc
            raise
        return b""

    def readline(self, size: int = -1) -> bytes:  # psycopg2 only uses read(); kept for file-likeness
        return self.read(size)


class DigestWriter:
    """File-like sink for ``copy_expert(COPY ... TO STDOUT)``: hashes each row.

    psycopg2 calls ``write`` once per row (one CopyData message per row): the
    rows are kept in a list and hashed a batch at a time (``hash_sum``), which
    leaves little Python work per row. ``digest`` includes every row written.
    """

    BATCH = 4096

    def __init__(self) -> None:
        self._digest = RowDigest()
        self._rows: list[bytes] = []
        self.write = self._writer()  # an attribute: psycopg2 looks ``write`` up once

    def _writer(self) -> Callable[[bytes | str], int]:
        rows = self._rows
        append = rows.append
        batch = self.BATCH
        flush = self._flush

        def write(data: bytes | str) -> int:
            if type(data) is str:
                data = data.encode("utf-8")
            append(data)
            if len(rows) >= batch:
                flush()
            return len(data)

        return write

    def _flush(self) -> None:
        self._digest.count += len(self._rows)
        self._digest.total += hash_sum(self._rows)
        self._rows.clear()

    @property
    def digest(self) -> RowDigest:
        if self._rows:
            self._flush()
        return self._digest
