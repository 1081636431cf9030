"""Progress of a run, for a face that shows it (the command line): structured events
the phases emit, per table, through an optional callback. The Ansible modules pass
none. Rows are reported per batch (thousands of rows), never per row, and a phase
may report from the thread that reads ahead: the callback must be thread-safe."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

COPY = "copy"  # rows read, converted and sent (forward) or written (reverse)
KEYS = "keys"  # indexes, foreign keys and sequences that became ready with the table
VERIFY = "verify"  # the table read back and compared with the source
ANALYZE = "analyze"
DONE = "done"
PHASES = (COPY, KEYS, VERIFY, ANALYZE, DONE)


@dataclass(frozen=True)
class ProgressEvent:
    table: str
    phase: str  # one of PHASES
    rows: int  # rows done in this phase
    total: int  # the table's rows


Progress = Callable[[ProgressEvent], None]


def rows_reporter(progress: Progress | None, table: str, total: int) -> Callable[[int], None] | None:
    """The per-batch hook of a table's copy phase (None when nobody listens)."""
    if progress is None:
        return None
    return lambda rows: progress(ProgressEvent(table, COPY, rows, total))


def tell(progress: Progress | None, table: str, phase: str, rows: int) -> None:
    """A table entering ``phase`` with its ``rows`` known (after its copy)."""
    if progress is not None:
        progress(ProgressEvent(table, phase, rows, rows))
