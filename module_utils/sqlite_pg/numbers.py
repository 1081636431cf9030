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


# PostgreSQL's float8out/float4out (Ryu shortest form) switch to exponent notation
# outside these decimal exponent ranges (DBL_DIG, FLT_DIG); Python's repr at 16.
FIXED_MIN_EXP = -4
FLOAT8_FIXED_MAX_EXP = 15
FLOAT4_FIXED_MAX_EXP = 6


def _shortest(digits: str, exponent: int, negative: bool, fixed_max: int) -> str:
    """Render shortest digits d1d2...dn x 10^exponent (exponent of d1) the PostgreSQL way."""
    sign = "-" if negative else ""
    if FIXED_MIN_EXP <= exponent < fixed_max:
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


def _strictly_shortest(number: float, ulp: float, round_trips) -> str:
    """Shortest %e text strictly inside the rounding interval of an integer-valued
    float. Ryu (PostgreSQL) excludes the interval's bounds; Python's repr may
    return a decimal exactly half an ulp away (a tie that rounds to even)."""
    exact = int(number)
    for places in range(17):
        text = f"{number:.{places}e}"
        if round_trips(text) and abs(int(Decimal(text)) - exact) * 2 < ulp:
            return text
    return f"{number:.16e}"


def _render_e(text: str, fixed_max: int) -> str:
    mantissa, _, exp_text = text.partition("e")
    negative = mantissa.startswith("-")
    digit_text = mantissa.lstrip("-").replace(".", "")
    exponent = int(exp_text or 0)
    return _shortest(digit_text.rstrip("0") or "0", exponent, negative, fixed_max)


def float8_text(number: float) -> str:
    special = _special(number)
    if special is not None:
        return special
    text = repr(number)
    if "e" not in text and 1e-4 <= abs(number) < 1e15:
        return text[:-2] if text.endswith(".0") else text
    if abs(number) >= 2.0**53:
        text = _strictly_shortest(number, math.ulp(number), lambda t: float(t) == number)
        return _render_e(text, FLOAT8_FIXED_MAX_EXP)
    sign, digits, exp = Decimal(text).as_tuple()
    digit_text = "".join(map(str, digits)).rstrip("0") or "0"
    exponent = len(digits) + int(exp) - 1
    return _shortest(digit_text, exponent, bool(sign), FLOAT8_FIXED_MAX_EXP)


def _single(number: float) -> float:
    return struct.unpack("f", struct.pack("f", number))[0]


def float4_text(number: float) -> str:
    special = _special(number)
    if special is not None:
        return special
    single = _single(number)
    special = _special(single)
    if special is not None:
        return special
    if abs(single) >= 2.0**24:
        ulp = 2.0 ** (math.frexp(single)[1] - 24)
        text = _strictly_shortest(single, ulp, lambda t: _single(float(t)) == single)
        return _render_e(text, FLOAT4_FIXED_MAX_EXP)
    for places in range(9):
        text = f"{single:.{places}e}"
        if _single(float(text)) == single:
            break
    return _render_e(text, FLOAT4_FIXED_MAX_EXP)


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
