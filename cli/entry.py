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
from types import FrameType


def _interrupt_in(main: int) -> Callable[[int, FrameType | None], None]:
    """SIGTERM as Ctrl-C in the process `main`; a forked worker dies of it, as by default."""
    def handle(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != main:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise KeyboardInterrupt

    return handle


def _command(argv: list[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def main() -> None:
    if _command(sys.argv[1:]) != "serve":
        signal.signal(signal.SIGTERM, _interrupt_in(os.getpid()))
    try:
        from cli.main import main as run
    except KeyboardInterrupt:
        sys.stderr.write("aborted\n")
        raise SystemExit(130) from None
    run()
