"""Memory of a bench process and of the processes it starts, read from /proc (MB)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path


def status_mb() -> dict[str, float]:
    """This process's memory from /proc (MB): resident now (VmRSS) and at its peak (VmHWM),
    of which anonymous (RssAnon: heap, the int8 vectors, graphs) and mapped files (RssFile:
    originals and segments on disk, page cache the kernel can drop)."""
    lines = Path("/proc/self/status").read_text().splitlines()
    return {k: int(v.split()[0]) / 1024 for k, v in (line.split(":", 1) for line in lines)
            if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile")}


_WATCH = """
import sys, time
status, out, peak = f"/proc/{sys.argv[1]}/status", sys.argv[2], 0
while True:
    try:
        text = open(status).read()
    except OSError:
        break
    anon = [line for line in text.splitlines() if line.startswith("RssAnon:")]
    peak = max(peak, int(anon[0].split()[1]) // 1024) if anon else peak
    open(out, "w").write(str(peak))
    time.sleep(1)
"""


class PeakAnon:
    """The largest RssAnon of this process, sampled every second by another process: the
    store's optimise holds the GIL for its whole graph build, so a thread here would not
    sample it at all (the 1,000,000-point build was reported at 6.5 GB, seen at 9.2 GB)."""

    def __init__(self) -> None:
        self._file = Path(tempfile.mkstemp(suffix=".peak")[1])
        self._watcher = subprocess.Popen([sys.executable, "-c", _WATCH, str(os.getpid()),
                                          str(self._file)])

    def stop(self) -> float:
        self._watcher.terminate()
        self._watcher.wait()
        text = self._file.read_text().strip()
        self._file.unlink()
        return max(float(text or 0), status_mb()["RssAnon"])


def rss_mb() -> tuple[float, float]:
    status = status_mb()
    return status["VmRSS"], status["VmHWM"]


def processes_rss_mb(pids: list[int]) -> float:
    """Resident memory of other processes (the children serving an index's parts)."""
    total = 0.0
    for pid in pids:
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
        total += sum(int(x.split()[1]) / 1024 for x in status if x.startswith("VmRSS:"))
    return total
