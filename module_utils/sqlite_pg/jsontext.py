"""JSON values: validated for ``json``, rendered as PostgreSQL prints ``jsonb``.

``json`` keeps the text as written, so validation is all it needs. ``jsonb`` output
is canonical: duplicate keys keep the last value, keys sorted by byte length then
bytes, ``", "`` and ``": "`` separators, numbers as ``numeric`` prints them, strings
with only ``"``, ``\\``, and control characters escaped.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import ConversionError
from .numbers import decimal_text


class _Number(str):
    """A JSON number kept as its literal text."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _decode(value: object) -> str:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConversionError(f"invalid UTF-8 at byte {exc.start}") from exc
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value)
    if isinstance(value, str):
        return value
    raise ConversionError("not JSON text")


def json_text(value: object) -> str:
    text = _decode(value)
    if "\x00" in text:
        raise ConversionError("NUL byte in JSON text")
    try:
        json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        raise ConversionError(f"invalid JSON ({exc})") from exc
    return text


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, item in pairs:
        result.pop(key, None)  # last duplicate wins, as in jsonb
        result[key] = item
    return result


_STRING_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _string(text: str) -> str:
    if "\x00" in text:
        raise ConversionError("jsonb cannot hold \\u0000")
    out = []
    for char in text:
        if char in _STRING_ESCAPES:
            out.append(_STRING_ESCAPES[char])
        elif char < " ":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _number(literal: str) -> str:
    try:
        return decimal_text(Decimal(literal))
    except InvalidOperation as exc:
        raise ConversionError(f"bad JSON number {literal}") from exc


def _render(item: Any) -> str:
    if isinstance(item, _Number):
        return _number(item)
    if isinstance(item, str):
        return _string(item)
    if item is True:
        return "true"
    if item is False:
        return "false"
    if item is None:
        return "null"
    if isinstance(item, list):
        return "[" + ", ".join(_render(x) for x in item) + "]"
    keys = sorted(item, key=lambda k: (len(k.encode("utf-8")), k.encode("utf-8")))
    return "{" + ", ".join(f"{_string(k)}: {_render(item[k])}" for k in keys) + "}"


def jsonb_text(value: object) -> str:
    text = _decode(value)
    try:
        parsed = json.loads(
            text,
            parse_int=_Number,
            parse_float=_Number,
            parse_constant=_reject_constant,
            object_pairs_hook=_pairs,
        )
    except ValueError as exc:
        raise ConversionError(f"invalid JSON ({exc})") from exc
    except RecursionError as exc:
        raise ConversionError("JSON nested too deeply") from exc
    return _render(parsed)
