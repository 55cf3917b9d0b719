"""SIGTERM (or Ctrl-C) in an index run's last batch and while it publishes: what its first
signal says (`cli.index._stop_notice`, `cli.entry`) is what the run then leaves."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fakes.encoder import FakeEncoder

from cli.entry import BEFORE_ANY, EMBEDDED, INDEX_STOP, PUBLISHED, PUBLISHING, STOPPING
from cli.entry import _interrupt_in as interrupt_in
from cmr_search.layout import DataLayout
from indexer.pipeline import IndexOptions, run_index
from indexer.records import RecordStore
from indexer.summary import IndexSummary
from vectorstore import Generations


def _run(archive: Path, data: Path, monkeypatch: pytest.MonkeyPatch) -> IndexSummary:
    """The command's run (`cli.index._run`: its ticks move the notice) with the fake encoder;
    an interrupt that came out of it is a failure, not the end of the test session."""
    from cli.index import _run as run_command
    from cmr_search.settings import Settings
    from cmrclip.inference import Encoder

    monkeypatch.setattr(Encoder, "from_checkpoint", lambda *args, **kwargs: FakeEncoder())
    try:
        summary: IndexSummary = run_command(Settings(data_dir=data, measure=False), archive,
                                            IndexOptions())
    except KeyboardInterrupt:
        pytest.fail("the interrupt came out of the run: no summary, no run report")
    return summary


def _quiet(archive: Path, data: Path) -> IndexSummary:
    return run_index(archive, DataLayout(data), FakeEncoder(), Generations(data / "index"),
                     IndexOptions())


@pytest.fixture
def signal_now(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """The index command's SIGTERM handler, called as the signal would call it: it says the
    notice of the moment on stderr and raises KeyboardInterrupt."""
    monkeypatch.setattr(INDEX_STOP, "text", BEFORE_ANY)
    handler = interrupt_in(os.getpid(), INDEX_STOP)
    return lambda: handler(signal.SIGTERM, None)


def _said(capfd: pytest.CaptureFixture[str]) -> str:
    notices = {n.decode() for n in (BEFORE_ANY, STOPPING, EMBEDDED, PUBLISHING, PUBLISHED)}
    return "".join(line for line in capfd.readouterr().err.splitlines(keepends=True)
                   if line in notices)


def _once(action: Callable[[], None]) -> Callable[..., Any]:
    """A wrapper of a method that does `action` at its first call, then the method."""
    done: list[bool] = []

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            if not done:
                done.append(True)
                action()
            return original(*args)
        return call
    return wrap


def test_a_signal_in_the_last_batch_keeps_its_studies_and_says_so(
        archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str], signal_now: Callable[[], None]) -> None:
    """Fewer studies than a batch (16) are all encoded after the last "embed studies" tick:
    SIGTERM there said "the studies embedded are kept", then "interrupted: 0 studies embedded
    in this run are kept", and the next run embedded them all again."""
    monkeypatch.setattr(FakeEncoder, "encode_clips",
                        _once(signal_now)(FakeEncoder.encode_clips))
    first = _run(archive, tmp_path, monkeypatch)
    assert _said(capfd) == STOPPING.decode()
    assert first.interrupted and first.indexed > 0 and not first.published
    kept = RecordStore(DataLayout(tmp_path).embeddings, FakeEncoder.key).fingerprints()
    assert len(kept) == first.indexed
    assert Generations(tmp_path / "index").current() is None
    again = _quiet(archive, tmp_path)
    assert again.indexed == 0 and again.unchanged == first.indexed
    assert again.studies_in_index == first.indexed


def test_a_signal_while_the_build_is_optimised_drops_it_and_says_so(
        archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str], signal_now: Callable[[], None]) -> None:
    """The last "publish" tick comes before the build is optimised and published: SIGTERM
    there said "the new index is published" while the old one stayed, the run ended in
    "aborted" with no run report, and its half-built generation was left behind."""
    from vectorstore.edge import EdgeStore

    published = _quiet(archive, tmp_path / "before")
    monkeypatch.setattr(EdgeStore, "optimize", _once(signal_now)(EdgeStore.optimize))
    stopped = _run(archive, tmp_path / "data", monkeypatch)
    assert _said(capfd) == PUBLISHING.decode()
    assert stopped.interrupted and not stopped.published
    assert stopped.indexed == published.indexed and stopped.studies_in_index is None
    generations = Generations(tmp_path / "data" / "index")
    assert generations.current() is None
    assert not list(generations.root.glob("gen-*"))  # the build dropped at once
    again = _quiet(archive, tmp_path / "data")  # publishes what was kept
    assert again.indexed == 0 and again.studies_in_index == published.studies_in_index


def test_a_signal_once_the_index_is_live_says_it_is_published(
        archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str], signal_now: Callable[[], None]) -> None:
    """While the older generations are pruned the new one is live: the run says so, and its
    summary names what it published."""
    prunes: list[int] = []
    prune = Generations.prune

    def pruned(self: Generations, keep_previous: int = 1) -> list[str]:
        prunes.append(1)
        if len(prunes) == 2:  # the first comes before the build: its space first
            signal_now()
        return prune(self, keep_previous)

    monkeypatch.setattr(Generations, "prune", pruned)
    stopped = _run(archive, tmp_path, monkeypatch)
    assert _said(capfd) == PUBLISHED.decode()
    assert stopped.interrupted and stopped.published["changed"]
    current = Generations(tmp_path / "index").current()
    assert current is not None and stopped.published["target"] == current.name
    assert stopped.studies_in_index == stopped.indexed
