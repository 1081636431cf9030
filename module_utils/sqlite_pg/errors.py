"""Errors and the collected list of values the target will not take."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

EXCERPT_CHARS = 60


# What a MigrationError is about (the result's ``kind``), for callers that
# must tell the cases apart without reading ``msg``.
KIND_ERROR = "error"  # anything else (the default)
KIND_CONNECTION = "connection"  # PostgreSQL cannot be reached, or the connection was lost
KIND_TARGET_NOT_EMPTY = "target_not_empty"  # target tables hold other rows (if_not_empty=fail)
KIND_DATA = "data"  # values or schema the target will not take (``problems``)
KIND_VERIFICATION = "verification"  # the copy does not match the source
KINDS = (KIND_ERROR, KIND_CONNECTION, KIND_TARGET_NOT_EMPTY, KIND_DATA, KIND_VERIFICATION)


class MigrationError(Exception):
    """A failure the module reports as ``msg``; nothing has been committed.
    ``kind`` (one of KINDS) says what it is about."""

    def __init__(
        self, msg: str, problems: list[dict[str, Any]] | None = None, kind: str = KIND_ERROR
    ) -> None:
        super().__init__(msg)
        self.msg = msg
        self.problems = problems or []
        self.kind = kind


class ConversionError(ValueError):
    """One value that the target column will not take; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ProblemsFound(Exception):
    """A phase found problems (in the run's ProblemLog): the run fails with their report."""


class ProblemLimitReached(Exception):
    """Raised to stop scanning once ``max_problems`` problems are collected."""


def excerpt(value: Any) -> str:
    """A short, printable rendering of a value for a report."""
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            # Show the raw bytes: the point is to find the bad sequence.
            text = repr(value[:EXCERPT_CHARS])
            return text + ("..." if len(value) > EXCERPT_CHARS else "")
    text = repr(value) if not isinstance(value, str) else value
    text = text.replace("\x00", "\\0")
    if len(text) > EXCERPT_CHARS:
        return repr(text[:EXCERPT_CHARS]) + f"... ({len(text)} chars)"
    return repr(text)


def format_key(key: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in key.items())


@dataclass
class Problem:
    table: str
    reason: str
    column: str | None = None
    key: dict[str, Any] = field(default_factory=dict)
    value: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = self.table + (f".{self.column}" if self.column else "")
        if self.key:
            where += f" [{format_key(self.key)}]"
        text = f"{where}: {self.reason}"
        if self.value is not None:
            text += f": {self.value}"
        return text


@dataclass(frozen=True)
class Skipped:
    """Something of the SQLite schema the module does not migrate (a view, a
    trigger, a virtual table, ...): returned so the operator sees it before
    switching over. ``kind`` is a short noun (``view``, ``trigger``,
    ``virtual table``, ``check constraint``, ``collation``, ...)."""

    kind: str
    name: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.kind} {self.name} not migrated: {self.reason}"


@dataclass
class ProblemLog:
    """Problems collected across all tables, up to ``limit``."""

    limit: int = 50
    items: list[Problem] = field(default_factory=list)
    # Tables whose rows differ from the source (if_not_empty=fail): the error's kind.
    not_empty: list[str] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.items.append(problem)
        if len(self.items) >= self.limit:
            raise ProblemLimitReached()

    def __bool__(self) -> bool:
        return bool(self.items)

    def as_list(self) -> list[dict[str, Any]]:
        return [p.as_dict() for p in self.items]

    def summary(self, limited: bool = False) -> str:
        head = f"{len(self.items)} problem(s) found"
        if limited:
            head += f" (stopped at max_problems={self.limit})"
        lines = [str(p) for p in self.items[:10]]
        more = len(self.items) - len(lines)
        tail = f"; and {more} more (see 'problems')" if more > 0 else ""
        return f"{head}, nothing was written: " + "; ".join(lines) + tail
