"""Fuzz the JSON API from its own OpenAPI schema with schemathesis: many more examples than the
test suite's, positive and negative, every check; a table of requests, status codes and
failures per operation. Target: no 5xx over at least 5,000 requests.

    .venv/bin/python bench/api_fuzz.py [--examples 400] [--seed 2026]

The app runs in this process (ASGI, no network) over the fake-encoder index the tests use,
with sign-in required and a clinician's API token.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from rich.console import Console
from rich.table import Table
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode

# this checkout first: tests/catalog (no __init__) would be taken for the catalog package
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.append(str(Path(__file__).resolve().parents[1] / "tests"))  # the fakes
from fakes.encoder import FakeEncoder
from fakes.index import CASES, build

from accounts import Role
from cmr_search.settings import Settings
from search import SearchEngine
from vectorstore import MemoryStore
from web.app import create_app

CONFIG = {"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "400", "401", "403", "404"]}}}


def _app(data: Path) -> tuple[Any, str]:
    engine = SearchEngine(build(MemoryStore(), CASES), FakeEncoder())
    app = create_app(Settings(data_dir=data, upload_max_concurrent=64), engine=engine)
    app.state.users.add("fuzzer", Role.CLINICIAN)
    return app, app.state.tokens.create("fuzzer", "fuzz")[1]


def fuzz_operation(operation: Any, mode: GenerationMode, examples: int, token: str,
                   rng_seed: int) -> tuple[Counter[int], list[str]]:
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    headers = {"Authorization": f"Bearer {token}"}

    @seed(rng_seed)
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, headers=headers)
        except FailureGroup as group:
            failures.extend(f"{type(f).__name__}: {str(f)[:400]}" for f in group.exceptions)
        except AssertionError as error:
            failures.append(str(error)[:160])

    with contextlib.suppress(Unsatisfiable):  # nothing here can be made invalid (no input)
        run()
    return statuses, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=400, help="per operation and mode")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory(prefix="cmr-fuzz-") as tmp:
        app, token = _app(Path(tmp))
        schema = schemathesis.openapi.from_asgi(
            "/openapi.json", app, config=SchemathesisConfig.from_dict(CONFIG)).exclude(
            path_regex=r"^/(healthz|readyz|api/v1/health)$")
        table = Table(title=f"API fuzz: {args.examples} examples per operation and mode")
        for column in ("operation", "mode", "requests", "statuses", "5xx", "failures", "s"):
            table.add_column(column)
        total, server_errors, all_failures = 0, 0, []
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                started = time.perf_counter()
                statuses, failures = fuzz_operation(operation, mode, args.examples, token,
                                                    args.seed)
                requests = sum(statuses.values())
                errors = sum(n for code, n in statuses.items() if code >= 500)
                total, server_errors = total + requests, server_errors + errors
                all_failures += [f"{operation.label} ({mode.value}): {f}" for f in failures]
                table.add_row(operation.label, mode.value, str(requests),
                              " ".join(f"{c}:{n}" for c, n in sorted(statuses.items())),
                              str(errors), str(len(failures)),
                              f"{time.perf_counter() - started:.0f}")
        console.print(table)
        console.print(f"{total} requests, {server_errors} answered 5xx, "
                      f"{len(all_failures)} check failures")
        for line in sorted(set(all_failures))[:20]:
            console.print(f"  {line}", highlight=False)
    sys.exit(1 if server_errors else 0)


if __name__ == "__main__":
    main()
