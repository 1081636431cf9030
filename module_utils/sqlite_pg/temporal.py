"""Dates and times as SQLite applications store them, rendered as PostgreSQL prints them.

Accepted: Sequelize's ``2024-04-19 02:51:06.990 +00:00``, ISO 8601 (``T`` or space,
``Z`` or ``+hh:mm``/``+hhmm``/``+hh`` offsets, no offset meaning UTC), a bare date,
and epoch numbers (seconds, or milliseconds from 1e11, or microseconds from 1e14:
magnitudes that would otherwise be read as dates past the year 5000).
Output assumes the session runs with ``TimeZone=UTC`` and ``DateStyle=ISO``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from .errors import ConversionError

_STAMP = re.compile(
    r"\s*(\d{4})-(\d\d)-(\d\d)"
    r"(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?)?"
    r"\s*(Z|z|UTC|[+-]\d\d(?::?\d\d)?)?\s*"
)
_TIME = re.compile(r"\s*(\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?\s*")
_EPOCH_TEXT = re.compile(r"\s*-?\d+(?:\.\d+)?\s*")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MS_FROM = 10**11
US_FROM = 10**14


def _micros(frac: str | None) -> int:
    if not frac:
        return 0
    micros = int(frac[:6].ljust(6, "0"))
    rest = frac[6:]
    # PostgreSQL rounds to the microsecond, half to even (rint).
    if rest and (rest[0] > "5" or (rest[0] == "5" and (rest[1:].strip("0") or micros % 2 == 1))):
        micros += 1
    return micros


def _offset(text: str | None) -> timedelta:
    if not text or text in ("Z", "z", "UTC"):
        return timedelta(0)
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 15 or minutes > 59:
        raise ConversionError(f"bad time zone offset {text}")
    return sign * timedelta(hours=hours, minutes=minutes)


def _from_epoch(number: float | int) -> datetime:
    magnitude = abs(number)
    try:
        if magnitude >= US_FROM:
            return _EPOCH + timedelta(microseconds=int(number))
        if magnitude >= MS_FROM:
            if isinstance(number, int):
                return _EPOCH + timedelta(milliseconds=number)
            return _EPOCH + timedelta(microseconds=round(number * 1000))
        if isinstance(number, int):
            return _EPOCH + timedelta(seconds=number)
        return _EPOCH + timedelta(microseconds=round(number * 1_000_000))
    except OverflowError as exc:
        raise ConversionError("epoch number out of range") from exc


def _text(value: object) -> str:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConversionError("invalid UTF-8, not a date/time") from exc
    if isinstance(value, str):
        return value
    raise ConversionError("not a date/time")


def parse_timestamp(value: object) -> datetime:
    """An aware UTC datetime from any accepted form; ConversionError otherwise."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value != value or value in (float("inf"), float("-inf")):
            raise ConversionError("not a date/time")
        return _from_epoch(value)
    text = _text(value)
    match = _STAMP.fullmatch(text)
    if match is None:
        if _EPOCH_TEXT.fullmatch(text):
            number = float(text) if "." in text else int(text)
            return _from_epoch(number)
        raise ConversionError("not a date/time PostgreSQL accepts")
    year, month, day, hour, minute, second, frac, zone = match.groups()
    try:
        stamp = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), tzinfo=UTC
        )
    except ValueError as exc:
        raise ConversionError(f"invalid date/time ({exc})") from exc
    micros = _micros(frac)
    return stamp + timedelta(microseconds=micros) - _offset(zone)


def _clock(stamp: datetime | None, hour: int, minute: int, second: int, micros: int) -> str:
    del stamp
    text = f"{hour:02d}:{minute:02d}:{second:02d}"
    if micros:
        text += f".{micros:06d}".rstrip("0")
    return text


def _render(stamp: datetime) -> str:
    if stamp.year < 1:
        raise ConversionError("year before 1")
    text = f"{stamp.year:04d}-{stamp.month:02d}-{stamp.day:02d} "
    return text + _clock(None, stamp.hour, stamp.minute, stamp.second, stamp.microsecond)


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


def timestamptz_text(value: object) -> str:
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
    return _render(parse_timestamp(value)) + "+00"


def timestamp_text(value: object) -> str:
    """``timestamp without time zone``: the UTC wall time (Sequelize stores UTC)."""
    return _render(parse_timestamp(value))


def date_text(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return parse_timestamp(value).date().isoformat()
    text = _text(value)
    match = _STAMP.fullmatch(text)
    if match is None:
        return parse_timestamp(text).date().isoformat()
    # PostgreSQL's date input ignores a time and zone: keep the written calendar day.
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3))).isoformat()
    except ValueError as exc:
        raise ConversionError(f"invalid date ({exc})") from exc


def time_text(value: object) -> str:
    text = _text(value)
    match = _TIME.fullmatch(text)
    if match is None:
        stamp = _STAMP.fullmatch(text)
        if stamp is None or stamp.group(4) is None:
            raise ConversionError("not a time of day")
        hour, minute, second, frac = stamp.group(4), stamp.group(5), stamp.group(6), stamp.group(7)
    else:
        hour, minute, second, frac = match.groups()
    h, m, s, micros = int(hour), int(minute), int(second or 0), _micros(frac)
    if m > 59 or s > 59 or h > 24 or (h == 24 and (m or s or micros)):
        raise ConversionError("invalid time of day")
    if micros >= 1_000_000:
        moment = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(hours=h, minutes=m, seconds=s + 1)
        h, m, s, micros = moment.hour, moment.minute, moment.second, 0
    return _clock(None, h, m, s, micros)
