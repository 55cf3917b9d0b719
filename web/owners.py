"""Whose study a preview file shows, for the audit trail.

Previews are served by content-keyed paths (`previews/4c/4c61...webp`) that name no study, so
fetching one by URL left no trace: a script could search, then pull every result's cine, and
the trail held the searches only. The index's payloads say which study each preview belongs
to; the map is read from the store once, and again on a path it does not know (a newer index),
at most every `REFRESH_S`.
"""

from __future__ import annotations

import logging
import threading
import time

from catalog import PayloadField
from vectorstore import StoreError, VectorStore

logger = logging.getLogger(__name__)

REFRESH_S = 60.0


class PreviewOwners:
    """Preview path (as payloads hold it, "previews/...") -> Study Instance UID."""

    def __init__(self) -> None:
        self._owners: dict[str, str] = {}
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def owner(self, store: VectorStore, path: str) -> str | None:
        with self._lock:
            if path not in self._owners and time.monotonic() - self._read_at > REFRESH_S:
                self._read_at = time.monotonic()
                try:
                    self._owners = self._read(store)
                except StoreError as error:  # no index yet: nothing to name
                    logger.debug("preview owners unreadable: %s", error)
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
