"""Reading ahead past memory: the next table's COPY chunks spill to a temporary file.

While PostgreSQL finishes a table (rebuilds its indexes, checks its foreign
keys, is read back and analyzed: about a third of a copy's time, all of it the
server's), the client would stop after the few chunks ``Prefetch`` holds. Here
the producer reads on: past ``memory`` bytes the chunks go to an unlinked
temporary file (in TMPDIR), up to ``limit`` bytes, and the COPY of that table
then starts with them ready. Memory stays at ``memory`` bytes plus a chunk; the
file is emptied and reused each time the consumer has caught up. A file that
cannot be written (a full disk) only stops the spilling: the producer then
waits as ``Prefetch``'s does.
"""

from __future__ import annotations

import collections
import ctypes
import os
import tempfile
import threading
from collections.abc import Generator
from typing import Any

from .prefetch import _POLL_SECONDS, Prefetch

# glibc's mallopt(M_MMAP_THRESHOLD): fixing it keeps each ~1 MiB chunk in an
# mmap of its own, given back when freed. Left to adjust itself (the default),
# glibc raises the threshold after the first such free and serves later chunks
# from per-thread heaps that stay large: the peak then grew from 58 MB at 100k
# rows to 66 MB at 1M (the benchmark); fixed, 49 and 52 MB, for about one
# CPU-second more of page faults per 1M rows.
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD_BYTES = 128 << 10  # glibc's own starting value


def chunks_in_their_own_mmap() -> None:
    """Fix glibc's mmap threshold for this process (the module's own); a no-op
    where the C library has no mallopt (macOS)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)


MEMORY_BYTES = 1 << 20  # in memory beyond the chunk in hand (4 MiB measured no faster)


class SpooledPrefetch(Prefetch):
    """``Prefetch`` of bytes chunks that spills beyond ``memory`` bytes to a
    temporary file of at most ``limit`` bytes (0: no file, as ``Prefetch``)."""

    def __init__(
        self,
        chunks: Generator[bytes, None, Any],
        limit: int,
        memory: int = MEMORY_BYTES,
        directory: str | None = None,
    ) -> None:
        self._limit = limit
        self._memory = memory
        self._directory = directory
        self._entries: collections.deque[Any] = collections.deque()  # bytes | (offset, size) | other
        self._ready = threading.Condition()
        self._in_memory = 0
        self._in_file = 0  # bytes in the file not yet consumed
        self._write_at = 0
        self._file: Any = None
        self._spill = limit > 0
        self.spilled = 0  # bytes that went through the file (for tests and the curious)
        super().__init__(chunks)

    def _room_in_file(self, size: int) -> bool:
        if not self._spill:
            return False
        if self._in_file == 0:
            self._write_at = 0  # caught up: the file starts over
        return self._write_at + size <= self._limit

    def _to_file(self, chunk: bytes) -> tuple[int, int] | None:
        """The chunk written whole at the end of the file, or None: spilling stops."""
        try:
            if self._file is None:  # closed in close()
                self._file = tempfile.TemporaryFile(dir=self._directory)  # noqa: SIM115
            written = 0
            view = memoryview(chunk)
            # pwrite may write less than asked (a filling disk, a file size
            # limit): write on until all of it is there or it writes nothing.
            while written < len(chunk):
                step = os.pwrite(self._file.fileno(), view[written:], self._write_at + written)
                if step <= 0:
                    raise OSError("the temporary file takes no more data")
                written += step
        except OSError:
            # A full or unwritable disk: this chunk waits in memory instead, whole
            # (what was written of it is never read), and no other goes to the file.
            self._spill = False
            return None
        entry = (self._write_at, len(chunk))
        self._write_at += len(chunk)
        self._in_file += len(chunk)
        self.spilled += len(chunk)
        return entry

    def _put(self, item: Any) -> bool:
        chunk = isinstance(item, bytes)  # else the end, or the producer's exception
        size = len(item) if chunk else 0
        with self._ready:
            while not self._stop.is_set():
                entry: Any = None
                if not chunk or not self._entries or self._in_memory + size <= self._memory:
                    entry = item
                    self._in_memory += size
                elif self._room_in_file(size):
                    entry = self._to_file(item)
                if entry is not None:
                    self._entries.append(entry)
                    self._ready.notify_all()
                    return True
                self._ready.wait(_POLL_SECONDS)
        return False

    def _get(self) -> Any:
        with self._ready:
            while not self._entries:
                if not self._thread.is_alive():  # it always queues its end: it died
                    raise RuntimeError("reading ahead from SQLite stopped without an end or an error")
                self._ready.wait(_POLL_SECONDS)
            entry = self._entries.popleft()
            if isinstance(entry, tuple):
                offset, size = entry
                data = os.pread(self._file.fileno(), size, offset)
                self._in_file -= size
            else:
                data = entry
                if isinstance(entry, bytes):
                    self._in_memory -= len(entry)
            self._ready.notify_all()
            return data

    def _drain(self) -> None:
        with self._ready:
            self._entries.clear()
            self._in_memory = self._in_file = 0
            self._ready.notify_all()

    def close(self) -> None:
        super().close()
        if self._file is not None:
            self._file.close()
            self._file = None
