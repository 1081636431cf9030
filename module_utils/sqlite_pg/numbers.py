"""Numbers rendered as PostgreSQL prints them (integers, numeric, float8/float4)."""

from __future__ import annotations

import math
import re
import struct
from decimal import Decimal, InvalidOperation

from .errors import ConversionError

INT_RANGES = {
    "int2": (-(2**15), 2**15 - 1),
    "int4": (-(2**31), 2**31 - 1),
    "int8": (-(2**63), 2**63 - 1),
}
_INT_TEXT = re.compile(rb"\s*[+-]?\d+\s*")


def integer_text(value: object, kind: str) -> str:
    low, high = INT_RANGES[kind]
    if type(value) is int:
        number = value
    elif type(value) is float:
        if not value.is_integer():
            raise ConversionError(f"not a whole number, column is {kind}")
        number = int(value)
    elif isinstance(value, bytes):
        # INTEGER affinity already turned numeric-looking text into integers;
        # what is left is text the application put in an integer column.
        if _INT_TEXT.fullmatch(value) is None:
            raise ConversionError(f"text in an integer ({kind}) column")
        number = int(value)
    else:
        raise ConversionError(f"not an integer, column is {kind}")
    if not low <= number <= high:
        raise ConversionError(f"out of range for {kind}")
    return str(number)


def to_decimal(value: object) -> Decimal:
    if type(value) is int:
        return Decimal(value)
    if type(value) is float:
        if math.isnan(value):
            return Decimal("NaN")
        if math.isinf(value):
            return Decimal("Infinity") if value > 0 else Decimal("-Infinity")
        # 15 significant digits round-trip any decimal a user typed; more would
        # expose binary noise (0.1 + 0.2 = 0.30000000000000004).
        return Decimal(format(value, ".15g"))
    if isinstance(value, bytes):
        try:
            return Decimal(value.decode("ascii").strip())
        except (UnicodeDecodeError, InvalidOperation) as exc:
            raise ConversionError("text in a numeric column") from exc
    raise ConversionError("not a number")


def decimal_text(number: Decimal) -> str:
    """numeric_out: plain notation, the scale kept, no negative zero."""
    if number.is_nan():
        return "NaN"
    if number.is_infinite():
        return "Infinity" if number > 0 else "-Infinity"
    text = format(number, "f")
    if number.is_zero() and text.startswith("-"):
        text = text[1:]
    return text


def numeric_text(value: object, precision: int | None, scale: int | None) -> str:
    number = to_decimal(value)
    if precision is None:
        return decimal_text(number)
    scale = scale or 0
    if not number.is_finite():
        raise ConversionError(f"{number} does not fit numeric({precision},{scale})")
    quantum = Decimal(1).scaleb(-scale)
    try:
        rounded = number.quantize(quantum)
    except InvalidOperation as exc:
        raise ConversionError(f"too large for numeric({precision},{scale})") from exc
    if rounded != number:
        raise ConversionError(f"more than {scale} decimal places, column is numeric({precision},{scale})")
    if rounded.adjusted() >= precision - scale and not rounded.is_zero():
        raise ConversionError(f"too large for numeric({precision},{scale})")
    return decimal_text(rounded)


# PostgreSQL's float8out (Ryu shortest form) switches to exponent notation
# outside this decimal exponent range; Python's repr switches at 16.
FIXED_MIN_EXP = -4
FIXED_MAX_EXP = 15


def _shortest(digits: str, exponent: int, negative: bool) -> str:
    """Render shortest digits d1d2...dn x 10^exponent (exponent of d1) the PostgreSQL way."""
    sign = "-" if negative else ""
    if FIXED_MIN_EXP <= exponent < FIXED_MAX_EXP:
        if exponent < 0:
            return f"{sign}0.{'0' * (-exponent - 1)}{digits}"
        whole = digits[: exponent + 1].ljust(exponent + 1, "0")
        frac = digits[exponent + 1 :]
        return f"{sign}{whole}.{frac}" if frac else f"{sign}{whole}"
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"


def _special(number: float) -> str | None:
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "-0" if math.copysign(1.0, number) < 0 else "0"
    return None


def float8_text(number: float) -> str:
    special = _special(number)
    if special is not None:
        return special
    text = repr(number)
    if "e" not in text and 1e-4 <= abs(number) < 1e15:
        return text[:-2] if text.endswith(".0") else text
    sign, digits, exp = Decimal(text).as_tuple()
    digit_text = "".join(map(str, digits)).rstrip("0") or "0"
    exponent = len(digits) + int(exp) - 1
    return _shortest(digit_text, exponent, bool(sign))


def float4_text(number: float) -> str:
    special = _special(number)
    if special is not None:
        return special
    single = struct.unpack("f", struct.pack("f", number))[0]
    for places in range(1, 10):
        text = f"{single:.{places}e}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == single:
            break
    mantissa, exp_text = text.split("e")
    negative = mantissa.startswith("-")
    digit_text = mantissa.lstrip("-").replace(".", "").rstrip("0") or "0"
    return _shortest(digit_text, int(exp_text), negative)


def to_float(value: object, kind: str) -> float:
    if type(value) is float:
        return value
    if type(value) is int:
        return float(value)
    if isinstance(value, bytes):
        try:
            return float(value.decode("ascii"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ConversionError(f"text in a {kind} column") from exc
    raise ConversionError(f"not a number, column is {kind}")


def float_text(value: object, kind: str) -> str:
    number = to_float(value, kind)
    if kind == "float4":
        if abs(number) > 3.4028234663852886e38 and not math.isinf(number):
            raise ConversionError("out of range for real")
        return float4_text(number)
    return float8_text(number)
