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
_HELD: set[int] = set()  # this process's lock handles, none of them a forked child's


def _drop_in_child() -> None:
    """A forked child (an index run's worker) lets go of the locks its parent holds: its copy
    of a handle held the lock as long as it lived, and a worker orphaned when its run was killed
    (kill -9, the OOM killer) held it for good, so every later run was refused. The handle is
    pointed at /dev/null, not closed: its number stays taken, so no file the child opens later
    gets it and is closed by the parent's code."""
    if not _HELD:
        return
    null = os.open(os.devnull, os.O_RDONLY)
    for handle in _HELD:
        os.dup2(null, handle)
    os.close(null)
    _HELD.clear()


os.register_at_fork(after_in_child=_drop_in_child)


@contextmanager
def parent_only(handle: int) -> Iterator[None]:
    """While the block runs, a child forked from this process holds no copy of `handle`."""
    _HELD.add(handle)
    try:
        yield
    finally:
        _HELD.discard(handle)


class LockBusyError(TimeoutError):
    """The lock stayed held by another for longer than the caller would wait."""


@contextmanager
def held(folder: Path, timeout_s: float | None = None, optional: bool = False,
         mode: int = 0o777) -> Iterator[None]:
    """Hold the exclusive lock on `folder` (made if missing) until the block ends; wait for
    it up to `timeout_s` (None: as long as it takes), then LockBusyError. A folder, not a lock
    file: an archive's folder gets no file an index run would list as "not DICOM". Each call
    opens the folder anew, so two threads of one process exclude each other as two processes
    do; the lock dies with its process (even kill -9), a forked child holding no copy. OSError
    when the folder cannot be made (a read-only data folder), unless `optional`: then the block
    runs unlocked. `mode`: the folder's when it is made (0o700: no other user of the machine
    can open it to hold it)."""
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
        with parent_only(handle):
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
