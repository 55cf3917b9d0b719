"""Whose study a preview file shows, for the audit trail.

Previews are served by content-keyed paths (`previews/4c/4c61...webp`) that name no study, so
fetching one by URL left no trace: a script could search, then pull every result's cine, and
the trail held the searches only. The index's payloads say which study each preview belongs
to; the map is read from the store once, and again on a path it does not know (a newer index),
at most every `REFRESH_S`, one read at a time.
"""

from __future__ import annotations

import logging
import threading
import time

from catalog import PayloadField
from vectorstore import VectorStore

logger = logging.getLogger(__name__)

REFRESH_S = 300.0


class PreviewOwners:
    """Preview path (as payloads hold it, "previews/...") -> Study Instance UID."""

    def __init__(self) -> None:
        self._owners: dict[str, str] = {}
        self._read_at = float("-inf")
        self._scan = threading.Lock()  # one read of the store at a time

    def owner(self, store: VectorStore, path: str) -> str | None:
        """The study `path` shows, or None (the file is served all the same)."""
        found = self._owners.get(path)
        if found is not None:
            return found
        # the requests that miss meanwhile wait for the one read and then look in its map
        with self._scan:
            found = self._owners.get(path)
            if found is not None or time.monotonic() - self._read_at <= REFRESH_S:
                return found  # a file no payload names (an older index's) reads rarely
            self._read_at = time.monotonic()
            try:
                self._owners = self._read(store)
            except Exception as error:  # noqa: BLE001  (a store down never fails a file)
                logger.warning("which study a preview shows is unknown (%s): its fetch is "
                               "not in the audit trail", type(error).__name__)
            return self._owners.get(path)

    @staticmethod
    def _read(store: VectorStore) -> dict[str, str]:
        owners: dict[str, str] = {}
        fields = [PayloadField.STUDY_INSTANCE_UID.value, PayloadField.PREVIEWS.value]
        for hit in store.scroll(fields):
            uid = hit.payload.get(PayloadField.STUDY_INSTANCE_UID.value)
            for preview in (hit.payload.get(PayloadField.PREVIEWS.value) or {}).values():
                if uid and isinstance(preview, str):
                    owners[preview] = str(uid)
        return owners
