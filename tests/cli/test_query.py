"""`cmr-search query` and `similar` over a real index: JSON shape, tables, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app

pytestmark = pytest.mark.slow  # indexes or trains with a real archive

runner = CliRunner()


def test_query_and_similar_json(indexed_data: Path) -> None:
    env = {"CMR_SEARCH_DATA_DIR": str(indexed_data)}
    result = runner.invoke(app, ["query", "dilated LV", "--json", "--limit", "3",
                                 "--all-studies"], env=env)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["versions"]["model"].startswith("tiny-") and body["versions"]["index"]
    results = body["results"]
    assert 1 <= len(results) <= 3
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    # a finding ruled out keeps out every study that the report or the images say has it (the
    # session archive's two normal studies are the ones without LGE)
    ruled = runner.invoke(app, ["query", "no LGE", "--json", "--all-studies"], env=env)
    assert ruled.exit_code == 0, ruled.output
    ruled_body = json.loads(ruled.stdout)
    assert ruled_body["interpretation"]["ruled_out"] == ["lge"] and ruled_body["results"]
    assert all("lge" not in r["report_findings"] and "lge" not in r["image_findings"]
               for r in ruled_body["results"])
    uid = results[0]["study_instance_uid"]
    similar = runner.invoke(app, ["similar", uid, "--json"], env=env)
    assert similar.exit_code == 0, similar.output
    others = json.loads(similar.stdout)["results"]
    assert others and uid not in {r["study_instance_uid"] for r in others}
    table = runner.invoke(app, ["query", "LGE", "--mode", "images", "-f", "report=present"],
                          env=env)
    assert table.exit_code == 0 and "results" in table.stdout


def test_query_errors_are_one_line(indexed_data: Path, tmp_path: Path) -> None:
    env = {"CMR_SEARCH_DATA_DIR": str(indexed_data)}
    for args, message in ((["query", "LGE", "-f", "colour=red"], "unknown filter"),
                          (["query", "   "], "empty query"),
                          (["similar", "1.2.3"], "not in the index"),
                          (["similar", "1.2.3", "--view", "5ch"], "unknown view"),
                          # Rich read "[/x]" as markup and crashed with a traceback
                          (["similar", "[/x]"], "study [/x] is not in the index"),
                          # pydantic's errors: a traceback, or a line that was only a URL
                          (["similar", ""], "positive.0: String should have at least 1"),
                          (["query", "LV " * 200], "q: the query is over 500 characters"),
                          # the second range silently replaced the first
                          (["query", "LV", "-f", "lvef=..35", "-f", "lvef=60.."], "twice"),
                          (["query", "LV", "-f", "age=.."], "expected LOW..HIGH")):
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 1, args
        assert message in result.output and len(result.output.strip().splitlines()) == 1, args
    missing = tmp_path / "nowhere"
    empty = runner.invoke(app, ["query", "LGE"], env={"CMR_SEARCH_DATA_DIR": str(missing)})
    assert empty.exit_code == 1 and "no index" in empty.output
    assert str(missing / "index") in empty.output.replace("\n", "")  # which folder it read
    assert not missing.exists()  # the text encoder was exported there (88 MB) before


def test_json_errors_are_json(indexed_data: Path) -> None:
    env = {"CMR_SEARCH_DATA_DIR": str(indexed_data)}
    found = json.loads(runner.invoke(app, ["query", "LV", "--json", "--limit", "1",
                                           "--all-studies"], env=env).stdout)
    uid = found["results"][0]["study_instance_uid"]
    both = runner.invoke(app, ["similar", uid, "--unlike", uid, "--json"], env=env)
    assert both.exit_code == 1
    assert "both 'more like' and 'less like'" in json.loads(both.stdout)["error"]


def test_image_score_min_alone_is_refused_in_one_line(tmp_path: Path) -> None:
    """`-f image_score_min=0.99` alone was ignored: 50 of 50 studies came back."""
    env = {"CMR_SEARCH_DATA_DIR": str(tmp_path)}
    result = runner.invoke(app, ["query", "heart", "-f", "image_score_min=0.99"], env=env)
    assert result.exit_code == 1
    assert "image_score_min needs image_findings (image_finding=..." in result.output
    assert len(result.output.strip().splitlines()) == 1


def _results(uids: list[str]) -> Any:
    from search.models import Explanation, Result, SearchResponse, Signal, SignalMatch, Versions

    said = "Dilated left ventricle with severely reduced systolic function and transmural LGE."
    results = [Result(study_instance_uid=uid, score=0.8 - rank / 10, rank=rank,
                      study_date="2019-03-04", age=54, sex="M", impression=said,
                      explanation=Explanation(best_view="sax_mid", signals=[
                          SignalMatch(signal=Signal.IMAGES, rank=3, score=0.5),
                          SignalMatch(signal=Signal.REPORTS, rank=1, score=0.4)]))
               for rank, uid in enumerate(uids, 1)]
    return SearchResponse(query={}, results=results, total=len(results), page=1, limit=10,
                          has_more=False, versions=Versions(model="m", index="i"), took_ms=1.0)


def test_the_table_shows_each_study_whole_at_80_columns() -> None:
    """At 80 columns the study column read "…c-patien…": no one could tell which study was
    which. A research id fits on its line; a DICOM UID of 64 characters folds, whole."""
    import io

    from rich.console import Console

    from cli.query import _print

    uids = ["acdc-patient001", "1.2.826.0.1.3680043.8.498.10371187546129384756102938475610293847",
            "1.2.840.113619.2.55.3.604688119.969.1268071029.320"]
    out = Console(width=80, file=io.StringIO(), color_system=None)
    _print(_results(uids), as_json=False, out=out)
    lines = out.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert max(len(line) for line in lines) <= 80
    cells: list[list[str]] = []  # each row's study column, line by line
    for line in lines:
        parts = line.split("│")
        if len(parts) < 3:
            continue
        if parts[1].strip():  # a rank: a new row
            cells.append([])
        cells[-1].append(parts[2].strip())
    assert ["".join(c[:-1]) for c in cells] == uids  # the impression is the last line
    assert cells[0] == ["acdc-patient001", "Dilated left ventricle with severel…"]
    assert len(cells[1]) == 3  # the 64 characters on two lines


def test_the_notices_are_printed_one_line_each() -> None:
    """The search's notices ("nothing in the query was recognised ...") were in --json only:
    the table listed every study of a nonsense query without a word."""
    import io

    from rich.console import Console

    from cli.query import _print
    from search.models import Notice, NoticeKind

    said = ["Nothing in the query was recognised as a finding, diagnosis or measurement: no "
            "study is left out for it, and the studies are ranked by the words only",
            "1 more study has a QC-flagged LVEF in this range (LVEF < 35 %) [/x]: not shown"]
    response = _results(["acdc-patient001"]).model_copy(update={"notices": [
        Notice(kind=NoticeKind.NOTHING_READ, text=said[0]),
        Notice(kind=NoticeKind.QC_FLAGGED, text=said[1], count=1, about=["lvef_max"])]})
    out = Console(width=80, file=io.StringIO(), color_system=None)
    _print(response, as_json=False, out=out)
    lines = out.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert [line for line in lines if line.startswith("note: ")] == [f"note: {s}" for s in said]

