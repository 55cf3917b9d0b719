"""A real index process killed with SIGKILL at any moment; search going on during a run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from catalog import STUDY
from cmr_search.layout import DataLayout
from cmrclip.checkpoint import DEMO_CHECKPOINT
from cmrclip.inference import Encoder
from indexer.pipeline import IndexOptions, run_index
from reader.scan import scan_archive
from vectorstore import Generations, LiveEdgeStore, Nearest

pytestmark = pytest.mark.slow


def _start(archive: Path, data: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "CMR_SEARCH_DATA_DIR": str(data), "CMR_SEARCH_WORKERS": "2"}
    return subprocess.Popen(
        [sys.executable, "-c", "from cli.main import main; main()", "index",
         str(archive), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True)


def _kill_when(proc: subprocess.Popen[str], ready: Callable[[], bool],
               timeout_s: float = 180) -> bool:
    """SIGKILL the whole process group as soon as `ready()`; False if it finished first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        if ready():
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()  # reaps it and closes its pipes
            return True
        time.sleep(0.005)
    proc.communicate()
    return False


def _records(data: Path) -> list[Path]:
    return [p for p in (data / "embeddings").glob("*/*/*.npz") if ".partial" not in p.name]


def test_kill_9_during_embedding_and_publishing_loses_nothing(archive: Path,
                                                              tmp_path: Path) -> None:
    data = tmp_path / "data"
    expected = {s.study_instance_uid for s in scan_archive(archive).studies}
    generations = Generations(data / "index")

    killed = _kill_when(_start(archive, data), lambda: len(_records(data)) >= 1)
    assert killed, "the run ended before it could be killed"
    assert generations.current() is None  # nothing half-built is visible
    kept = len(_records(data))
    assert 1 <= kept < len(expected)

    # second run: killed once its new generation folder exists (during publishing)
    _kill_when(_start(archive, data), lambda: any((data / "index").glob("gen-*")))
    current = generations.current()
    if current is not None:  # it got as far as publishing: then the index is complete
        assert LiveEdgeStore(data / "index").count() == len(expected)

    done = _start(archive, data, "--json")
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err[-2000:]
    summary = json.loads(out)
    assert summary["indexed"] + summary["unchanged"] == len(expected)
    assert summary["unchanged"] >= kept
    store = LiveEdgeStore(data / "index")
    uids = [h.payload["study_instance_uid"] for h in store.scroll(["study_instance_uid"])]
    assert sorted(uids) == sorted(expected)  # no duplicates, no losses
    assert len(list((data / "index").glob("gen-*"))) <= 2  # half-built generations removed


def test_search_keeps_working_while_a_run_publishes(archive: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    encoder = Encoder.from_checkpoint(DEMO_CHECKPOINT)
    run_index(archive, DataLayout(data), encoder, Generations(data / "index"), IndexOptions())
    reader = LiveEdgeStore(data / "index", check_every_s=0.0)
    before = reader.generation
    query = Nearest(STUDY, np.ones(encoder.joint_dim, dtype=np.float32))
    proc = _start(archive, data, "--rebuild")
    answered = 0
    while proc.poll() is None:
        assert len(reader.query(query, limit=3)) == 3
        answered += 1
        time.sleep(0.02)
    _, err = proc.communicate()
    assert proc.returncode == 0, err[-2000:]
    assert answered > 10
    assert len(reader.query(query, limit=3)) == 3
    assert reader.generation != before
    reader.close()
