"""How long the three text readers take as their input grows: the report labeler, the query
reader and the report scrubber. Each once read some inputs in quadratic time (a 48 kB report
of "LV " took minutes), so the table shows each at three sizes and the ratio of the largest
to the middle one: about 4 is linear, 16 quadratic. The timing tests under tests/ hold bounds
only; this prints the figures, for a realistic report and for the inputs that were slow.

Run: .venv/bin/python bench/text_speed.py [--sizes 2500,10000,40000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from indexer.deidentify import scrub_free_text
from reader.labeler import label_findings
from search.understand import understand

# a realistic impression and sign-off (no patient data: invented names)
_REPORT = (
    "Moderately dilated LV with severely impaired systolic function, LVEF 28 % on CMR. "
    "Thick and dilated LV is not seen; wall thickness 9 mm. RV normal in size, preserved "
    "function. Subendocardial LGE in the inferior and inferolateral walls, >50 % transmural "
    "in the basal inferior segment. No pericardial effusion. Reported by: Dr Sarah Simpson. "
    "Radiographer: Mary Stokes. ")
_QUERY = "dilated LV with transmural LGE, LVEF under 30 %, normal RV size and function, "

# (what reads, the text unit repeated to the size): the realistic text, then the units that
# were slow once (see tests/reader/test_labeler_speed.py, tests/search/test_understand_speed.py)
CASES: list[tuple[str, str, Callable[[str], object]]] = [
    ("labeler", _REPORT, label_findings),
    ("labeler", "LV ", label_findings),
    ("labeler", "LV impaired, ", label_findings),
    ("labeler", "inferior and ", label_findings),
    ("query reader", _QUERY, understand),
    ("query reader", "a-b-c/", understand),
    ("query reader", "LGE absent, ", understand),
    ("query reader", "preserved ef, ", understand),
    ("scrubber", _REPORT, scrub_free_text),
    ("scrubber", "Radiographers: Smith, ", scrub_free_text),
    ("scrubber", "Nurse: Adeyemi 20G cannula. ", scrub_free_text),
]


def _seconds(read: Callable[[str], object], text: str, repeat: int) -> float:
    """The fastest of `repeat` reads: the least disturbed by other work on the machine."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        read(text)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2500,10000,40000",
                        help="characters, comma-separated, smallest first")
    parser.add_argument("--repeat", type=int, default=3, help="reads per size (the fastest counts)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    table = Table(title="text readers: seconds by input size (characters)")
    ratio_name = f"ratio {sizes[-1]:,}/{sizes[-2]:,}"
    for name in ("reader", "unit", *(f"{s:,}" for s in sizes), ratio_name):
        table.add_column(name, justify="left" if name in ("reader", "unit") else "right")
    for reader_name, unit, read in CASES:
        times = [_seconds(read, (unit * (size // len(unit) + 1))[:size], args.repeat)
                 for size in sizes]
        shown = unit if len(unit) <= 24 else f"{unit[:21]}..."
        ratio = times[-1] / times[-2] if times[-2] > 0 else float("nan")
        table.add_row(reader_name, repr(shown), *(f"{t:.3f}" for t in times), f"{ratio:.1f}")
    Console().print(table)


if __name__ == "__main__":
    main()
