"""Run one benchmark case as a child process and measure it from outside.

Each case runs in its own process so that its peak resident memory is its own.
The process is started through GNU time (``/usr/bin/time -f '%M %U %S'``), not
directly: Linux carries the RSS high-water mark across fork+exec, so a child
forked from this (40 MB) Python process would report at least 40 MB whatever
it used, while time's own footprint is about 2 MB. The wall time is taken
around the whole process, interpreter start included, because that is what
an operator waits for.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

GNU_TIME = "/usr/bin/time"


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float  # user + system of the child (and anything it waited for)
    returncode: int
    stdout: str
    stderr: str


def run_measured(
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    timeout: float = 3600.0,
) -> Measurement:
    """Run argv to completion; return wall seconds, peak RSS and its output.

    Output goes to files, not pipes: a pipe that nobody drains would stall a
    chatty child (pgloader logs a lot) and distort its time.
    """
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r", suffix=".rss") as rss,
    ):
        cmd = [GNU_TIME, "-q", "-f", "%M %U %S", "-o", rss.name, *argv]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=dict(env) if env else None, cwd=cwd)
        deadline = start + timeout
        while True:
            # WNOHANG polling keeps the timeout; 10 ms granularity is far below
            # the run times measured here (hundreds of ms and up).
            pid, status, _usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, _usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        seconds = time.perf_counter() - start
        # Popen must not try to reap the child again.
        proc.returncode = os.waitstatus_to_exitcode(status)
        text = rss.read().strip()
        # The last line: a killed child makes time print a note before it.
        fields = text.splitlines()[-1].split() if text else ["0", "0", "0"]
        peak_kib, user, system = int(fields[0]), float(fields[1]), float(fields[2])
        out.seek(0)
        err.seek(0)
        return Measurement(
            seconds=seconds,
            peak_rss_mb=peak_kib / 1024.0,
            cpu_seconds=user + system,
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )
