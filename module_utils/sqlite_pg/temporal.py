"""Dates and times as SQLite applications store them, rendered as PostgreSQL prints them.

Accepted text: Sequelize's ``2024-04-19 02:51:06.990 +00:00``, ISO 8601 (``T`` or
spaces, ``Z``/``UTC``/``GMT`` or ``+hh[:mm[:ss]]``/``+hhmm``/``+h`` offsets, no offset
meaning UTC), a bare date, and what else PostgreSQL's input takes of these forms: one-digit
fields (``2024-1-5 1:02:03``), years past 9999, ``BC``, ``24:00:00`` and a leap second
``:60`` (rolled over to the next minute, as PostgreSQL does), ``infinity``,
``-infinity`` and ``epoch``. Instants are counted here in integer microseconds, so the
whole range PostgreSQL stores (4714-11-24 BC to 294276 AD; dates to 5874897 AD) is
rendered exactly, past what Python's datetime holds.

Numbers (and text that is a bare number) are read as the column's ``NumberReading``
says: epoch seconds, milliseconds or microseconds, or a Julian day as SQLite's own date
functions read a bare number; the reading is chosen per column from all its numbers
(see ``plausible_reading``, numeric_dates.py) or by the option ``date_numbers``, never per
value. Without one a number is refused.
Output assumes the session runs with ``TimeZone=UTC`` and ``DateStyle=ISO``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .errors import ConversionError
from .utf8 import utf8_text

_STAMP = re.compile(
    r"\s*(\d{4,7})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:[Tt]| +)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d*))?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{1,2}(?::\d{1,2}(?::\d{1,2})?|\d\d)?)?\s*(BC)?\s*",
    re.ASCII | re.IGNORECASE,
)
_TIME = re.compile(
    r"\s*(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d*))?)?\s*(Z|UTC|GMT|[+-]\d{1,2}(?::\d{1,2})?)?\s*",
    re.ASCII | re.IGNORECASE,
)
# A bare number as text. SQLite stores such text as a number in a NUMERIC column
# (DATETIME, DATE); in a TEXT or untyped one it stays text. numeric_dates.NUMBER_TEXT_SQL
# finds (at least) these in SQL, so that they count when the column's reading is chosen.
NUMBER_TEXT = re.compile(r"\s*-?\d+(?:\.\d+)?\s*", re.ASCII)

DAY_US = 86_400_000_000
_CYCLE_DAYS = 146_097  # the Gregorian calendar repeats every 400 years


def _ordinal(year: int, month: int, day: int) -> int:
    """Day number (1 = 0001-01-01) of any proleptic Gregorian day (year 0 = 1 BC)."""
    cycles, within = divmod(year - 1, 400)
    return cycles * _CYCLE_DAYS + date(within + 1, month, day).toordinal()


def _civil(ordinal: int) -> tuple[int, int, int]:
    cycles, rest = divmod(ordinal - 1, _CYCLE_DAYS)
    day = date.fromordinal(rest + 1)
    return day.year + 400 * cycles, day.month, day.day


# Instants: microseconds since 0001-01-01 00:00 UTC. PostgreSQL's ranges (PostgreSQL 15):
_FIRST_DAY = _ordinal(-4713, 11, 24)  # 4714-11-24 BC
_TIMESTAMP_FIRST = (_FIRST_DAY - 1) * DAY_US
_TIMESTAMP_END = (_ordinal(294277, 1, 1) - 1) * DAY_US
_DATE_LAST_DAY = _ordinal(5874897, 12, 31)
UNIX_EPOCH = (_ordinal(1970, 1, 1) - 1) * DAY_US
_JULIAN_ZERO = _TIMESTAMP_FIRST + DAY_US // 2  # Julian day 0: 4714-11-24 12:00 BC
JULIAN_END = 5373484.5  # SQLite's date functions read a Julian day from 0 up to this

# -- numbers -------------------------------------------------------------------
_PER_UNIT = {"epoch_s": 1_000_000, "epoch_ms": 1000, "epoch_us": 1}
READINGS = (*_PER_UNIT, "julian_day")
# For writing instants as numbers (postgres_to_sqlite): microseconds per epoch unit, Julian day 0.
PER_UNIT = _PER_UNIT
JULIAN_ZERO = _JULIAN_ZERO
# The magnitudes taken as epoch numbers without being told (every number of the
# column within one range): 1973-03-03 to 2286-11-20 in each unit (and as far before
# 1970). Below 1e8 lie years, Julian days (at most 5373484.5), YYYYMMDD dates and
# counters: a number there is never taken for an instant. The ranges are disjoint, so
# a column of seconds and milliseconds mixed is refused.
PLAUSIBLE = {"epoch_s": (1e8, 1e10), "epoch_ms": (1e11, 1e13), "epoch_us": (1e14, 1e16)}
NO_NUMBERS = (
    "a number, not a date/time; its unit is unknown: set date_numbers for the column "
    f"(one of {', '.join(READINGS)})"
)


def plausible_reading(smallest: float, largest: float) -> str | None:
    """The epoch unit whose range holds every magnitude from ``smallest`` to ``largest``."""
    for reading, (low, high) in PLAUSIBLE.items():
        if low <= smallest and largest < high:
            return reading
    return None


@dataclass(frozen=True)
class NumberReading:
    """How a date/time column's numbers are read: one of READINGS, or None:
    refused, ``refusal`` saying why and what to do."""

    reading: str | None = None
    refusal: str = NO_NUMBERS


REFUSED = NumberReading()


def _as_number(value: object) -> int | float | None:
    if type(value) is int or type(value) is float:
        return value
    if isinstance(value, bytes | str):
        text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
        if NUMBER_TEXT.fullmatch(text):
            return float(text) if "." in text else int(text)
    return None


def _number_instant(number: int | float, numbers: NumberReading) -> int:
    reading = numbers.reading
    if reading is None:
        raise ConversionError(numbers.refusal)
    if number != number or number in (float("inf"), float("-inf")):
        raise ConversionError("not a date/time (not a finite number)")
    if reading == "julian_day":
        # SQLite's reading of a bare number (date.c, setRawDateNumber): days since
        # 4714-11-24 12:00 BC, rounded to the millisecond as SQLite rounds it.
        if not 0.0 <= number < JULIAN_END:
            raise ConversionError(f"not a Julian day SQLite's date functions read (0 to {JULIAN_END})")
        return _JULIAN_ZERO + int(float(number) * 86400000.0 + 0.5) * 1000
    per_unit = _PER_UNIT[reading]
    if type(number) is int:
        return UNIX_EPOCH + number * per_unit
    return UNIX_EPOCH + round(number * per_unit)


# -- text ------------------------------------------------------------------------
def _micros(frac: str | None) -> int:
    """The fraction of a second in microseconds, as PostgreSQL rounds it
    (datetime.c, ParseFractionalSecond: rint(strtod(".digits") * 1000000))."""
    if not frac:
        return 0
    return round(float("0." + frac) * 1_000_000)


def _clock_micros(hour: str, minute: str, second: str | None, frac: str | None) -> int:
    """Microseconds into the day; hour 24 and second 60 as PostgreSQL takes them
    (datetime.c, time_overflows: each field in range, the whole at most 24:00:00)."""
    h, m, s, micros = int(hour), int(minute), int(second or 0), _micros(frac)
    total = ((h * 60 + m) * 60 + s) * 1_000_000 + micros
    if m > 59 or s > 60 or h > 24 or total > DAY_US:
        raise ConversionError("time of day out of range (PostgreSQL takes 00:00:00 to 24:00:00)")
    return total


def _offset(text: str | None) -> int:
    """A zone offset in microseconds (east positive)."""
    if not text or text.upper() in ("Z", "UTC", "GMT"):
        return 0
    sign = -1 if text[0] == "-" else 1
    digits = text[1:]
    if ":" in digits:
        parts = [int(p) for p in digits.split(":")] + [0, 0]
    elif len(digits) > 2:
        parts = [int(digits[:-2]), int(digits[-2:]), 0]
    else:
        parts = [int(digits), 0, 0]
    hours, minutes, seconds = parts[:3]
    if hours > 15 or minutes > 59 or seconds > 59:
        raise ConversionError(f"time zone offset {text} out of range (PostgreSQL takes up to 15:59:59)")
    return sign * ((hours * 60 + minutes) * 60 + seconds) * 1_000_000


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return utf8_text(value)
    if isinstance(value, str):
        return value
    raise ConversionError("not a date/time")


_INFINITE = {"infinity": "infinity", "-infinity": "-infinity"}
_RELATIVE = ("now", "today", "tomorrow", "yesterday")


def _word(text: str) -> str | None:
    """``infinity``/``-infinity`` as PostgreSQL prints them, ``epoch``; a relative word is refused."""
    word = text.strip().lower()
    if word in _INFINITE:
        return _INFINITE[word]
    if word == "epoch":
        return "epoch"
    if word in _RELATIVE:
        raise ConversionError(
            f"not a date/time: {word!r} is relative (PostgreSQL would read it as of the load, "
            "not as of when the application wrote it)"
        )
    return None


def _written(text: str) -> tuple[int, int, int] | None:
    """(day as written, microseconds into it, zone offset) of a date/time text; None if no such form."""
    match = _STAMP.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, frac, zone, bc = match.groups()
    if int(year) == 0:
        raise ConversionError("year 0 does not exist (the year before 0001 is 0001 BC)")
    try:
        ordinal = _ordinal(1 - int(year) if bc else int(year), int(month), int(day))
    except ValueError as exc:
        raise ConversionError(f"invalid date ({exc})") from exc
    clock = _clock_micros(hour, minute, second, frac) if hour is not None else 0
    return ordinal, clock, _offset(zone)


def parse_instant(value: object, numbers: NumberReading = REFUSED) -> int | str:
    """Microseconds since 0001-01-01 00:00 UTC, or ``infinity``/``-infinity``;
    ConversionError when the value is not a date/time PostgreSQL takes."""
    number = _as_number(value)
    if number is not None:
        return _number_instant(number, numbers)
    text = _text(value)
    written = _written(text)
    if written is None:
        word = _word(text)
        if word == "epoch":
            return UNIX_EPOCH
        if word is not None:
            return word
        raise ConversionError("not a date/time PostgreSQL accepts")
    ordinal, clock, offset = written
    return (ordinal - 1) * DAY_US + clock - offset


def instant_fields(instant: int) -> tuple[int, int, int, int]:
    """(year, month, day, microseconds into the day) of an instant (year 0 is 1 BC):
    for writing an instant in another form (postgres_to_sqlite)."""
    days, clock = divmod(instant, DAY_US)
    year, month, day = _civil(days + 1)
    return year, month, day, clock


def _day_text(ordinal: int) -> str:
    """YYYY-MM-DD as PostgreSQL's ISO DateStyle prints the day (BC after the zone)."""
    year, month, day = _civil(ordinal)
    return f"{year if year > 0 else 1 - year:04d}-{month:02d}-{day:02d}"


def _era(ordinal: int) -> str:
    return " BC" if ordinal < _ordinal(1, 1, 1) else ""


def _clock_text(micros: int) -> str:
    seconds, micros = divmod(micros, 1_000_000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    if micros:
        text += f".{micros:06d}".rstrip("0")
    return text


def _stamp_text(instant: int | str, zone: str) -> str:
    if isinstance(instant, str):
        return instant
    if not _TIMESTAMP_FIRST <= instant < _TIMESTAMP_END:
        raise ConversionError("out of PostgreSQL's timestamp range (4714-11-24 BC to 294276-12-31)")
    days, clock = divmod(instant, DAY_US)
    return f"{_day_text(days + 1)} {_clock_text(clock)}{zone}{_era(days + 1)}"


# Sequelize's UTC format (and ISO 8601 in UTC) checked by one regex: the fast path
# needs no datetime arithmetic; only the calendar day is validated (cached: the
# same few thousand days recur across millions of rows).
_UTC_STAMP = re.compile(
    rb"(\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))[T ]"
    rb"((?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d)(?:\.(\d{1,6}))?(?: ?\+00:?00| ?\+00|Z)?"
)
_VALID_DAYS: dict[bytes, bool] = {}


def _valid_day(day: bytes) -> bool:
    known = _VALID_DAYS.get(day)
    if known is None:
        try:
            date(int(day[:4]), int(day[5:7]), int(day[8:10]))
            known = True
        except ValueError:
            known = False
        if len(_VALID_DAYS) < 100_000:
            _VALID_DAYS[day] = known
    return known


def timestamptz_text(value: object, numbers: NumberReading = REFUSED) -> str:
    """As PostgreSQL prints a ``timestamp with time zone`` in UTC: ``2024-04-19 02:51:06.99+00``."""
    if type(value) is bytes:
        match = _UTC_STAMP.fullmatch(value)
        if match is not None:
            day, clock, frac = match.groups()
            if _valid_day(day) and day[:4] != b"0000":
                if frac:
                    frac = frac.rstrip(b"0")
                    if frac:
                        return (day + b" " + clock + b"." + frac + b"+00").decode()
                return (day + b" " + clock + b"+00").decode()
    return _stamp_text(parse_instant(value, numbers), "+00")


def timestamp_text(value: object, numbers: NumberReading = REFUSED) -> str:
    """``timestamp without time zone``: the UTC wall time (Sequelize stores UTC)."""
    return _stamp_text(parse_instant(value, numbers), "")


def date_text(value: object, numbers: NumberReading = REFUSED) -> str:
    if _as_number(value) is None:
        text = _text(value)
        written = _written(text)
        if written is not None:
            # PostgreSQL's date input checks the time and zone, then keeps the written calendar day.
            ordinal = written[0]
        else:
            instant = parse_instant(text)
            if isinstance(instant, str):
                return instant
            ordinal = instant // DAY_US + 1
    else:
        instant = parse_instant(value, numbers)
        assert isinstance(instant, int)
        ordinal = instant // DAY_US + 1
    if not _FIRST_DAY <= ordinal <= _DATE_LAST_DAY:
        raise ConversionError("out of PostgreSQL's date range (4714-11-24 BC to 5874897-12-31)")
    return _day_text(ordinal) + _era(ordinal)


def time_text(value: object) -> str:
    text = _text(value)
    match = _TIME.fullmatch(text)
    if match is not None:
        hour, minute, second, frac, zone = match.groups()
        _offset(zone)  # checked, then ignored, as PostgreSQL's time input does
    else:
        stamp = _STAMP.fullmatch(text)
        if stamp is None or stamp.group(4) is None:
            raise ConversionError("not a time of day")
        hour, minute, second, frac = stamp.group(4), stamp.group(5), stamp.group(6), stamp.group(7)
    micros = _clock_micros(hour, minute, second, frac)
    if micros == DAY_US:
        return "24:00:00"
    return _clock_text(micros)


# -- durations -----------------------------------------------------------------
_SQLALCHEMY_EPOCH = UNIX_EPOCH  # SQLAlchemy's Interval without a native type: epoch + delta


def interval_text(value: object) -> str | None:
    """A duration as PostgreSQL prints the ``interval`` an ORM stores for it, or None
    for a form this module does not read. Django's DurationField stores integer
    microseconds, SQLAlchemy's Interval ``1970-01-01 00:00:05.000000`` (the epoch plus
    the duration: ``1969-12-31 23:59:55`` is minus 5 seconds). Stored as psycopg adapts a
    timedelta (whole days, then the rest of the day, never negative): minus 5 seconds
    is ``-1 days +23:59:55`` (IntervalStyle=postgres)."""
    if type(value) is int:
        micros = value
    elif isinstance(value, bytes | str):
        written = _written(_text(value))
        if written is None:
            return None
        ordinal, clock, offset = written
        micros = (ordinal - 1) * DAY_US + clock - offset - _SQLALCHEMY_EPOCH
    else:
        return None
    days, clock = divmod(micros, DAY_US)
    if not -(2**31) <= days < 2**31:
        raise ConversionError("out of PostgreSQL's interval range (2^31 days)")
    if not days:
        return _clock_text(clock)
    text = f"{days} day" if days == 1 else f"{days} days"
    if clock:
        text += (" +" if days < 0 else " ") + _clock_text(clock)
    return text
