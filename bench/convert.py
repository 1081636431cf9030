"""SQLite values to what PostgreSQL's text input takes, for the baseline loaders.

The raw-COPY limit and the ORM-style loader need the same rows the module
loads, in a form the application's tables (``sequelize.sync()`` DDL) accept.
This is deliberately the minimum that is right for the sample data (booleans
stored 0/1, DATETIME as text or epoch numbers, BLOBs): the baselines should
cost what a careful hand-written loader costs, no more.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

Converter = Callable[[Any], Any]


def _bool(v: Any) -> Any:
    # Sequelize stores booleans as 0/1 integers; strings 'true'/'false' are
    # passed through so that PostgreSQL, not this script, judges them.
    return bool(v) if isinstance(v, int) else v


def _timestamptz(v: Any) -> Any:
    # Text (Sequelize's "2024-04-19 02:51:06.990 +00:00", ISO 8601) is what
    # PostgreSQL parses itself; numbers are epoch seconds or milliseconds.
    if isinstance(v, int | float) and not isinstance(v, bool):
        seconds = v / 1000.0 if abs(v) > 1e11 else float(v)
        return datetime.fromtimestamp(seconds, UTC).isoformat()
    return v


def _bytea(v: Any) -> Any:
    return bytes(v) if isinstance(v, bytes | bytearray | memoryview) else v


def _identity(v: Any) -> Any:
    return v


_BY_TYPE: dict[str, Converter] = {
    "boolean": _bool,
    "timestamp with time zone": _timestamptz,
    "timestamp without time zone": _timestamptz,
    "bytea": _bytea,
}


def converters(pg_types: Sequence[str]) -> list[Converter]:
    """One converter per target column, from information_schema data_type."""
    return [_BY_TYPE.get(t, _identity) for t in pg_types]


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text_field(v: Any) -> str:
    """One value in COPY's default text format (tab separated, \\N is NULL)."""
    if v is None:
        return "\\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, bytes):
        # bytea hex input; the backslash itself is escaped for COPY text.
        return "\\\\x" + v.hex()
    if isinstance(v, float):
        return repr(v)
    return str(v).translate(_COPY_ESCAPES)
