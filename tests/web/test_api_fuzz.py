"""The JSON API fuzzed from its own OpenAPI schema by schemathesis, every check on: no 5xx,
answers that match the schema, bad input refused with a 4xx. Bounded examples per operation
(bench/api_fuzz.py runs many more)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fakes.encoder import FakeEncoder
from fakes.index import CASES, build
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from accounts import Role
from cmr_search.settings import Settings
from search import SearchEngine
from vectorstore import MemoryStore
from web.app import create_app

EXAMPLES = 25
pytestmark = pytest.mark.slow  # about a minute: every operation, every check, every phase


def _app() -> Any:
    """The app over the fake index, sign-in required, with a clinician's API token. Built when
    the module is collected: schemathesis parametrizes from a loaded schema."""
    data = Path(tempfile.mkdtemp(prefix="cmr-search-fuzz-"))
    atexit.register(shutil.rmtree, data, ignore_errors=True)
    engine = SearchEngine(build(MemoryStore(), CASES), FakeEncoder())
    app = create_app(Settings(data_dir=data), engine=engine)
    app.state.users.add("fuzzer", Role.CLINICIAN)
    app.state.fuzz_token = app.state.tokens.create("fuzzer", "fuzz")[1]
    return app


APP = _app()
# Every check runs. A schema-valid request may still get a 400 where a rule joins fields that
# OpenAPI cannot state (age_min after age_max, a query of spaces, a view the study lacks).
CONFIG = SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "400", "401", "403", "404"]}}})
# the health checks take no input; their 503 on this fake index is by design (test_app_health)
schema = schemathesis.openapi.from_asgi(  # the schema needs sign-in, as the API does
    "/openapi.json", APP, config=CONFIG,
    headers={"Authorization": f"Bearer {APP.state.fuzz_token}"}).exclude(
    path_regex=r"^/(healthz|readyz|api/v1/health)$")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_api_holds_to_its_schema(case: Any) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {APP.state.fuzz_token}"})


def test_the_schema_declares_the_list_limits() -> None:
    fuzzed_app = APP
    parameters = {p["name"]: p for p in
                  fuzzed_app.openapi()["paths"]["/api/v1/search"]["get"]["parameters"]}
    unlike = parameters["unlike"]["schema"]["anyOf"][0]
    assert unlike["maxItems"] == 20 and unlike["items"]["maxLength"] == 64
    assert parameters["q"]["schema"]["maxLength"] == 500
    assert parameters["vendor"]["schema"]["maxItems"] == 40
