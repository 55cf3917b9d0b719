"""Find each study's report (text file, JSONL/CSV index, or DICOM SR) and its impression."""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pydicom.dataset import Dataset

logger = logging.getLogger(__name__)


class ReportSource(StrEnum):
    TEXT_FILE = "txt"
    INDEX = "index"
    SR = "sr"


@dataclass(frozen=True)
class StudyReport:
    """A report: full text, its impression section, and where it was found."""

    text: str
    impression: str
    source: ReportSource
    location: str


_IMPRESSION = re.compile(
    r"^[ \t]*(?:\d+[.)][ \t]*)?(?:impressions?|conclusions?|summary|opinion)\b[ \t]*[:\-]?[ \t]*",
    re.IGNORECASE | re.MULTILINE)
_NEXT_SECTION = re.compile(
    r"^[ \t]*(?:\d+[.)][ \t]*)?(?:recommendations?|addendum|electronically signed|signed by|"
    r"dictated by|reported by|verified by)\b", re.IGNORECASE | re.MULTILINE)
_INDEX_KEYS = ("accession_number", "accessionnumber", "accession", "study_instance_uid",
               "studyinstanceuid", "study_uid")
_TEXT_KEYS = ("report", "report_text", "text", "full_text", "body")


def extract_impression(text: str) -> str:
    """The IMPRESSION / CONCLUSION / SUMMARY section (numbered or not, any case), or ''."""
    matches = list(_IMPRESSION.finditer(text))
    if not matches:
        return ""
    start = matches[-1].end()  # the last such heading is the report's conclusion
    end = _NEXT_SECTION.search(text, start)
    return text[start:end.start() if end else len(text)].strip()


def _report(text: str, source: ReportSource, location: str) -> StudyReport:
    return StudyReport(text.strip(), extract_impression(text), source, location)


class ReportIndex:
    """Reports kept apart from the images: JSONL or CSV files keyed by accession or study UID."""

    def __init__(self) -> None:
        self._by_key: dict[str, tuple[str, str]] = {}
        self.files: list[Path] = []

    def __len__(self) -> int:
        return len(self._by_key)

    def add_file(self, path: Path) -> int:
        """Read one JSONL or CSV index; returns how many reports it added."""
        rows = self._jsonl(path) if path.suffix.lower() == ".jsonl" else self._csv(path)
        added = 0
        for row in rows:
            lowered = {str(k).lower(): v for k, v in row.items()}
            text = next((str(lowered[k]) for k in _TEXT_KEYS if lowered.get(k)), None)
            if text is None:
                continue
            for key in _INDEX_KEYS:
                if lowered.get(key):
                    self._by_key[str(lowered[key]).strip()] = (text, str(path))
                    added += 1
        if added:
            self.files.append(path)
        return added

    @staticmethod
    def _jsonl(path: Path) -> list[dict[str, object]]:
        rows = []
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace")
                                      .splitlines(), 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                # not the file's path: a report found in the archive is in a patient's folder
                logger.warning("a report file's line %d: not JSON, skipped", number)
                continue
            if isinstance(value, dict):
                rows.append(value)
        return rows

    @staticmethod
    def _csv(path: Path) -> list[dict[str, object]]:
        with path.open(newline="", encoding="utf-8", errors="replace") as handle:
            return list(csv.DictReader(handle))

    def find(self, accession_number: str, study_instance_uid: str) -> StudyReport | None:
        for key in (accession_number, study_instance_uid):
            if key and key in self._by_key:
                text, location = self._by_key[key]
                return _report(text, ReportSource.INDEX, location)
        return None


def _sr_items(items: Iterable[Dataset], depth: int = 0) -> list[tuple[str, str]]:
    """(concept name, text) of every TEXT item in an SR content tree."""
    out: list[tuple[str, str]] = []
    if depth > 10:  # malformed, self-nesting trees exist
        return out
    for item in items:
        concept = ""
        if "ConceptNameCodeSequence" in item and item.ConceptNameCodeSequence:
            concept = str(item.ConceptNameCodeSequence[0].get("CodeMeaning", ""))
        if item.get("ValueType") == "TEXT" and "TextValue" in item:
            out.append((concept, str(item.TextValue)))
        if "ContentSequence" in item:
            out.extend(_sr_items(item.ContentSequence, depth + 1))
    return out


def report_from_sr(ds: Dataset, location: str) -> StudyReport | None:
    """Text and impression of a DICOM SR (Basic or Enhanced Text SR, or any SR with TEXT items)."""
    items = _sr_items(ds.get("ContentSequence", []))
    if not items:
        return None
    text = "\n\n".join(f"{name.upper()}:\n{value}" if name else value for name, value in items)
    impressions = [v for name, v in items
                   if re.search(r"impression|conclusion|summary", name, re.IGNORECASE)]
    impression = "\n".join(impressions) if impressions else extract_impression(text)
    return StudyReport(text, impression.strip(), ReportSource.SR, location)


def text_report_near(study_dir: Path, accession_number: str) -> StudyReport | None:
    """A text report inside the study folder, or named after the accession beside it."""
    candidates = sorted(study_dir.glob("*.txt"))
    if accession_number:
        candidates += [study_dir.parent / f"{accession_number}.txt",
                       study_dir.with_suffix(".txt")]
    for path in candidates:
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if _IMPRESSION.search(text) or "report" in path.name.lower():
            return _report(text, ReportSource.TEXT_FILE, str(path))
    return None
