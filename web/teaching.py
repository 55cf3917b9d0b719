"""Teaching files: named collections of cases with a note and tags, kept in SQLite.

The handout export holds previews, impressions, notes and tags only: no names, IDs, UIDs,
accession numbers or exact dates (a year at most).
"""

from __future__ import annotations

import base64
import html
import io
import re
import sqlite3
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from catalog import PayloadField as F
from cmr_search.vocab import PreviewKind
from web.render import VIEW_LABELS

_SCHEMA = """
CREATE TABLE IF NOT EXISTS collections (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cases (
    id INTEGER PRIMARY KEY,
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    study_instance_uid TEXT NOT NULL, note TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '', added TEXT NOT NULL,
    UNIQUE (collection_id, study_instance_uid));
"""
# the views a handout shows, in order (its size stays small: no long-axis LGE, no LVOT)
HANDOUT_VIEWS = (PreviewKind.SAX, PreviewKind.CH4, PreviewKind.CH2, PreviewKind.CH3,
                 PreviewKind.LGE_SAX)
MAX_NAME = 120
MAX_NOTE = 4000


class TeachingError(ValueError):
    """A bad collection name, note or tag; the message says which."""


@dataclass(frozen=True)
class Collection:
    id: int
    name: str
    created: str
    cases: int


@dataclass(frozen=True)
class Case:
    id: int
    study_instance_uid: str
    note: str
    tags: list[str]
    added: str


def parse_tags(text: str) -> list[str]:
    tags = [t.strip().lower() for t in re.split(r"[,;]", text) if t.strip()]
    for tag in tags:
        if len(tag) > 40:
            raise TeachingError(f"tag {tag[:40]!r}...: at most 40 characters")
    return sorted(set(tags))


class TeachingFiles:
    """Collections in one SQLite file; every method opens its own connection (thread-safe)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(_SCHEMA)

    def _db(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA foreign_keys = ON")
        return db

    def create(self, name: str) -> int:
        name = " ".join(name.split())
        if not name or len(name) > MAX_NAME:
            raise TeachingError(f"collection name: 1 to {MAX_NAME} characters")
        with self._db() as db:
            row = db.execute("SELECT id FROM collections WHERE name = ?", (name,)).fetchone()
            if row:
                return int(row[0])
            cursor = db.execute("INSERT INTO collections (name, created) VALUES (?, ?)",
                                (name, _now()))
            return int(cursor.lastrowid or 0)

    def collections(self) -> list[Collection]:
        with self._db() as db:
            rows = db.execute("SELECT c.id, c.name, c.created, COUNT(k.id) FROM collections c "
                              "LEFT JOIN cases k ON k.collection_id = c.id GROUP BY c.id "
                              "ORDER BY c.name").fetchall()
        return [Collection(int(r[0]), r[1], r[2], int(r[3])) for r in rows]

    def collection(self, collection_id: int) -> Collection | None:
        return next((c for c in self.collections() if c.id == collection_id), None)

    def add(self, collection_id: int, uid: str, note: str, tags: str) -> None:
        if len(note) > MAX_NOTE:
            raise TeachingError(f"note: at most {MAX_NOTE} characters")
        if self.collection(collection_id) is None:
            raise TeachingError(f"no teaching file {collection_id}")
        with self._db() as db:
            db.execute("INSERT INTO cases (collection_id, study_instance_uid, note, tags, added) "
                       "VALUES (?, ?, ?, ?, ?) ON CONFLICT (collection_id, study_instance_uid) "
                       "DO UPDATE SET note = excluded.note, tags = excluded.tags",
                       (collection_id, uid, note.strip(), ",".join(parse_tags(tags)), _now()))

    def remove(self, collection_id: int, case_id: int) -> None:
        with self._db() as db:
            db.execute("DELETE FROM cases WHERE id = ? AND collection_id = ?",
                       (case_id, collection_id))

    def cases(self, collection_id: int) -> list[Case]:
        with self._db() as db:
            rows = db.execute("SELECT id, study_instance_uid, note, tags, added FROM cases "
                              "WHERE collection_id = ? ORDER BY added, id",
                              (collection_id,)).fetchall()
        return [Case(int(r[0]), r[1], r[2], [t for t in r[3].split(",") if t], r[4])
                for r in rows]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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
