"""`cmr-search segment`: masks and measurements from the command line, errors in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes.segment import acdc_folder, tiny_checkpoint
from typer.testing import CliRunner

from cli.main import app


def test_segment_writes_masks_and_measurements(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMR_SEARCH_DATA_DIR", str(tmp_path / "data"))
    study = acdc_folder(tmp_path / "acdc")
    checkpoint = tiny_checkpoint(tmp_path / "ck")
    result = CliRunner().invoke(app, ["segment", str(study), "--out", str(tmp_path / "out"),
                                      "--checkpoint", str(checkpoint), "--no-tta"])
    assert result.exit_code == 0, result.output
    measurements = json.loads((tmp_path / "out" / "measurements.json").read_text())
    assert measurements and list((tmp_path / "out").glob("*_seg.nii.gz"))


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["segment", str(tmp_path / "nothing"), "--out",
                                      str(tmp_path / "out")])
    assert result.exit_code == 1 and "not a folder" in result.output
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(app, ["segment", str(tmp_path / "empty"), "--out",
                                      str(tmp_path / "out")])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1, result.output
