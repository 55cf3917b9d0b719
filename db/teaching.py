"""Teaching files: named collections of cases with a note and tags, each with an owner who
shares it with named people (or everyone) to read or to edit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.engine import Database
from db.tables import Case as CaseRow
from db.tables import Collection as CollectionRow
from db.tables import Share
from db.teaching_legacy import EVERYONE, import_legacy
from db.teaching_order import ORDER, case_label, moved, next_position
from db.teaching_room import is_full, lock_collection
from db.teaching_text import (
    MAX_NOTE,
    MAX_TAGS,
    TeachingError,
    clean_note,
    collection_name,
    parse_tags,
)
from db.teaching_types import (
    RANK,
    Access,
    Added,
    Case,
    Collection,
    TeachingAccessError,
    TeachingConflictError,
    TeachingNotFoundError,
    as_case,
)

# what was here before the checks of its text moved to `db.teaching_text`, its types to
# `db.teaching_types` and the import of earlier releases' files to `db.teaching_legacy`
__all__ = ["EVERYONE", "MAX_CASES", "MAX_NOTE", "MAX_TAGS", "Access", "Added", "Case",
           "Collection", "TeachingAccessError", "TeachingConflictError", "TeachingError",
           "TeachingFiles", "TeachingNotFoundError", "import_legacy", "parse_tags"]

# per teaching file: 1,000 cases made a 182 MB handout; a class is taught from far fewer
MAX_CASES = 500


def _lock(session: Session, collection_id: int) -> None:
    """The file held until `session` ends, before its cases or shares by every write (a
    delete took them first, an add the file: on PostgreSQL a deadlock, answered 503)."""
    if not lock_collection(session, collection_id):  # deleted while this one waited
        raise TeachingNotFoundError(f"no teaching file {collection_id}")


def _now() -> datetime:
    return datetime.now(UTC)


def _named(row: CollectionRow) -> str:
    """A teaching file as messages name it: by its name, as its page is headed (its id is
    only in the URL)."""
    return f"\u201c{row.name}\u201d"


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
        return max((Access(g) for g in grants), key=RANK.__getitem__, default=None)

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
        if RANK[access] < RANK[need]:
            raise TeachingAccessError(f"teaching file {_named(row)}: "
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
                  "note": clean_note(note), "tags": ",".join(parse_tags(tags)), "added": _now(),
                  "position": next_position(collection_id)}
        with self.database.session() as session:
            found = self._editable(session, collection_id, user)
            if bounded:
                self._check_room(session, found, uid)
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
                    return Added(as_case(row), made is not None)
            raise TeachingError(f"case {uid} was removed while it was being added: add it again")

    @staticmethod
    def _check_room(session: Session, found: CollectionRow, uid: str) -> None:
        """A case more than MAX_CASES is refused (a case already there may be added again),
        counted with the file locked: two adds at once both took its last room."""
        _lock(session, found.id)
        if is_full(session, found.id, uid, MAX_CASES):
            raise TeachingError(f"teaching file {_named(found)} holds {MAX_CASES} cases, the "
                                "most one may: remove some or start another teaching file")

    @staticmethod
    def _case(session: Session, found: CollectionRow, case_id: int) -> CaseRow:
        row = session.get(CaseRow, case_id)
        if row is None or row.collection_id != found.id:
            raise TeachingNotFoundError(f"that case is not in teaching file {_named(found)} "
                                        "(removed since the page was opened?)")
        return row

    @staticmethod
    def _changed(session: Session, row: CaseRow) -> TeachingConflictError:
        return TeachingConflictError(f"{case_label(session, row).capitalize()} was changed by "
                                     f"{row.edited_by or 'someone else'} since you opened it")

    def _check_version(self, session: Session, row: CaseRow, version: int | None) -> None:
        """TeachingConflictError when the case was saved since the form was opened at
        `version` (None: not checked, as for a script that sends none)."""
        if version is not None and version != row.version:
            raise self._changed(session, row)

    def _raced(self, session: Session, row: CaseRow) -> TeachingConflictError:
        """The refusal of a write that found the case saved by another after it was read."""
        session.refresh(row)
        return self._changed(session, row)

    def remove(self, collection_id: int, user: str, case_id: int,
               moderator: bool = False, version: int | None = None) -> str:
        """Remove a case (a moderator: from any file); its study's UID (for the trail: a
        case's id says nothing once it is gone). `version`: as `edit_case`'s (a case edited
        since the page was opened is kept)."""
        with self.database.session() as session:
            found = self._editable(session, collection_id, user, moderator=moderator)
            row = self._case(session, found, case_id)
            self._check_version(session, row, version)
            uid = str(row.study_instance_uid)
            if version is None:
                session.delete(row)
                return uid
            # only the version read: of a save and a remove at once, one is refused
            gone = session.execute(delete(CaseRow).where(
                CaseRow.id == row.id, CaseRow.version == row.version))
            if not getattr(gone, "rowcount", 1):
                raise self._raced(session, row)
            return uid

    def edit_case(self, collection_id: int, user: str, case_id: int, note: str, tags: str,
                  check: Callable[[str], None] | None = None,
                  version: int | None = None) -> str:
        """Replace a case's note and tags (empty clears them: adding again cannot); its UID.
        `check`: the caller's own test of the tags, raising TeachingError. `version`: the
        case's version when its form was opened: a save over another's since is refused
        (TeachingConflictError), as of two saves at once one is."""
        with self.database.session() as session:  # who may change it, then what is typed
            found = self._editable(session, collection_id, user)
            row = self._case(session, found, case_id)
            if check is not None:
                check(tags)
            values = {"note": clean_note(note), "tags": ",".join(parse_tags(tags))}
            self._check_version(session, row, version)
            # compared in the UPDATE itself: both reads of two saves at once saw the same
            # version (SQLite's write lock is taken by the first write, not the read)
            saved = session.execute(update(CaseRow).where(
                CaseRow.id == row.id, CaseRow.version == row.version).values(
                    **values, version=CaseRow.version + 1, edited_by=user[:80])
                .execution_options(synchronize_session=False))
            if not getattr(saved, "rowcount", 1):
                raise self._raced(session, row)
            return str(row.study_instance_uid)

    def rename(self, collection_id: int, user: str, name: str) -> tuple[str, str]:
        """Rename a teaching file (its owner, or one it is shared with to edit), by the rules
        of `create`: a name its owner's other file has is refused. Its name before and now."""
        name = collection_name(name)
        try:
            with self.database.session() as session:
                row = self._editable(session, collection_id, user)
                before = str(row.name)
                if name != before and self._taken(session, row, name):
                    raise TeachingConflictError(self._taken_message(row, user, name))
                row.name = name
                session.flush()
                return before, name
        except IntegrityError:  # taken at once by another's create or rename
            raise TeachingConflictError(f"another teaching file is named \u201c{name}\u201d "
                                        "now: choose another name") from None

    @staticmethod
    def _taken(session: Session, row: CollectionRow, name: str) -> bool:
        return session.scalar(select(func.count(CollectionRow.id)).where(
            CollectionRow.owner == row.owner, CollectionRow.name == name,
            CollectionRow.id != row.id)) != 0

    @staticmethod
    def _taken_message(row: CollectionRow, user: str, name: str) -> str:
        whose = "you have" if row.owner == user else f"{row.owner} has"
        return f"{whose} another teaching file named \u201c{name}\u201d: choose another name"

    def move(self, collection_id: int, user: str, case_id: int,
             direction: str) -> tuple[str, int, int]:
        """Move a case one place up or down in its file: its UID, and its number before and
        after ("case 3" is "case 2" now)."""
        with self.database.session() as session:
            found = self._editable(session, collection_id, user)
            _lock(session, collection_id)  # before its cases, as every write
            row = self._case(session, found, case_id)
            before, after = moved(session, collection_id, row.id, direction)
            return str(row.study_instance_uid), before, after

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
                raise TeachingAccessError(f"teaching file {_named(row)}: only its owner may "
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
                raise TeachingError(f"teaching file {_named(row)} is yours: delete it, or "
                                    "share it with others")
            mine = (Share.collection_id == collection_id,
                    func.lower(Share.grantee) == user.lower())
            _lock(session, collection_id)
            if not session.scalar(select(func.count(Share.id)).where(*mine)):
                raise TeachingError(f"teaching file {_named(row)} is shared with everyone: "
                                    "only its owner can stop that")
            session.execute(delete(Share).where(*mine))

    def cases(self, collection_id: int) -> list[Case]:
        with self.database.session() as session:
            rows = session.scalars(select(CaseRow).where(CaseRow.collection_id == collection_id)
                                   .order_by(*ORDER)).all()
            return [as_case(r) for r in rows]

