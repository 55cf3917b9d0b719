"""`cmr-search stats`: what the index holds, said without None, credentials or guesses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def test_stats_of_a_server_collection_show_no_none(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Qdrant server has no generations and may lack what an embedded index records: the
    table said "generation  None", "built  None"."""
    from typer.testing import CliRunner

    import cli.stats
    from cli.main import app

    server = {"store": "Qdrant at http://qdrant:6333, collection cmr", "studies": 3,
              "index_version": 7, "model": None, "generation": None, "built": None,
              "archive": None, "by_vendor": {"SIEMENS": 3}, "segmentation_model": None,
              "warnings": []}
    monkeypatch.setattr(cli.stats, "index_stats", lambda settings: server)
    result = CliRunner().invoke(app, ["stats"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "None" not in result.stdout and "generation" not in result.stdout
    assert "SIEMENS" in result.stdout


def test_stats_name_every_archive_the_index_holds(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    """After a PACS and then a folder were indexed into one data folder, `stats` named the
    folder alone: the index recorded the last run's archive only."""
    from typer.testing import CliRunner

    import cli.stats
    from cli.main import app

    pacs, folder = "dicomweb+http://pacs/dicom-web", "/data/folder"
    seen: list[dict[str, object]] = []
    monkeypatch.setattr(cli.stats, "_live_counts", lambda store: {"studies": 2})
    for metadata, named in (({"index_version": 7, "archive": folder,
                              "archives": [pacs, folder]}, [("archives", pacs), ("", folder)]),
                            ({"index_version": 7, "archive": folder},  # an older index
                             [("archive", folder)])):
        monkeypatch.setattr("vectorstore.factory.open_index",
                            lambda settings, m=metadata: _Store(m))
        env = {"CMR_SEARCH_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
        shown = CliRunner().invoke(app, ["stats"], env=env)
        assert shown.exit_code == 0, shown.output
        rows = [[cell.strip() for cell in line.strip()[1:-1].split("│")]
                for line in shown.stdout.splitlines() if line.startswith("│")]
        start = rows.index(list(named[0]))
        assert rows[start:start + len(named)] == [list(row) for row in named]
        seen.append(json.loads(CliRunner().invoke(app, ["stats", "--json"], env=env).stdout))
    assert [s["archives"] for s in seen] == [[pacs, folder], [folder]]


class _Store:
    """An index as `stats` reads it: its metadata, and nothing to close."""

    def __init__(self, metadata: dict[str, object]) -> None:
        self.metadata = lambda: metadata

    def close(self) -> None:
        pass


def test_stats_never_show_an_addresss_password(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    """An index written before an address with credentials was refused kept it as typed, and
    `stats` showed it, password and all."""
    from typer.testing import CliRunner

    import cli.stats
    from cli.main import app

    typed = "dicomweb+https://bob:s3cret@pacs/dicom-web"
    monkeypatch.setattr(cli.stats, "_live_counts", lambda store: {"studies": 2})
    monkeypatch.setattr("vectorstore.factory.open_index",
                        lambda settings: _Store({"index_version": 7, "archive": typed}))
    env = {"CMR_SEARCH_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    for args in (["stats"], ["stats", "--json"]):
        shown = CliRunner().invoke(app, args, env=env)
        assert shown.exit_code == 0, shown.output
        assert "s3cret" not in shown.output and "dicomweb+https://pacs/dicom-web" in shown.output


class _Counted(_Store):
    """An index of three studies, counted live."""

    def count(self, where: object = None) -> int:
        return 3

    def facet(self, key: str, where: object = None) -> dict[str, int]:
        return {}


def test_stats_say_which_model_measured_how_many_of_the_studies(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every study is published with one model's measurements or none: a model that measured
    two of three studies (the third indexed by a run that did not measure) was named as if it
    had measured them all."""
    from typer.testing import CliRunner

    from cli.main import app

    env = {"CMR_SEARCH_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    for measured, said in (
            ({"segmentation_model": "sax-m19", "unmeasured_studies": 1},
             "sax-m19 (2 of 3 studies)"),
            ({"segmentation_model": "sax-m19", "unmeasured_studies": 0}, "sax-m19"),
            ({"segmentation_model": None, "unmeasured_studies": None}, "-"),
            ({}, "-")):  # an index built before measurements
        metadata = {"index_version": 7, **measured}
        monkeypatch.setattr("vectorstore.factory.open_index",
                            lambda settings, m=metadata: _Counted(m))
        shown = CliRunner().invoke(app, ["stats"], env=env)
        assert shown.exit_code == 0, shown.output
        rows = [[cell.strip() for cell in line.strip()[1:-1].split("│")]
                for line in shown.stdout.splitlines() if line.startswith("│")]
        assert ["measured by", said] in rows
        as_json = json.loads(CliRunner().invoke(app, ["stats", "--json"], env=env).stdout)
        assert as_json["segmentation_model"] == measured.get("segmentation_model")


def test_stats_of_a_data_folder_without_an_index_fail_as_query_does(tmp_path: Path) -> None:
    """A mistyped CMR_SEARCH_DATA_DIR showed "studies 0" and exited 0, while `query` on it
    said there is no index yet: `stats` says so too, exits 1, and creates no folder."""
    from typer.testing import CliRunner

    from cli.main import app

    missing = tmp_path / "nonexistent-typo"
    for args in (["stats"], ["stats", "--json"]):
        result = CliRunner().invoke(app, args, env={"COLUMNS": "300",
                                                    "CMR_SEARCH_DATA_DIR": str(missing)})
        assert result.exit_code == 1, result.output
        assert "no index yet; run `cmr-search index ARCHIVE`" in result.output
        assert "studies" not in result.stdout.replace("Edge store", "")
        assert not missing.exists()
    assert json.loads(result.stdout.splitlines()[-1])["error"].startswith("no index yet")


def test_stats_and_query_say_no_index_in_one_text(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """`stats` kept a copy of the readiness check's "no index yet" line: one changed, the
    other did not. It says the readiness check's own text."""
    from typer.testing import CliRunner

    import search.readiness
    from cli.main import app

    monkeypatch.setattr(search.readiness, "NO_INDEX", "no index here; run the indexer")
    result = CliRunner().invoke(app, ["stats"], env={"CMR_SEARCH_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 1 and "no index here; run the indexer" in result.output
