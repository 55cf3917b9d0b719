"""Load on a loopback server, with and without sign-in: requests, status counts, p50 and p99
of a search, side by side in one run. Target: sign-in adds at most 2 ms p50 to a search.

    .venv/bin/python bench/load.py [--requests 1500] [--threads 4] [--rounds 3] [--data DIR]

Two servers on 127.0.0.1 (free ports, uvicorn, each in a process of its own so that the
clients do not share its interpreter): one open (a loopback demo, no sign-in) and one that
requires it, where each request carries either a personal API token
or a signed-in session cookie (the audit trail records every search in both). Rounds
alternate the three so that they share the machine's noise. Over the fake-encoder index the
tests use by default; `--data` serves an indexed data folder with the real model instead.
Only loopback addresses are ever contacted, and every loop is bounded.
"""

from __future__ import annotations

import argparse
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import uvicorn
from rich.console import Console
from rich.table import Table

# this checkout first: tests/catalog (no __init__) would be taken for the catalog package
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.append(str(Path(__file__).resolve().parents[1] / "tests"))  # the fakes

from accounts import Role
from cmr_search.settings import Settings
from web.app import create_app

PHRASES = ["dilated LV with transmural LGE", "no LGE", "severe LV systolic dysfunction",
           "hypertrophic cardiomyopathy", "amyloid", "normal study", "pericardial effusion"]
PASSWORD = "load test password"


def _app(data: Path | None, scratch: Path, open_access: bool) -> Any:
    if data is None:
        from fakes.encoder import FakeEncoder
        from fakes.index import CASES, build

        from search import SearchEngine
        from vectorstore import MemoryStore

        engine = SearchEngine(build(MemoryStore(), CASES), FakeEncoder())
        return create_app(Settings(data_dir=scratch), engine=engine, open_access=open_access)
    settings = Settings(data_dir=data, database_url=f"sqlite:///{scratch / 'db.sqlite3'}")
    app = create_app(settings, open_access=open_access)
    app.state.warm_up()
    return app


def serve(mode: str, port: int, scratch: Path, data: Path | None) -> None:
    """The server process: one app, on loopback, until it is terminated."""
    app = _app(data, scratch, open_access=mode == "open")
    if mode != "open":
        app.state.users.add("loadtest", Role.CLINICIAN, password=PASSWORD)
        (scratch / "token").write_text(app.state.tokens.create("loadtest", "load")[1])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False)


def _start(mode: str, scratch: Path, data: Path | None) -> tuple[str, subprocess.Popen[bytes]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, __file__, "--serve", mode, "--port", str(port), "--scratch",
               str(scratch)] + (["--data", str(data)] if data else [])
    process = subprocess.Popen(command)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return base, process
        except httpx.TransportError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"the {mode} server did not start")


def _session_cookies(base: str) -> httpx.Cookies:
    with httpx.Client(base_url=base, timeout=30) as client:
        page = client.get("/login").text
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert match is not None
        signed = client.post("/login", data={"name": "loadtest", "password": PASSWORD,
                                             "csrf_token": match.group(1), "next": "/"},
                             headers={"Origin": base})
        assert signed.status_code in (200, 303), signed.status_code
        return client.cookies


def _run(base: str, requests: int, threads: int, headers: dict[str, str],
         cookies: httpx.Cookies | None) -> tuple[list[float], Counter[int]]:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def worker(offset: int) -> None:
        with httpx.Client(base_url=base, headers=headers, cookies=cookies, timeout=30) as c:
            for i in range(offset, requests, threads):
                started = time.perf_counter()
                status = c.get("/api/v1/search", params={
                    "q": f"{PHRASES[i % len(PHRASES)]} {i}", "limit": 10}).status_code
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    statuses[status] += 1

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, range(threads)))
    return latencies, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1500, help="per mode and round")
    parser.add_argument("--threads", type=int, default=1, help="concurrent clients")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data", type=Path, default=None, help="an indexed data folder")
    parser.add_argument("--serve", choices=["open", "secured"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--scratch", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.scratch, args.data)
        return
    with tempfile.TemporaryDirectory(prefix="cmr-load-") as tmp:
        scratch = Path(tmp)
        (scratch / "open").mkdir()
        (scratch / "secured").mkdir()
        open_base, first = _start("open", scratch / "open", args.data)
        secured_base, second = _start("secured", scratch / "secured", args.data)
        try:
            _measure(args, open_base, secured_base, (scratch / "secured" / "token").read_text())
        finally:
            for process in (first, second):
                process.terminate()
                process.wait(30)


def _measure(args: argparse.Namespace, open_base: str, secured_base: str, token: str) -> None:
    console = Console()
    modes: dict[str, tuple[str, dict[str, str], httpx.Cookies | None]] = {
        "no sign-in (loopback)": (open_base, {}, None),
        "API token": (secured_base, {"Authorization": f"Bearer {token}"}, None),
        "session cookie": (secured_base, {}, _session_cookies(secured_base))}
    results = {name: ([], Counter()) for name in modes}  # type: ignore[var-annotated]
    for base, headers, cookies in modes.values():  # warm up
        _run(base, 50, args.threads, headers, cookies)
    for _ in range(args.rounds):
        for name, (base, headers, cookies) in modes.items():
            latencies, statuses = _run(base, args.requests, args.threads, headers, cookies)
            results[name][0].extend(latencies)
            results[name][1].update(statuses)
    _table(console, results, args)


def _table(console: Console, results: dict[str, tuple[list[float], Counter[int]]],
           args: argparse.Namespace) -> None:
    table = Table(title=f"GET /api/v1/search over loopback, {args.threads} client(s), "
                  f"{args.rounds} rounds")
    for column in ("mode", "requests", "statuses", "p50 ms", "p99 ms", "p50 vs no sign-in"):
        table.add_column(column)
    base_p50 = float(np.percentile(next(iter(results.values()))[0], 50))
    for name, (latencies, statuses) in results.items():
        p50, p99 = np.percentile(latencies, 50), np.percentile(latencies, 99)
        table.add_row(name, str(len(latencies)),
                      " ".join(f"{c}:{n}" for c, n in sorted(statuses.items())),
                      f"{p50:.2f}", f"{p99:.2f}", f"{p50 - base_p50:+.2f} ms")
    console.print(table)


if __name__ == "__main__":
    main()
