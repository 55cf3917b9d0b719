"""Teaching files: named collections of cases with a note and tags, each with an owner who
shares it with named people (or everyone) to read or to edit."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.engine import Database
from db.tables import Case as CaseRow
from db.tables import Collection as CollectionRow
from db.tables import Share
from db.teaching_room import is_full, lock_collection
from db.teaching_text import (
    MAX_NOTE,
    MAX_TAGS,
    TeachingError,
    clean_note,
    collection_name,
    parse_tags,
)

# what was here before the checks of its text moved to `db.teaching_text` is still here
__all__ = ["EVERYONE", "MAX_CASES", "MAX_NOTE", "MAX_TAGS", "Access", "Added", "Case",
           "Collection", "TeachingAccessError", "TeachingError", "TeachingFiles",
           "TeachingNotFoundError", "import_legacy", "parse_tags"]
logger = logging.getLogger(__name__)

# per teaching file: 1,000 cases made a 182 MB handout; a class is taught from far fewer
MAX_CASES = 500
EVERYONE = "*"


class TeachingNotFoundError(TeachingError):
    """No teaching file of that id, or no case of that id in it."""

    status = 404


def _lock(session: Session, collection_id: int) -> None:
    """The file held until `session` ends, before its cases or shares by every write (a
    delete took them first, an add the file: on PostgreSQL a deadlock, answered 503)."""
    if not lock_collection(session, collection_id):  # deleted while this one waited
        raise TeachingNotFoundError(f"no teaching file {collection_id}")


class TeachingAccessError(TeachingError):
    """A teaching file that is not there for the person asking (404: that it exists is not
    told), or not theirs to change (403)."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


class Access(StrEnum):
    READ = "read"
    EDIT = "edit"
    OWN = "own"


_RANK = {Access.READ: 1, Access.EDIT: 2, Access.OWN: 3}


@dataclass(frozen=True)
class Collection:
    id: int
    name: str
    owner: str
    created: str
    cases: int
    access: Access  # what the person asking may do with it
    shares: dict[str, str]  # grantee -> read | edit
    moderated: bool = False  # read by an administrator with no share of it, not its owner


@dataclass(frozen=True)
class Case:
    id: int
    study_instance_uid: str
    note: str
    tags: list[str]
    added: str


class Added(NamedTuple):
    """The case an add found or made; `new`: whether it made it."""

    case: Case
    new: bool


def _as_case(row: CaseRow) -> Case:
    return Case(row.id, row.study_instance_uid, row.note,
                [t for t in row.tags.split(",") if t], row.added.isoformat(timespec="seconds"))


def _now() -> datetime:
    return datetime.now(UTC)


class TeachingFiles:
    """Collections in the product database; every call is its own transaction."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def find(self, owner: str, name: str) -> int | None:
        """The id of `owner`'s collection of that name (spaces as `create` reads them)."""
        name = collection_name(name)
        with self.database.session() as session:
            found = session.scalars(select(CollectionRow.id).where(
                CollectionRow.owner == owner, CollectionRow.name == name)).first()
            return None if found is None else int(found)

    def create(self, owner: str, name: str) -> int:
        """A new collection of `owner` (or the one of that name it already has)."""
        return self.make(owner, name)[0]

    def make(self, owner: str, name: str) -> tuple[int, bool]:
        """`owner`'s collection of that name, and whether this call made it: of two made at
        once the unique (owner, name) keeps one, and the other finds it (both had looked,
        found none, and recorded "created")."""
        name = collection_name(name)
        found = self.find(owner, name)
        if found is not None:
            return found, False
        try:
            with self.database.session() as session:
                row = CollectionRow(name=name, owner=owner, created=_now())
                session.add(row)
                session.flush()
                return int(row.id), True
        except IntegrityError:
            found = self.find(owner, name)
            if found is None:  # not the (owner, name) constraint: not ours to hide
                raise
            return found, False

    def exists(self, collection_id: int) -> bool:
        """Whether there is such a teaching file, whoever's (for the trail, never a page)."""
        with self.database.session() as session:
            return session.get(CollectionRow, collection_id) is not None

    def _access(self, session: Session, row: CollectionRow, user: str) -> Access | None:
        if row.owner == user:
            return Access.OWN
        grants = session.scalars(select(Share.access).where(
            Share.collection_id == row.id, Share.grantee.in_([user, EVERYONE]))).all()
        return max((Access(g) for g in grants), key=_RANK.__getitem__, default=None)

    def collections(self, user: str, moderator: bool = False) -> list[Collection]:
        """The collections `user` owns or that are shared with them, by name; a moderator (an
        administrator) gets every one, those of owners who left included."""
        shared = select(Share.collection_id).where(Share.grantee.in_([user, EVERYONE]))
        query = select(CollectionRow)
        if not moderator:
            query = query.where(or_(CollectionRow.owner == user, CollectionRow.id.in_(shared)))
        with self.database.session() as session:
            rows = session.scalars(query.order_by(CollectionRow.name, CollectionRow.id)).all()
            return [self._describe(session, row, user) for row in rows]

    def _describe(self, session: Session, row: CollectionRow, user: str) -> Collection:
        count = session.scalar(select(func.count(CaseRow.id))
                               .where(CaseRow.collection_id == row.id)) or 0
        shares = dict(session.execute(select(Share.grantee, Share.access)
                                      .where(Share.collection_id == row.id)).all())
        access = self._access(session, row, user)
        return Collection(row.id, row.name, row.owner, row.created.isoformat(timespec="seconds"),
                          int(count), access or Access.READ, shares, access is None)

    def collection(self, collection_id: int, user: str,
                   moderator: bool = False) -> Collection | None:
        """The collection if `user` may read it, or is a moderator (None also when it does
        not exist)."""
        try:
            return self.readable(collection_id, user, moderator)
        except TeachingError:
            return None

    def readable(self, collection_id: int, user: str, moderator: bool = False) -> Collection:
        """The collection `user` may read (a moderator: any); TeachingNotFoundError when there is
        none, a TeachingAccessError (404) when it is not theirs to read."""
        with self.database.session() as session:
            row = self._editable(session, collection_id, user, Access.READ, moderator=moderator)
            return self._describe(session, row, user)

    def _editable(self, session: Session, collection_id: int, user: str,
                  need: Access = Access.EDIT, doing: str = "share it",
                  moderator: bool = False) -> CollectionRow:
        """The collection if `user` may change it so; a moderator (an administrator) may take
        down any (the callers pass it for deleting, un-sharing and removing only)."""
        row = session.get(CollectionRow, collection_id)
        if row is None:
            raise TeachingNotFoundError(f"no teaching file {collection_id}")
        if moderator:
            return row
        access = self._access(session, row, user)
        if access is None:
            raise TeachingAccessError(f"no teaching file {collection_id}", 404)
        if _RANK[access] < _RANK[need]:
            raise TeachingAccessError(f"teaching file {collection_id}: "
                                + (f"only its owner may {doing}" if need is Access.OWN
                                   else "shared with you to read, not to edit"))
        return row

    @staticmethod
    def check_case(note: str, tags: str) -> None:
        """TeachingError for a note or tags a case cannot hold (before anything is made)."""
        clean_note(note)
        parse_tags(tags)

    def add(self, collection_id: int, user: str, uid: str, note: str, tags: str,
            bounded: bool = True) -> Added:
        """Add a case, or find it there already: a case added again is left as it was (adding
        it again replaced the curator's note; the note is edited on the file's page). `bounded`
        False: no MAX_CASES (an earlier release's file, imported whole)."""
        values = {"collection_id": collection_id, "study_instance_uid": uid,
                  "note": clean_note(note), "tags": ",".join(parse_tags(tags)), "added": _now()}
        with self.database.session() as session:
            self._editable(session, collection_id, user)
            if bounded:
                self._check_room(session, collection_id, uid)
            insert = pg_insert if self.database.dialect == "postgresql" else sqlite_insert
            statement = insert(CaseRow).values(**values).on_conflict_do_nothing(
                index_elements=["collection_id", "study_instance_uid"]).returning(CaseRow.id)
            # a remove does not take the file: one committed between the conflict and the read
            # leaves nothing to read (a 500 on PostgreSQL), so the insert is tried once more
            for _ in range(2):
                made = session.scalar(statement)
                # there already (or added at once by another: its insert is committed by now)
                row = session.scalars(select(CaseRow).where(
                    CaseRow.collection_id == collection_id,
                    CaseRow.study_instance_uid == uid)).one_or_none()
                if row is not None:
                    return Added(_as_case(row), made is not None)
            raise TeachingError(f"case {uid} was removed while it was being added: add it again")

    @staticmethod
    def _check_room(session: Session, collection_id: int, uid: str) -> None:
        """A case more than MAX_CASES is refused (a case already there may be added again),
        counted with the file locked: two adds at once both took its last room."""
        _lock(session, collection_id)
        if is_full(session, collection_id, uid, MAX_CASES):
            raise TeachingError(f"teaching file {collection_id} holds {MAX_CASES} cases, the "
                                "most one may: remove some or start another teaching file")

    def _case(self, session: Session, collection_id: int, case_id: int) -> CaseRow:
        row = session.get(CaseRow, case_id)
        if row is None or row.collection_id != collection_id:
            raise TeachingNotFoundError(f"case {case_id} is not in teaching file {collection_id}")
        return row

    def remove(self, collection_id: int, user: str, case_id: int,
               moderator: bool = False) -> str:
        """Remove a case (a moderator: from any file); its study's UID (for the trail: a
        case's id says nothing once it is gone)."""
        with self.database.session() as session:
            self._editable(session, collection_id, user, moderator=moderator)
            row = self._case(session, collection_id, case_id)
            uid = str(row.study_instance_uid)
            session.delete(row)
            return uid

    def edit_case(self, collection_id: int, user: str, case_id: int, note: str, tags: str,
                  check: Callable[[str], None] | None = None) -> str:
        """Replace a case's note and tags (empty clears them: adding again cannot); its UID.
        `check`: the caller's own test of the tags, raising TeachingError."""
        with self.database.session() as session:  # who may change it, then what is typed
            self._editable(session, collection_id, user)
            row = self._case(session, collection_id, case_id)
            if check is not None:
                check(tags)
            row.note, row.tags = clean_note(note), ",".join(parse_tags(tags))
            return str(row.study_instance_uid)

    def delete(self, collection_id: int, user: str, moderator: bool = False) -> list[str]:
        """Delete a collection its owner (or a moderator) no longer wants, its cases and
        shares; the UIDs it held."""
        with self.database.session() as session:
            row = self._editable(session, collection_id, user, Access.OWN, "delete it",
                                 moderator)
            _lock(session, collection_id)  # before its cases and shares, as adds and shares
            uids = list(session.scalars(select(CaseRow.study_instance_uid)
                                        .where(CaseRow.collection_id == collection_id)))
            session.execute(delete(CaseRow).where(CaseRow.collection_id == collection_id))
            session.execute(delete(Share).where(Share.collection_id == collection_id))
            session.delete(row)
            return [str(u) for u in uids]

    def share(self, collection_id: int, user: str, grantee: str, access: str,
              moderator: bool = False) -> None:
        """Share with `grantee` ('*' = everyone) to read or edit; access 'none' withdraws it
        (a moderator may only withdraw: an owner who left cannot)."""
        grantee = grantee.strip()
        if not grantee or len(grantee) > 80:
            raise TeachingError("share with: a user name, or * for everyone")
        if access not in ("read", "edit", "none"):
            raise TeachingError(f"access {access!r}: read, edit or none")
        with self.database.session() as session:
            row = self._editable(session, collection_id, user, Access.OWN, moderator=moderator)
            if moderator and access != "none" and row.owner != user:
                raise TeachingAccessError(f"teaching file {collection_id}: only its owner may "
                                          "share it (an administrator may stop sharing it)")
            _lock(session, collection_id)  # before its shares, as a delete takes them
            # without case: a share to "BOB" from before names were checked is bob's
            session.execute(delete(Share).where(Share.collection_id == collection_id,
                                                func.lower(Share.grantee) == grantee.lower()))
            if access != "none":
                session.add(Share(collection_id=collection_id, grantee=grantee, access=access))

    def leave(self, collection_id: int, user: str) -> None:
        """Take `user`'s own share off a collection shared with them (its list of teaching
        files kept it for good); one shared with everyone stays, its owner's to withdraw."""
        with self.database.session() as session:
            row = session.get(CollectionRow, collection_id)
            if row is None:
                raise TeachingNotFoundError(f"no teaching file {collection_id}")
            if self._access(session, row, user) is None:
                raise TeachingAccessError(f"no teaching file {collection_id}", 404)
            if row.owner == user:
                raise TeachingError(f"teaching file {collection_id} is yours: delete it, or "
                                    "share it with others")
            mine = (Share.collection_id == collection_id,
                    func.lower(Share.grantee) == user.lower())
            _lock(session, collection_id)
            if not session.scalar(select(func.count(Share.id)).where(*mine)):
                raise TeachingError(f"teaching file {collection_id} is shared with everyone: "
                                    "only its owner can stop that")
            session.execute(delete(Share).where(*mine))

    def cases(self, collection_id: int) -> list[Case]:
        with self.database.session() as session:
            rows = session.scalars(select(CaseRow).where(CaseRow.collection_id == collection_id)
                                   .order_by(CaseRow.added, CaseRow.id)).all()
            return [_as_case(r) for r in rows]


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
