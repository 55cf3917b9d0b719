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


def _interrupt_in(main: int, notice: bytes = b"") -> Callable[[int, FrameType | None], None]:
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
        if notice and not said:
            said = True
            # stderr closed, or a `2>&1 | tee` that Ctrl-C stopped first: a BrokenPipeError
            # out of here was a failed run (its studies in flight lost), not an interrupted one
            with suppress(OSError):
                os.write(2, notice)  # not sys.stderr: the signal may have come in its write
        raise KeyboardInterrupt

    return handle


def _command(argv: list[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def main() -> None:
    command = _command(sys.argv[1:])
    if command == "index":
        handler = _interrupt_in(os.getpid(), STOPPING)
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
