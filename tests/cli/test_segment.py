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


def test_segment_measures_as_the_index_does_unless_flips_are_asked_for(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import segment.commands
    from segment.io import StudyReadError

    seen: list[bool] = []

    def fake(study: Path, out: Path, checkpoint: Path, tta: bool = False) -> object:
        seen.append(tta)
        raise StudyReadError(f"{study}: stopped here")

    monkeypatch.setattr(segment.commands, "segment_study", fake)
    (tmp_path / "study").mkdir()
    for extra in ([], ["--tta"]):
        result = CliRunner().invoke(app, ["segment", str(tmp_path / "study"), "--out",
                                          str(tmp_path / "out"), *extra])
        assert result.exit_code == 1 and "stopped here" in result.output
    assert seen == [False, True]


def test_segment_study_builds_its_segmenter_without_flips_unless_asked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import segment.commands
    from segment.io import StudyReadError

    built: list[bool] = []

    class Spy:
        def __init__(self, checkpoint: Path, tta: bool = True) -> None:
            built.append(tta)
            raise StudyReadError("stopped here")

    monkeypatch.setattr(segment.commands, "Segmenter", Spy)
    for kwargs in ({}, {"tta": True}):
        with pytest.raises(StudyReadError):
            segment.commands.segment_study(tmp_path, tmp_path / "out", tmp_path, **kwargs)
    assert built == [False, True]


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["segment", str(tmp_path / "nothing"), "--out",
                                      str(tmp_path / "out")])
    assert result.exit_code == 1 and "not a folder" in result.output
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(app, ["segment", str(tmp_path / "empty"), "--out",
                                      str(tmp_path / "out")])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1, result.output


def test_an_out_folder_that_cannot_be_written_fails_in_one_line_before_the_work(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It was a traceback, and only after the whole segmentation."""
    import segment.commands

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("segmented before the output folder was checked")

    monkeypatch.setattr(segment.commands, "segment_study", never)
    (tmp_path / "study").mkdir()
    (tmp_path / "a file").write_text("not a folder")
    for out, reason in ((tmp_path / "a file", "exists and is not a folder"),
                        (tmp_path / "a file" / "below", "cannot make this folder")):
        result = CliRunner().invoke(app, ["segment", str(tmp_path / "study"), "--out", str(out)])
        assert result.exit_code == 1 and reason in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1, result.output


def test_train_seg_runs_every_stage_and_one_card_tells_them(tmp_path: Path) -> None:
    from cli.seg_recipes import train_seg
    from phantom.labels import SlabRecipe
    from segment.synth import SynthRecipe
    from segment.train import TrainRecipe

    tiny = TrainRecipe(config="sax-dynunet8", iterations=2, batch=2, warmup=1, reuse=2,
                       shuffle_buffer=2, workers=0, synth=SynthRecipe(crop=64))
    fine = TrainRecipe(**{**tiny.__dict__, "iterations": 1,
                          "synth": SynthRecipe(crop=64, p_random_contrast=0.2)})
    dense = TrainRecipe(**{**tiny.__dict__, "iterations": 3, "lr": 5e-4})
    out = train_seg(tmp_path / "ck", recipe=tiny, slabs=SlabRecipe(size=80),
                    fine_tunes=((fine, SlabRecipe(size=80)),
                                (dense, SlabRecipe(size=80, p_dense_trabeculae=1.0))),
                    calibration_studies=0)
    card = json.loads((out / "model_card.json").read_text())
    assert card["steps"] == 3 and card["label_recipe"]["p_dense_trabeculae"] == 1.0
    assert card["inference"]["spacing_mm"] == 1.2  # the grid real cine is presented at
    first, second = card["earlier_stages"]
    assert first["steps"] == 2 and first["train_recipe"]["synth"]["p_random_contrast"] == 0.5
    assert second["steps"] == 1 and second["train_recipe"]["synth"]["p_random_contrast"] == 0.2
    assert second["initialised_from"] == str(tmp_path / "ck.stage1")
    for k in (1, 2):
        assert (tmp_path / f"ck.stage{k}" / "model.safetensors").is_file()


def test_a_header_nibabel_fixes_on_loading_gives_only_our_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    """nibabel printed its fix of a zero pixdim twice (its own handler, then the root logger)
    before the error line; the header as written is checked by the reader itself."""
    import logging

    from fakes.nifti import write_pixdim

    nibabel_logger = logging.getLogger("nibabel.global")  # as nibabel leaves it on import
    monkeypatch.setattr(nibabel_logger, "handlers", [logging.StreamHandler()])
    monkeypatch.setattr(nibabel_logger, "level", logging.NOTSET)
    monkeypatch.setenv("CMR_SEARCH_DATA_DIR", str(tmp_path / "data"))
    study = acdc_folder(tmp_path / "acdc")
    write_pixdim(study / "patient901_frame01.nii.gz", (0.0, 0.0, 10.0))
    result = CliRunner().invoke(app, ["segment", str(study), "--out", str(tmp_path / "out"),
                                      "--checkpoint", str(tiny_checkpoint(tmp_path / "ck"))])
    captured = capfd.readouterr()
    assert result.exit_code == 1 and "pixel spacing 0 x 0 mm" in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "should be non-zero" not in captured.err + captured.out + result.output
