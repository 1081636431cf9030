"""Row generation: deterministic values per table (one ``random.Random``)."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

_EPOCH = datetime(2023, 1, 1, tzinfo=UTC)
_SPAN_SECONDS = 3 * 365 * 24 * 3600
_WORDS: tuple[str, ...] = tuple(
    " ".join(
        (
            "buy milk call mom finish report review pull request plan sprint book dentist water plants",
            "renew passport pay rent walk dog fix bike backup photos update resume clean garage order",
            "filters refill meds send invoice prepare talk read chapter gym session groceries laundry",
            "café naïve résumé 東京 🚀",
        )
    ).split(" ")
)
_CATEGORIES = ("groceries", "rent", "utilities", "transport", "salary", "fun", "health", "gifts")
_COLORS = ("#ff0000", "#00aa88", "#3366ff", "#ffaa00", None)
_TZS = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney")


def format_datetime(dt: datetime) -> str:
    """Sequelize SQLite DATETIME text: ``2024-04-19 02:51:06.990 +00:00``."""
    return dt.strftime("%Y-%m-%d %H:%M:%S.") + f"{dt.microsecond // 1000:03d} +00:00"


_DAYS = 3 * 365
_DAY_TEXT: tuple[str, ...] = tuple(
    (_EPOCH + timedelta(days=d)).strftime("%Y-%m-%d") for d in range(_DAYS + 60)
)


class _Gen:
    """Deterministic value source (one ``random.Random``); fast enough for 1M rows."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.r.getrandbits(128), version=4))

    @staticmethod
    def _fmt_ms(ms: int) -> str:
        day, rest = divmod(ms, 86_400_000)
        sec, milli = divmod(rest, 1000)
        h, sec = divmod(sec, 3600)
        m, sec = divmod(sec, 60)
        return f"{_DAY_TEXT[day]} {h:02d}:{m:02d}:{sec:02d}.{milli:03d} +00:00"

    def dt(self) -> str:
        return self._fmt_ms(self.r.randrange(_DAYS * 86_400_000))

    def ts_pair(self) -> tuple[str, str]:
        created = self.r.randrange(_DAYS * 86_400_000)
        updated = created + self.r.randrange(30 * 86_400_000)
        return self._fmt_ms(created), self._fmt_ms(updated)

    def date(self) -> str:
        return _DAY_TEXT[self.r.randrange(_DAYS)]

    def time(self) -> str:
        r = self.r
        return f"{r.randrange(24):02d}:{r.choice((0, 15, 30, 45, 2)):02d}:00"

    def words(self, lo: int, hi: int) -> str:
        r = self.r
        return " ".join(r.choices(_WORDS, k=r.randint(lo, hi)))

    def maybe(self, p: float) -> bool:
        return self.r.random() < p


_Row = tuple[Any, ...]


def _users(g: _Gen, n: int) -> Iterator[_Row]:
    r = g.r
    for i in range(1, n + 1):
        created, updated = g.ts_pair()
        prefs = json.dumps({"theme": r.choice(("dark", "light")), "notify": r.random() < 0.5, "n": i})
        yield (
            i,
            str(100000000000000000 + i * 7919),
            f"g{i:010d}" if g.maybe(0.6) else None,
            f"user{i}@example.org" if g.maybe(0.8) else None,
            g.words(1, 2).title()[:100],
            1 if i == 1 or g.maybe(0.02) else 0,
            r.choice(("user", "user", "user", "moderator", "admin")),
            r.choice(_TZS),
            prefs,
            r.randbytes(r.randrange(8, 64)) if g.maybe(0.1) else None,
            g.dt() if g.maybe(0.7) else None,
            created,
            updated,
        )


def _lists(g: _Gen, n: int, users: int, ids: list[str]) -> Iterator[_Row]:
    r = g.r
    for _ in range(n):
        created, updated = g.ts_pair()
        lid = g.uuid()
        ids.append(lid)
        items = json.dumps([{"text": g.words(1, 3), "done": r.random() < 0.3} for _ in range(r.randrange(4))])
        yield (
            lid,
            r.randint(1, users),
            str(200000000000000000 + r.randrange(50)) if g.maybe(0.5) else None,
            g.words(1, 3)[:100],
            items,
            1 if g.maybe(0.1) else 0,
            r.choice(_COLORS),
            created,
            updated,
        )


def _tasks(g: _Gen, n: int, users: int, lists: list[str], ids: list[str]) -> Iterator[_Row]:
    r = g.r
    for _ in range(n):
        created, updated = g.ts_pair()
        tid = g.uuid()
        ids.append(tid)
        done = g.maybe(0.4)
        yield (
            tid,
            r.randint(1, users),
            r.choice(lists) if lists and g.maybe(0.7) else None,
            str(200000000000000000 + r.randrange(50)) if g.maybe(0.5) else None,
            g.words(2, 8)[:200],
            g.words(4, 24) if g.maybe(0.5) else None,
            1 if done else 0,
            r.choice(("low", "medium", "medium", "high")),
            round(r.random() * 16, 3) if g.maybe(0.3) else None,
            g.dt() if g.maybe(0.6) else None,
            updated if done else None,
            created,
            updated,
        )


def _notes(g: _Gen, n: int, users: int, tasks: list[str]) -> Iterator[_Row]:
    r = g.r
    for i in range(1, n + 1):
        created, updated = g.ts_pair()
        yield (
            i,
            r.randint(1, users),
            r.choice(tasks) if tasks and g.maybe(0.2) else None,
            g.words(1, 6)[:200],
            g.words(5, 40) + ("\nline two\ttabbed 'quoted' \"double\" \\ back" if g.maybe(0.1) else ""),
            json.dumps(sorted({r.choice(_WORDS) for _ in range(r.randrange(4))}), ensure_ascii=False),
            1 if g.maybe(0.05) else 0,
            r.randbytes(r.randrange(1, 256)) if g.maybe(0.03) else None,
            created,
            updated,
        )


def _reminders(g: _Gen, n: int, users: int) -> Iterator[_Row]:
    r = g.r
    for i in range(1, n + 1):
        created, updated = g.ts_pair()
        freq = r.choice(("once", "daily", "weekly", "monthly"))
        yield (
            i,
            r.randint(1, users),
            str(300000000000000000 + r.randrange(100)) if g.maybe(0.8) else None,
            g.words(2, 12),
            freq,
            g.time(),
            r.randrange(7) if freq == "weekly" else None,
            g.date() if freq == "once" else None,
            g.dt() if g.maybe(0.9) else None,
            0 if g.maybe(0.15) else 1,
            created,
            updated,
        )


def _budget(g: _Gen, n: int, users: int) -> Iterator[_Row]:
    r = g.r
    for i in range(1, n + 1):
        created, updated = g.ts_pair()
        kind = "income" if g.maybe(0.2) else "expense"
        # DECIMAL has NUMERIC affinity in SQLite: 12.0 is stored as the integer 12.
        amount = round(r.random() * (3000 if kind == "income" else 250), 2)
        yield (
            i,
            r.randint(1, users),
            kind,
            r.choice(_CATEGORIES),
            amount,
            r.choice(("USD", "USD", "EUR", "GBP")),
            round(0.5 + r.random(), 6) if g.maybe(0.3) else None,
            g.words(1, 8) if g.maybe(0.6) else None,
            g.date(),
            r.randbytes(r.randrange(16, 128)) if g.maybe(0.02) else None,
            created,
            updated,
        )


def _schedules(g: _Gen, n: int, users: int) -> Iterator[_Row]:
    r = g.r
    for _ in range(n):
        created, updated = g.ts_pair()
        meta = json.dumps({"location": g.words(1, 2), "attendees": r.randrange(10)}) if g.maybe(0.5) else None
        yield (
            g.uuid(),
            r.randint(1, users),
            g.words(2, 6)[:200],
            g.date(),
            g.time(),
            r.choice((15, 30, 60, 90, None)),
            r.choice(("none", "none", "daily", "weekly", "monthly")),
            g.words(3, 20) if g.maybe(0.4) else None,
            meta,
            1 if g.maybe(0.1) else 0,
            created,
            updated,
        )
