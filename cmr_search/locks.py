"""A lock held across threads and processes of one machine: `serve --workers N` runs several
processes, and a threading.Lock held in one of them stopped nothing in the others. Only one
machine's: several web servers on one shared (NFS) data folder do not exclude each other."""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)
_POLL_S = 0.02


class LockBusyError(TimeoutError):
    """The lock stayed held by another for longer than the caller would wait."""


@contextmanager
def held(folder: Path, timeout_s: float | None = None, optional: bool = False,
         mode: int = 0o777) -> Iterator[None]:
    """Hold the exclusive lock on `folder` (made if missing) until the block ends; wait for
    it up to `timeout_s` (None: as long as it takes), then LockBusyError. A folder, not a lock
    file: an archive's folder gets no file an index run would list as "not DICOM". Each call
    opens the folder anew, so two threads of one process exclude each other as two processes
    do; the lock dies with its process (even kill -9). OSError when the folder cannot be made
    (a read-only data folder), unless `optional`: then the block runs unlocked. `mode`: the
    folder's when it is made (0o700: no other user of the machine can open it to hold it)."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=mode)
        handle = os.open(folder, os.O_RDONLY)
    except OSError as error:
        if not optional:
            raise
        logger.warning("%s: no lock (%s); going on without it", folder,
                       error.strerror or error)
        yield
        return
    try:
        _acquire(handle, timeout_s)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def _acquire(handle: int, timeout_s: float | None) -> None:
    if timeout_s is None:
        fcntl.flock(handle, fcntl.LOCK_EX)
        return
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise LockBusyError(f"still held after {timeout_s:g} s") from None
            time.sleep(_POLL_S)
