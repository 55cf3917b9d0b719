"""The lock server processes take turns by: threads of one process wait for it too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cmr_search.locks import held
from vectorstore.generations import Generations


def test_a_second_holder_waits_for_the_first(tmp_path: Path) -> None:
    order: list[str] = []
    first_in = threading.Event()

    def first() -> None:
        with held(tmp_path / "lock"):
            first_in.set()
            time.sleep(0.3)
            order.append("first out")

    def second() -> None:
        first_in.wait()
        with held(tmp_path / "lock"):
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert order == ["first out", "second in"]
    assert (tmp_path / "lock").is_dir() and not list((tmp_path / "lock").iterdir())


def test_a_wait_longer_than_asked_is_lock_busy(tmp_path: Path) -> None:
    import pytest

    from cmr_search.locks import LockBusyError

    with held(tmp_path / "lock"):
        started = time.monotonic()
        with pytest.raises(LockBusyError), held(tmp_path / "lock", timeout_s=0.2):
            pass
        assert 0.2 <= time.monotonic() - started < 2.0


def test_a_folder_that_cannot_be_made_runs_unlocked_only_when_optional(
        tmp_path: Path) -> None:
    import pytest

    (tmp_path / "file").write_text("not a folder")
    ran = []
    with held(tmp_path / "file" / "lock", optional=True):
        ran.append(True)
    assert ran == [True]
    with pytest.raises(OSError), held(tmp_path / "file" / "lock"):
        pass


# a run holding its lock forks a worker, then is killed (kill -9): the worker lives on
_KILLED_RUN = """
import os, signal, sys, time
from pathlib import Path
folder, pid_file, which = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
if which == "held":
    from cmr_search.locks import held
    holding = held(folder, timeout_s=0)
else:
    from vectorstore.generations import Generations
    holding = Generations(folder).lock()
with holding:
    child = os.fork()
    if child == 0:
        time.sleep(60)
        os._exit(0)
    pid_file.write_text(str(child))
    os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.parametrize("which", ["held", "generations"])
def test_a_killed_runs_orphaned_worker_does_not_keep_its_lock(tmp_path: Path,
                                                              which: str) -> None:
    pid_file = tmp_path / "worker.pid"
    run = subprocess.run([sys.executable, "-c", _KILLED_RUN, str(tmp_path / "lock"),
                          str(pid_file), which], timeout=60, check=False)
    assert run.returncode == -signal.SIGKILL
    worker = int(pid_file.read_text())
    try:
        os.kill(worker, 0)  # the orphan is alive: before, its copy of the handle held the lock
        if which == "held":
            with held(tmp_path / "lock", timeout_s=2):
                pass
        else:
            with Generations(tmp_path / "lock").lock():
                pass
    finally:
        os.kill(worker, signal.SIGKILL)
