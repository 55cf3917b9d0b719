"""An index in parts searched from a process per part: the same answers as in this process,
read-only, sized like the whole index, and no process left behind or left dead."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fakes.points import SCHEMA, sample_points, unit

from catalog import point_id
from vectorstore import (
    Filter,
    Fused,
    Generations,
    LiveEdgeStore,
    Match,
    Nearest,
    Recommend,
    Search,
    StoreError,
)
from vectorstore.edge import METADATA
from vectorstore.edge_parts import PARTS, EdgeParts, open_edge
from vectorstore.edge_process import PartProcess
from vectorstore.keywords import keyword_query
from vectorstore.translate import SearchTuning

MEN = Filter(must=(Match("sex", "M"),))
STUDY = Nearest("study", unit(1.0, 2, 0.5, 0.2))


def _built(folder: Path, part_points: int = 2) -> Path:
    built = EdgeParts(folder, part_points=part_points)
    built.ensure(SCHEMA, {"index_version": "v"})
    built.upsert(sample_points())
    built.optimize()
    built.close()
    return folder


def _apart(folder: Path, tuning: SearchTuning | None = None) -> EdgeParts:
    store = open_edge(folder, tuning or SearchTuning(), processes=True)
    assert isinstance(store, EdgeParts)
    return store


def _gone(pid: int, within_s: float = 10.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # our own child: reap it, or it lingers as a zombie
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        except ChildProcessError:
            pass
        time.sleep(0.05)
    return False


def _children() -> set[int]:
    me = str(os.getpid())
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def test_parts_searched_from_their_own_processes_answer_as_in_this_one(tmp_path: Path) -> None:
    folder = _built(tmp_path / "gen")
    here, apart = open_edge(folder), _apart(folder)
    assert isinstance(here, EdgeParts) and not apart.parts and len(apart.served) == 3
    words = Nearest("keywords", keyword_query("dilated LV dysfunction"))
    searches = [Search(STUDY, 3), Search(words, 5, MEN, ("uid",)),
                Search(Fused((STUDY, words), (1.0, 0.5), candidates=5, k=10), 4)]
    asked: list[Callable[[EdgeParts], Any]] = [
        lambda s: s.count(), lambda s: s.count(MEN), lambda s: s.metadata(),
        lambda s: s.query(STUDY, 4), lambda s: s.query(STUDY, 2, offset=1, where=MEN),
        lambda s: s.query(Recommend("study", (point_id("1.2.3.3"),)), 3),
        lambda s: s.query_batch(searches), lambda s: s.facet("sex"),
        lambda s: s.retrieve([point_id("1.2.3.4"), point_id("1.2.3.0")], ["study"]),
        lambda s: list(s.scroll(["uid"], batch=1)), lambda s: list(s.scroll(where=MEN)),
    ]
    for ask in asked:
        assert repr(ask(here)) == repr(ask(apart))
    here.close()
    with pytest.raises(StoreError, match="opened for searching"):
        apart.upsert(sample_points())  # read-only: an index run builds a new generation
    with pytest.raises(StoreError, match="opened for searching"):
        apart.delete([point_id("1.2.3.0")])
    with pytest.raises(StoreError, match="no vector 'study'"):
        apart.query(Recommend("study", (point_id("9.9.9"),)), 3)
    pids = [p.pid for p in apart.served]
    apart.close()
    assert all(pid is not None and _gone(pid) for pid in pids)


def test_threads_share_the_parts_processes(tmp_path: Path) -> None:
    apart = _apart(_built(tmp_path / "gen"))
    expected = [h.id for h in apart.query(STUDY, 5)]
    answers: list[list[str]] = []

    def search() -> None:
        for _ in range(10):
            answers.append([h.id for h in apart.query(STUDY, 5, where=None)])

    threads = [threading.Thread(target=search) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [expected] * 40
    apart.close()


def test_each_part_s_process_walks_with_the_beam_of_the_whole_index(tmp_path: Path) -> None:
    # 5 points in all, `large` at 5: no part reaches it alone, the index does
    tuning = SearchTuning(hnsw_ef=16, large=5, hnsw_ef_large=64, hnsw_ef_large_filtered=32)
    apart = _apart(_built(tmp_path / "gen"), tuning)
    assert {p.size_beams(5) for p in apart.served} == {(64, 32)}
    assert {p.size_beams(2) for p in apart.served} == {(16, 16)}  # what a part alone would
    apart.close()


def test_a_part_s_process_that_died_is_started_again(tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    apart = _apart(_built(tmp_path / "gen"))
    expected = repr(apart.query(STUDY, 5, where=MEN))
    first = apart.served[1].pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    assert _gone(first)
    assert repr(apart.query(STUDY, 5, where=MEN)) == expected
    assert apart.served[1].pid not in (None, first)
    assert "01: the process serving this index part stopped; starting it again" in caplog.text
    apart.close()


def test_a_part_whose_process_keeps_dying_is_a_store_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    apart = _apart(_built(tmp_path / "gen"))
    monkeypatch.setattr(PartProcess, "_start", lambda self: subprocess.Popen(
        [sys.executable, "-c", "pass"], stdin=subprocess.PIPE, stdout=subprocess.PIPE))
    part = apart.served[0]
    part._stop()
    with pytest.raises(StoreError, match="00: the process serving this index part stopped twice"):
        part.count()
    apart.close()
    with pytest.raises(StoreError, match="00: this index part was closed"):
        part.count()


def test_a_part_s_process_that_hangs_is_stopped_and_replaced(tmp_path: Path) -> None:
    apart = _apart(_built(tmp_path / "gen"))
    expected = repr(apart.query(STUDY, 5, where=MEN))
    part = apart.served[1]
    part.answer_timeout_s = 0.5
    hung = part.pid
    assert hung is not None
    os.kill(hung, signal.SIGSTOP)  # alive, holding its part, answering nothing
    started = time.monotonic()
    with pytest.raises(StoreError, match=r"01: the process serving this index part did not "
                                         r"answer within 0\.5 s and was stopped"):
        apart.query(STUDY, 5, where=MEN)
    assert time.monotonic() - started < 10
    assert _gone(hung)
    assert repr(apart.query(STUDY, 5, where=MEN)) == expected  # a fresh process answers
    assert part.pid not in (None, hung)
    apart.close()


def test_a_part_that_is_no_index_fails_the_open_and_leaves_no_process(tmp_path: Path) -> None:
    folder = _built(tmp_path / "gen")
    (folder / PARTS / "02" / METADATA).unlink()
    before = _children()
    with pytest.raises(StoreError, match="02: no index here"):
        open_edge(folder, processes=True)
    assert all(_gone(pid) for pid in _children() - before)


def test_one_part_is_searched_in_this_process(tmp_path: Path) -> None:
    one = open_edge(_built(tmp_path / "one", part_points=10), processes=True)
    assert isinstance(one, EdgeParts) and len(one.parts) == 1 and not one.served
    assert one.count() == 5
    one.close()


_ORPHAN = """
import sys, time
from pathlib import Path
from vectorstore.edge_parts import open_edge
store = open_edge(Path(sys.argv[1]), processes=True)
store.count()
print(" ".join(str(p.pid) for p in store.served), flush=True)
time.sleep(60)
"""


def test_the_parts_processes_end_with_a_parent_killed_outright(tmp_path: Path) -> None:
    folder = _built(tmp_path / "gen")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    with subprocess.Popen([sys.executable, "-c", _ORPHAN, str(folder)],
                          stdout=subprocess.PIPE, text=True, env=env) as parent:
        assert parent.stdout is not None
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert len(pids) == 3
        parent.kill()
    assert all(_gone(pid) for pid in pids)


def test_a_replaced_generation_finishes_the_searches_begun_on_it(tmp_path: Path) -> None:
    generations = Generations(tmp_path / "index")
    first = generations.new()
    _built(first)
    generations.publish(first)
    live = LiveEdgeStore(tmp_path / "index", check_every_s=0.0, part_processes=True,
                         retire_after_s=3600)
    scrolling, late = live.scroll(batch=1), live.scroll(batch=1)  # both on the first one
    assert next(scrolling) is not None
    second = generations.new()
    built = EdgeParts(second, part_points=2)
    built.ensure(SCHEMA, {"index_version": "w"})
    built.upsert(sample_points()[:3])
    built.optimize()
    built.close()
    generations.publish(second)
    assert live.count() == 3  # the reader follows the pointer...
    assert len(list(scrolling)) == 4  # ...and the scroll begun on the first one ends there
    live.retire_after_s = 0.0
    assert live.count() == 3 and not live._retired  # the first one's time is up: closed
    with pytest.raises(StoreError, match="this index part was closed"):
        next(late)
    live.close()
