"""The index run's summary on the terminal: which studies or files failed, and why."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli.index_report import summary_table


def _summary(skipped: int) -> dict[str, object]:
    items = [{"path": f"/archive/patient{i:03d}", "reason": "NiftiError: missing frame"}
             for i in range(skipped)]
    return {"indexed": 1, "unchanged": 0, "measured": 0, "measure_failed": 0,
            "skipped": skipped, "studies_in_index": 1, "seconds": 1.0, "stages": {},
            "source": {}, "skipped_by_reason": {"NiftiError": skipped},
            "skipped_items": items, "published": None}


def test_a_folders_skipped_studies_are_named_with_their_reason(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """It said "skipped 2  NiftiError" and no more: the reasons were in the run report only."""
    summary_table(_summary(2), tmp_path / "run.json")
    out = capsys.readouterr().out
    assert "skipped /archive/patient001: NiftiError: missing frame" in out
    summary_table(_summary(25), tmp_path / "run.json")
    out = capsys.readouterr().out
    assert out.count("\nskipped /archive") == 10 and "... and 15 more in the run report" in out


def test_a_pacs_lists_its_failures_whole_and_its_skips_in_short(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A PACS's brain MRs are no failures: a night with thousands of them listed each one."""
    summary = _summary(0)
    failures = [{"path": f"pacs/studies/1.{i}", "reason": "WADO-RS series: HTTP 503"}
                for i in range(12)]
    skips = [{"path": f"pacs/studies/2.{i}", "reason": "study has no cine series",
              "outcome": "skipped"} for i in range(30)]
    summary.update(source={"studies_fetched": 0, "series_fetched": 0, "series_not_fetched": 0,
                           "bytes_fetched": 0, "source": "pacs"},
                   skipped_items=failures + skips, skipped=42,
                   skipped_by_reason={"WADO-RS series": 12, "study has no cine series": 30})
    summary_table(summary, tmp_path / "run.json")
    out = capsys.readouterr().out
    assert out.count("\nfailed  pacs/studies/1.") == 12
    assert out.count("\nskipped pacs/studies/2.") == 10
    assert "... and 20 more in the run report" in out


def test_a_pacs_outage_is_a_failed_row_and_no_skip(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    """The PACS went down midway: the table read "skipped │ 3" and "skipped 2 WADO-RS series",
    with no failed row."""
    from indexer.summary import IndexSummary

    down = [{"path": f"pacs/studies/1.{k}", "study": f"1.{k}",
             "reason": f"{what}: connection refused at pacs:8042 (after 5 tries)"}
            for k, what in enumerate(("WADO-RS series", "WADO-RS series", "WADO-RS metadata"))]
    result = IndexSummary(indexed=4, skipped=down, source={
        "studies_fetched": 4, "series_fetched": 9, "series_not_fetched": 0,
        "bytes_fetched": 0, "source": "pacs"}).as_dict()
    summary_table(result, tmp_path / "run.json")
    out = capsys.readouterr().out
    assert re.search(r"failed\s+│ 3 ", out) and re.search(r"skipped\s+│ 0 ", out)
    assert "failed      2  WADO-RS series" in out and "failed      1  WADO-RS metadata" in out
    assert not re.search(r"^skipped", out, re.MULTILINE)  # no skip said of a failure
    assert out.count("\nfailed  pacs/studies/1.") == 3


@pytest.mark.parametrize(("published", "said"), [
    ({"changed": True, "why": "the report labeler changed, its reports read again"},
     "7 points, published (the report labeler changed, its reports read again)"),
    ({"changed": False, "why": ""}, "7 points, unchanged, nothing to publish"),
    ({"changed": True}, "7 points, published\n"),  # a run report of an earlier release
])
def test_a_publish_says_why(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                            published: dict[str, object], said: str) -> None:
    """A run that indexed nothing new printed "7 points, published" and not why."""
    summary = {**_summary(0), "published": {"target": "gen-1", "points": 7, **published}}
    summary_table(summary, tmp_path / "run.json")
    assert said in capsys.readouterr().out


def test_a_deidentified_runs_report_and_log_name_no_real_uid(
        caplog: pytest.LogCaptureFixture) -> None:
    """A series that came short was named by its real Series Instance UID in the reason, its
    count and the run's error; the reader logged the fetched files by their real UIDs."""
    import logging

    from cli.index_report import withheld
    from indexer.deidentify import UidRedactor

    real = "1.2.826.0.1.3680043.8.498.1234567"
    summary = _summary(0)
    reason = f"WADO-RS series {real}: 3 of 8 instances came"
    summary.update(source={"source": "pacs"}, skipped_by_reason={reason.partition(":")[0]: 1},
                   error=f"none of the 1 studies the PACS listed could be brought ({reason})",
                   skipped_items=[{"path": f"pacs/studies/{real}", "study": "2.118295",
                                   "reason": reason}])
    summary["views_left_out_items"] = [{
        "path": "/archive/DOE_JANE", "study": "2.118295",
        "reason": "3ch_cine: /archive/DOE_JANE/CINE/MR.30.dcm: pixel data cannot be decoded"}]
    kept = str(withheld(summary))
    assert real not in kept and "study 2.118295" in kept and "[uid]" in kept
    assert "DOE_JANE" not in kept and "3ch_cine: " in kept  # a view left out, no folder
    logger = logging.getLogger("reader.scan")
    redactor = UidRedactor()
    logger.addFilter(redactor)
    try:
        with caplog.at_level("INFO", logger="reader.scan"):
            logger.info("scanned %s: 1 studies, study 2.118295, 1.5 T", real)
    finally:
        logger.removeFilter(redactor)
    assert real not in caplog.text and "scanned [uid]" in caplog.text
    assert "2.118295" in caplog.text and "1.5 T" in caplog.text
    from indexer.deidentify import without_uids  # the fetch cache's file names, a sentence's end

    assert without_uids(f"bad header in {real}.dcm and IM_{real}_x; ends {real}.") == \
        "bad header in [uid].dcm and IM_[uid]_x; ends [uid]."
    # a UUID-derived UID (three parts) is one; a PACS's IPv4 address is not
    uuid = "2.25.329800735698586629295641978511506172918"
    assert without_uids(f"series {uuid} came short") == "series [uid] came short"
    assert without_uids("C-FIND at 10.20.30.40:104 and http://192.168.1.7/dicom-web, "
                        "from 10.0.0.1.") == ("C-FIND at 10.20.30.40:104 and "
                                             "http://192.168.1.7/dicom-web, from 10.0.0.1.")
    assert without_uids("study 1.2.3.4.5 and 1.2.840.10008") == "study [uid] and [uid]"


def test_damaged_records_make_the_run_an_alarm() -> None:
    """A run that left studies out of the index (their records damaged) ended 0 in silence."""
    from cli.index_report import records_lost

    assert records_lost({**_summary(0), "records_unreadable": 0}) is None
    assert records_lost(_summary(0)) is None  # a run report of an earlier release
    assert "2 studies' embedding records were damaged" in str(
        records_lost({**_summary(0), "records_unreadable": 2}))


@pytest.mark.parametrize(("reason", "kept"), [
    ("truncated pixel data: SMITH_JOHN_1954/IM1.dcm", "truncated pixel data"),
    ("truncated NIfTI (the file ends early): smith_john_frame01.nii.gz",
     "truncated NIfTI (the file ends early)"),
    ("no pixel data (a header-only instance): IM00125", "no pixel data (a header-only instance)"),
    ("PixelError: /archive/P1/SMITH_JOHN_1954/IM1.dcm: truncated pixel data",
     "PixelError: truncated pixel data"),
    ("study has no cine series", "study has no cine series"),
])
def test_a_deidentified_runs_report_names_no_file_inside_a_study(reason: str,
                                                                 kept: str) -> None:
    """From a review: a reader's reason ends with the file inside the study, and its folder
    may be named after the patient; the kept report of a de-identified run named it."""
    from cli.index_report import withheld

    summary = _summary(0)
    summary.update(skipped_items=[{"path": "/archive/P1", "study": "2.1", "reason": reason}],
                   skipped_by_reason={reason.partition(":")[0]: 1})
    assert withheld(summary)["skipped_items"][0]["reason"] == kept


def test_a_pacs_run_that_brought_nothing_counts_its_skips_apart() -> None:
    """Three studies failed and two held nothing to index: "none of the 3 studies the PACS
    listed" was said of a listing of five."""
    from cli.index_report import nothing_brought

    failure = {"path": "pacs/studies/1.1", "reason": "WADO-RS series: HTTP 503",
               "outcome": "failed"}
    result = {**_summary(0), "indexed": 0, "source": {"source": "pacs"}, "failed": 3,
              "skipped": 2, "skipped_items": [failure]}
    said = str(nothing_brought(result))
    assert said.startswith("none of the 3 studies the PACS listed could be brought (the "
                           "first: WADO-RS series: HTTP 503)")
    assert said.endswith("; 2 more it listed hold nothing to index")
    assert nothing_brought({**result, "failed": 0}) is None  # only brain MRs: no alarm
