"""Publishing to a Qdrant server (qdrant-client's local mode stands in): another
application's collection is never changed or deleted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakes.server import memory_server
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from catalog import FOREIGN_HINT, INDEX_VERSION, IndexMismatchError, mismatch, store_schema
from indexer.publish import check_target, publish_server
from vectorstore import Generations, StoreError
from vectorstore.edge import EdgeStore
from vectorstore.guarded import why
from vectorstore.server import ServerStore


@pytest.mark.parametrize("rebuild", [False, True])
def test_a_collection_that_is_not_ours_is_refused_even_by_a_rebuild(rebuild: bool) -> None:
    """An audit pointed CMR_SEARCH_QDRANT_COLLECTION at a collection of another application;
    the refusal said to re-index with --rebuild, and the rebuild deleted its five points."""
    store = memory_server("theirs")
    store.client.create_collection("theirs", vectors_config={
        "study": models.VectorParams(size=4, distance=models.Distance.COSINE)})
    store.client.upsert("theirs", [models.PointStruct(id=i, vector={"study": [1.0, 0, 0, 0]})
                                   for i in range(5)])
    with pytest.raises(IndexMismatchError, match="holds no cmr-search index") as refused:
        publish_server(store, {"index_version": 1}, [], {}, {}, {}, rebuild=rebuild)
    assert "--rebuild" not in str(refused.value)
    assert store.client.count("theirs").count == 5


def test_serving_such_a_collection_names_it_foreign_without_a_rebuild() -> None:
    assert mismatch({}, {"index_version": 1}) == FOREIGN_HINT
    assert mismatch({"index_version": 1}, {"index_version": 1}) is None


def test_a_model_mismatch_is_found_before_any_study_is_embedded(tmp_path: Path) -> None:
    """Found only at publishing, it cost a whole run of embedding."""
    store = memory_server("ours")
    store.ensure(store_schema({"study": 4}), {"index_version": INDEX_VERSION,
                                              "model": {"name": "other"}})
    ours = {"index_version": INDEX_VERSION, "model": {"name": "this"}}
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        check_target(store, ours, rebuild=False)
    check_target(store, ours, rebuild=True)
    check_target(Generations(tmp_path / "index"), ours, rebuild=False)  # nothing yet


def test_a_qdrant_that_is_down_or_answers_a_web_page_is_one_line() -> None:
    """`stats` printed 372 lines of traceback for a server that was down."""
    client = QdrantClient(url="http://127.0.0.1:9", timeout=2, check_compatibility=False)
    down = ServerStore.from_client(client, "studies", "http://127.0.0.1:9")
    with pytest.raises(StoreError, match=r"^Qdrant at http://127.0.0.1:9: not reachable \("):
        down.metadata()
    page = UnexpectedResponse(404, "Not Found", b"<!DOCTYPE html><html>login</html>",
                              httpx.Headers())
    assert why("http://proxy", page) == ("Qdrant at http://proxy: answered HTTP 404 with a web "
                                         "page, not Qdrant's API (is the URL right?)")
    assert "not Qdrant's API" in why("http://proxy", ResponseHandlingException(
        json.JSONDecodeError("Expecting value", "<html>", 0)))


def test_a_build_the_disk_cannot_hold_is_refused_before_it_starts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk killed the run with "Bus error" (a mapped write) and left a half-built
    generation that no run removed."""
    import shutil
    from collections import namedtuple

    from indexer.publish import publish_edge

    generations = Generations(tmp_path / "index")
    half_built = generations.new()
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _: usage(10**9, 10**9 - 2**20, 2**20))
    with pytest.raises(StoreError, match=r"about 32 MB free needed .* 1 MB free; no index "
                                         r"was published yet$"):
        publish_edge(generations, {"index_version": INDEX_VERSION}, [], {"1.2": "f"}, {}, {},
                     rebuild=False)
    assert not half_built.exists() and generations.current() is None


def test_a_rebuild_with_no_study_to_publish_leaves_the_index(tmp_path: Path) -> None:
    """Every study of a rebuild failing published an empty index over the good one."""
    from indexer.publish import EmptyRebuildError, publish_edge

    with pytest.raises(EmptyRebuildError, match="would be empty; the index is left"):
        publish_edge(Generations(tmp_path / "index"), {"index_version": INDEX_VERSION}, [], {},
                     {}, {}, rebuild=True)
    with pytest.raises(EmptyRebuildError):
        publish_server(memory_server("ours"), {"index_version": 1}, [], {}, {}, {}, rebuild=True)


def test_each_runs_archive_is_recorded_with_the_earlier_ones(tmp_path: Path) -> None:
    """The index recorded the last run's archive only: after a PACS and then a folder,
    `stats` named the folder alone."""
    from indexer.publish import publish_edge

    identity = {"index_version": INDEX_VERSION, "model": {"name": "m"}, "vectors": {"study": 4}}
    pacs, folder = "dicomweb+http://pacs/dicom-web", str(tmp_path / "folder")
    generations = Generations(tmp_path / "index")
    server = memory_server("ours")
    for archive, members, rebuild, held in (
            (pacs, {"1.1": "a"}, False, [pacs]),
            (folder, {"1.1": "a", "2.1": "b"}, False, [pacs, folder]),
            (folder, {"2.1": "b"}, True, [folder])):
        extra = {"archive": archive}
        publish_edge(generations, identity, [], members, {}, extra, rebuild=rebuild)
        edge = EdgeStore(generations.current()).metadata()  # type: ignore[arg-type]
        publish_server(server, identity, [], members, {}, extra, rebuild=rebuild)
        for metadata in (edge, server.metadata()):
            assert metadata is not None and metadata["archives"] == held, archive
            assert metadata["archive"] == archive


def test_a_relocated_archive_is_listed_once_and_a_password_never(tmp_path: Path) -> None:
    """After an index named "synth" (relative) was carried over to "/data/synth", both were
    listed for good; an address with credentials an older index kept was carried on too."""
    import numpy as np

    from catalog import StudyPayload
    from indexer.publish import publish_edge
    from indexer.records import EmbeddingRecord

    def records(folder: str, fingerprint: str) -> list[EmbeddingRecord]:
        return [EmbeddingRecord(uid, fingerprint, {"study": np.full(4, 0.5, np.float32)},
                                StudyPayload(study_instance_uid=uid,
                                             archive_path=f"{folder}/P{uid}"))
                for uid in ("1.1", "2.1")]

    identity = {"index_version": INDEX_VERSION, "model": {"name": "m"}, "vectors": {"study": 4}}
    old = {"archive": "synth", "archives": ["dicomweb+https://bob:s3cret@pacs/dw", "synth"]}
    generations = Generations(tmp_path / "index")
    server = memory_server("ours")
    # the first run since names the folder absolute: its studies' fingerprints too
    for archive, fingerprint, rebuild in (("synth", "a", True), ("/data/synth", "b", False)):
        for publish, target in ((publish_edge, generations), (publish_server, server)):
            publish(target, identity, records(archive, fingerprint),  # type: ignore[operator]
                    {"1.1": fingerprint, "2.1": fingerprint}, {}, {"archive": archive},
                    rebuild=rebuild)
        if rebuild:  # as an older release left it
            server.update_metadata(old)
            current = generations.current()
            assert current is not None
            metadata = EdgeStore(current).metadata() or {}
            (current / "metadata.json").write_text(json.dumps({**metadata, **old}))
    edge = EdgeStore(generations.current()).metadata()  # type: ignore[arg-type]
    for metadata in (edge, server.metadata()):
        assert metadata is not None and metadata["archives"] == ["/data/synth"]
        assert "s3cret" not in json.dumps(metadata)


def _records(members: dict[str, str]) -> list[Any]:
    """A point's records for `members` (study -> fingerprint), its payload's fingerprint
    as an index run writes it."""
    import numpy as np

    from catalog import StudyPayload
    from indexer.records import EmbeddingRecord

    return [EmbeddingRecord(uid, fp, {"study": np.full(4, 0.5, np.float32)},
                            StudyPayload(study_instance_uid=uid, archive_path=f"/a/{uid}",
                                         fingerprint=fp))
            for uid, fp in members.items()]


def test_a_publish_says_why_it_changed_the_index(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A re-run that indexed nothing new printed "7 points, published" and no more (its
    report labeler had changed): each publish now says what changed since the last one."""
    from indexer.points import Platt
    from indexer.publish import publish_edge

    identity = {"index_version": INDEX_VERSION, "model": {"name": "m"}, "vectors": {"study": 4}}
    generations = Generations(tmp_path / "index")
    four = {f"1.{k}": "a" for k in range(4)}
    seven = {f"1.{k}": "a" for k in range(7)}

    def publish(members: dict[str, str], calibration: dict[str, Platt] | None = None,
                rebuild: bool = False) -> tuple[bool, str]:
        done = publish_edge(generations, identity, _records(members), members,
                            calibration or {}, {}, rebuild=rebuild)
        return done.changed, done.why

    assert publish(four) == (True, "a new index")
    assert publish(four) == (False, "")
    # an earlier run embedded three studies and stopped before publishing them
    assert publish(seven) == (True, "the studies changed, 4 published and 7 now")
    # "the studies changed since it was published, 7 of them" after 1 of 7 changed
    assert publish({**seven, "1.0": "b"}) == \
        (True, "some of its studies changed since it was published")
    monkeypatch.setattr("indexer.publish.report_version", lambda: "n3w")
    assert publish({**seven, "1.0": "b"}) == \
        (True, "the report labeler changed, its reports read again")
    assert publish({**seven, "1.0": "b"}, {"lge": Platt(2.0, 0.5, 9, 9)}) == \
        (True, "the calibration changed")
    assert publish({**seven, "1.0": "b"}, {"lge": Platt(2.0, 0.5, 9, 9)}, rebuild=True) == \
        (True, "--rebuild")


def test_a_publish_over_an_index_of_an_earlier_release_says_so(tmp_path: Path) -> None:
    from indexer.publish import publish_edge

    identity = {"index_version": INDEX_VERSION, "model": {"name": "m"}, "vectors": {"study": 4}}
    generations = Generations(tmp_path / "index")
    publish_edge(generations, identity, [], {"1.1": "a"}, {}, {}, rebuild=False)
    current = generations.current()
    assert current is not None
    from vectorstore.edge import read_metadata, write_metadata

    metadata = read_metadata(current) or {}
    del metadata["content_parts"]  # as a release before this one wrote it
    write_metadata(current, {**metadata, "content_digest": "old"})
    done = publish_edge(generations, identity, [], {"1.1": "a"}, {}, {}, rebuild=False)
    assert done.changed and done.why == "the index published was built by an earlier release"


def test_a_servers_publish_says_which_points_changed() -> None:
    import numpy as np

    from catalog import StudyPayload
    from indexer.records import EmbeddingRecord

    def records(members: dict[str, str]) -> list[EmbeddingRecord]:
        return [EmbeddingRecord(uid, fp, {"study": np.full(4, 0.5, np.float32)},
                                StudyPayload(study_instance_uid=uid, archive_path=f"/a/{uid}"))
                for uid, fp in members.items()]

    identity = {"index_version": INDEX_VERSION, "model": {"name": "m"}, "vectors": {"study": 4}}
    server = memory_server("ours")
    two = {"1.1": "a", "1.2": "a"}
    first = publish_server(server, identity, records(two), two, {}, {}, rebuild=False)
    assert (first.changed, first.why) == (True, "a new index")
    three = {**two, "1.2": "b", "1.3": "a"}
    again = publish_server(server, identity, records(three), three, {}, {}, rebuild=False)
    assert (again.points, again.why) == (2, "1 studies new to the index; 1 studies changed")
    same = publish_server(server, identity, records(three), three, {}, {}, rebuild=False)
    assert (same.changed, same.why) == (False, "")


def test_a_disk_that_fills_while_the_store_writes_is_one_line_and_no_half_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store's binding raises plain Exceptions: a file-size limit (or a full disk) hit
    while Qdrant Edge made its files was a traceback, and left the half-built generation."""
    import qdrant_edge as qe

    from indexer.publish import publish_edge

    def full(*_: object) -> None:
        raise Exception("Service runtime error: Gridstore IO error: failed to set length of "
                        "file `page_0.tmp`: File too large (os error 27)")

    identity = {"index_version": INDEX_VERSION, "vectors": {"study": 4}}
    generations = Generations(tmp_path / "index")
    with monkeypatch.context() as patched:
        patched.setattr(qe.EdgeShard, "create", full)
        # a fresh data folder: "the published index is unchanged" was said of none
        with pytest.raises(StoreError, match=r"cannot write the index \(.*File too large.*\); "
                                             r"no index was published yet$"):
            publish_edge(generations, identity, [], {"1.2": "f"}, {}, {}, rebuild=False)
    assert generations.current() is None
    assert not [p for p in generations.root.iterdir() if p.name.startswith("gen-")]
    publish_edge(generations, identity, [], {"1.2": "f"}, {}, {}, rebuild=False)
    published = generations.current()
    monkeypatch.setattr(qe.EdgeShard, "create", full)
    with pytest.raises(StoreError, match=r"File too large.*; the published index is "
                                         r"unchanged$"):
        publish_edge(generations, identity, [], {"1.2": "g"}, {}, {}, rebuild=False)
    assert generations.current() == published


def test_the_reason_is_worded_without_opening_the_published_index(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """How many studies changed was counted by opening the published shard (every part of a
    large one) and reading every point, while the web server searched it; closing it wrote
    its files again. The reason is worded from its metadata alone."""
    import vectorstore.edge_parts
    from indexer.publish import publish_edge

    identity = {"index_version": INDEX_VERSION, "model": {"name": "m"}, "vectors": {"study": 4}}
    generations = Generations(tmp_path / "index")
    two = {"1.1": "a", "1.2": "a"}
    publish_edge(generations, identity, _records(two), two, {}, {}, rebuild=False)
    live = generations.current()
    assert live is not None
    opened: list[Path] = []
    real = vectorstore.edge_parts.open_edge
    monkeypatch.setattr(vectorstore.edge_parts, "open_edge",
                        lambda folder, *args, **kwargs: opened.append(folder) or
                        real(folder, *args, **kwargs))
    files = {p: p.stat().st_mtime_ns for p in live.rglob("*") if p.is_file()}
    changed = {**two, "1.1": "b"}
    done = publish_edge(generations, identity, _records(changed), changed, {}, {},
                        rebuild=False)
    assert done.why == "some of its studies changed since it was published"
    assert live not in opened
    assert {p: p.stat().st_mtime_ns for p in files} == files
    one = {"1.1": "c"}
    publish_edge(generations, identity, _records(one), one, {}, {}, rebuild=True)
    assert publish_edge(generations, identity, _records({"1.1": "d"}), {"1.1": "d"}, {}, {},
                        rebuild=False).why == "its one study changed since it was published"


def test_what_is_published_is_told_once_it_is_live(tmp_path: Path) -> None:
    """The run's "published" milestone (`indexer.pipeline`): told after the pointer moved (the
    last "publish" tick came before the build was optimised), before older ones are pruned."""
    from fakes.server import memory_server

    from indexer.publish import Published, publish_edge

    identity = {"index_version": INDEX_VERSION, "model": {"name": "m"}, "vectors": {"study": 4}}
    generations = Generations(tmp_path / "index")
    told: list[tuple[Published, Path | None]] = []

    def on_live(published: Published) -> None:
        told.append((published, generations.current()))

    members = {"1.1": "a"}
    done = publish_edge(generations, identity, _records(members), members, {}, {},
                        rebuild=False, on_live=on_live)
    assert told == [(done, generations.current())] and done.target == told[0][1].name
    server = memory_server("ours")
    live = publish_server(server, identity, _records(members), members, {}, {},
                          rebuild=False, on_live=lambda p: told.append((p, None)))
    assert told[-1] == (live, None) and live.changed
