"""The lock server processes take turns by: threads of one process wait for it too."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from cmr_search.locks import held


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
