"""Values too large to copy whole: read, checked and sent in pieces.

The fast path has SQLite build each line and concatenate many (group_concat),
and Python then splits, checks and joins them: a 50 MiB value was copied a
dozen times over (990 MB peak). While it reads, SQLite's length limit is set
to ``LARGE_VALUE_BYTES`` (``SqliteSource.length_limit``), so a row with a
longer value stops the read instead (StringTooBig); table_copy then reads that
row alone: its small values as usual, each large one in pieces by incremental
blob I/O, which never holds it whole. A column of a type that renders piece by
piece (text, varchar, citext, bytea: ``pg_types.streamer_for``) is checked in a first
pass (nothing is sent for a value that fails) and sent in a second; a large
value of another type (json, jsonb, ...) is read whole and converted as usual.
The read-back of such rows (verify.py) fetches them from PostgreSQL in pieces too.
"""

from __future__ import annotations

import codecs
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .converters import ColumnType, TextPolicy
from .copy_text import escape_bytes
from .errors import ConversionError
from .utf8 import INVALID_UTF8

# Longer values (bytes as stored) take the piecewise path. A shorter one is
# copied whole several times over (about 20 MB at the most, measured), as
# much as the chunks in flight; table_copy's concatenations are a quarter of it.
LARGE_VALUE_BYTES = 1 << 20
PIECE_BYTES = 256 << 10  # read at a time (bytea's hex is twice that)


@dataclass(frozen=True)
class Streamer:
    """How a column's large values are checked and rendered, a piece at a time.

    ``kind`` is how verify.py reads them back: ``text`` (substring in characters,
    COPY-escaped) or ``bytea`` (hex of a substring)."""

    kind: str
    check: Callable[[Iterable[bytes]], None]  # raises ConversionError, as the column's converter would
    render: Callable[[Iterable[bytes]], Iterator[bytes]]  # the COPY field's text, in pieces


def text_streamer(column: ColumnType, policy: TextPolicy) -> Streamer:
    """``converters.text_converter``'s rules (UTF-8, NUL, length), piece by piece."""
    limit = None if policy.ignore_length else column.length
    strip_nul = policy.strip_nul

    def check(pieces: Iterable[bytes]) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        offset = 0
        characters = 0
        nul = False
        for piece in itertools.chain(pieces, [b""]):  # b"": the end, where a cut sequence shows
            pending = len(decoder.getstate()[0])  # bytes of a character the last piece cut
            try:
                text = decoder.decode(piece, final=not piece)
            except UnicodeDecodeError as exc:
                raise ConversionError(INVALID_UTF8.format(offset - pending + exc.start)) from exc
            offset += len(piece)
            if "\x00" in text:
                nul = True
                text = text.replace("\x00", "")
            characters += len(text)
        if nul and not strip_nul:
            raise ConversionError("NUL byte (PostgreSQL text cannot hold it; strip_nul removes it)")
        if limit is not None and characters > limit:
            raise ConversionError(f"{characters} characters, longer than {column.formatted}")

    def render(pieces: Iterable[bytes]) -> Iterator[bytes]:
        for piece in pieces:  # valid UTF-8 (checked): escaped as bytes
            yield escape_bytes(piece.replace(b"\x00", b"") if strip_nul else piece)

    return Streamer("text", check, render)


def bytea_streamer(column: ColumnType, policy: TextPolicy) -> Streamer:
    def check(pieces: Iterable[bytes]) -> None:
        return None  # any bytes are bytea

    def render(pieces: Iterable[bytes]) -> Iterator[bytes]:
        yield b"\\\\x"  # as converters.bytea_converter: \x hex, its backslash doubled for COPY
        for piece in pieces:
            yield piece.hex().encode("ascii")

    return Streamer("bytea", check, render)


@dataclass
class LargeRow:
    """One row whose line is produced in pieces (``TableCopy.chunks`` hashes and sends them)."""

    key: dict[str, str]
    pieces: Callable[[], Iterator[bytes]]
