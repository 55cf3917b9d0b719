"""The command line: help for every subcommand, synth, montage, demo, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from cli.main import app, main

runner = CliRunner()


def test_help_lists_the_subcommands_and_each_has_help() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in ("synth", "demo"):
        assert name in result.output
        assert runner.invoke(app, [name, "--help"]).exit_code == 0


def test_the_command_line_starts_without_the_networks() -> None:
    """Every `cmr-search` call, `--help` too, imported torch, MONAI and torchio on its way
    (seven seconds on the 2-core machine); a command that needs them imports them."""
    import subprocess
    import sys

    code = ("import sys, cli.main; print(sorted(m for m in ('torch', 'monai', 'torchio', "
            "'transformers') if m in sys.modules))")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, cwd=Path(__file__).parents[2])
    assert found.stdout.strip() == "[]"


@pytest.mark.slow
def test_synth_then_montage(tmp_path: Path) -> None:
    out = tmp_path / "arch"
    result = runner.invoke(app, ["synth", str(out), "--studies", "1", "--seed", "3",
                                 "--report-format", "txt"])
    assert result.exit_code == 0, result.output
    record = json.loads((out / "ground_truth.jsonl").read_text().splitlines()[0])
    study = out / record["study_dir"]
    assert (study / "report.txt").exists()
    png = tmp_path / "montage.png"
    result = runner.invoke(app, ["synth", str(png), "--montage", str(study)])
    assert result.exit_code == 0, result.output
    with Image.open(png) as image:
        assert image.width > 600 and image.height > 600


def png_file(folder: Path) -> Path:
    path = folder / "taken.png"
    path.write_bytes(b"not a folder")
    return path


def test_bad_arguments_get_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["synth", str(tmp_path / "x"), "--report-format", "pdf"])
    assert result.exit_code == 2 and "use txt, jsonl, sr or mixed" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["synth", str(tmp_path / "m.png"), "--montage", str(empty)])
    assert result.exit_code == 1
    assert "no readable MR images" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["synth", str(png_file(tmp_path)), "--studies", "1"])
    assert result.exit_code == 1 and "is not a folder" in result.output
    # an archive written into another's folder mixed the two without a word
    result = runner.invoke(app, ["synth", str(tmp_path), "--studies", "1"])
    assert result.exit_code == 1 and "not empty; write an archive into a new or empty" \
        in result.output


@pytest.mark.parametrize(("argv", "line"), [
    (["query"], "error: cmr-search query: Missing argument 'text' (see 'cmr-search query "
                "--help')"),
    (["query", "x", "--limit", "many"], "error: cmr-search query: Invalid value for '--limit'"),
    (["nosuch"], "error: cmr-search: No such command 'nosuch' (see 'cmr-search --help')"),
    (["similar", "1.2", "--bogus"], "error: cmr-search similar: No such option: --bogus"),
])
def test_a_usage_error_is_one_line(argv: list[str], line: str, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Click drew a five-line box: usage, a hint, and the message framed."""
    monkeypatch.setattr("sys.argv", ["cmr-search", *argv])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(line) and err.count("\n") == 1, err


def test_a_usage_error_with_json_is_json_too(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.argv", ["cmr-search", "query", "--json"])
    with pytest.raises(SystemExit):
        main()
    assert "Missing argument 'text'" in json.loads(capsys.readouterr().out)["error"]


def test_no_arguments_shows_the_help(monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.argv", ["cmr-search"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    assert "Case-retrieval search" in capsys.readouterr().out


@pytest.mark.slow
def test_demo_builds_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMR_SEARCH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CMR_SEARCH_DEMO_STUDIES", "1")
    monkeypatch.setenv("CMR_SEARCH_WORKERS", "1")
    first = runner.invoke(app, ["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert (tmp_path / "demo-archive" / "ground_truth.jsonl").exists()
    assert (tmp_path / "index" / "CURRENT").exists()  # indexed with the demo checkpoint
    second = runner.invoke(app, ["demo", "--no-serve"])
    assert second.exit_code == 0 and "already built" in second.output
    assert "nothing to publish" in second.output


def test_ctrl_c_in_any_command_says_interrupted(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Outside the index run's own handler, Ctrl-C was exit 130 with nothing said."""
    import cli.synth

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.synth, "synthesize", interrupted)
    monkeypatch.setattr("sys.argv", ["cmr-search", "synth", "/nonexistent/x"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 130 and "interrupted" in capsys.readouterr().err


@pytest.mark.parametrize(("value", "reason"), [("", "empty: name a folder"),
                                               ("FILE", "is a file, not a folder")])
def test_a_data_dir_that_is_no_folder_is_one_line(
        value: str, reason: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Account commands, index and serve met a file as a NotADirectoryError traceback."""
    a_file = tmp_path / "f"
    a_file.write_text("x")
    monkeypatch.setenv("CMR_SEARCH_DATA_DIR", str(a_file) if value == "FILE" else value)
    monkeypatch.setattr("sys.argv", ["cmr-search", "users", "list"])
    with pytest.raises(SystemExit) as exit_:
        main()
    err = capsys.readouterr().err
    assert exit_.value.code == 1 and "CMR_SEARCH_DATA_DIR" in err and reason in err


@pytest.mark.parametrize("address", ["http://127.0.0.1:8042/dicom-web", "ftp://pacs/x",
                                     "wado://pacs"])
def test_a_pacs_url_without_its_scheme_says_how_to_write_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], address: str) -> None:
    """It said "http:/127.0.0.1:8042/dicom-web: not a folder" (and "ftp:/pacs/x")."""
    monkeypatch.setenv("CMR_SEARCH_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.argv", ["cmr-search", "index", address])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1
    assert "a PACS address starts with dicomweb+http(s)://" in capsys.readouterr().err


def test_a_misspelt_setting_is_warned_about_on_stderr(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The command runs, its JSON stays clean, and stderr names the misspelling."""
    monkeypatch.setenv("CMR_SEARCH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CMR_SEARCH_SECRETKEY", "x" * 40)
    monkeypatch.setattr("sys.argv", ["cmr-search", "stats", "--json"])
    with pytest.raises(SystemExit) as exit_:  # no index in it yet: stats says so, as JSON
        main()
    assert exit_.value.code == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["error"].startswith("no index yet")
    assert "CMR_SEARCH_SECRETKEY names no setting" in err
    assert "did you mean CMR_SEARCH_SECRET_KEY?" in err and "x" * 40 not in err


@pytest.mark.parametrize(("env", "line"), [
    ({"OIDC_ISSUER": "http://idp.hospital.example", "OIDC_CLIENT_ID": "c"},
     "error: setting CMR_SEARCH_OIDC_ISSUER: must be https (http only on loopback)"),
    ({"OIDC_ISSUER": "https://idp.hospital.example"},
     "error: setting CMR_SEARCH_OIDC_CLIENT_ID: required with CMR_SEARCH_OIDC_ISSUER")])
@pytest.mark.parametrize("argv", [["serve", "--port", "8763"], ["users", "list"]])
def test_an_identity_provider_set_wrong_is_one_line_at_once(
        env: dict[str, str], line: str, argv: list[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`serve` said an http issuer in a 67-line traceback after loading the index and the
    model; an issuer without a client ID turned provider sign-in off without a word."""
    import web.app

    def built(*args: object, **kwargs: object) -> None:
        raise AssertionError("the app was built before the settings were checked")

    monkeypatch.setattr(web.app, "create_app", built)
    monkeypatch.setenv("CMR_SEARCH_DATA_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(f"CMR_SEARCH_{name}", value)
    monkeypatch.setattr("sys.argv", ["cmr-search", *argv])
    with pytest.raises(SystemExit) as exit_:
        main()
    err = capsys.readouterr().err
    assert exit_.value.code == 1 and err.startswith(line) and len(err.splitlines()) <= 2
