"""Teaching files of earlier releases (one shared list in a SQLite file of its own), imported
into the product database on the first start that finds the file."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from db.teaching_text import TeachingError

if TYPE_CHECKING:  # db.teaching imports this module, to keep the name importable from it
    from db.teaching import TeachingFiles

logger = logging.getLogger(__name__)
EVERYONE = "*"


def import_legacy(files: TeachingFiles, path: Path, owner: str = "local") -> int:
    """Teaching files from the SQLite file of earlier releases, owned by `owner` and shared
    with everyone to edit (as they were: one shared list); the file is then renamed
    `.imported`. The number of collections imported."""
    if not path.is_file():
        return 0
    try:
        with closing(sqlite3.connect(path)) as legacy:
            collections = legacy.execute("SELECT id, name FROM collections").fetchall()
            cases = legacy.execute("SELECT collection_id, study_instance_uid, note, tags "
                                   "FROM cases ORDER BY added, id").fetchall()
    except sqlite3.Error as error:  # the server must start all the same
        logger.warning("%s: not imported (%s)", path.name, error)
        return 0
    for old_id, name in collections:
        try:
            new_id = files.create(owner, name or "")
        except TeachingError:  # a name today's rules refuse (too long, empty) stops no start
            new_id = files.create(owner, f"Imported teaching file {old_id}")
        files.share(new_id, owner, EVERYONE, "edit")
        for collection_id, uid, note, tags in cases:
            if collection_id == old_id:
                try:  # a case today's rules refuse (a note too long) stops no start
                    files.add(new_id, owner, uid, note or "", tags or "", bounded=False)
                except TeachingError as error:
                    logger.warning("teaching file %d: a case not imported (%s)", new_id, error)
    path.rename(path.with_suffix(".sqlite3.imported"))
    return len(collections)
