"""The installed `cmr-search` script. It loads the command line inside a guard: Ctrl-C in the
second its libraries take to import is "aborted" (exit 130), as it is once a command runs,
not a traceback through the import machinery. SIGTERM (what `docker compose stop`, systemd
and a batch scheduler send) is Ctrl-C: an index run keeps what it embedded, writes its report
and stops its workers, where it died with no message and left its pool running."""

from __future__ import annotations

import signal
import sys
from types import FrameType


def _as_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _as_interrupt)
    try:
        from cli.main import main as run
    except KeyboardInterrupt:
        sys.stderr.write("aborted\n")
        raise SystemExit(130) from None
    run()
