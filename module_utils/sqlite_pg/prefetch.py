"""Reading ahead: the COPY chunks of a table are produced in a second thread.

Reading SQLite (sqlite3 releases the GIL while it steps) and sending to
PostgreSQL (psycopg2 releases it while the socket is full) then overlap instead
of taking turns: the server parses and indexes one chunk while the next is read.
The next table's reading starts while PostgreSQL finishes the previous one
(indexes, foreign keys, read-back): the queue holds up to ``DEPTH`` chunks of
it meanwhile.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Generator, Iterator
from typing import Any

# Chunks produced ahead of the sender: memory stays at ``DEPTH`` chunks (~1 MiB
# each) at most, whatever the table's size. Deeper (16) keeps reading SQLite
# through more of a large table's index builds and read-back, but was no faster
# within the noise of the benchmark and made the peak grow with the table sizes.
DEPTH = 4
_POLL_SECONDS = 0.1


class _Done:
    """End of the chunks (a sentinel no chunk can be equal to)."""


class Prefetch(Iterator[Any]):
    """Iterates ``chunks`` in a producer thread, at most ``depth`` items ahead
    (COPY chunks; table_copy also reads SQLite's row batches this way).

    The generator runs in the producer thread only, so the SQLite connection it
    reads is used by one thread at a time as long as nothing else reads the
    source until ``close()`` returns (read_ahead.SourceLease sees to it); the
    generator's return value is ``result`` once it has ended. An exception of the producer is raised
    unchanged by ``__next__`` (problem reports stay the same). ``close()`` stops
    the producer, closes the generator in that thread and joins it.
    """

    def __init__(self, chunks: Generator[Any, None, Any], depth: int = DEPTH) -> None:
        self._chunks = chunks
        self.result: Any = None  # the generator's return value, once it has ended
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._finished = False
        self._thread = threading.Thread(target=self._produce, name="sqlite-to-copy", daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> bool:
        """Queue ``item`` unless told to stop meanwhile (then False)."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        try:
            while True:
                try:
                    chunk = next(self._chunks)
                except StopIteration as end:
                    self.result = end.value
                    break
                if not self._put(chunk):
                    return
            self._put(_Done)
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(exc)
        finally:
            # Closed here, in the thread that ran it: its cleanup (the SQLite
            # cursor) runs before close() returns, never at garbage collection.
            self._chunks.close()

    def _get(self) -> Any:
        return self._queue.get()

    def _drain(self) -> None:
        """Make room, so that a producer blocked in ``_put`` sees the stop promptly."""
        with contextlib.suppress(queue.Empty):
            self._queue.get_nowait()

    def __next__(self) -> Any:
        if self._finished:
            raise StopIteration
        item = self._get()
        if item is _Done:
            self._finished = True
            self._thread.join()
            raise StopIteration
        if isinstance(item, BaseException):
            self._finished = True
            self._thread.join()
            raise item
        return item

    def close(self) -> None:
        """Stop the producer (if still running) and wait for it."""
        self._finished = True
        self._stop.set()
        while self._thread.is_alive():
            self._drain()
            self._thread.join(timeout=_POLL_SECONDS)
