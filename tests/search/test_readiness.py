"""Readiness and versions: an empty data folder is 'not ready', never an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.errors import NotReadyError
from search.readiness import check_ready, versions
from vectorstore.generations import LiveEdgeStore


def test_an_empty_data_folder_is_not_ready_and_names_no_generation(tmp_path: Path) -> None:
    store = LiveEdgeStore(tmp_path / "index")
    with pytest.raises(NotReadyError, match="no index yet"):
        check_ready(store, {"key": "model-a"})
    answer = versions(store, "model-a")
    assert answer.generation is None and answer.model == "model-a"
