"""`cmr-search index` and `stats` from the terminal: JSON summaries and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalog import INDEX_VERSION
from cli.main import app

pytestmark = pytest.mark.slow  # indexes or trains with a real archive

runner = CliRunner()


def test_index_json_then_stats_json(archive: Path, tmp_path: Path) -> None:
    env = {"CMR_SEARCH_DATA_DIR": str(tmp_path / "data"), "CMR_SEARCH_WORKERS": "1"}
    empty = runner.invoke(app, ["stats", "--json"], env=env)  # says so, as `query` does
    assert empty.exit_code == 1, empty.output
    assert json.loads(empty.stdout)["error"].startswith("no index yet; run `cmr-search index")
    result = runner.invoke(app, ["index", str(archive), "--json"], env=env)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["indexed"] >= 4 and summary["unchanged"] == 0
    assert summary["skipped"] == sum(summary["skipped_by_reason"].values()) > 0
    assert summary["seconds"] > 0 and "encode" in summary["stages"]
    assert list((tmp_path / "data" / "runs").glob("index-*.json"))
    stats = json.loads(runner.invoke(app, ["stats", "--json"], env=env).stdout)
    assert stats["studies"] == summary["indexed"]
    assert stats["index_version"] == INDEX_VERSION
    assert stats["model"]["architecture"] == "tiny-anatomy"
    assert len(stats["model"]["weights_sha256"]) == 64
    assert stats["warnings"] == []  # measured by this version
    table = runner.invoke(app, ["stats"], env=env)
    assert table.exit_code == 0 and "studies" in table.stdout and "measured by" in table.stdout


def test_index_errors_are_one_line(tmp_path: Path) -> None:
    env = {"CMR_SEARCH_DATA_DIR": str(tmp_path / "data")}
    missing = runner.invoke(app, ["index", str(tmp_path / "nope")], env=env)
    assert missing.exit_code == 1
    assert "not a folder" in missing.output and len(missing.output.strip().splitlines()) == 1
    bad_engine = runner.invoke(app, ["index", str(tmp_path), "--ray-address", "auto"], env=env)
    assert bad_engine.exit_code == 1 and "--engine ray" in bad_engine.output
    no_model = runner.invoke(app, ["index", str(tmp_path)],
                             env={**env, "CMR_SEARCH_CHECKPOINT": str(tmp_path)})
    assert no_model.exit_code == 1 and "model_card.json" in no_model.output


def test_a_bad_setting_is_one_line_and_local_mode_is_not_a_url(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stats"], env={"CMR_SEARCH_DATA_DIR": str(tmp_path),
                                                "CMR_SEARCH_QDRANT_URL": ":memory:"})
    assert result.exit_code == 1
    assert "CMR_SEARCH_QDRANT_URL" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_deidentified_runs_report_names_no_folder(archive: Path, tmp_path: Path) -> None:
    """The run report in the data folder listed each skipped study and file by its path, and
    an archive's folders are often named after the patient."""
    import shutil

    named = tmp_path / "DOE_JOHN_PID123999"
    shutil.copytree(archive, named)
    env = {"CMR_SEARCH_DATA_DIR": str(tmp_path / "data"), "CMR_SEARCH_WORKERS": "1",
           "CMR_SEARCH_MEASURE": "false", "COLUMNS": "300"}
    result = runner.invoke(app, ["index", str(named), "--deidentify"], env=env)
    assert result.exit_code == 0, result.output
    assert "DOE_JOHN" in result.stdout  # the operator's terminal shows where
    (report,) = (tmp_path / "data" / "runs").glob("index-*.json")
    kept = json.loads(report.read_text())
    assert kept["skipped_items"] and "DOE" not in report.read_text()
    assert {i["path"].split(" ")[0] for i in kept["skipped_items"]} <= {"study", "a"}
    # the log's [uid] filter ends with the run: it stayed on the handlers of the process
    import logging

    assert not any(f for h in logging.getLogger().handlers for f in h.filters
                   if type(f).__name__ == "UidRedactor")


@pytest.mark.parametrize("deidentify", [False, True])
def test_a_run_stopped_by_an_unreadable_file_leaves_a_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deidentify: bool) -> None:
    """A file the run could not read (an archive on a stale network share) stopped it with one
    line and no trace in DATA_DIR/runs, as a PACS that did not answer no longer does; a
    de-identified run's report leaves out the file's path (a folder may hold a name)."""
    folder = tmp_path / "archive" / "DOE^JANE"
    folder.mkdir(parents=True)

    def unreadable(*args: object, **kwargs: object) -> object:
        raise OSError(116, "Stale file handle", str(folder / "1.dcm"))

    monkeypatch.setattr("indexer.pipeline.run_index", unreadable)
    env = {"CMR_SEARCH_DATA_DIR": str(tmp_path / "data"), "CMR_SEARCH_MEASURE": "false"}
    args = ["index", str(tmp_path / "archive"), *(["--deidentify"] if deidentify else [])]
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Stale file handle (no index was published yet)" in result.output
    (report,) = (tmp_path / "data" / "runs").glob("index-*.json")
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["completed"] is False and "Stale file handle" in written["error"]
    assert ("DOE^JANE" in written["error"]) is not deidentify


def test_an_archive_typed_relative_is_stored_absolute_and_matches_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`cd /tmp/x; index synth`, then `index /tmp/x/synth`, embedded it all again, and `stats`
    (and the web server's upload folder) said `synth`, wherever they ran."""
    from fakes.segment import acdc_folder

    acdc_folder(tmp_path / "synth")
    env = {"CMR_SEARCH_DATA_DIR": str(tmp_path / "data"), "CMR_SEARCH_WORKERS": "1",
           "CMR_SEARCH_MEASURE": "false"}
    monkeypatch.chdir(tmp_path)
    first = runner.invoke(app, ["index", "synth", "--json"], env=env)
    assert first.exit_code == 0, first.output
    monkeypatch.chdir(tmp_path / "data")
    stats = json.loads(runner.invoke(app, ["stats", "--json"], env=env).stdout)
    assert stats["archive"] == str(tmp_path / "synth")
    again = runner.invoke(app, ["index", str(tmp_path / "synth"), "--json"], env=env)
    assert again.exit_code == 0, again.output  # all unchanged is no empty archive
    summary = json.loads(again.stdout)
    assert (summary["indexed"], summary["unchanged"]) == (0, 1)


def test_a_folder_with_no_study_fails_and_leaves_the_index(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty, mistyped or unmounted archive exited 0 with "indexed 0": a nightly job's
    monitoring saw nothing wrong."""
    from fakes.segment import acdc_folder

    acdc_folder(tmp_path / "archive")
    env = {"CMR_SEARCH_DATA_DIR": str(tmp_path / "data"), "CMR_SEARCH_WORKERS": "1",
           "CMR_SEARCH_MEASURE": "false", "COLUMNS": "300"}
    assert runner.invoke(app, ["index", str(tmp_path / "archive")], env=env).exit_code == 0
    before = runner.invoke(app, ["stats", "--json"], env=env).stdout
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "notes.txt").write_text("no study")
    for folder, said in (("empty", "it holds no file to read"),
                         ("junk", "skipped 1: 1 text file that is no study's report")):
        (tmp_path / folder).mkdir(exist_ok=True)
        result = runner.invoke(app, ["index", str(tmp_path / folder)], env=env)
        assert result.exit_code == 1, result.output
        line = f"{tmp_path / folder}: no DICOM or NIfTI study found ({said}); the index is left"
        assert f"error: {line}" in result.output and "Traceback" not in result.output
    assert runner.invoke(app, ["stats", "--json"], env=env).stdout == before


def test_a_blank_nifti_is_a_skip_naming_its_file_and_its_earlier_record_stays(
        tmp_path: Path) -> None:
    """An all-zero (or one-value) volume was indexed and measured as LVEDV 0 ml, flagged:
    it is refused, counted with the run's skips, and what the index held of it is kept."""
    import nibabel as nib
    import numpy as np
    from fakes.segment import acdc_folder

    def blank(folder: Path, value: float) -> Path:
        path = folder / f"{folder.name}_frame01.nii.gz"
        image = nib.load(path)
        nib.save(nib.Nifti1Image(np.full(image.shape, value, np.float32), image.affine), path)
        return path

    archive = tmp_path / "archive"
    for patient in ("patient901", "patient902", "patient903"):
        acdc_folder(archive, patient)
    blank(archive / "patient903", 7.0)
    env = {"CMR_SEARCH_DATA_DIR": str(tmp_path / "data"), "CMR_SEARCH_WORKERS": "1",
           "CMR_SEARCH_MEASURE": "false", "COLUMNS": "300"}
    first = json.loads(runner.invoke(app, ["index", str(archive), "--json"], env=env).stdout)
    assert (first["indexed"], first["skipped"], first["studies_in_index"]) == (2, 1, 2)
    assert first["skipped_by_reason"] == {"the image is blank (every voxel 7)": 1}
    (report,) = (tmp_path / "data" / "runs").glob("index-*.json")
    assert json.loads(report.read_text(encoding="utf-8"))["skipped_items"] == [{
        "path": str(archive / "patient903"), "study": "acdc-patient903",
        "reason": "the image is blank (every voxel 7): patient903_frame01.nii.gz"}]
    blank(archive / "patient902", 0.0)  # indexed before: a blank copy loses it nothing
    again = runner.invoke(app, ["index", str(archive)], env=env)
    assert again.exit_code == 0, again.output
    assert (f"skipped {archive / 'patient902'}: the image is blank (every voxel 0): "
            "patient902_frame01.nii.gz") in again.output
    stats = json.loads(runner.invoke(app, ["stats", "--json"], env=env).stdout)
    assert stats["studies"] == 2


def test_a_second_run_is_refused_in_one_line_into_a_server_as_into_the_embedded_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs into a Qdrant server took no lock: a second one started beside the first, on the
    same records folder, where an embedded store's second run was refused in one line."""
    from contextlib import AbstractContextManager

    from fakes.segment import acdc_folder
    from fakes.server import memory_server

    from cmr_search.layout import DataLayout
    from indexer.pipeline import one_run
    from vectorstore import Generations

    acdc_folder(tmp_path / "archive")
    data = tmp_path / "data"
    env = {"CMR_SEARCH_DATA_DIR": str(data), "CMR_SEARCH_MEASURE": "false", "COLUMNS": "300"}

    def refusal(first_run: AbstractContextManager[None]) -> str:
        with first_run:
            result = runner.invoke(app, ["index", str(tmp_path / "archive")], env=env)
        assert result.exit_code == 1 and "Traceback" not in result.output
        [line] = result.output.strip().splitlines()
        return line

    embedded = refusal(Generations(data / "index").lock())
    monkeypatch.setattr("vectorstore.factory.index_target",
                        lambda settings: memory_server("studies"))
    server = refusal(one_run(DataLayout(data)))
    for line, where in ((embedded, data / "index"), (server, data)):
        assert line.startswith(f"error: {where}: another index run is in progress (run report: ")
    assert not list((data / "embeddings").rglob("*.npz"))  # neither wrote a record


def test_a_4d_cine_with_blank_frames_is_a_skip_naming_them_and_its_earlier_record_stays(
        tmp_path: Path) -> None:
    """A wholly blank NIfTI was refused, a 4D cine with some blank frames indexed (those
    frames read as a heart of 0 ml); now refused as the blank file is, and what the index held
    of the study before is kept."""
    import nibabel as nib
    import numpy as np
    from fakes.segment import acdc_folder

    archive = tmp_path / "archive"
    for patient in ("patient901", "patient902"):
        folder = acdc_folder(archive, patient)
        ed, es = (nib.load(folder / f"{patient}_frame{n:02d}.nii.gz") for n in (1, 5))
        frames = [np.asarray(ed.dataobj) * (1 - t) + np.asarray(es.dataobj) * t
                  for t in (0.0, 0.25, 0.5, 0.75, 1.0)]
        nib.save(nib.Nifti1Image(np.stack(frames, axis=-1).astype(np.float32), ed.affine),
                 folder / f"{patient}_4d.nii.gz")
    env = {"CMR_SEARCH_DATA_DIR": str(tmp_path / "data"), "CMR_SEARCH_WORKERS": "1",
           "CMR_SEARCH_MEASURE": "false", "COLUMNS": "300"}
    first = json.loads(runner.invoke(app, ["index", str(archive), "--json"], env=env).stdout)
    assert (first["indexed"], first["studies_in_index"]) == (2, 2)
    cine = archive / "patient902" / "patient902_4d.nii.gz"
    image = nib.load(cine)
    data = np.asarray(image.dataobj, dtype=np.float32).copy()
    data[..., [1, 3]] = 0.0  # frames 2 and 4
    nib.save(nib.Nifti1Image(data, image.affine, image.header), cine)
    again = runner.invoke(app, ["index", str(archive)], env=env)
    assert again.exit_code == 0, again.output
    assert (f"skipped {archive / 'patient902'}: blank frames in the 4D cine: 2 and 4 of 5 "
            "(every voxel 0); a cine with blank frames gives no volume curve: "
            "patient902_4d.nii.gz") in again.output
    stats = json.loads(runner.invoke(app, ["stats", "--json"], env=env).stdout)
    assert stats["studies"] == 2


def test_a_second_run_is_refused_before_it_loads_the_model(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second run waited ~20 s for its model to load before the first run's lock refused
    it."""
    from cmr_search.layout import DataLayout
    from indexer.pipeline import one_run

    (tmp_path / "archive").mkdir()
    data = tmp_path / "data"
    loaded: list[object] = []
    monkeypatch.setattr("cmrclip.inference.Encoder.from_checkpoint",
                        lambda *args: loaded.append(args))
    env = {"CMR_SEARCH_DATA_DIR": str(data), "CMR_SEARCH_MEASURE": "false", "COLUMNS": "300"}
    with one_run(DataLayout(data)):
        result = runner.invoke(app, ["index", str(tmp_path / "archive")], env=env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"error: {data}: another index run is in progress (run report: " in result.output
    assert loaded == []


@pytest.mark.parametrize("published", [False, True])
def test_a_full_disk_says_whether_an_index_was_published(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, published: bool) -> None:
    """`ulimit -f 200` on a fresh data folder: "index run: File too large (the index already
    published is unchanged)", of an index that did not exist."""
    import errno

    from vectorstore.generations import CURRENT

    (tmp_path / "archive").mkdir()
    data = tmp_path / "data"
    if published:
        (data / "index" / "gen-1").mkdir(parents=True)
        (data / "index" / CURRENT).write_text(json.dumps({"generation": "gen-1"}))

    def too_large(*args: object, **kwargs: object) -> object:
        raise OSError(errno.EFBIG, "File too large")

    monkeypatch.setattr("indexer.pipeline.run_index", too_large)
    env = {"CMR_SEARCH_DATA_DIR": str(data), "CMR_SEARCH_MEASURE": "false", "COLUMNS": "300"}
    result = runner.invoke(app, ["index", str(tmp_path / "archive")], env=env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    said = "the index already published is unchanged" if published else \
        "no index was published yet"
    assert f"error: index run: File too large ({said}) (run report: " in result.output
