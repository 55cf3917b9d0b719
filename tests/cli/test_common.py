"""Plain progress lines for output that is not a terminal (a log file, CI)."""

from __future__ import annotations

import io

from rich.console import Console

from cli.common import PlainProgress


def test_plain_progress_prints_a_line_per_interval_and_at_the_end() -> None:
    now = [0.0]
    buffer = io.StringIO()
    ticker = PlainProgress(every_s=30.0, clock=lambda: now[0],
                           out=Console(file=buffer, width=120))
    for done in range(1, 11):  # ten studies, ten seconds apart
        now[0] = 10.0 * done
        ticker("embed studies", done, 10)
    ticker("publish", 0, 0)  # a stage of unknown size says so
    lines = buffer.getvalue().splitlines()
    assert lines == ["embed studies: 1/10", "embed studies: 4/10", "embed studies: 7/10",
                     "embed studies: 10/10", "publish: 0/?"]
