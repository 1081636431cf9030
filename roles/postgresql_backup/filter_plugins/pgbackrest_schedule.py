"""Schedules of roles/postgresql_backup: "<days> HH:MM" into systemd's
OnCalendar, a cron line's first five fields and launchd's
StartCalendarInterval, so that one string means the same on every platform.

days: ``daily``, a weekday (Mon..Sun), a list (``Mon,Wed,Fri``) or a range
(``Mon..Sat``, as systemd writes it)."""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_FORM = re.compile(r"^\s*(?P<days>\S+)\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*$")


def parse_schedule(text: object, name: str = "schedule") -> dict:
    """{'days': [0..6, Monday 0] or [] for every day, 'hour', 'minute'}; a clear error otherwise."""
    how = f'{name} must be "<days> HH:MM" with days daily, Mon..Sun, a list (Mon,Wed) or a range (Mon..Sat)'
    if not isinstance(text, str):
        raise AnsibleFilterError(f"{how}, got {text!r}")
    match = _FORM.match(text)
    if not match:
        raise AnsibleFilterError(f"{how}, got {text!r}")
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        raise AnsibleFilterError(f"{how}: {text!r} is not a time of day (00:00 to 23:59)")
    days: list[int] = []
    if match["days"].lower() != "daily":
        for part in match["days"].split(","):
            ends = part.split("..")
            if len(ends) > 2 or any(e.capitalize() not in DAYS for e in ends):
                raise AnsibleFilterError(f"{how}: {part!r} in {text!r} is not a weekday or a range of them")
            first, last = (DAYS.index(e.capitalize()) for e in (ends[0], ends[-1]))
            if last < first:
                raise AnsibleFilterError(f"{how}: the range {part!r} in {text!r} runs backwards")
            days.extend(d for d in range(first, last + 1) if d not in days)
    return {"days": sorted(days) if len(days) < 7 else [], "hour": hour, "minute": minute}


def on_calendar(text: object, name: str = "schedule") -> str:
    s = parse_schedule(text, name)
    days = ",".join(DAYS[d] for d in s["days"])
    return f"{days + ' ' if days else ''}*-*-* {s['hour']:02d}:{s['minute']:02d}:00"


def cron_fields(text: object, name: str = "schedule") -> str:
    s = parse_schedule(text, name)
    # cron counts Sunday as 0.
    days = ",".join(str((d + 1) % 7) for d in s["days"]) or "*"
    return f"{s['minute']} {s['hour']} * * {days}"


def launchd_intervals(text: object, name: str = "schedule") -> list[dict]:
    s = parse_schedule(text, name)
    at = {"Hour": s["hour"], "Minute": s["minute"]}
    # launchd counts Sunday as 0 (and 7).
    return [dict(at, Weekday=(d + 1) % 7) for d in s["days"]] or [at]


class FilterModule:
    def filters(self) -> dict:
        return {
            "pgbackrest_schedule": parse_schedule,
            "pgbackrest_on_calendar": on_calendar,
            "pgbackrest_cron": cron_fields,
            "pgbackrest_launchd": launchd_intervals,
        }
