"""Training: checkpoints, resume, determinism, and early stopping that every rank obeys."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cmrclip.data import PairSet
from cmrclip.model import preprocess_for
from cmrclip.train import TrainConfig, train
from indexer.pairs import load_pairs

pytestmark = pytest.mark.slow  # trains on a real (small) archive


@pytest.fixture(scope="module")
def pairs(archive: Path, tmp_path_factory: pytest.TempPathFactory) -> PairSet:
    cache = tmp_path_factory.mktemp("clips")
    return load_pairs(archive, preprocess_for("tiny"), cache, workers=1)


def test_training_checkpoints_resumes_and_repeats(pairs: PairSet, tmp_path: Path) -> None:
    config = TrainConfig(out=tmp_path / "a", data="the test archive", epochs=2, batch_size=4,
                         validation=0.3, seed=3)
    first = train(config, pairs)
    assert (tmp_path / "a" / "last" / "weights.safetensors").exists()
    assert (tmp_path / "a" / "best" / "model_card.json").exists()
    again = train(TrainConfig(out=tmp_path / "b", epochs=2, batch_size=4, validation=0.3,
                              seed=3), pairs)
    assert [h.loss for h in again] == pytest.approx([h.loss for h in first], rel=1e-4)
    resumed = train(TrainConfig(out=tmp_path / "a", data="the test archive", epochs=3,
                                batch_size=4, validation=0.3, seed=3, resume=True), pairs)
    assert [h.epoch for h in resumed] == [0, 1, 2]
    card = json.loads((tmp_path / "a" / "last" / "model_card.json").read_text())
    assert card["training"]["split"] == "by patient" and card["training"]["seed"] == 3
    assert card["training"]["archive"] == "the test archive"
    # nothing saved, or saved with another architecture: it started afresh, or went on as the
    # saved one with the asked architecture ignored
    from cmrclip.train import check_resumable

    with pytest.raises(ValueError, match="nothing to resume"):
        check_resumable(TrainConfig(out=tmp_path / "c", resume=True))
    with pytest.raises(ValueError, match="saved with architecture 'tiny', not 'tiny-anatomy'"):
        check_resumable(TrainConfig(out=tmp_path / "a", arch="tiny-anatomy", resume=True))


def test_early_stopping_when_nothing_improves(pairs: PairSet, tmp_path: Path) -> None:
    history = train(TrainConfig(out=tmp_path, epochs=6, batch_size=4, validation=0.3, seed=3,
                                lr=0.0, patience=2), pairs)
    assert len(history) == 3  # the first epoch sets the best; two more without gain stop it


_TORCHRUN_SCRIPT = """
import json, sys
from pathlib import Path
import torch
from cmrclip.data import PairSet
from cmrclip.train import TrainConfig, train

torch.set_num_threads(1)
g = torch.Generator().manual_seed(0)
n = 8
pairs = PairSet([f"1.{i}" for i in range(n)], [f"p{i}" for i in range(n)],
                [f"report {i % 3}" for i in range(n)],
                torch.rand(n, 7, 16, 64, 64, generator=g).half(),
                torch.ones(n, 7, dtype=torch.bool),
                torch.rand(n, 2, 3, 64, 64, generator=g).half(),
                torch.ones(n, 2, dtype=torch.bool))
history = train(TrainConfig(out=Path(sys.argv[1]), epochs=6, batch_size=2, validation=0.25,
                            seed=3, lr=0.0, patience=1), pairs)
print(json.dumps({"rank": torch.distributed.get_rank(), "epochs": len(history)}))
torch.distributed.destroy_process_group()
"""


@pytest.mark.slow
def test_every_rank_stops_with_rank_zero(tmp_path: Path) -> None:
    """Under torchrun only rank 0 judges progress; the others must leave the loop with it
    (a rank that trained on would wait forever in the next all-reduce)."""
    script = tmp_path / "run.py"
    script.write_text(_TORCHRUN_SCRIPT)
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
             "--master-port", str(_free_port()), str(script), str(tmp_path / "out")],
            env=env, capture_output=True, text=True, timeout=240, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("a rank did not stop: the ranks disagree about early stopping")
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = [json.loads(m) for m in re.findall(r"\{[^}]*\}", done.stdout)]
    assert sorted(r["rank"] for r in ranks) == [0, 1]
    assert {r["epochs"] for r in ranks} == {2}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
