"""The teaching-file handout: one self-contained HTML page of a collection's cases.

The collections themselves live in the database (`db.teaching`). The handout holds previews,
impressions, notes and tags only: no names, IDs, UIDs, accession numbers or exact dates (a year
at most).
"""

from __future__ import annotations

import base64
import html
import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from catalog import PayloadField as F
from cmr_search.vocab import PreviewKind
from db import Case
from web.render import VIEW_LABELS

# the views a handout shows, in order (its size stays small: no long-axis LGE, no LVOT)
HANDOUT_VIEWS = (PreviewKind.SAX, PreviewKind.CH4, PreviewKind.CH2, PreviewKind.CH3,
                 PreviewKind.LGE_SAX)


def _data_uri(path: Path) -> str:
    kind = "image/webp" if path.suffix == ".webp" else "image/png"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"


def handout_zip(name: str, cases: list[tuple[Case, dict[str, Any]]], data_dir: Path,
                css: str) -> bytes:
    """One self-contained HTML file (previews inlined) and a plain-text index, zipped."""
    items = []
    for number, (case, payload) in enumerate(cases, 1):
        figures = []
        for slot in HANDOUT_VIEWS:
            label = VIEW_LABELS[slot]
            path = (payload.get(F.PREVIEWS) or {}).get(slot)
            if path and (data_dir / path).is_file():
                figures.append(f'<figure><img src="{_data_uri(data_dir / path)}" '
                               f'alt="{label} cine"><figcaption>{label}</figcaption></figure>')
        year = str(payload.get(F.STUDY_DATE) or "")[:4]
        age = payload.get(F.AGE)
        who = " ".join(str(x) for x in (f"{age} y" if age is not None else "",
                                        payload.get(F.SEX) or "", year) if x)
        tags = "".join(f'<span class="tag">{html.escape(t)}</span>' for t in case.tags)
        items.append(
            f'<section class="case"><h2>Case {number}</h2><p class="meta">{html.escape(who)}'
            f'</p><div class="views">{"".join(figures)}</div><h3>Impression</h3>'
            f'<p class="impression">{html.escape(str(payload.get(F.IMPRESSION) or "(no report)"))}'
            f'</p><h3>Teaching note</h3><p>{html.escape(case.note) or "-"}</p>'
            f'<p>{tags}</p></section>')
    page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>'
            f'{html.escape(name)}</title><style>{css}</style></head><body class="handout">'
            f'<h1>{html.escape(name)}</h1><p class="meta">{len(cases)} cases. Exported '
            f'{datetime.now(UTC):%Y-%m-%d}. No patient identifiers.</p>{"".join(items)}'
            f'</body></html>')
    buffer = io.BytesIO()
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "teaching-file"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{slug}/handout.html", page)
        zf.writestr(f"{slug}/README.txt", f"{name}: open handout.html in any browser.\n")
    return buffer.getvalue()
