"""Text from SQLite's bytes (sqlite3 gives text as bytes, so that invalid UTF-8 is
found per value): the one strict decode, whose failure is a value's problem,
and the one lenient one, for a key or a message shown in a report."""

from __future__ import annotations

from .errors import ConversionError

INVALID_UTF8 = "invalid UTF-8 at byte {}"


def utf8_text(value: bytes) -> str:
    """``value`` as text, or ConversionError naming the first bad byte."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConversionError(INVALID_UTF8.format(exc.start)) from exc


def shown_text(value: object) -> str:
    """A value as it is named in a report: bytes decoded, a bad sequence replaced."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
