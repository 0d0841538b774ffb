"""Run a command in its own process and measure it: wall seconds, CPU seconds, peak RSS."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# The measured command starts from a small launcher process. Linux keeps a process's peak RSS across
# execve, so a child forked from a driver that holds data would start with the driver's RSS as its
# "peak". The launcher is a fresh interpreter of about 10 MiB, below any measured system's own peak,
# so the command's ru_maxrss (from os.wait4) is its own: the largest resident set of the command or
# of any descendant it waited for (for a worker pool, the biggest single process, not the sum).
_LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
record = {"seconds": time.perf_counter() - start, "maxrss_kib": usage.ru_maxrss,
          "cpu_seconds": usage.ru_utime + usage.ru_stime, "exit_code": os.waitstatus_to_exitcode(status)}
with open(sys.argv[1], "w") as f:
    json.dump(record, f)
"""


@dataclass
class Measured:
    seconds: float | None
    cpu_seconds: float | None
    peak_rss_mib: float | None
    returncode: int | None
    stderr_tail: str
    error: str | None = None


def run_measured(command: list[str], *, cwd: str | Path | None = None, timeout: float = 3600) -> Measured:
    """Run `command` to its end (or stop it after `timeout` s) and report what it cost."""
    with tempfile.TemporaryDirectory(prefix="cleaner-measure-") as tmp:
        report = Path(tmp) / "usage.json"
        with open(Path(tmp) / "stderr.txt", "w+b") as log:
            launcher = [sys.executable, "-c", _LAUNCHER, str(report), *command]
            try:
                subprocess.run(launcher, stdout=subprocess.DEVNULL, stderr=log, cwd=cwd, timeout=timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                timed_out = True
            log.seek(0)
            tail = log.read().decode("utf-8", "replace")[-600:]
        if timed_out or not report.exists():
            error = f"timed out after {timeout:.0f} s" if timed_out else "no usage report: " + tail.strip()[-200:]
            return Measured(None, None, None, None, tail, error)
        usage = json.loads(report.read_text())
    error = None
    if usage["exit_code"] != 0:
        error = f"exit {usage['exit_code']}: {tail.strip().splitlines()[-1] if tail.strip() else ''}"
    return Measured(
        seconds=usage["seconds"],
        cpu_seconds=usage["cpu_seconds"],
        peak_rss_mib=usage["maxrss_kib"] / 1024,
        returncode=usage["exit_code"],
        stderr_tail=tail,
        error=error,
    )
