"""An embedded index built in parts: laid out, found again, searched as one, built part by part.

The search contract itself runs against a three-part index in `test_base_contract.py`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fakes.points import SCHEMA, sample_points, unit

from vectorstore import EdgeStore, Filter, Generations, LiveEdgeStore, Match, Nearest, StorePoint
from vectorstore import edge_parts as parts_module
from vectorstore.edge_parts import PARTS, EdgeParts, create_edge, open_edge
from vectorstore.translate import SearchTuning


def test_a_large_index_is_filled_part_by_part_and_opened_as_it_was_built(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parts_module, "POINTS_PER_PART", 3)
    needed = 5 * parts_module.BUILD_BYTES_PER_POINT  # what one shard of 5 points would take
    small = create_edge(tmp_path / "small", 3, memory_bytes=1)  # fits in one part anyway
    roomy = create_edge(tmp_path / "roomy", 5, memory_bytes=2 * needed)  # one shard fits
    large = create_edge(tmp_path / "large", 5, memory_bytes=needed)
    assert isinstance(small, EdgeStore) and isinstance(roomy, EdgeStore)
    assert isinstance(large, EdgeParts)
    small.ensure(SCHEMA, {"index_version": "v"})
    large.ensure(SCHEMA, {"index_version": "v"})
    points = sample_points()
    small.upsert(points)
    large.upsert(points[:3])
    assert len(large.parts) == 1 and large.parts[0]._shard is not None
    large.upsert(points[3:])  # part 00 is full: built and let go, the rest fills part 01
    assert len(large.parts) == 2 and large.parts[0]._shard is None
    small.close()
    large.close()
    assert sorted(p.name for p in (tmp_path / "large" / PARTS).iterdir()) == ["00", "01"]
    assert isinstance(open_edge(tmp_path / "small"), EdgeStore)
    reopened = open_edge(tmp_path / "large")
    assert isinstance(reopened, EdgeParts) and reopened.count() == 5
    assert reopened.metadata() == {"index_version": "v"}
    assert [part.count() for part in reopened.parts] == [3, 2]
    # a point already in a part is updated where it is: a re-run never duplicates it
    changed = [StorePoint(p.id, p.dense, p.sparse, {**p.payload, "age": 99}) for p in points]
    reopened.upsert(changed)
    assert reopened.count() == 5 and [part.count() for part in reopened.parts] == [3, 2]
    assert {h.payload["age"] for h in reopened.retrieve([p.id for p in points])} == {99}
    reopened.delete([points[0].id, points[4].id])
    assert reopened.count() == 3
    reopened.close()


def test_the_memory_a_build_may_take_is_the_machine_s_or_its_container_s() -> None:
    total = parts_module.machine_memory_bytes()
    meminfo = Path("/proc/meminfo").read_text().split()
    assert 0 < total <= int(meminfo[meminfo.index("MemTotal:") + 1]) * 1024


def test_parts_answer_like_one_shard_and_survive_the_part_by_part_build(tmp_path: Path) -> None:
    one, three = EdgeStore(tmp_path / "one"), EdgeParts(tmp_path / "three", part_points=2)
    for store in (one, three):
        store.ensure(SCHEMA, {})
        store.upsert(sample_points())
        store.optimize()
    assert all(part._shard is None for part in three.parts)  # built, then let go, in turn
    men = Filter(must=(Match("sex", "M"),))
    for where in (None, men):
        query = Nearest("study", unit(1.0, 2, 0.5, 0.2))
        a, b = one.query(query, 4, where=where), three.query(query, 4, where=where)
        assert [h.id for h in a] == [h.id for h in b]
        assert np.allclose([h.score for h in a], [h.score for h in b], atol=1e-6)
        assert one.query(query, 2, offset=1, where=where)[0].id == \
            three.query(query, 2, offset=1, where=where)[0].id
    assert one.facet("sex") == three.facet("sex")
    assert [h.id for h in one.scroll()] == [h.id for h in three.scroll()]
    one.close()
    three.close()


def test_each_part_walks_with_the_beam_of_the_whole_index(tmp_path: Path) -> None:
    # 5 points in all, `large` at 5: no part reaches it alone, the index does
    tuning = SearchTuning(hnsw_ef=16, large=5, hnsw_ef_large=64, hnsw_ef_large_filtered=32)
    store = EdgeParts(tmp_path / "beam", tuning=tuning, part_points=2)
    store.ensure(SCHEMA, {})
    store.upsert(sample_points())
    assert len(store.parts) == 3
    assert {part._search_params(None).hnsw_ef for part in store.parts} == {64}
    assert {part._search_params(Filter(must=(Match("sex", "M"),))).hnsw_ef
            for part in store.parts} == {32}
    store.close()


def test_a_published_generation_in_parts_is_followed_by_the_reader(tmp_path: Path) -> None:
    generations = Generations(tmp_path / "index")
    folder = generations.new()
    built = EdgeParts(folder, part_points=3)
    built.ensure(SCHEMA, {"index_version": "v"})
    built.upsert(sample_points())
    built.optimize()
    built.close()
    generations.publish(folder)
    live = LiveEdgeStore(tmp_path / "index")
    assert live.count() == 5 and live.metadata() == {"index_version": "v"}
    assert len(live.query(Nearest("study", unit(1, 1, 1, 1)), 3)) == 3
    live.close()

