"""One part of an index in parts, served from a process of its own.

The Qdrant Edge binding keeps Python's interpreter lock for the whole of a search, so the parts
of an index searched from threads of one process take turns: a filtered search over a million
studies in two parts cost the sum of both parts' searches (docs/scaling.md, run 6). A part
opened in its own process searches while the others do, on another core.

The part's process is the one that opens the shard and answers every call on it; the parent
keeps only this proxy. The child is `python -m vectorstore.edge_process FOLDER`, not a
multiprocessing child: that would import the parent's main script again (the whole command
line, torch included) in every part. Calls and answers cross its stdin and stdout as pickles
of the store's own types (queries, filters, hits), a few kilobytes a search. The child runs in
a session of its own (a Ctrl-C meant for the server does not cut a search short) and exits
when its stdin closes, so it never outlives the parent, even one killed outright. A child that
died is started again once, and the call that found it dead is asked again: calls only read.
A child that stays alive but does not answer within `answer_timeout_s` (a hung search) is
killed and the call fails with a one-line error; the next call starts a fresh child.
"""

from __future__ import annotations

import logging
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from vectorstore import types as st
from vectorstore.base import StoreError
from vectorstore.edge import EdgeStore
from vectorstore.translate import Quantization, SearchTuning

logger = logging.getLogger(__name__)

_SIZE = struct.Struct("<Q")  # every message: its length, then its pickle


def _send(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_SIZE.pack(len(data)) + data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    """The next message (EOFError: the other side has gone)."""
    head = stream.read(_SIZE.size)
    if len(head) < _SIZE.size:
        raise EOFError
    data = stream.read(_SIZE.unpack(head)[0])
    return pickle.loads(data)  # our own child's or parent's messages only


class _HungError(Exception):
    """The child is alive but has not answered in time."""


class PartProcess:
    """The read side of one part (`vectorstore.edge.EdgeStore`'s methods), answered by a
    process that holds the part open. Calls from several threads take turns on it."""

    def __init__(self, folder: Path, tuning: SearchTuning,
                 quantization: Quantization | None, answer_timeout_s: float = 60.0,
                 start_timeout_s: float = 600.0) -> None:
        self.folder = folder
        self.answer_timeout_s = answer_timeout_s
        # a fresh child's first answer waits for Python to start and the part to open
        self.start_timeout_s = start_timeout_s
        self._setup = (tuning, quantization)
        self._index_points = 0  # the whole index's, once sized: a restarted child needs it
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        self._closed = False

    def _start(self) -> subprocess.Popen[bytes]:
        # the child imports what this process imports (a script may have set sys.path)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        child = subprocess.Popen([sys.executable, "-m", "vectorstore.edge_process"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                                 start_new_session=True)
        assert child.stdin is not None
        _send(child.stdin, (self.folder, *self._setup, self._index_points))
        return child

    def _exchange(self, method: str, args: tuple[Any, ...]) -> Any:
        fresh = self._child is None
        if self._child is None:
            self._child = self._start()
        assert self._child.stdin is not None and self._child.stdout is not None
        _send(self._child.stdin, (method, args))
        wait = self.start_timeout_s if fresh else self.answer_timeout_s
        # the protocol is strictly one answer per call, so nothing waits in the reader's buffer
        ready, _, _ = select.select([self._child.stdout], [], [], wait)
        if not ready:
            raise _HungError(wait)
        ok, answer = _receive(self._child.stdout)
        if not ok:
            raise StoreError(answer)
        return answer

    def _ask(self, method: str, *args: Any) -> Any:
        """`method` of the part with `args`, answered by its process."""
        with self._lock:
            if self._closed:
                raise StoreError(f"{self.folder}: this index part was closed (a newer "
                                 "generation replaced it); search again")
            try:
                return self._exchange(method, args)
            except _HungError as hung:
                raise self._hung(hung) from None
            except (EOFError, OSError):
                logger.warning("%s: the process serving this index part stopped; "
                               "starting it again", self.folder)
                self._stop()
            try:
                return self._exchange(method, args)
            except _HungError as hung:
                raise self._hung(hung) from None
            except (EOFError, OSError) as error:
                self._stop()
                raise StoreError(f"{self.folder}: the process serving this index part "
                                 "stopped twice; see the server's log") from error

    def _hung(self, hung: _HungError) -> StoreError:
        """Kill a child that owes an answer (a late one would answer the next call)."""
        self._kill()
        return StoreError(f"{self.folder}: the process serving this index part did not answer "
                          f"within {hung.args[0]:g} s and was stopped; search again")

    def _kill(self) -> None:
        """Stop a child that does not answer: it cannot be asked to leave."""
        if self._child is not None:
            self._child.kill()
        self._stop()

    def _stop(self) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        for stream in (child.stdin, child.stdout):
            try:
                if stream is not None:
                    stream.close()  # the child sees its stdin close and exits
            except OSError:  # a dead child's pipe: what was left unsent goes nowhere
                pass
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()

    @property
    def pid(self) -> int | None:
        return self._child.pid if self._child is not None else None

    def size_beams(self, points: int) -> tuple[int, int]:
        """Walk the part's graph with the beam of an index of `points` points; the beams
        (hnsw_ef) its plain and its filtered searches then use."""
        self._index_points = points
        plain, filtered = self._ask("_size_beams", points)
        return int(plain), int(filtered)

    def holding(self, ids: Sequence[str]) -> set[str]:
        return set(self._ask("holding", list(ids)))

    def retrieve(self, ids: Sequence[str], vectors: Sequence[str] = ()) -> list[st.Hit]:
        return list(self._ask("retrieve", list(ids), list(vectors)))

    def scroll(self, fields: Sequence[str] | None = None, where: st.Filter | None = None,
               batch: int = 1000) -> Iterator[st.Hit]:
        offset: Any = None
        while True:
            hits, offset = self._ask("scroll_page", fields, where, batch, offset)
            yield from hits
            if offset is None:
                return

    def count(self, where: st.Filter | None = None) -> int:
        return int(self._ask("count", where))

    def query(self, query: st.Query, limit: int = 10, offset: int = 0,
              where: st.Filter | None = None, fields: Sequence[str] | None = None) -> list[st.Hit]:
        return list(self._ask("query", query, limit, offset, where, fields))

    def query_batch(self, searches: Sequence[st.Search]) -> list[list[st.Hit]]:
        return list(self._ask("query_batch", list(searches)))

    def facet(self, key: str, where: st.Filter | None = None, limit: int = 50) -> dict[Any, int]:
        return dict(self._ask("facet", key, where, limit))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._stop()


_READS = frozenset({"holding", "retrieve", "scroll_page", "count", "query", "query_batch",
                    "facet"})


def _serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The child: open the part named by the first message, answer calls until stdin ends."""
    folder, tuning, quantization, index_points = _receive(requests)
    part = EdgeStore(folder, tuning, quantization)
    part.sized_by = lambda: index_points or part.count()
    while True:
        try:
            method, args = _receive(requests)
        except EOFError:
            break
        try:
            if method == "_size_beams":
                index_points = args[0]
                part._params.clear()  # sized again from the index's count
                answer: Any = (part._search_params(None).hnsw_ef,
                               part._search_params(st.Filter(must=(st.Match("_", "_"),))).hnsw_ef)
            elif method in _READS:
                answer = getattr(part, method)(*args)
            else:
                raise StoreError(f"{folder}: an index part served apart answers no {method!r}")
            _send(answers, (True, answer))
        except StoreError as error:
            _send(answers, (False, str(error)))
        except Exception as error:  # noqa: BLE001  (the binding raises plain Exceptions)
            _send(answers, (False, f"{folder}: {type(error).__name__}: {error}"))
    part.close()


def main() -> None:
    # the protocol owns the real stdout; anything printed below goes to stderr instead
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    _serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()


__all__ = ["PartProcess"]
