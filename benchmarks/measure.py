"""Run a command in a subprocess and measure it: wall seconds, CPU seconds, peak RSS."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Measured:
    seconds: float
    cpu_seconds: float
    peak_rss_mib: float
    returncode: int | None
    stderr_tail: str
    timed_out: bool = False


def run_measured(command: list[str], *, cwd: str | Path | None = None, timeout: float = 3600) -> Measured:
    """Run `command` to its end (or kill it after `timeout` s).

    Peak RSS is `ru_maxrss` from `os.wait4`: on Linux the largest resident set
    of the process or of any descendant it waited for (for a worker pool, the
    biggest single process, not the sum).
    """
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, cwd=cwd)
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        log.seek(0)
        tail = log.read().decode("utf-8", "replace")[-600:]
    return Measured(
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_mib=usage.ru_maxrss / 1024,
        returncode=None if timed_out else os.waitstatus_to_exitcode(status),
        stderr_tail=tail,
        timed_out=timed_out,
    )
