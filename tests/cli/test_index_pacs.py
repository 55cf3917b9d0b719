"""`cmr-search index` with a PACS address: one-line errors, and a run from a real Orthanc with
the demo model, with a skipped study's own line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fakes.orthanc import Orthanc, free_port
from fakes.pacs import FakePacs
from typer.testing import CliRunner

from cli.main import app
from reader.classify import named_other

runner = CliRunner()


def _env(data: Path) -> dict[str, str]:
    return {"CMR_SEARCH_DATA_DIR": str(data), "CMR_SEARCH_WORKERS": "1",
            "CMR_SEARCH_PACS_RETRIES": "1", "CMR_SEARCH_PACS_BACKOFF_S": "0",
            "CMR_SEARCH_PACS_RATE_LIMIT": "0"}


@pytest.mark.parametrize(("args", "message"), [
    (["dimse://host:104"], "dimse://AET@host:port"),
    (["dicomweb+https://u:secret@pacs/dicom-web"], "no credentials in the URL"),
    (["dicomweb+http://127.0.0.1:1/dicom-web", "--since", "2020-13-01"], "--since"),
    (["dicomweb+http://127.0.0.1:1/dicom-web", "--reports", "/no/such.jsonl"],
     "no such report export"),
    (["{tmp}", "--keep-dicom"], "apply to a PACS"),
    (["dicomweb+http://127.0.0.1:1/dicom-web", "--rebuild", "--since", "2020-01-01"],
     "would leave only the studies dated in that window"),
    (["dicomweb+http://127.0.0.1:1/dicom-web", "--keep-dicom", "--deidentify"],
     "a de-identified index"),
])
def test_bad_pacs_arguments_are_one_line(tmp_path: Path, args: list[str],
                                         message: str) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = runner.invoke(app, ["index", *args], env=_env(tmp_path / "data"))
    assert result.exit_code == 1 and message in result.output
    assert "Traceback" not in result.output and "secret" not in result.output


def test_an_unreachable_pacs_is_one_line(tmp_path: Path) -> None:
    address = f"dicomweb+http://127.0.0.1:{free_port()}/dicom-web"
    result = runner.invoke(app, ["index", address], env=_env(tmp_path / "data"))
    assert result.exit_code == 1
    where = address.removeprefix("dicomweb+http://").partition("/")[0]
    assert f"QIDO-RS studies: connection refused at {where} (after 2 tries)" in result.output
    # a nightly run that could not list the PACS left no trace in DATA_DIR/runs
    reports = list((tmp_path / "data" / "runs").glob("index-*.json"))
    assert len(reports) == 1 and str(reports[0].name) in result.output.replace("\n", "")
    report = json.loads(reports[0].read_text(encoding="utf-8"))
    assert report["completed"] is False and "connection refused at" in report["error"]


def test_a_pacs_host_that_does_not_resolve_fails_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It was tried 5 times over 30 s ("retry 4 of 4 in 8.0 s"), then said only
    "QIDO-RS studies: ConnectionError (after 5 tries)"."""
    import socket

    looked_up: list[str] = []

    def getaddrinfo(host: str, *args: object, **kwargs: object) -> object:
        looked_up.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    result = runner.invoke(app, ["index", "dicomweb+http://nosuchhost.invalid/dicom-web"],
                           env=_env(tmp_path / "data") | {"CMR_SEARCH_PACS_RETRIES": "4"})
    assert result.exit_code == 1 and looked_up == ["nosuchhost.invalid"]  # no retry
    said = result.output.replace("\n", "")
    assert "QIDO-RS studies: the host name 'nosuchhost.invalid' does not resolve" in said
    assert "tries" not in said and "Traceback" not in said


@pytest.mark.slow
def test_index_from_orthanc_with_the_demo_model(orthanc: Orthanc, pacs_archive: Path,
                                                tmp_path: Path) -> None:
    instances = FakePacs(pacs_archive).instances
    good, bad = sorted(instances)[:2]
    orthanc.upload([i.path for i in instances[good]])
    # the second study's cines are lost: only its localizers, scouts and maps reached the PACS
    orthanc.upload([i.path for i in instances[bad] if named_other(i.description)])
    env = _env(tmp_path / "data")
    result = runner.invoke(app, ["index", orthanc.dicomweb, "--keep-dicom"], env=env)
    assert result.exit_code == 0, result.output
    # a study with nothing to index is skipped, no failure, and not looked at again
    assert f"skipped {orthanc.dicomweb}/studies/{bad}: study has no cine series" in \
        result.stdout.replace("\n", "")
    again = runner.invoke(app, ["index", orthanc.dicomweb, "--keep-dicom"], env=env)
    assert again.exit_code == 0, again.output
    assert "found by an earlier run" in again.stdout.replace("\n", "")
    stats = json.loads(runner.invoke(app, ["stats", "--json"], env=env).stdout)
    assert stats["studies"] == 1 and stats["archive"] == orthanc.dicomweb
    assert list((tmp_path / "data" / "pacs-cache").rglob("*.dcm"))  # kept


def _through_fake(monkeypatch: pytest.MonkeyPatch, fake: FakePacs) -> None:
    """`cmr-search index dicomweb+...` reads the fake instead of a PACS on the network."""
    import pacs

    real = pacs.open_pacs
    monkeypatch.setattr(pacs, "open_pacs",
                        lambda *args, **kwargs: real(*args, **kwargs, client=fake))


@pytest.mark.slow
def test_a_pacs_that_fails_every_study_exits_1(pacs_archive: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """It listed its studies, then failed every fetch (down after listing, a wrong setting):
    the run ended with exit status 0 and a night's monitoring saw nothing."""
    fake = FakePacs(pacs_archive)
    fake.failing = set(fake.instances)
    _through_fake(monkeypatch, fake)
    env = _env(tmp_path / "data") | {"CMR_SEARCH_MEASURE": "false"}
    result = runner.invoke(app, ["index", "dicomweb+http://pacs/dicom-web", "--json"], env=env)
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["failed"] == 4 and summary["indexed"] == 0
    assert "none of the 4 studies the PACS listed could be brought" in summary["error"]
    assert "WADO-RS series: HTTP 503" in result.stderr and "Traceback" not in result.output
    fake.failing = {sorted(fake.instances)[0]}  # back up, one study still failing: no alarm
    again = runner.invoke(app, ["index", "dicomweb+http://pacs/dicom-web", "--json"], env=env)
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout.strip().splitlines()[-1])["indexed"] == 3


@pytest.mark.slow
def test_a_pacs_outage_counts_failed_not_skipped(pacs_archive: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The PACS went down midway: the table read "skipped │ 3" with no failed row, and the
    run report "failed": 3, "skipped": 3 with every reason under skipped_by_reason."""
    fake = FakePacs(pacs_archive)
    down, brain = sorted(fake.instances)[:2]
    fake.failing = {down}
    # the other's cines never reached the PACS: it holds nothing to index, a true skip
    fake.instances[brain] = [i for i in fake.instances[brain] if named_other(i.description)]
    _through_fake(monkeypatch, fake)
    env = _env(tmp_path / "data") | {"CMR_SEARCH_MEASURE": "false"}
    result = runner.invoke(app, ["index", "dicomweb+http://pacs/dicom-web"], env=env)
    assert result.exit_code == 0, result.output  # some failures among successes: no alarm
    out = result.stdout
    assert re.search(r"│ failed\s+│ 1 ", out) and re.search(r"│ skipped\s+│ 1 ", out)
    assert "failed      1  WADO-RS series" in out
    assert "skipped     1  study has no cine series" in out and "skipped     1  WADO" not in out
    assert f"failed  {fake.location}/studies/{down}: WADO-RS series" in out.replace("\n", "")
    report = json.loads(next((tmp_path / "data" / "runs").glob("index-*.json")).read_text())
    assert (report["indexed"], report["failed"], report["skipped"]) == (2, 1, 1)
    assert report["failed_by_reason"] == {"WADO-RS series": 1}
    assert report["skipped_by_reason"] == {
        "study has no cine series (from the PACS metadata)": 1}
