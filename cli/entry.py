"""The installed `cmr-search` script. It loads the command line inside a guard: Ctrl-C in the
second its libraries take to import is "aborted" (exit 130), as it is once a command runs,
not a traceback through the import machinery. SIGTERM (what `docker compose stop`, systemd
and a batch scheduler send) is Ctrl-C: an index run keeps what it embedded, writes its report
and stops its workers, where it died with no message and left its pool running. `serve` keeps
the web server's own SIGTERM handling (a graceful stop that systemd counts as clean), and a
worker process a command forked dies of SIGTERM as before, without a traceback."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from contextlib import suppress
from types import FrameType

# an index run takes seconds to finish the studies its workers hold, and said nothing meanwhile
STOPPING = b"stopping: finishing the studies in flight, then keeping what is done\n"
# ... but said that while the model loaded or the archive was read, when nothing is kept
BEFORE_ANY = b"stopping before any study was indexed; the index is left as it was\n"
EMBEDDED = b"stopping: the studies embedded are kept; the next index run publishes them\n"
# the build is dropped (a server's points written so far stay, each whole)
PUBLISHING = b"stopping: the new index is not published; the studies embedded are kept and " \
    b"the next index run publishes them\n"
PUBLISHED = b"stopping: the new index is published\n"


class StopNotice:
    """What an index run's first Ctrl-C says: the command moves it on as the run goes
    (`cli.index`), from `BEFORE_ANY` to `STOPPING` once studies are in flight."""

    def __init__(self, text: bytes) -> None:
        self.text = text


INDEX_STOP = StopNotice(BEFORE_ANY)


def _interrupt_in(main: int, notice: bytes | StopNotice = b"",
                  ) -> Callable[[int, FrameType | None], None]:
    """SIGTERM (and, with a `notice`, Ctrl-C) as Ctrl-C in the process `main`, saying `notice`
    at the first; a forked worker dies of SIGTERM as by default, and takes Ctrl-C as before."""
    said = False

    def handle(signum: int, frame: FrameType | None) -> None:
        nonlocal said
        if os.getpid() != main:
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        text = notice.text if isinstance(notice, StopNotice) else notice
        if text and not said:
            said = True
            # stderr closed, or a `2>&1 | tee` that Ctrl-C stopped first: a BrokenPipeError
            # out of here was a failed run (its studies in flight lost), not an interrupted one
            with suppress(OSError):
                os.write(2, text)  # not sys.stderr: the signal may have come in its write
        raise KeyboardInterrupt

    return handle


def _command(argv: list[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def main() -> None:
    command = _command(sys.argv[1:])
    if command == "index":
        INDEX_STOP.text = BEFORE_ANY
        handler = _interrupt_in(os.getpid(), INDEX_STOP)
        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)
    elif command != "serve":
        signal.signal(signal.SIGTERM, _interrupt_in(os.getpid()))
    try:
        from cli.main import main as run
    except KeyboardInterrupt:
        sys.stderr.write("aborted\n")
        raise SystemExit(130) from None
    run()
