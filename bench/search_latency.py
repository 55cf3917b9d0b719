"""Latency of /api/v1/search over HTTP at 10k and 100k studies, 1 and 8 concurrent clients.

    .venv/bin/python bench/search_latency.py [--sizes 10000 100000] [--requests 200]

Needs the demo archive indexed (`make demo`): its 200 embedding records are cloned into N
study points (vectors jittered, new UIDs and patients, the real payloads and reports), built
into an embedded index under data/bench/search-N (kept for re-runs), served by
`cmr-search serve` in a subprocess, and queried with httpx. Every request has a new query text,
so the text encoder runs each time (no cache hit); one in four also filters (vendor, age).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from rich.console import Console
from rich.progress import track
from rich.table import Table

from cmrclip.checkpoint import DEMO_CHECKPOINT
from indexer.embed import Embedder
from indexer.points import Platt, point_id, store_schema, to_point
from indexer.records import EmbeddingRecord, RecordStore
from indexer.store import EdgeStore, Generations

PHRASES = ["dilated LV with transmural LGE", "no LGE", "severe LV systolic dysfunction",
           "hypertrophic cardiomyopathy", "amyloid", "normal study", "dilated right ventricle",
           "pericardial effusion without LGE", "aortic root dilatation", "old inferior infarct",
           "myocarditis with subepicardial enhancement", "mild RV dilation, no LGE"]
PORT = 8767


def clone(record: EmbeddingRecord, i: int, rng: np.random.Generator) -> EmbeddingRecord:
    uid = f"2.25.{i}"
    vectors = {}
    for name, v in record.vectors.items():
        noisy = v + rng.normal(0, 0.15, v.shape).astype(np.float32) / np.sqrt(v.size)
        vectors[name] = (noisy / np.linalg.norm(noisy)).astype(np.float32)
    payload = {**record.payload, "study_instance_uid": uid, "accession_number": f"B{i:08d}",
               "patient_key": f"bench-{i // 2}"}
    return EmbeddingRecord(uid, record.fingerprint, vectors, payload, record.raw_scores)


def build(data: Path, n: int, source: Path) -> Path:
    """A published embedded index of n cloned studies under `data` (reused when present)."""
    generations = Generations(data / "index")
    if generations.current() is not None:
        return data
    embedder = Embedder.from_checkpoint(DEMO_CHECKPOINT)
    records = list(RecordStore(source / "embeddings", embedder.key).all())
    live = Generations(source / "index").current()
    if not records or live is None:
        sys.exit("no demo index: run `make demo` first")
    metadata = EdgeStore(live).metadata() or {}
    calibration = {k: Platt(**v) for k, v in metadata["calibration"].items()}
    folder = generations.new()
    store = EdgeStore(folder)
    store.ensure(store_schema(embedder.dense_sizes()), {**metadata, "studies": n})
    rng = np.random.default_rng(0)
    for start in track(range(0, n, 500), description=f"upserting {n} points"):
        batch = [clone(records[i % len(records)], i, rng)
                 for i in range(start, min(n, start + 500))]
        store.upsert([to_point(r, calibration) for r in batch])
    started = time.perf_counter()
    store.optimize()
    store.close()
    generations.publish(folder)
    Console().print(f"{n} points: index built in {time.perf_counter() - started:.0f} s")
    assert point_id("2.25.0")
    return data


def serve(data: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CMR_SEARCH_DATA_DIR": str(data)}
    process = subprocess.Popen([str(Path(sys.executable).with_name("cmr-search")), "serve",
                                "--port", str(PORT)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    for _ in range(120):
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    process.kill()
    sys.exit("the server did not become ready in 60 s")


def params(i: int) -> dict[str, Any]:
    out: dict[str, Any] = {"q": f"{PHRASES[i % len(PHRASES)]} {i}"}  # unique: no cache hits
    if i % 4 == 3:
        out.update(vendor="siemens", age_min=40)
    return out


def measure(clients: int, requests: int, offset: int) -> dict[str, float]:
    def one(i: int, client: httpx.Client) -> tuple[float, float]:
        started = time.perf_counter()
        response = client.get(f"http://127.0.0.1:{PORT}/api/v1/search", params=params(i))
        response.raise_for_status()
        return 1000 * (time.perf_counter() - started), float(response.json()["took_ms"])

    pool_clients = [httpx.Client(timeout=30) for _ in range(clients)]
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(lambda i: one(i, pool_clients[i % clients]),
                                range(offset, offset + requests)))
    wall = time.perf_counter() - started
    for c in pool_clients:
        c.close()
    total = np.array([r[0] for r in results])
    server = np.array([r[1] for r in results])
    return {"p50": float(np.percentile(total, 50)), "p99": float(np.percentile(total, 99)),
            "server_p50": float(np.percentile(server, 50)), "rps": requests / wall}


def page_ttfb(requests: int) -> dict[str, float]:
    """Time to first byte of the search page (`/?q=...`, results and facets rendered)."""
    times = []
    with httpx.Client(timeout=30) as client:
        for i in range(requests):
            started = time.perf_counter()
            with client.stream("GET", f"http://127.0.0.1:{PORT}/", params=params(i)) as response:
                next(response.iter_bytes())
                times.append(1000 * (time.perf_counter() - started))
                response.raise_for_status()
    return {"p50": float(np.percentile(times, 50)), "p99": float(np.percentile(times, 99))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--build-only", action="store_true", help="build the indexes and stop")
    args = parser.parse_args()
    if args.build_only:
        for n in args.sizes:
            build(args.data / "bench" / f"search-{n}", n, args.data)
        return
    table = Table(title="/api/v1/search over HTTP (text encoder included, top 10, one per patient)")
    for name in ("studies", "clients", "p50 ms", "p99 ms", "server p50 ms", "requests/s"):
        table.add_column(name, justify="right")
    rows = []
    for n in args.sizes:
        data = build(args.data / "bench" / f"search-{n}", n, args.data)
        process = serve(data)
        try:
            measure(2, 200, 10**6)  # warm-up: model, prompt directions, the shard's pages
            for clients in (1, 8):
                row = measure(clients, args.requests * (1 if clients == 1 else 2), 0)
                rows.append({"studies": n, "clients": clients, **row})
                table.add_row(f"{n:,}", str(clients), f"{row['p50']:.1f}", f"{row['p99']:.1f}",
                              f"{row['server_p50']:.1f}", f"{row['rps']:.1f}")
            page = page_ttfb(max(20, args.requests // 4))
            rows.append({"studies": n, "page": "search", **page})
            table.add_row(f"{n:,}", "1 (page)", f"{page['p50']:.1f}", f"{page['p99']:.1f}",
                          "-", "-")
        finally:
            process.terminate()
            process.wait(10)
    Console().print(table)
    (args.data / "bench" / "search_latency.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
