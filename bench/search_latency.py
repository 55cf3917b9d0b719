"""Latency of /api/v1/search over HTTP at 10k and 100k studies, 1 and 8 concurrent clients.

    .venv/bin/python bench/search_latency.py [--sizes 10000 100000] [--requests 200]
        [--compare OLD_CHECKOUT] [--rounds 2] [--workers 1 2] [--data data] [--source data]

`--compare` serves the same index from another source tree too (a `git worktree` of an older
commit), alternating old and new `--rounds` times so that both see the same machine noise; the
table then holds one row per version. `--workers` serves this tree with each number of
processes (`serve --workers`; "new x2" in the table).

Needs the demo archive indexed (`make demo`): its 200 embedding records are cloned into N
study points (vectors jittered, new UIDs and patients, the real payloads and reports), built
into an embedded index under DATA/bench/search-N (kept for re-runs; `--source` names another
data folder to read the demo index from, read only), served by
`cmr-search serve` in a subprocess, and queried with httpx. Every request has a new query text,
so the text encoder runs each time (no cache hit); one in four also filters (vendor, age).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
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

from catalog import StudyPayload, point_id, store_schema
from cmr_search.layout import DataLayout
from cmrclip.checkpoint import DEMO_CHECKPOINT
from cmrclip.inference import Encoder
from indexer.embed import encoder_sizes
from indexer.points import Platt, to_point
from indexer.records import EmbeddingRecord, RecordStore
from vectorstore import EdgeStore, Generations

PHRASES = ["dilated LV with transmural LGE", "no LGE", "severe LV systolic dysfunction",
           "hypertrophic cardiomyopathy", "amyloid", "normal study", "dilated right ventricle",
           "pericardial effusion without LGE", "aortic root dilatation", "old inferior infarct",
           "myocarditis with subepicardial enhancement", "mild RV dilation, no LGE"]


def _free_port() -> int:
    """A free loopback port, so two benches (or a bench and a server) never meet."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


PORT = _free_port()


def clone(record: EmbeddingRecord, i: int, rng: np.random.Generator) -> EmbeddingRecord:
    uid = f"2.25.{i}"
    vectors = {}
    for name, v in record.vectors.items():
        noisy = v + rng.normal(0, 0.15, v.shape).astype(np.float32) / np.sqrt(v.size)
        vectors[name] = (noisy / np.linalg.norm(noisy)).astype(np.float32)
    payload = record.payload.model_copy(update={"study_instance_uid": uid,
                                                "accession_number": f"B{i:08d}",
                                                "patient_key": f"bench-{i // 2}"})
    return EmbeddingRecord(uid, record.fingerprint, vectors, StudyPayload.model_validate(
        payload.model_dump()), record.raw_scores)


def build(data: Path, n: int, source: Path) -> Path:
    """A published embedded index of n cloned studies under `data` (reused when present)."""
    generations = Generations(data / "index")
    if generations.current() is not None:
        return data
    embedder = Encoder.from_checkpoint(DEMO_CHECKPOINT)
    records = list(RecordStore(DataLayout(source).embeddings, embedder.key).all())
    live = Generations(DataLayout(source).index).current()
    if not records or live is None:
        sys.exit("no demo index: run `make demo` first")
    metadata = EdgeStore(live).metadata() or {}
    calibration = {k: Platt(**v) for k, v in metadata["calibration"].items()}
    folder = generations.new()
    store = EdgeStore(folder)
    store.ensure(store_schema(encoder_sizes(embedder)), {**metadata, "studies": n})
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


HERE = Path(__file__).resolve().parents[1]


def _entry_point(checkout: Path) -> list[str]:
    """The command that starts `cmr-search` from a source tree."""
    text = (checkout / "pyproject.toml").read_text()
    module, function = text.split('cmr-search = "', 1)[1].split('"', 1)[0].split(":")
    return [sys.executable, "-c", f"from {module} import {function}; {function}()"]


def serve(data: Path, checkout: Path | None = None, workers: int = 1) -> subprocess.Popen[bytes]:
    """`cmr-search serve` over `data`, from `checkout`'s packages (this tree's by default:
    never the installed console script, which may be another tree's), with `workers`
    processes (an older checkout is served as it serves: one)."""
    env = {**os.environ, "CMR_SEARCH_DATA_DIR": str(data.resolve())}
    tree = checkout or HERE
    env["PYTHONPATH"] = str(tree)
    more = ["--workers", str(workers)] if workers > 1 else []
    process = subprocess.Popen([*_entry_point(tree), "serve", "--port", str(PORT), *more], env=env,
                               cwd=tree, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    for _ in range(240):
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    process.kill()
    sys.exit("the server did not become ready in 120 s")


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


def _one_server(data: Path, checkout: Path | None, n: int, requests: int,
                workers: int = 1) -> list[dict[str, Any]]:
    """Warm up, then 1 and 8 clients on the API and the page's time to first byte."""
    process = serve(data, checkout, workers)
    version = ("old" if checkout is not None else "new") + (f" x{workers}" if workers > 1
                                                            else "")
    rows: list[dict[str, Any]] = []
    try:
        measure(2, 200, 10**6)  # warm-up: model, prompt directions, the shard's pages
        for clients in (1, 8):
            row = measure(clients, requests * (1 if clients == 1 else 2), 0)
            rows.append({"version": version, "studies": n, "clients": clients, **row})
        page = page_ttfb(max(20, requests // 4))
        rows.append({"version": version, "studies": n, "clients": "1 (page)", **page})
    finally:
        process.terminate()
        process.wait(10)
    return rows


def _median_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per version, size and client count: the median over the rounds."""
    keys = sorted({(r["studies"], str(r["clients"]), r["version"]) for r in rows})
    out = []
    for studies, clients, version in keys:
        same = [r for r in rows if (r["studies"], str(r["clients"]), r["version"])
                == (studies, clients, version)]
        merged = {k: float(np.median([r[k] for r in same])) for k in same[0]
                  if isinstance(same[0][k], float)}
        out.append({"version": version, "studies": studies, "clients": clients, **merged})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--data", type=Path, default=Path("data"),
                        help="where the bench indexes go (DATA/bench/search-N)")
    parser.add_argument("--source", type=Path, default=None,
                        help="the data folder with the demo index (default: --data)")
    parser.add_argument("--compare", type=Path, default=None,
                        help="another checkout (an older commit) to serve the same index")
    parser.add_argument("--rounds", type=int, default=1, help="alternations of old and new")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2],
                        help="server processes to measure this tree with (`serve --workers`)")
    parser.add_argument("--build-only", action="store_true", help="build the indexes and stop")
    args = parser.parse_args()
    source = args.source or args.data
    if args.build_only:
        for n in args.sizes:
            build(args.data / "bench" / f"search-{n}", n, source)
        return
    servers: list[tuple[Path | None, int]] = [(None, w) for w in args.workers]
    if args.compare is not None:
        servers.insert(0, (args.compare.resolve(), 1))
    rows = []
    for n in args.sizes:
        data = build(args.data / "bench" / f"search-{n}", n, source)
        for _ in range(args.rounds):
            for checkout, workers in servers:
                rows += _one_server(data, checkout, n, args.requests, workers)
    table = Table(title="/api/v1/search over HTTP (text encoder included, top 10, one per "
                  f"patient; median of {args.rounds} round(s))")
    for name in ("version", "studies", "clients", "p50 ms", "p99 ms", "server p50 ms",
                 "requests/s"):
        table.add_column(name, justify="right")
    summary = _median_rows(rows)
    for row in summary:
        table.add_row(row["version"], f"{row['studies']:,}", row["clients"], f"{row['p50']:.1f}",
                      f"{row['p99']:.1f}", f"{row.get('server_p50', float('nan')):.1f}",
                      f"{row.get('rps', float('nan')):.1f}")
    Console().print(table)
    (args.data / "bench" / "search_latency.json").write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
