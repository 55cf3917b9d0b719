"""`cmr-search query` over a store that cannot answer: one line that names it once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest
from typer.testing import CliRunner

from cli.main import app
from search import NotReadyError


def _refusing(line: str) -> Callable[..., NoReturn]:
    def refuse(*_: object, **__: object) -> NoReturn:
        raise NotReadyError(line)

    return refuse


def test_a_qdrant_that_is_down_is_named_once(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """"Qdrant at http://q:6333: not reachable (...) (Qdrant at http://q:6333, collection
    cmr_studies)": the address twice in one line."""
    monkeypatch.setattr("cli.query.open_engine", _refusing(
        "Qdrant at http://q:6333: not reachable ([Errno 111] Connection refused)"))
    env: dict[str, str | None] = {
        "CMR_SEARCH_DATA_DIR": str(tmp_path), "CMR_SEARCH_QDRANT_URL": "http://q:6333",
        "CMR_SEARCH_QDRANT_COLLECTION": "cmr_studies", "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["query", "LGE"], env=env)
    assert result.exit_code == 1
    assert result.output.strip() == ("error: Qdrant at http://q:6333: not reachable ([Errno "
                                      "111] Connection refused) (collection cmr_studies)")
    # a server's empty collection, and an empty data folder, are said with the index read
    monkeypatch.setattr("cli.query.open_engine", _refusing("no index yet"))
    empty = CliRunner().invoke(app, ["query", "LGE"], env=env)
    assert "no index yet (Qdrant at http://q:6333, collection cmr_studies)" in empty.output
    folder = CliRunner().invoke(app, ["query", "LGE"],
                                env={**env, "CMR_SEARCH_QDRANT_URL": None})
    assert folder.exit_code == 1 and f"store in {tmp_path}" in folder.output
