"""The settings choose the store; each backend's client loads only when it is chosen."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cmr_search.settings import Settings
from vectorstore.factory import describe, index_target, open_index
from vectorstore.generations import Generations, LiveEdgeStore

ROOT = Path(__file__).resolve().parents[2]


def test_the_embedded_store_by_default(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert isinstance(index_target(settings), Generations)
    reader = open_index(settings)
    assert isinstance(reader, LiveEdgeStore) and reader.part_processes  # an index in parts
    assert str(tmp_path / "index") in describe(settings)
    reader = open_index(Settings(data_dir=tmp_path, part_processes=False))
    assert isinstance(reader, LiveEdgeStore) and not reader.part_processes


def test_a_server_deployment_never_loads_the_embedded_engine() -> None:
    code = ("import sys; from cmr_search.settings import Settings; "
            "from vectorstore.factory import open_index; "
            "s = open_index(Settings(qdrant_url='http://127.0.0.1:9')); "
            "print(type(s).__name__, 'qdrant_edge' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.split() == ["ServerStore", "False"]
