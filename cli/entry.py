"""The installed `cmr-search` script. It loads the command line inside a guard: Ctrl-C in the
second its libraries take to import is "aborted" (exit 130), as it is once a command runs,
not a traceback through the import machinery."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from cli.main import main as run
    except KeyboardInterrupt:
        sys.stderr.write("aborted\n")
        raise SystemExit(130) from None
    run()
