"""Index run end to end on the demo archive, and the embedded store at 10k and 100k studies.

    .venv/bin/python bench/index_speed.py [--studies 40] [--scale 10000 100000]

Part 1 indexes the first N demo studies from scratch with 1 and 2 workers, side by side, and
prints studies per minute and seconds per stage. Part 2 fills Qdrant Edge with synthetic study
points (the real schema: 3 HNSW vectors, 9 exact float16 view vectors, a sparse keyword vector,
the payload indexes) and prints upsert rate, index build time, disk size, peak memory, and query
latency before and after the build.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from catalog import STUDY, dense_sizes, point_id, store_schema
from cmr_search.layout import DataLayout
from cmrclip.checkpoint import DEMO_CHECKPOINT
from cmrclip.inference import Encoder
from indexer.pipeline import IndexOptions, run_index
from vectorstore import EdgeStore, Filter, Generations, Match, Nearest, Range, StorePoint
from vectorstore.keywords import keyword_document

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


def end_to_end(archive: Path, n: int) -> None:
    embedder = Encoder.from_checkpoint(DEMO_CHECKPOINT)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        subset = _subset(archive, n, Path(tmp) / "archive")
        for workers in (1, 2):
            data = Path(tmp) / f"data{workers}"
            started = time.perf_counter()
            s = run_index(subset, DataLayout(data), embedder, Generations(data / "index"),
                          IndexOptions(workers=workers))
            wall = time.perf_counter() - started
            rows.append((workers, s.indexed, wall, s.stages))
    print(f"\nEnd to end, {n} demo studies (embedding records, previews, publish)")
    print(f"{'workers':>7} {'studies':>7} {'wall s':>7} {'studies/min':>11}  stages (s)")
    for workers, indexed, wall, stages in rows:
        detail = " ".join(f"{k}={v:.1f}" for k, v in stages.items())
        print(f"{workers:>7} {indexed:>7} {wall:>7.1f} {60 * indexed / wall:>11.1f}  {detail}")


def _folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def _points(start: int, n: int, sizes: dict[str, int],
            rng: np.random.Generator) -> list[StorePoint]:
    out = []
    for i in range(start, start + n):
        dense = {}
        for name, size in sizes.items():
            v = rng.standard_normal(size).astype(np.float32)
            dense[name] = v / np.linalg.norm(v)
        words = " ".join(rng.choice(WORDS, 12))
        payload = {"study_instance_uid": f"1.2.826.{i}", "sex": "FM"[i % 2],
                   "age": int(20 + i % 70), "vendor": ("siemens", "ge", "philips")[i % 3],
                   "report_findings": ["lge"] if i % 7 == 0 else [],
                   "image_scores": {"lge": float(rng.random())}, "report": words}
        sparse = {"keywords": keyword_document(words)}
        out.append(StorePoint(point_id(f"1.2.826.{i}"), dense, sparse, payload))
    return out


def _latency_ms(store: EdgeStore, sizes: dict[str, int], rng: np.random.Generator,
                where: Filter | None, repeat: int = 50) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        q = rng.standard_normal(sizes[STUDY]).astype(np.float32)
        started = time.perf_counter()
        store.query(Nearest(STUDY, q), limit=20, where=where, fields=["study_instance_uid"])
        times.append(1000 * (time.perf_counter() - started))
    return float(np.percentile(times, 50)), float(np.percentile(times, 99))


def store_scale(n: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    sizes = dense_sizes(512, 384)
    filtered = Filter(must=(Match("vendor", "ge"), Range("age", gte=40, lte=60)))
    with tempfile.TemporaryDirectory() as tmp:
        store = EdgeStore(Path(tmp) / "gen")
        store.ensure(store_schema(sizes), {"bench": True})
        upsert_s = 0.0
        for start in range(0, n, 1000):
            batch = _points(start, min(1000, n - start), sizes, rng)
            started = time.perf_counter()
            store.upsert(batch)
            upsert_s += time.perf_counter() - started
        before = _latency_ms(store, sizes, rng, None, 10)
        started = time.perf_counter()
        store.optimize()
        build_s = time.perf_counter() - started
        plain = _latency_ms(store, sizes, rng, None)
        filt = _latency_ms(store, sizes, rng, filtered)
        disk = _folder_mb(Path(tmp))
        store.close()
    return {"n": n, "upsert_per_s": n / upsert_s, "build_s": build_s, "disk_mb": disk,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "scan_p50": before[0], "p50": plain[0], "p99": plain[1], "filtered_p50": filt[0],
            "filtered_p99": filt[1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, default=Path("data/demo-archive"))
    parser.add_argument("--studies", type=int, default=40)
    parser.add_argument("--scale", type=int, nargs="*", default=[10_000, 100_000])
    args = parser.parse_args()
    if args.studies and args.archive.is_dir():
        end_to_end(args.archive, args.studies)
    elif args.studies:
        print(f"{args.archive}: no demo archive (run `make demo`); skipping the end-to-end part")
    rows = [store_scale(n) for n in args.scale]
    if rows:
        print("\nQdrant Edge with synthetic study points (limit 20, payload: study UID only)")
        print(f"{'points':>7} {'upsert/s':>9} {'build s':>8} {'disk MB':>8} {'peak RSS MB':>11} "
              f"{'scan p50':>8} {'p50 ms':>7} {'p99 ms':>7} {'filt p50':>8} {'filt p99':>8}")
        for r in rows:
            print(f"{r['n']:>7} {r['upsert_per_s']:>9.0f} {r['build_s']:>8.1f} "
                  f"{r['disk_mb']:>8.0f} {r['rss_mb']:>11.0f} {r['scan_p50']:>8.1f} "
                  f"{r['p50']:>7.2f} {r['p99']:>7.2f} {r['filtered_p50']:>8.2f} "
                  f"{r['filtered_p99']:>8.2f}")


if __name__ == "__main__":
    main()
