"""`cmr-search segment`: masks and measurements from the command line, errors in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from fakes.segment import acdc_folder, tiny_checkpoint
from typer.testing import CliRunner

from cli.main import app
from segment.train import TrainRecipe


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

    def fake(study: Path, out: Path, checkpoint: Path, tta: bool = False,
             segmenter: object = None) -> object:
        seen.append(tta)
        assert getattr(segmenter, "tta", None) is tta  # the model loaded up front, as asked
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


def test_segment_takes_its_checkpoint_from_the_setting_and_refuses_a_bad_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`segment` ignored CMR_SEARCH_SEGMENTATION_CHECKPOINT (exit 0 with the shipped model
    when it named /nonexistent), which `index` honours and checks in one line."""
    from segment.checkpoint import WEIGHTS

    monkeypatch.setenv("CMR_SEARCH_DATA_DIR", str(tmp_path / "data"))
    study = acdc_folder(tmp_path / "acdc")
    chosen = tiny_checkpoint(tmp_path / "from-the-setting")
    damaged = tiny_checkpoint(tmp_path / "damaged")
    (damaged / WEIGHTS).write_bytes((damaged / WEIGHTS).read_bytes()[:100])
    for folder, reason in ((tmp_path / "nonexistent", "no such folder"),
                           (damaged, "SHA-256")):
        result = CliRunner().invoke(app, ["segment", str(study), "--out", str(tmp_path / "o")],
                                    env={"CMR_SEARCH_SEGMENTATION_CHECKPOINT": str(folder)})
        assert result.exit_code == 1, result.output
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert f"{folder}" in result.output and reason in result.output
        assert "CMR_SEARCH_SEGMENTATION_CHECKPOINT" in result.output
        assert not (tmp_path / "o" / "measurements.json").exists()
    result = CliRunner().invoke(app, ["segment", str(study), "--out", str(tmp_path / "out")],
                                env={"CMR_SEARCH_SEGMENTATION_CHECKPOINT": str(chosen)})
    assert result.exit_code == 0, result.output
    measured = json.loads((tmp_path / "out" / "measurements.json").read_text())
    assert measured["model"] == "from-the-setting"
    # --checkpoint still wins over the setting, and a bad one is named as such
    result = CliRunner().invoke(app, ["segment", str(study), "--out", str(tmp_path / "o"),
                                      "--checkpoint", str(tmp_path / "nothing")],
                                env={"CMR_SEARCH_SEGMENTATION_CHECKPOINT": str(chosen)})
    assert result.exit_code == 1 and f"{tmp_path / 'nothing'}" in result.output
    assert "--checkpoint" in result.output


def test_segment_help_says_its_checkpoint_comes_from_the_setting() -> None:
    result = CliRunner().invoke(app, ["segment", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "[default: the setting CMR_SEARCH_SEGMENTATION_CHECKPOINT, else the shipped one]" \
        in result.output


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


def _one_line(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    return result.output


def _no_training(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """`train_seg` replaced by a recorder of the folders it was asked to train into."""
    import cli.seg_recipes

    asked: list[Path] = []

    def record(out: Path, *args: object, **kwargs: object) -> Path:
        asked.append(out)
        return out

    monkeypatch.setattr(cli.seg_recipes, "train_seg", record)
    return asked


def test_train_seg_replaces_the_shipped_checkpoint_only_when_told(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without `--out` it trained into the checkpoint `segment` and `index` use."""
    from segment.paths import DEFAULT_CHECKPOINT

    monkeypatch.setenv("CMR_SEARCH_DATA_DIR", str(tmp_path / "data"))
    asked = _no_training(monkeypatch)
    before = {p.name: p.stat().st_mtime_ns for p in DEFAULT_CHECKPOINT.iterdir()}
    for out in ([], ["--out", str(DEFAULT_CHECKPOINT.parent / "." / DEFAULT_CHECKPOINT.name)]):
        output = _one_line(CliRunner().invoke(app, ["train-seg", *out]))
        assert "shipped checkpoint" in output and "--replace-shipped" in output
    assert asked == []
    result = CliRunner().invoke(app, ["train-seg", "--replace-shipped"])
    assert result.exit_code == 0, result.output
    assert asked == [DEFAULT_CHECKPOINT]
    result = CliRunner().invoke(app, ["train-seg", "--out", str(tmp_path / "ck")])
    assert result.exit_code == 0 and asked[-1] == tmp_path / "ck", result.output
    assert {p.name: p.stat().st_mtime_ns for p in DEFAULT_CHECKPOINT.iterdir()} == before


def test_train_seg_checks_its_out_folder_before_the_work(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An existing file, or a folder that cannot be made, was a traceback."""
    monkeypatch.setenv("CMR_SEARCH_DATA_DIR", str(tmp_path / "data"))
    asked = _no_training(monkeypatch)
    (tmp_path / "a file").write_text("not a folder")
    for out, reason in ((tmp_path / "a file", "exists and is not a folder"),
                        (tmp_path / "a file" / "below", "cannot make this folder"),
                        (Path("/proc/x/y"), "cannot make this folder")):
        output = _one_line(CliRunner().invoke(app, ["train-seg", "--out", str(out)]))
        assert f"{out}: {reason}" in output
    assert asked == []


def test_train_seg_never_replaces_a_folder_holding_anything_but_a_checkpoint(
        tmp_path: Path) -> None:
    """The run's end emptied OUT to move the new model in: `--out ~/models` lost every other
    run in it, `--out ..` the parent folder (a review)."""
    from cli.seg_recipes import train_seg
    from segment.checkpoint import CheckpointError

    models = tmp_path / "models"
    (models / "other-run").mkdir(parents=True)
    for out in (models, models / "other-run" / ".."):
        with pytest.raises(CheckpointError, match="holds files but no segmentation checkpoint"):
            train_seg(out, recipe=_tiny(1), fine_tunes=(), calibration_studies=0)
    assert (models / "other-run").is_dir()
    with pytest.raises(CheckpointError, match="not a checkpoint folder"):
        train_seg(Path("/"), recipe=_tiny(1), fine_tunes=(), calibration_studies=0)


def test_a_swap_killed_halfway_is_put_back_by_the_next_run(tmp_path: Path) -> None:
    from cli.seg_recipes import _checked_out

    out = tiny_checkpoint(tmp_path / "ck")
    out.rename(tmp_path / "ck.old")  # killed after the old model was moved aside
    assert _checked_out(tmp_path / "ck") == out and (out / "model.safetensors").is_file()


def test_train_seg_resume_with_nothing_saved_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It started from scratch, silently."""
    monkeypatch.setenv("CMR_SEARCH_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "ck"
    output = _one_line(CliRunner().invoke(app, ["train-seg", "--out", str(out), "--resume"]))
    assert f"nothing to resume in {out}; drop --resume" in output
    assert not (tmp_path / "ck.stage1").exists() and not (tmp_path / "ck.partial").exists()


def test_train_seg_from_damaged_weights_is_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMR_SEARCH_DATA_DIR", str(tmp_path / "data"))
    init = tiny_checkpoint(tmp_path / "init")
    weights = init / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    output = _one_line(CliRunner().invoke(app, ["train-seg", "--out", str(tmp_path / "ck"),
                                                "--init", str(init), "--no-fine-tunes"]))
    assert f"{weights}: SHA-256" in output


def test_train_seg_help_shows_the_iterations_default() -> None:
    """Rich took "[default: ...]" for markup and dropped it."""
    result = CliRunner().invoke(app, ["train-seg", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "[default: the recipe's, 8000]" in result.output


def _tiny(iterations: int) -> TrainRecipe:
    from segment.synth import SynthRecipe

    return TrainRecipe(config="sax-dynunet8", iterations=iterations, batch=2, warmup=1, reuse=2,
                       shuffle_buffer=2, workers=0, synth=SynthRecipe(crop=64))


class _StoppedError(Exception):
    """A run killed during its calibration."""


def test_a_stopped_run_leaves_the_model_in_place_and_resumes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A run killed during calibration left a 1-step uncalibrated model where `segment` read it.
    The last stage is made in `<out>.partial`, which replaces `out` once calibrated."""
    import logging

    import cli.seg_recipes
    from cli.seg_recipes import train_seg
    from phantom.labels import SlabRecipe

    out, partial = tmp_path / "ck", tmp_path / "ck.partial"
    slabs = SlabRecipe(size=80)
    train_seg(out, recipe=_tiny(1), slabs=slabs, fine_tunes=(), calibration_studies=0)
    assert json.loads((out / "model_card.json").read_text())["steps"] == 1
    assert not partial.exists()
    first = (out / "model.safetensors").read_bytes()

    def stop(folder: Path, studies: int) -> None:
        assert folder == partial  # the calibration reads the new weights, not `out`'s
        raise _StoppedError

    monkeypatch.setattr(cli.seg_recipes, "calibrate_seg", stop)
    with pytest.raises(_StoppedError):
        train_seg(out, recipe=_tiny(2), slabs=slabs, fine_tunes=(), calibration_studies=1)
    assert (out / "model.safetensors").read_bytes() == first  # untouched
    assert json.loads((partial / "model_card.json").read_text())["steps"] == 2
    monkeypatch.undo()
    with caplog.at_level(logging.INFO, logger="segment.train"):
        train_seg(out, resume=True, recipe=_tiny(2), slabs=slabs, fine_tunes=(),
                  calibration_studies=0)
    assert "resuming at step 2" in caplog.text  # found in `<out>.partial`
    assert json.loads((out / "model_card.json").read_text())["steps"] == 2
    assert not partial.exists()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="segment.train"):  # a longer run of a finished one
        train_seg(out, resume=True, recipe=_tiny(3), slabs=slabs, fine_tunes=(),
                  calibration_studies=0)
    assert "resuming at step 2" in caplog.text  # found in `out`
    card = json.loads((out / "model_card.json").read_text())
    assert card["steps"] == 3 and card["schedule_changes"] == [{"at_step": 2, "from": 2,
                                                                "to": 3}]


@pytest.mark.slow
def test_calibrate_seg_calibrates_an_uncalibrated_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run's checkpoint is refused until calibrated, and the calibration itself loads it
    (an untrained network finds no heart to fit on: the fit is stood in for)."""
    import segment.calibrate
    from segment.checkpoint import CheckpointError, load_checkpoint, update_card
    from segment.infer import Segmenter

    folder = tiny_checkpoint(tmp_path / "ck")
    update_card(folder, train_recipe={"iterations": 1}, steps=1)  # as `segment.train` writes
    with pytest.raises(CheckpointError, match="not calibrated"):
        load_checkpoint(folder)
    fitted: list[int] = []

    def fit(segmenter: Segmenter, studies: list[object], **kwargs: object) -> tuple[float, list[
            object]]:
        assert isinstance(segmenter, Segmenter) and not segmenter.tta
        assert not segmenter.offsets.any() and segmenter.config.name == "sax-dynunet8"
        fitted.append(len(studies))
        return 0.5, []

    monkeypatch.setattr(segment.calibrate, "fit_myocardium_offset", fit)
    result = CliRunner().invoke(app, ["calibrate-seg", "--checkpoint", str(folder),
                                      "--studies", "1"])
    assert result.exit_code == 0, result.output
    assert fitted == [1]
    card = load_checkpoint(folder)[2]
    assert card["calibration"]["log_prior_offsets"] == {"lv_myocardium": 0.5}


def test_a_bad_info_cfg_field_is_named_with_what_is_wrong(tmp_path: Path) -> None:
    """It said "Info.cfg: unreadable Info.cfg (ValueError)"."""
    study = acdc_folder(tmp_path / "acdc")
    info = study / "Info.cfg"
    info.write_text(info.read_text().replace("Height: 170.0", "Height: abc"))
    result = CliRunner().invoke(app, ["segment", str(study), "--out", str(tmp_path / "out")],
                                env={"CMR_SEARCH_DATA_DIR": str(tmp_path / "data"),
                                     "COLUMNS": "300"})
    assert f"error: {info}: Height 'abc' is not a number" in _one_line(result)


def test_one_frame_named_as_ed_and_es_is_one_line_and_no_measurement(tmp_path: Path) -> None:
    """It exited 0 with an LVEF of 0 % (flagged), where index refuses the study."""
    study = acdc_folder(tmp_path / "acdc")
    info = study / "Info.cfg"
    info.write_text(info.read_text().replace("ES: 5", "ES: 1"))
    result = CliRunner().invoke(app, ["segment", str(study), "--out", str(tmp_path / "out"),
                                      "--checkpoint", str(tiny_checkpoint(tmp_path / "ck"))],
                                env={"CMR_SEARCH_DATA_DIR": str(tmp_path / "data"),
                                     "COLUMNS": "300"})
    assert (f"error: {study}: Info.cfg names frame 1 as both ED and ES, so there is no cycle "
            "to measure") in _one_line(result)
    assert not (tmp_path / "out" / "measurements.json").exists()
