"""A small tmpfs for the full-disk tests (root only: the suite runs as root)."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def mounted_tmpfs(mnt: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (mount's form: 2m) at ``mnt``, unmounted afterwards."""
    mnt.mkdir(exist_ok=True)
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(mnt)],
        capture_output=True,
        check=False,
    )
    # The suite runs as root (scripts/test.sh); a machine where this fails
    # cannot run the test, and must say so rather than pass.
    assert proc.returncode == 0, f"cannot mount a tmpfs here: {proc.stderr.decode().strip()}"
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=True)
