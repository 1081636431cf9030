"""The SQLite connection, one user at a time: the read-ahead owns it while it runs.

A table's COPY chunks are read in a producer thread (spool.py) that starts while
PostgreSQL still finishes the previous table, and runs on through the table's
COPY. Meanwhile nothing else may read the source (one connection, one thread at
a time), so the phases do not hold the source: they hold this lease, and read
the source only inside ``reading()``, which stops and joins any read-ahead
first and refuses to start one until it ends.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from .errors import ProblemLog
from .spool import SpooledPrefetch
from .sqlite_source import SqliteSource
from .table_copy import TableCopy


class SourceLease:
    def __init__(self, source: SqliteSource, problems: ProblemLog, read_ahead_bytes: int) -> None:
        self._source = source
        self._problems = problems
        self._limit = read_ahead_bytes
        self._ahead: tuple[TableCopy, SpooledPrefetch] | None = None
        self._reading = False

    def read_ahead(self, copy: TableCopy) -> None:
        """Start reading ``copy``'s chunks from SQLite in a thread (spool.py)."""
        if self._reading:
            raise RuntimeError("the source is being read: no read-ahead until reading() ends")
        self.stop()
        chunks = copy.chunks(self._problems, send=True)
        self._ahead = (copy, SpooledPrefetch(chunks, limit=self._limit))

    @contextlib.contextmanager
    def sending(self, copy: TableCopy) -> Iterator[SpooledPrefetch]:
        """``copy``'s chunks, read ahead already or from now; the read-ahead is
        stopped and joined on leaving (its ``result``: the pass's CopyTally)."""
        if self._ahead is None or self._ahead[0] is not copy:
            self.read_ahead(copy)
        assert self._ahead is not None
        try:
            yield self._ahead[1]
        finally:
            self.stop()

    @contextlib.contextmanager
    def reading(self) -> Iterator[SqliteSource]:
        """The source, for this thread alone: any read-ahead is stopped first."""
        self.stop()
        outer = self._reading
        self._reading = True
        try:
            yield self._source
        finally:
            self._reading = outer

    def stop(self) -> None:
        """Stop any read-ahead (and join its thread)."""
        if self._ahead is not None:
            ahead, self._ahead = self._ahead, None
            ahead[1].close()
