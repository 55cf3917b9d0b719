"""The teaching-file handout: one self-contained HTML page of a collection's cases.

The collections themselves live in the database (`db.teaching`). The handout holds previews,
measurements, impressions, notes and tags only: no UIDs, header names, IDs, accession numbers
or exact dates (a year at most, an age over 89 as 90+). Report and note text is free text: it
is scrubbed of what commonly identifies (`indexer.deidentify.scrub_free_text`), and the page
asks that it be read before it is shared, as rules cannot promise more.
"""

from __future__ import annotations

import base64
import html
import re
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from catalog import PayloadField as F
from cmr_search.vocab import PreviewKind
from db import Case
from indexer.deidentify import scrub_free_text
from web.measurements import card_values
from web.render import VIEW_LABELS
from web.teaching_notes import scrub_note

# the views a handout shows, in order (its size stays small: no long-axis LGE, no LVOT)
HANDOUT_VIEWS = (PreviewKind.SAX, PreviewKind.CH4, PreviewKind.CH2, PreviewKind.CH3,
                 PreviewKind.LGE_SAX)
_STILLS = frozenset({PreviewKind.LGE_SAX})  # written as WebP, one frame: nothing to play


def _data_uri(path: Path) -> str:
    kind = "image/webp" if path.suffix == ".webp" else "image/png"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"


def _who(payload: dict[str, Any]) -> str:
    """"64 y F 2021": an age over 89 is 90+ (PS3.15 counts it as identifying), the year only."""
    age = payload.get(F.AGE)
    shown = "" if age is None else "90+ y" if age > 89 else f"{age} y"
    sex = payload.get(F.SEX) or ""
    return " ".join(x for x in (shown, "" if sex == "unknown" else sex,
                                str(payload.get(F.STUDY_DATE) or "")[:4]) if x)


def _numbers(payload: dict[str, Any]) -> str:
    """The heart in numbers, as a result card shows it (a QC-flagged value marked '?')."""
    values = card_values(payload.get(F.MEASUREMENTS) or {},
                         payload.get(F.FLAGGED_MEASUREMENTS) or [])
    shown = " · ".join(f"{v.label} {v.value}{'?' if v.uncertain and v.measurable else ''}"
                       for v in values)
    return f'<p class="meta">{html.escape(shown)}</p>' if shown else ""


def _figure(label: str, data_dir: Path, path: str | None, poster: str | None,
            still: bool) -> str:
    """One view: a `still` (LGE) shows its first frame, its poster where kept; a cine (an
    animated WebP that loops for ever) shows its first frame, and plays only once opened: the
    page has no script, and `<details>` is a pause, stop and hide (WCAG 2.2.2) that every
    browser has. "" where the file is gone."""
    if not path or not (data_dir / path).is_file():
        return ""
    has_poster = bool(poster) and (data_dir / str(poster)).is_file()
    if still or not path.endswith(".webp"):
        # an LGE of two images a position is a WebP that loops: its first frame, where kept
        shown = _data_uri(data_dir / str(poster)) if still and has_poster else _data_uri(
            data_dir / path)
        return f'<figure><img src="{shown}" alt="{label}"><figcaption>{label}</figcaption></figure>'
    first = (f'<img src="{_data_uri(data_dir / str(poster))}" alt="{label}, first frame">'
             if has_poster else "")
    return (f'<figure>{first}<details><summary>Play the {label} cine</summary>'
            f'<img src="{_data_uri(data_dir / path)}" '
            f'alt="{label} cine"></details><figcaption>{label}</figcaption></figure>')


def _section(number: int, case: Case, payload: dict[str, Any], data_dir: Path) -> str:
    """One case of the handout, its previews inlined."""
    previews = payload.get(F.PREVIEWS) or {}
    figures = [_figure(VIEW_LABELS[slot], data_dir, previews.get(slot),
                       previews.get(f"{slot}_poster"), slot in _STILLS) for slot in HANDOUT_VIEWS]
    # a viewer's payload holds no report text: "(no report)" told them there was none
    impression = scrub_free_text(str(payload.get(F.IMPRESSION) or "")) or (
        "(report not shown to your role)" if payload.get(F.HAS_REPORT) else "(no report)")
    tags = "".join(f'<span class="tag">{html.escape(scrub_note(t))}</span>'
                   for t in case.tags)
    return (f'<section class="case"><h2>Case {number}</h2><p class="meta">'
            f'{html.escape(_who(payload))}</p>{_numbers(payload)}'
            f'<div class="views">{"".join(figures)}</div><h3>Impression</h3>'
            f'<p class="impression">{html.escape(impression)}</p><h3>Teaching note</h3>'
            f'<p>{html.escape(scrub_note(case.note)) or "-"}</p><p>{tags}</p></section>')


def write_handout(target: IO[bytes], name: str, cases: list[tuple[Case, dict[str, Any]]],
                  data_dir: Path, css: str, missing: int = 0) -> None:
    """One self-contained HTML file (previews inlined) and a plain-text index, zipped into
    `target` case by case: the whole page in memory was 1.2 GB for 1,000 cases. The
    collection's name and the tags are free text too, scrubbed as the notes are. `missing`:
    cases left out, their studies no longer in the index."""
    name = scrub_note(name)
    left_out = f" ({missing} more no longer in the index, left out)" if missing else ""
    head = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>'
            f'{html.escape(name)}</title><style>{css}</style></head><body class="handout">'
            f'<h1>{html.escape(name)}</h1><p class="meta">{len(cases)} cases{left_out}. Exported '
            f'{datetime.now(UTC):%Y-%m-%d}. No UIDs, names, IDs or dates from the headers; '
            f'the report and note text was scrubbed of dates, long numbers and titled names. '
            f'Read it before sharing: free text can hold what no rule finds.</p>')
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "teaching-file"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        # its size is not known before it is written: zip64 in case it passes 2 GiB
        with zf.open(f"{slug}/handout.html", "w", force_zip64=True) as page:
            page.write(head.encode())
            for number, (case, payload) in enumerate(cases, 1):
                page.write(_section(number, case, payload, data_dir).encode())
            page.write(b"</body></html>")
        zf.writestr(f"{slug}/README.txt", f"{name}: open handout.html in any browser.\n")


def handout_file(name: str, cases: list[tuple[Case, dict[str, Any]]], data_dir: Path,
                 css: str, missing: int = 0) -> IO[bytes]:
    """The handout zipped into a temporary file with no name (the system takes it off the
    disk when it is closed, or the server stops), read from its start."""
    file = tempfile.TemporaryFile(prefix="cmr-handout-")  # noqa: SIM115 (returned open)
    try:
        write_handout(file, name, cases, data_dir, css, missing)
        file.seek(0)
    except BaseException:
        file.close()
        raise
    return file


def chunks(file: IO[bytes], size: int = 1 << 20) -> Iterator[bytes]:
    """The file's bytes, a MiB at a time; closed when read, or when the response stops (a
    client gone: the iterator is closed)."""
    with file:
        while chunk := file.read(size):
            yield chunk
