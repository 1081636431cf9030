"""POSIX (fcntl) locks a process holds on a file, as Linux lists them in /proc/locks."""

from __future__ import annotations

import os
from pathlib import Path


def posix_locks(pid: int, path: str | Path) -> int:
    """How many POSIX locks ``pid`` holds on ``path`` (0 if the file is gone)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return 0
    inode = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    count = 0
    with open("/proc/locks", encoding="ascii") as listing:
        for line in listing:
            # "1: POSIX  ADVISORY  READ 1234 fe:00:5678 1073741825 1073742334"; a
            # waiting lock has "->" after the number.
            fields = line.split()
            if fields[1] == "->":
                fields = fields[1:]
            if fields[1] == "POSIX" and fields[4] == str(pid) and fields[5] == inode:
                count += 1
    return count
