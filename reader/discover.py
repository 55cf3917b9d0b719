"""Walk an exported folder of any layout and say which files might be DICOM.

Nothing here opens a file for more than a few bytes; every file that cannot be used is returned
with a one-line reason instead of raising.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Files that PACS viewers and operating systems leave in exports.
_FOREIGN_NAMES = {"thumbs.db", ".ds_store", "dicomdir", "desktop.ini"}
# the product's own sidecar files in an archive's top folder: `cmr-search synth` writes the
# archive's ground truth there (`phantom.archive.GROUND_TRUTH`, read by bench/ and the tests)
# and, with --faults, its list of faults (`phantom.faults.FAULTS_FILE`), and `cmr-search demo`
# the recipe it made the archive by (`cli.synth.demo`); every scan listed them as "skipped:
# not DICOM (.jsonl file)"
PRODUCT_SIDECARS = frozenset({"ground_truth.jsonl", "faults.json", "demo-recipe.json"})
_FOREIGN_SUFFIXES = {".txt", ".jsonl", ".csv", ".json", ".jpg", ".jpeg", ".png", ".gif", ".pdf",
                     ".xml", ".html", ".htm", ".nii", ".gz", ".cfg", ".zip", ".exe", ".md"}


@dataclass(frozen=True)
class Skipped:
    """A file or study left out of a run, and why (one line, no patient data)."""

    path: str
    reason: str


# Reasons that carry a value ("pixdim: pixel spacing 1562.5 x 1562.5 mm is not within 0.1 to
# 10 mm"), counted by what is wrong: the words before the first colon counted it as "pixdim"
_REASON_CLASSES = (
    (re.compile(r"pixel spacing .* is not within"), "pixel spacing out of range"),
    (re.compile(r"slice spacing .* is not within"), "slice spacing out of range"),
    (re.compile(r"looks like a label map"), "label map, not an image"),
    (re.compile(r"slices appear to lie on axis"), "slices not on the third axis"),
    (re.compile(r"pixels are not finite numbers"), "pixels not finite (NaN or infinity)"),
    (re.compile(r"the header declares .* pixels"), "volume too large"),
    (re.compile(r"differs from the ED volume"), "frame volumes differ from the ED volume's"),
)


def reason_class(reason: str) -> str:
    """What a skip reason is counted as in a run's summary: the class of a reason that
    carries a value, else its words before the first colon ("not DICOM (.gz file)",
    "study not assembled", "ValueError"), which a file or detail follows."""
    for pattern, name in _REASON_CLASSES:
        if pattern.search(reason):
            return name
    return reason.partition(":")[0]


def walk(root: Path) -> Iterator[Path | Skipped]:
    """Every regular file below `root` (symlinked files followed once, folder loops avoided)."""
    seen_dirs: set[tuple[int, int]] = set()
    for folder, dirs, files in os.walk(root, followlinks=True, onerror=None):
        try:
            stat = os.stat(folder)
        except OSError as error:
            yield Skipped(folder, f"folder not readable: {error.strerror}")
            dirs[:] = []
            continue
        key = (stat.st_dev, stat.st_ino)
        if key in seen_dirs:
            dirs[:] = []
            continue
        seen_dirs.add(key)
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if not path.is_file():
                yield Skipped(str(path), "broken link or not a regular file")
                continue
            yield path


def classify_file(path: Path) -> Skipped | None:
    """None if the file should be read as DICOM; otherwise why it is skipped."""
    name = path.name.lower()
    if name in _FOREIGN_NAMES or name.startswith("._"):
        return Skipped(str(path), "not DICOM (system or viewer file)")
    if not os.access(path, os.R_OK):
        return Skipped(str(path), "file not readable (permission denied)")
    if path.stat().st_size < 132:
        return Skipped(str(path), "not DICOM (too small)")
    if path.suffix.lower() in _FOREIGN_SUFFIXES:
        return Skipped(str(path), f"not DICOM ({path.suffix.lower()} file)")
    return None
