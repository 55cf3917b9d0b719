"""Index run end to end on the demo archive, and the embedded store at 10k to 1M studies.

    .venv/bin/python bench/index_speed.py [--studies 40] [--ray 1 2]
        [--scale 10000 100000 1000000] [--stores data/bench] [--sweep 100000]

Part 1 indexes the first N demo studies from scratch with the local engine (1 and 2 worker
processes) and the Ray engine (a local Ray with 1 and 2 CPUs), side by side: studies per
minute, seconds per stage, and whether each built the same index as the first. Part 2 fills
Qdrant Edge with synthetic study points (the real schema: 3 HNSW vectors, int8 in memory with
float32 originals on disk, 9 exact float16 view vectors, a sparse keyword vector, the payload
indexes; vectors from a low-rank latent, see `Latent`) and prints upsert rate, index build time,
disk size, peak memory, p50/p99 plain and filtered, and recall@10 against exact search; the
indexes are kept under --stores (a re-run only measures). `--sweep N` first measures HNSW
parameters (m, ef_construct, hnsw_ef) at N points.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from memory_probe import PeakAnon, processes_rss_mb, rss_mb

from catalog import STUDY, dense_sizes, point_id, store_schema
from cmr_search.layout import DataLayout
from cmrclip.checkpoint import DEMO_CHECKPOINT
from cmrclip.inference import Encoder
from indexer.pipeline import IndexOptions, run_index
from vectorstore import (
    EdgeStore,
    Filter,
    Generations,
    LiveEdgeStore,
    Match,
    Nearest,
    Range,
    StorePoint,
)
from vectorstore.edge import METADATA
from vectorstore.edge_parts import PARTS, EdgeParts, create_edge, open_edge
from vectorstore.keywords import keyword_document
from vectorstore.translate import INT8, SEARCH, SearchTuning

WORDS = ["dilated", "impaired", "hypertrophy", "scar", "transmural", "subendocardial",
         "amyloidosis", "fabry", "effusion", "normal", "mild", "moderate", "severe", "septal",
         "inferior", "lateral", "apical", "basal"]


def _subset(archive: Path, n: int, into: Path) -> Path:
    """The first n patient folders of the archive (and its top-level report indexes)."""
    into.mkdir()
    patients = sorted(p for p in archive.iterdir() if p.is_dir())[:n]
    for item in [*patients, *(p for p in archive.iterdir() if p.is_file())]:
        (into / item.name).symlink_to(item.resolve())
    return into


def _engines(ray_cpus: list[int], local_cpus: list[int]) -> list[tuple[str, int, Any]]:
    """(engine, CPUs, engine object): the local engine with each number of workers, and the
    Ray engine on a local Ray of each size (its actors load the model once each)."""
    rows: list[tuple[str, int, Any]] = [("local", cpus, None) for cpus in local_cpus]
    if ray_cpus:
        from indexer.ray_engine import RayEngine, RayOptions

        make = partial(Encoder.from_checkpoint, DEMO_CHECKPOINT, "cpu")
        rows += [("ray", cpus, RayEngine(make, RayOptions(num_cpus=cpus, object_store_mb=256)))
                 for cpus in ray_cpus]
    return rows


def _same(points: dict[str, Any], first: dict[str, Any]) -> str:
    """The same points with the same image scores as the first engine's, to float32 noise
    (batches made of other studies round differently in the last bits)."""
    if points.keys() != first.keys():
        return "NO (points)"
    diff = max((abs(v - first[i][k]) for i, scores in points.items()
                for k, v in (scores or {}).items()), default=0.0)
    return f"yes ({diff:.0e})" if diff <= 1e-4 else f"NO ({diff:.0e})"


def end_to_end(archive: Path, n: int, ray_cpus: list[int], local_cpus: list[int]) -> None:
    """Each engine indexes the same n studies from scratch into its own data folder; the
    records and the published points must come out the same."""
    embedder = Encoder.from_checkpoint(DEMO_CHECKPOINT, "cpu")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        subset = _subset(archive, n, Path(tmp) / "archive")
        for name, cpus, engine in _engines(ray_cpus, local_cpus):
            data = Path(tmp) / f"{name}{cpus}"
            started = time.perf_counter()
            s = run_index(subset, DataLayout(data), embedder, Generations(data / "index"),
                          IndexOptions(workers=cpus), engine=engine)
            wall = time.perf_counter() - started
            store = LiveEdgeStore(data / "index")
            points = {h.id: h.payload.get("image_scores") for h in store.scroll()}
            store.close()
            rows.append((name, cpus, s.indexed, wall, s.stages, points))
    print(f"\nEnd to end, {n} demo studies (embedding records, previews, publish); stage "
          "seconds are summed over the processes (CPU seconds of each stage)")
    print(f"{'engine':>6} {'CPUs':>4} {'studies':>7} {'wall s':>7} {'studies/min':>11} "
          f"{'same index (max diff)':>21}  stages (s)")
    for name, cpus, indexed, wall, stages, points in rows:
        same = _same(points, rows[0][5])
        detail = " ".join(f"{k}={v:.1f}" for k, v in stages.items())
        print(f"{name:>6} {cpus:>4} {indexed:>7} {wall:>7.1f} {60 * indexed / wall:>11.1f} "
              f"{same:>21}  {detail}")


def _folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


class Latent:
    """Synthetic embeddings with the structure of real ones: a unit vector per point from a
    48-dimensional latent (W z + a little noise), not uniform noise on the sphere (which no
    encoder produces and on which every graph index does its worst)."""

    def __init__(self, sizes: dict[str, int], rng: np.random.Generator, rank: int = 48) -> None:
        self.rng = rng
        self.bases = {name: rng.standard_normal((rank, size)).astype(np.float32)
                      for name, size in sizes.items()}

    def vectors(self, name: str, n: int) -> np.ndarray:
        basis = self.bases[name]
        v = self.rng.standard_normal((n, basis.shape[0])).astype(np.float32) @ basis
        v += 0.1 * np.sqrt(basis.shape[0]) * self.rng.standard_normal(v.shape).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def _points(start: int, n: int, latent: Latent) -> list[StorePoint]:
    rng = latent.rng
    dense = {name: latent.vectors(name, n) for name in latent.bases}
    out = []
    for j, i in enumerate(range(start, start + n)):
        words = " ".join(rng.choice(WORDS, 12))
        payload = {"study_instance_uid": f"1.2.826.{i}", "sex": "FM"[i % 2],
                   "age": int(20 + i % 70), "vendor": ("siemens", "ge", "philips")[i % 3],
                   "report_findings": ["lge"] if i % 7 == 0 else [],
                   "image_scores": {"lge": float(rng.random())}, "report": words}
        sparse = {"keywords": keyword_document(words)}
        out.append(StorePoint(point_id(f"1.2.826.{i}"), {k: v[j] for k, v in dense.items()},
                              sparse, payload))
    return out


def _latency_ms(store: EdgeStore | EdgeParts, latent: Latent, where: Filter | None,
                repeat: int = 100) -> list[float]:
    times = []
    for q in latent.vectors(STUDY, repeat):
        started = time.perf_counter()
        store.query(Nearest(STUDY, q), limit=20, where=where, fields=["study_instance_uid"])
        times.append(1000 * (time.perf_counter() - started))
    return times


def _recall(store: EdgeStore | EdgeParts, latent: Latent, where: Filter | None,
            tuning: SearchTuning = SEARCH, queries: int = 30) -> float:
    """recall@10 of the product's search (int8 graph walk, rescored; ACORN under a selective
    filter) against exact search over the float32 originals; an index in parts answers with
    the best 10 of its parts' (each walks with the beam of the whole index)."""
    import qdrant_edge as qe

    from vectorstore.edge import _filter, search_params

    shards = [p.shard for p in store.parts] if isinstance(store, EdgeParts) else [store.shard]
    params = search_params(tuning, INT8, store.count(), where is not None)

    def best(ask: qe.Query, search: qe.SearchParams) -> set[Any]:
        hits = [h for shard in shards for h in shard.query(qe.QueryRequest(
            limit=10, query=ask, filter=_filter(where), params=search))]
        return {h.id for h in sorted(hits, key=lambda h: -h.score)[:10]}

    found = []
    for q in latent.vectors(STUDY, queries):
        ask = qe.Query.Nearest(q.tolist(), using=STUDY)
        exact = best(ask, qe.SearchParams(exact=True))
        found.append(len(exact & best(ask, params)) / 10)
    return float(np.mean(found))


def _serving(folder: Path, latent: Latent, filtered: Filter, row: dict[str, float]) -> None:
    """p50/p99 plain and filtered (100 of each, after 10 to warm up); an index in parts both
    ways, in turns of 50 (threads, processes, processes, threads: the page cache warms as the
    turns go, and this order gives both ways the same mean place in it). RSS is this process's
    while the first turn's store is open, and the parts' processes' at the end of theirs."""
    times: dict[bool, dict[str, list[float]]] = {}
    parts = (folder / PARTS).is_dir()
    for turn_no, processes in enumerate((False, True, True, False) if parts else (False,)):
        store = open_edge(folder, processes=processes)
        _latency_ms(store, latent, None, 10)
        _latency_ms(store, latent, filtered, 10)
        turn = times.setdefault(processes, {"": [], "filtered_": []})
        repeat = 50 if parts else 100
        turn[""] += _latency_ms(store, latent, None, repeat)
        turn["filtered_"] += _latency_ms(store, latent, filtered, repeat)
        if turn_no == 0:
            row["rss_mb"], row["peak_mb"] = rss_mb()  # before the exact scans map originals
        elif turn_no == 1:
            row["processes_children_rss_mb"] = processes_rss_mb(
                [p.pid for p in store.served if p.pid is not None])
        store.close()
    for processes, turn in times.items():
        for kind, samples in turn.items():
            prefix = "processes_" if processes else ""
            row[f"{prefix}{kind}p50"] = float(np.percentile(samples, 50))
            row[f"{prefix}{kind}p99"] = float(np.percentile(samples, 99))


def store_scale(n: int, folder: Path, log: Callable[[str], None]) -> dict[str, float]:
    """Build (or reuse, when `folder` holds a finished one) an index of n synthetic points."""
    latent = Latent(dense_sizes(512, 384), np.random.default_rng(0))
    filtered = Filter(must=(Match("vendor", "ge"), Range("age", gte=40, lte=60)))
    row: dict[str, float] = {"n": n}
    anon = PeakAnon()
    store = open_edge(folder) if (folder / METADATA).is_file() else create_edge(folder, n)
    if store.metadata() is None:
        store.ensure(store_schema(dense_sizes(512, 384)), {"bench": True})
        upsert_s, started = 0.0, time.perf_counter()
        for start in range(0, n, 1000):
            batch = _points(start, min(1000, n - start), latent)
            began = time.perf_counter()
            store.upsert(batch)
            upsert_s += time.perf_counter() - began
            if (start + 1000) % 50_000 == 0:
                rss, peak = rss_mb()
                log(f"{n}: {start + 1000} points in {time.perf_counter() - started:.0f} s, "
                    f"RSS {rss:.0f} MB, peak {peak:.0f} MB")
        row["upsert_per_s"] = n / upsert_s
        started = time.perf_counter()
        store.optimize()
        row["build_s"] = time.perf_counter() - started
        log(f"{n}: built in {row['build_s']:.0f} s, peak {rss_mb()[1]:.0f} MB")
        store.close()
        (folder / "built.json").write_text(json.dumps(row))
    else:
        row.update(json.loads((folder / "built.json").read_text()))
    _serving(folder, latent, filtered, row)
    row["peak_anon_mb"] = anon.stop()
    store = open_edge(folder)
    row["recall"] = _recall(store, latent, None)
    row["filtered_recall"] = _recall(store, latent, filtered)
    row["filtered_recall_no_acorn"] = _recall(store, latent, filtered,
                                              replace(SEARCH, acorn=False))
    row["disk_mb"] = _folder_mb(folder)
    store.close()
    log(json.dumps(row))
    return row


def sweep(n: int, root: Path, log: Callable[[str], None]) -> None:
    """HNSW parameters by measurement: the study vector alone at n points, for each graph
    (m, ef_construct) its build time, and per search beam (hnsw_ef) recall@10 and latency."""
    import qdrant_edge as qe

    from vectorstore.edge import _filter

    latent = Latent({STUDY: 512}, np.random.default_rng(1))
    data = latent.vectors(STUDY, n)
    queries = latent.vectors(STUDY, 30)
    for m, ef_construct in ((16, 100), (16, 200), (32, 100)):
        folder = root / f"sweep-{n}-m{m}-ef{ef_construct}"
        shutil.rmtree(folder, ignore_errors=True)
        int8 = qe.ScalarQuantizationConfig(type=qe.ScalarType.Int8, quantile=INT8.quantile,
                                           memory=qe.Memory.Pinned)
        config = qe.EdgeConfig(vectors={STUDY: qe.EdgeVectorParams(
            size=512, distance=qe.Distance.Cosine, memory=qe.Memory.Cold,
            quantization_config=int8)}, hnsw_config=qe.HnswIndexConfig(
            m=m, ef_construct=ef_construct, full_scan_threshold=10000, payload_m=0),
            wal_enabled=False)
        folder.mkdir(parents=True)
        shard = qe.EdgeShard.create(str(folder / "shard"), config)
        for start in range(0, n, 1000):
            shard.update(qe.UpdateOperation.upsert_points([
                qe.Point(point_id(str(i)), {STUDY: data[i].tolist()}, {})
                for i in range(start, min(n, start + 1000))]))
        started = time.perf_counter()
        shard.optimize()
        build = time.perf_counter() - started
        for ef in (64, 128, 256):
            recall, times = [], []
            for q in queries:
                ask = qe.Query.Nearest(q.tolist(), using=STUDY)
                exact = shard.query(qe.QueryRequest(limit=10, query=ask,
                                                    params=qe.SearchParams(exact=True)))
                params = qe.SearchParams(hnsw_ef=ef, quantization=qe.QuantizationSearchParams(
                    rescore=True, oversampling=INT8.oversampling))
                began = time.perf_counter()
                fast = shard.query(qe.QueryRequest(limit=50, query=ask, params=params))
                times.append(1000 * (time.perf_counter() - began))
                recall.append(len({p.id for p in exact} & {p.id for p in fast[:10]}) / 10)
            log(f"sweep n={n} m={m} ef_construct={ef_construct} build_s={build:.1f} "
                f"hnsw_ef={ef} recall@10={np.mean(recall):.3f} "
                f"p50_ms={np.percentile(times, 50):.2f}")
        shard.close()
        shutil.rmtree(folder, ignore_errors=True)
    assert _filter(None) is None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, default=Path("data/demo-archive"))
    parser.add_argument("--studies", type=int, default=40)
    parser.add_argument("--ray", type=int, nargs="*", default=[1, 2],
                        help="CPUs of the local Ray the Ray engine runs on (none: skip it)")
    parser.add_argument("--local", type=int, nargs="+", default=[1, 2],
                        help="workers of the local engine (the first row is the reference)")
    parser.add_argument("--scale", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--stores", type=Path, default=Path("data/bench"),
                        help="where the synthetic indexes are built (store-N, kept for re-runs)")
    parser.add_argument("--sweep", type=int, default=0,
                        help="also measure HNSW parameters at this many points")
    args = parser.parse_args()

    def log(line: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)

    if args.studies and args.archive.is_dir():
        end_to_end(args.archive, args.studies, args.ray, args.local)
    elif args.studies:
        print(f"{args.archive}: no demo archive (run `make demo`); skipping the end-to-end part")
    if args.sweep:
        sweep(args.sweep, args.stores, log)
    rows = [store_scale(n, args.stores / f"store-{n}", log) for n in args.scale]
    if rows:
        print("\nQdrant Edge, synthetic study points (real schema; int8 in memory, originals on "
              f"disk; limit 20; hnsw_ef {SEARCH.hnsw_ef}, from {SEARCH.large:,} points "
              f"{SEARCH.hnsw_ef_large} / {SEARCH.hnsw_ef_large_filtered} filtered; recall@10 "
              "against exact search)")
        print(f"{'points':>9} {'upsert/s':>9} {'build s':>8} {'disk MB':>8} {'peak MB':>8} "
              f"{'anon MB':>8} "
              f"{'p50 ms':>7} {'p99 ms':>7} {'filt p50':>8} {'filt p99':>8} {'recall':>6} "
              f"{'filt rec':>8} {'(no ACORN)':>10}")
        for r in rows:
            print(f"{r['n']:>9} {r['upsert_per_s']:>9.0f} {r['build_s']:>8.1f} "
                  f"{r['disk_mb']:>8.0f} {r['peak_mb']:>8.0f} {r['peak_anon_mb']:>8.0f} "
                  f"{r['p50']:>7.2f} "
                  f"{r['p99']:>7.2f} {r['filtered_p50']:>8.2f} {r['filtered_p99']:>8.2f} "
                  f"{r['recall']:>6.3f} {r['filtered_recall']:>8.3f} "
                  f"{r.get('filtered_recall_no_acorn', float('nan')):>10.3f}")
        parted = [r for r in rows if "processes_p50" in r]
        if parted:
            print("\nAn index in parts, searched from threads of one process (the rows above) "
                  "and from a process per part, in turns (ms)")
            print(f"{'points':>9} {'p50':>6} {'p99':>6} {'filt p50':>8} {'filt p99':>8} | "
                  f"{'p50':>6} {'p99':>6} {'filt p50':>8} {'filt p99':>8}")
            for r in parted:
                print(f"{r['n']:>9} {r['p50']:>6.1f} {r['p99']:>6.1f} "
                      f"{r['filtered_p50']:>8.1f} {r['filtered_p99']:>8.1f} | "
                      f"{r['processes_p50']:>6.1f} {r['processes_p99']:>6.1f} "
                      f"{r['processes_filtered_p50']:>8.1f} {r['processes_filtered_p99']:>8.1f}")


if __name__ == "__main__":
    main()
