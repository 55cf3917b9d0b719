"""What real exports contain: broken, foreign and duplicated files, and empty folders.

Each injected fault is listed in `faults.json` so tests can check that readers skip exactly these.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

FAULTS_FILE = "faults.json"


def _dicom_files(study_dir: Path) -> list[Path]:
    return sorted(p for p in study_dir.rglob("*") if p.is_file()
                  and p.name not in ("report.txt",) and not p.name.startswith(".")
                  and "SR" not in p.parts)


def inject_faults(out: Path, records: list[dict[str, Any]], seed: int) -> dict[str, Any]:
    """Damage a deterministic handful of files; returns (and writes) what was done."""
    rng = np.random.default_rng([seed, 0xFA017])
    studies = [out / r["study_dir"] for r in records]
    order = [studies[int(i)] for i in rng.permutation(len(studies))]

    def pick(start: int, stop: int) -> list[Path]:
        # cycle, so that even a tiny archive gets every kind of fault
        return [order[i % len(order)] for i in range(start, stop)]

    faults: dict[str, Any] = {"truncated": [], "corrupt": [], "non_dicom": [],
                              "duplicate_sop": [], "empty_dirs": []}

    damaged: set[Path] = set()

    def some_file(study: Path) -> Path:
        files = [f for f in _dicom_files(study) if f not in damaged]
        choice = files[int(rng.integers(len(files)))]
        damaged.add(choice)
        return choice

    for study in pick(0, 3):
        target = some_file(study)
        data = target.read_bytes()
        target.write_bytes(data[: max(len(data) // 3, 200)])
        faults["truncated"].append(str(target.relative_to(out)))
    for study in pick(3, 5):
        target = some_file(study)
        damaged_bytes = bytearray(target.read_bytes())
        size = min(400, len(damaged_bytes) - 132)
        junk = rng.integers(0, 256, size=size, dtype=np.uint8).tobytes()
        damaged_bytes[132:132 + size] = junk  # keep the preamble and "DICM", break what follows
        target.write_bytes(bytes(damaged_bytes))
        faults["corrupt"].append(str(target.relative_to(out)))
    for study in pick(5, 7):
        source = some_file(study)
        copy = source.with_name(source.name + "_copy")
        shutil.copyfile(source, copy)
        faults["duplicate_sop"].append(str(copy.relative_to(out)))
    foreign = {"Thumbs.db": b"\x00" * 64, "README.TXT": b"Exported by PACS viewer\n",
               "preview.jpg": b"\xff\xd8\xff\xe0 not really a jpeg", ".DS_Store": b"Bud1"}
    for study, (name, payload) in zip(pick(7, 11), foreign.items(), strict=True):
        (study / name).write_bytes(payload)
        faults["non_dicom"].append(str((study / name).relative_to(out)))
    empty = out / "EMPTY_EXPORT" / "no_images"
    empty.mkdir(parents=True, exist_ok=True)
    faults["empty_dirs"].append(str(empty.relative_to(out)))
    faults["no_report"] = [r["study_instance_uid"] for r in records if r["report_format"] == "none"]
    faults["missing_trigger_time"] = [r["study_instance_uid"] for r in records
                                      if r.get("trigger_time_dropped")]
    (out / FAULTS_FILE).write_text(json.dumps(faults, indent=2), encoding="utf-8")
    return faults
