"""At server start: teaching cases made on an identified index moved to their studies'
pseudonyms once the index is rebuilt de-identified (`db.repoint_cases`).

Never stops a start: a failure is one warning, and the next start tries again. Every worker
of `serve --workers N` starts the app, so they take turns: the first moves, the others find
nothing left to move and record nothing.
"""

from __future__ import annotations

import logging
from functools import partial

from fastapi import FastAPI

from cmr_search.locks import LockBusyError, held
from cmr_search.settings import Settings
from db import Action, AuditEvent, EventId, Repointed, repoint_cases
from vectorstore.base import VectorStore
from web.deps import NoSeedError, index_deidentifier, indexed_uids

logger = logging.getLogger(__name__)
ACTOR = "server:startup"  # the audit trail's user for what a start does
_TURN_S = 60.0


def _moved(app: FastAPI, settings: Settings) -> Repointed | None:
    store: VectorStore = app.state.store
    metadata = store.metadata()
    if metadata is None:
        return None  # no index yet: nothing to move
    try:
        deidentifier = index_deidentifier(settings, metadata)
    except NoSeedError as error:
        logger.warning("teaching cases not moved to pseudonyms: %s", error)
        return None
    if deidentifier is None:
        return None  # an identified index: nothing to move
    with held(settings.layout.locks / "teaching-pseudonyms", _TURN_S, optional=True,
              mode=0o700):
        return repoint_cases(app.state.teaching, partial(indexed_uids, store),
                             deidentifier.study_uid)


def repoint_teaching(app: FastAPI, settings: Settings) -> None:
    """Move what there is to move (`_moved`), record it once, and say so in one line."""
    try:
        moved = _moved(app, settings)
    except LockBusyError:
        logger.warning("teaching cases not moved to their pseudonyms: another server process "
                       "held the turn for %.0f s", _TURN_S)
        return
    except Exception as error:  # noqa: BLE001  (an unreachable store or database: any error)
        # its class alone: a database error's text holds its statement's parameters, UIDs
        logger.warning("teaching cases not moved to their pseudonyms: %s",
                       type(error).__name__)
        return
    if moved is None:
        return
    if moved.left:
        logger.warning("%d teaching cases left under their original study: their file holds "
                       "the study under its pseudonym too, and the two notes or tag lists do "
                       "not fit one case (merge them by hand)", moved.left)
    if not moved.cases:
        return
    logger.info("moved %d teaching cases to their studies' pseudonyms (%d merged with a case "
                "already there)", moved.cases, moved.merged)
    try:
        app.state.audit.record(AuditEvent(
            EventId.INSTANCES_ACCESSED, Action.UPDATE, ACTOR,
            detail={"teaching_cases_to_pseudonyms": moved.cases, "merged": moved.merged}))
    except Exception as error:  # noqa: BLE001  (the database went away after the move)
        logger.warning("teaching cases moved, but the audit entry was not written: %s",
                       type(error).__name__)
