"""What the teaching-file store (`db.teaching`) answers with and refuses by: a file as the
person asking may use it, a case, and the errors a page answers with their status."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from db.tables import Case as CaseRow
from db.teaching_text import TeachingError


class TeachingNotFoundError(TeachingError):
    """No teaching file of that id, or no case of that id in it."""

    status = 404


class TeachingAccessError(TeachingError):
    """A teaching file that is not there for the person asking (404: that it exists is not
    told), or not theirs to change (403)."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


class TeachingConflictError(TeachingError):
    """A case changed (or a file renamed to a name taken) by someone else since the page was
    opened: saving over it would lose their text, so the page is shown again (409)."""

    status = 409


class Access(StrEnum):
    READ = "read"
    EDIT = "edit"
    OWN = "own"


RANK = {Access.READ: 1, Access.EDIT: 2, Access.OWN: 3}


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
    # each save of its note and tags counts one up: a save of the form opened at another
    # version is refused (two curators saving at once lost the first one's text)
    version: int = 1
    edited_by: str = ""  # who saved it last ("" before anyone edited it)


class Added(NamedTuple):
    """The case an add found or made; `new`: whether it made it."""

    case: Case
    new: bool


def as_case(row: CaseRow) -> Case:
    return Case(row.id, row.study_instance_uid, row.note,
                [t for t in row.tags.split(",") if t], row.added.isoformat(timespec="seconds"),
                int(row.version or 1), row.edited_by or "")
