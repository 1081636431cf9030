"""The SQLite file before any connection to it: whether it can be reached, what it
is, and how SQLite is to open it.

On POSIX, closing any descriptor of a file drops every fcntl lock the process
holds on it, the read lock of SQLite's connections included ("How To Corrupt An
SQLite Database File", section 2.2): a plain open()/close() of the database while
the snapshot is open would let writers in under it. So the module opens the file
itself only here, once, before the first connection exists; every later
connection goes through SQLite, which shares the process's locks between its
connections and keeps a descriptor open while a lock needs it.
"""

from __future__ import annotations

import os
import pwd
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import MigrationError

SQLITE_HEADER = b"SQLite format 3\x00"
HEADER_BYTES = 100
WAL_MODE = b"\x02\x02"  # header bytes 18-19 (file format write/read version) of a WAL database


@dataclass(frozen=True)
class SourceFile:
    """What was found before connecting. ``immutable``: opened with SQLite's
    immutable=1 (no locks, no -shm), and therefore checked unchanged before the commit."""

    path: str
    uri: str
    empty: bool = False  # 0 bytes: SQLite reads it as a database with no tables
    immutable: bool = False
    fingerprint: tuple[object, ...] = ()

    def notes(self) -> list[str]:
        """Warnings for the result."""
        if not self.immutable:
            return []
        return [
            f"SQLite database {self.path} is in WAL mode in a directory this user ({_user()}) cannot "
            "write, without the -wal and -shm files SQLite needs to lock it: it was read as an immutable "
            "file (its log holds no commits), and found unchanged at the end"
        ]

    def check_unchanged(self) -> None:
        """For an immutable read: SQLite took no lock, so a writer that came meanwhile
        is found here (the file's or its -wal's and -shm's size and times), before the commit."""
        if not self.immutable or fingerprint_of(self.path) == self.fingerprint:
            return
        raise MigrationError(
            f"SQLite database {self.path} was read as an immutable file (its directory is not writable "
            "for the -wal and -shm) and it or its -wal or -shm changed while it was read: another process "
            "wrote it. Nothing was committed; stop the application, or give this user write access to "
            "the directory so that SQLite can lock the database, and run again"
        )


def inspect(path: str) -> SourceFile:
    """Look at the file (stat and its 100-byte header); call before any connection to it."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise MigrationError(f"SQLite database {path} does not exist") from None
    except PermissionError:
        raise _denied(path) from None
    except OSError as exc:
        raise MigrationError(f"cannot read SQLite database {path}: {exc.strerror}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise MigrationError(f"SQLite database {path} is not a regular file")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            header = os.read(fd, HEADER_BYTES)
        finally:
            os.close(fd)
    except PermissionError:
        raise _denied(path) from None
    except OSError as exc:
        raise MigrationError(f"cannot read SQLite database {path}: {exc.strerror}") from exc
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    wal = path + "-wal"
    if not header:
        if _size(wal) > 0:  # the data may all be in the log: let SQLite read it
            return SourceFile(path, uri)
        return SourceFile(path, uri, empty=True)
    if header[: len(SQLITE_HEADER)] != SQLITE_HEADER:
        raise MigrationError(f"{path} is not a SQLite 3 database (bad header)")
    directory = os.path.dirname(os.path.abspath(path))
    if header[18:20] != WAL_MODE or _writable(directory):
        return SourceFile(path, uri)
    shm_exists = os.path.exists(path + "-shm")
    if shm_exists and os.path.exists(wal):
        return SourceFile(path, uri)  # SQLite reads both read-only (3.22+)
    # WAL mode, and SQLite cannot create the -wal or -shm it needs: an ordinary
    # open fails ("unable to open database file", "attempt to write a readonly database").
    if _size(wal) > 0:
        raise MigrationError(
            f"SQLite database {path} is in WAL mode and {wal} holds changes not yet in the database "
            f"file, but SQLite cannot read them: that needs {path}-shm, which does not exist, and the "
            f"directory {directory} is not writable by this user ({_user()}). Give the user write "
            "access to the directory, or have the database's owner checkpoint it "
            f"(sqlite3 {path} 'PRAGMA wal_checkpoint(TRUNCATE)'), or copy the database with its -wal "
            "to a writable directory"
        )
    # No -wal content: the file holds every commit (a process that has the database
    # open keeps a -wal and a -shm beside it). SQLite may then read it as immutable;
    # check_unchanged() catches a writer that comes meanwhile.
    return SourceFile(path, uri + "&immutable=1", immutable=True, fingerprint=fingerprint_of(path))


def fingerprint_of(path: str) -> tuple[object, ...]:
    """Identity, size and times of the file and its -wal and -shm (None: absent)."""

    def of(name: str) -> tuple[object, ...] | None:
        try:
            info = os.stat(name)
        except FileNotFoundError:
            return None
        return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)

    return (of(path), of(path + "-wal"), of(path + "-shm"))


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _writable(directory: str) -> bool:
    return os.access(directory, os.W_OK, effective_ids=os.access in os.supports_effective_ids)


def _user() -> str:
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _denied(path: str) -> MigrationError:
    """Which directory on the way this user cannot search, or the file it cannot read."""
    effective = os.access in os.supports_effective_ids
    for directory in reversed(Path(os.path.abspath(path)).parents):
        if not os.access(directory, os.X_OK, effective_ids=effective):
            return MigrationError(
                f"permission denied: this user ({_user()}) cannot search the directory {directory} "
                f"(no x permission for it), so SQLite database {path} cannot be reached; grant it "
                "(chmod, setfacl) or run the module as a user that can (become_user)"
            )
    return MigrationError(
        f"permission denied: this user ({_user()}) cannot read SQLite database {path}; grant it read "
        "permission or run the module as a user that can (become_user)"
    )
