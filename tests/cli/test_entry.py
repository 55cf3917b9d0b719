"""The installed script: Ctrl-C while the command line's libraries import is one word."""

from __future__ import annotations

import sys
import types
from typing import NoReturn

import pytest


def test_ctrl_c_while_importing_is_aborted_not_a_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from cli.entry import main

    loading = types.ModuleType("cli.main")

    def interrupted(name: str) -> NoReturn:
        raise KeyboardInterrupt

    loading.__getattr__ = interrupted  # type: ignore[method-assign]  # PEP 562
    monkeypatch.setitem(sys.modules, "cli.main", loading)
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 130 and capsys.readouterr().err == "aborted\n"


def test_the_script_is_the_guarded_entry_point() -> None:
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["cmr-search"] == "cli.entry:main"


def _handlers_installed(monkeypatch: pytest.MonkeyPatch) -> dict[int, object]:
    """The signal handlers `cmr-search index archive` installs (the command itself faked);
    the dict stays live, so a later `main()` under other argv adds to it."""
    import signal

    from cli.entry import main

    installed: dict[int, object] = {}
    monkeypatch.setattr(signal, "signal", lambda signum, handler: installed.update(
        {signum: handler}))
    loading = types.ModuleType("cli.main")
    loading.main = lambda: None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cli.main", loading)
    monkeypatch.setattr(sys, "argv", ["cmr-search", "index", "archive"])
    main()
    return installed


def test_sigterm_is_taken_as_ctrl_c(monkeypatch: pytest.MonkeyPatch) -> None:
    """`docker compose stop` and systemd send SIGTERM: an index run died with no message, no
    run report, and its worker processes left running."""
    import signal

    from cli.entry import main

    installed = _handlers_installed(monkeypatch)
    handler = installed.pop(signal.SIGTERM)
    assert callable(handler)
    with pytest.raises(KeyboardInterrupt):
        handler(signal.SIGTERM, None)
    # the web server stops itself on SIGTERM (systemd counted the 130 as a failed stop)
    monkeypatch.setattr(sys, "argv", ["cmr-search", "serve", "--port", "8000"])
    main()
    assert signal.SIGTERM not in installed


def test_an_index_run_says_at_once_that_it_is_stopping(
        monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C or SIGTERM midway: nothing was said for ~30 s while the studies in flight
    finished; the first signal says so at once, a second stops as before, silently."""
    import signal


    installed = _handlers_installed(monkeypatch)
    handler = installed[signal.SIGINT]
    assert callable(handler) and installed[signal.SIGTERM] is handler
    for _ in range(2):
        with pytest.raises(KeyboardInterrupt):
            handler(signal.SIGINT, None)
    assert capfd.readouterr().err == \
        "stopping before any study was indexed; the index is left as it was\n"


_IN_FLIGHT = "stopping: finishing the studies in flight, then keeping what is done\n"
_KEPT = "stopping: the studies embedded are kept; the next index run publishes them\n"
_NOT_PUBLISHED = ("stopping: the new index is not published; the studies embedded are kept "
                  "and the next index run publishes them\n")


@pytest.mark.parametrize(("stages", "said"), [
    ([], "stopping before any study was indexed; the index is left as it was\n"),
    (["read headers"], "stopping before any study was indexed; the index is left as it was\n"),
    (["embed studies"], _IN_FLIGHT),
    # the last "embed studies" tick: the last batch is still to encode ("the studies embedded
    # are kept" was said, and then none of them was)
    (["embed studies", "embed studies"], _IN_FLIGHT),
    (["embed studies", "embedded"], _KEPT),
    # the last "publish" tick: the build is still to optimise and publish ("the new index is
    # published" was said, and the index published stayed the old one)
    (["embed studies", "embedded", "publish"], _NOT_PUBLISHED),
    (["embedded", "publish", "published"], "stopping: the new index is published\n"),
])
def test_the_stopping_notice_says_what_the_run_is_doing(
        monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str],
        stages: list[str], said: str) -> None:
    """"finishing the studies in flight, then keeping what is done" was said in any phase:
    while the model loaded or the archive was read, no study was in flight and none kept."""
    import signal

    from cli.index import _stop_notice

    installed = _handlers_installed(monkeypatch)
    for stage in stages:
        _stop_notice(stage)
    handler = installed[signal.SIGINT]
    assert callable(handler)
    with pytest.raises(KeyboardInterrupt):
        handler(signal.SIGINT, None)
    assert capfd.readouterr().err == said


def test_the_pipelines_milestones_are_no_progress_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    from cli.entry import INDEX_STOP
    from cli.index import _stop_notice
    from indexer.pipeline import EMBEDDED, PUBLISHED

    monkeypatch.setattr(INDEX_STOP, "text", INDEX_STOP.text)  # as it was, after

    assert _stop_notice(EMBEDDED) and _stop_notice(PUBLISHED)
    assert not _stop_notice("embed studies") and not _stop_notice("publish")


def test_a_stderr_that_cannot_be_written_still_stops_the_run_as_ctrl_c(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`cmr-search index ... 2>&1 | tee log`, Ctrl-C: tee died first, and the notice's
    BrokenPipeError came out of the handler instead of KeyboardInterrupt (a failed run, its
    studies in flight lost, exit 1 not 130)."""
    import os
    import signal

    from cli.entry import STOPPING, _interrupt_in

    def broken(fd: int, data: bytes) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(os, "write", broken)
    handler = _interrupt_in(os.getpid(), STOPPING)
    with pytest.raises(KeyboardInterrupt):
        handler(signal.SIGINT, None)
