"""JSON values: validated for ``json``, rendered as PostgreSQL prints ``jsonb``.

``json`` keeps the text as written, so validation is all it needs. ``jsonb`` output
is canonical: duplicate keys keep the last value, keys sorted by byte length then
bytes, ``", "`` and ``": "`` separators, numbers as ``numeric`` prints them, strings
with only ``"``, ``\\``, and control characters escaped.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from json.decoder import scanstring
from typing import Any

from .errors import ConversionError
from .numbers import decimal_text
from .utf8 import utf8_text


class _Number(str):
    """A JSON number kept as its literal text."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _decode(value: object) -> str:
    if isinstance(value, bytes):
        return utf8_text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value)
    if isinstance(value, str):
        return value
    raise ConversionError("not JSON text")


def json_text(value: object) -> str:
    text = _decode(value)
    if "\x00" in text:
        raise ConversionError("NUL byte in JSON text")
    # json keeps the text: a lone surrogate escape (\ud800) is valid there, as in PostgreSQL.
    _parse(text)
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


def _render_nested(item: Any) -> str:
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
        return "[" + ", ".join(_render_nested(x) for x in item) + "]"
    keys = _sorted_keys(item)
    return "{" + ", ".join(f"{_string(k)}: {_render_nested(item[k])}" for k in keys) + "}"


def _sorted_keys(item: dict[str, Any]) -> list[str]:
    # surrogatepass: a key with a lone surrogate sorts, and is refused afterwards.
    return sorted(
        item, key=lambda k: (len(k.encode("utf-8", "surrogatepass")), k.encode("utf-8", "surrogatepass"))
    )


class _Raw(str):
    """Output text (brackets, separators, a rendered key) on the render stack."""


def _render_deep(item: Any) -> str:
    """``_render_nested`` without recursion, for nesting deeper than Python's stack."""
    out: list[str] = []
    stack: list[Any] = [item]
    while stack:
        top = stack.pop()
        if type(top) is _Raw:
            out.append(top)
        elif isinstance(top, list):
            stack.append(_Raw("]"))
            for position in range(len(top) - 1, -1, -1):
                stack.append(top[position])
                if position:
                    stack.append(_Raw(", "))
            out.append("[")
        elif isinstance(top, dict):
            stack.append(_Raw("}"))
            keys = _sorted_keys(top)
            for position in range(len(keys) - 1, -1, -1):
                stack.append(top[keys[position]])
                stack.append(_Raw(_string(keys[position]) + ": "))
                if position:
                    stack.append(_Raw(", "))
            out.append("{")
        else:
            out.append(_render_nested(top))  # a scalar
    return "".join(out)


def _render(item: Any) -> str:
    try:
        return _render_nested(item)
    except RecursionError:
        return _render_deep(item)


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_LITERALS = {"true": True, "false": False, "null": None}


def _parse_deep(text: str) -> Any:
    """What ``_parse`` gives, without recursion: for JSON nested deeper than
    Python's stack (PostgreSQL takes about 10,000 levels with its default
    max_stack_depth). Raises ValueError for text that is not JSON."""
    # Open containers: [items, key] (key None: an array; items of an object are pairs).
    stack: list[list[Any]] = []
    pos = 0
    while True:
        pos = _WHITESPACE.match(text, pos).end()
        char = text[pos : pos + 1]
        if char in ("[", "{"):
            pos = _WHITESPACE.match(text, pos + 1).end()
            if text[pos : pos + 1] == ("]" if char == "[" else "}"):
                value: Any = [] if char == "[" else {}
                pos += 1
            else:
                key = None
                if char == "{":
                    key, pos = _object_key(text, pos)
                stack.append([[], key])
                continue
        elif char == '"':
            value, pos = scanstring(text, pos + 1)
        elif char and char in "-0123456789":
            found = _NUMBER_TEXT.match(text, pos)
            if found is None:
                raise ValueError(f"Expecting value: char {pos}")
            value, pos = _Number(found.group()), found.end()
        else:
            word = next((w for w in _LITERALS if text.startswith(w, pos)), None)
            if word is None:
                raise ValueError(f"Expecting value: char {pos}")
            value, pos = _LITERALS[word], pos + len(word)
        # A value is complete: into its container, closing those that end here.
        while True:
            pos = _WHITESPACE.match(text, pos).end()
            if not stack:
                if pos != len(text):
                    raise ValueError(f"Extra data: char {pos}")
                return value
            frame = stack[-1]
            frame[0].append(value if frame[1] is None else (frame[1], value))
            char = text[pos : pos + 1]
            if char == ",":
                if frame[1] is not None:
                    frame[1], pos = _object_key(text, _WHITESPACE.match(text, pos + 1).end())
                else:
                    pos += 1
                break
            if char != ("]" if frame[1] is None else "}"):
                raise ValueError(f"Expecting ',' delimiter: char {pos}")
            pos += 1
            stack.pop()
            value = frame[0] if frame[1] is None else _pairs(frame[0])


def _object_key(text: str, pos: int) -> tuple[str, int]:
    """An object's key and the position after its colon (``pos`` at its quote)."""
    if text[pos : pos + 1] != '"':
        raise ValueError(f"Expecting property name enclosed in double quotes: char {pos}")
    key, pos = scanstring(text, pos + 1)
    pos = _WHITESPACE.match(text, pos).end()
    if text[pos : pos + 1] != ":":
        raise ValueError(f"Expecting ':' delimiter: char {pos}")
    return key, pos + 1


def _parse(text: str) -> Any:
    """The JSON value: numbers as their literal text, objects as jsonb keeps them."""
    try:
        try:
            return json.loads(
                text,
                parse_int=_Number,
                parse_float=_Number,
                parse_constant=_reject_constant,
                object_pairs_hook=_pairs,
            )
        except RecursionError:
            return _parse_deep(text)
    except ValueError as exc:
        raise ConversionError(f"invalid JSON ({exc})") from exc


# A surrogate left alone: an escape (\ud800) that no other completes to a pair.
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def jsonb_text(value: object) -> str:
    text = _decode(value)
    rendered = _render(_parse(text))
    if "\\u" in text:  # only an escape gives a surrogate (the text itself is valid UTF-8)
        found = _LONE_SURROGATE.search(rendered)
        if found is not None:
            raise ConversionError(
                f"\\u{ord(found.group()):04x} is half of a surrogate pair: PostgreSQL's jsonb refuses "
                "it (a json column keeps it)"
            )
    return rendered
