"""A lock held across threads and processes of one machine: `serve --workers N` runs several
processes, and a threading.Lock held in one of them stopped nothing in the others."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def held(folder: Path) -> Iterator[None]:
    """Wait for, then hold, the exclusive lock on `folder` (made if missing) until the block
    ends. A folder, not a lock file: an archive's folder gets no file an index run would
    list as "not DICOM". Each call opens the folder anew, so two threads of one process
    exclude each other as two processes do; the lock dies with its process (even kill -9)."""
    folder.mkdir(parents=True, exist_ok=True)
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock
