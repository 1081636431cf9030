"""The destination of postgres_to_sqlite: a temporary file beside it, renamed over it.

The new database is written into ``.<name>.<pid>.postgres_to_sqlite.tmp`` in the
destination's directory (same file system: the rename is atomic), verified, fsynced,
renamed over the destination, and the directory fsynced. Until the rename the
destination is exactly as it was; a failure removes the temporary file, and a run
killed before it leaves one that the next run removes. Runs into one directory are
serialised by an flock() on the directory itself (released by the kernel when a run
dies), so a temporary file found while holding it belongs to a dead run.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import os
import stat
import time
from dataclasses import dataclass, field

from .errors import MigrationError

TEMP_SUFFIX = ".postgres_to_sqlite.tmp"
SIDE_FILES = ("-journal", "-wal", "-shm")


def _size(path: str) -> int | None:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return None


@dataclass
class Destination:
    dest: str
    directory: str = ""
    temp: str = ""
    removed_stale: list[str] = field(default_factory=list)
    _dir_fd: int = -1

    def __post_init__(self) -> None:
        self.dest = os.path.realpath(self.dest)  # a symlink is followed: the file it names is replaced
        self.directory = os.path.dirname(self.dest)
        name = os.path.basename(self.dest)
        if os.path.isdir(self.dest):
            raise MigrationError(f"dest {self.dest} is a directory; give the path of the new SQLite file")
        try:
            self._dir_fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as exc:
            raise MigrationError(
                f"dest's directory {self.directory} cannot be opened: {exc.strerror}"
            ) from exc
        try:
            fcntl.flock(self._dir_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._dir_fd)
            raise MigrationError(
                f"another postgres_to_sqlite run is writing into {self.directory}; wait for it to end"
            ) from None
        if not os.access(self.directory, os.W_OK | os.X_OK):
            self.close()
            raise MigrationError(
                f"dest's directory {self.directory} is not writable by this user: the new file is "
                "written beside the destination and renamed over it"
            )
        pattern = os.path.join(glob.escape(self.directory), f".{glob.escape(name)}.*{TEMP_SUFFIX}")
        for stale in sorted(glob.glob(pattern)):
            self._remove(stale)
            self.removed_stale.append(stale)
        self.temp = os.path.join(self.directory, f".{name}.{os.getpid()}{TEMP_SUFFIX}")
        self._remove(self.temp)
        self.check_not_in_use()

    def check_not_in_use(self) -> None:
        """A destination with a hot journal or a WAL holding commits is open (or was not closed
        cleanly): SQLite would apply that journal to the new file, so it is refused."""
        for side in ("-wal", "-journal"):
            size = _size(self.dest + side)
            if size:
                raise MigrationError(
                    f"{self.dest}{side} exists and is not empty: the destination is in use or was not "
                    "closed cleanly, and SQLite would apply it to the new file. Stop the application, "
                    f"open {self.dest} once with sqlite3 (which checkpoints or rolls it back), and run "
                    "again; nothing was written"
                )

    @staticmethod
    def _remove(path: str) -> None:
        for name in (path, *(path + side for side in SIDE_FILES)):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)

    def discard(self) -> None:
        if self.temp:
            self._remove(self.temp)

    def install(self, like: str, backup: bool) -> str | None:
        """fsync the new file, rename it over the destination (the previous one kept as
        ``<dest>.<YYYYmmdd_HHMMSS>.bak`` with ``backup``), fsync the directory; the new
        file gets the previous destination's mode and owner (else ``like``'s)."""
        model = self.dest if os.path.exists(self.dest) else like
        try:
            info = os.stat(model)
            os.chmod(self.temp, stat.S_IMODE(info.st_mode))
            if (info.st_uid, info.st_gid) != (os.geteuid(), os.getegid()):
                try:
                    os.chown(self.temp, info.st_uid, info.st_gid)
                except PermissionError as exc:
                    raise MigrationError(
                        f"the new file cannot be given {model}'s owner ({info.st_uid}:{info.st_gid}) as "
                        "this user: run the module as root (become) or as that user; nothing was written"
                    ) from exc
            fd = os.open(self.temp, os.O_RDONLY | os.O_CLOEXEC)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            self.check_not_in_use()
            kept = None
            if backup and os.path.exists(self.dest):
                kept = self._backup_name()
                os.link(self.dest, kept)  # the previous file under a second name: never missing
            os.replace(self.temp, self.dest)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise MigrationError(
                    f"no space left on the device of {self.directory}; {self.dest} is unchanged"
                ) from exc
            raise MigrationError(
                f"installing the new file as {self.dest} failed: {exc}; it is unchanged"
            ) from exc
        self.temp = ""
        # The previous destination's empty -wal/-shm would otherwise be opened with the new file.
        for side in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.dest + side)
        os.fsync(self._dir_fd)
        return kept

    def _backup_name(self) -> str:
        stem = f"{self.dest}.{time.strftime('%Y%m%d_%H%M%S')}"
        name, number = f"{stem}.bak", 1
        while os.path.lexists(name):  # a second run within the second
            name, number = f"{stem}.{number}.bak", number + 1
        return name

    def close(self) -> None:
        if self._dir_fd >= 0:
            os.close(self._dir_fd)  # releases the flock
            self._dir_fd = -1
