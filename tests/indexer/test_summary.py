"""What an index run did: its skips counted by what is wrong with them."""

from __future__ import annotations

from indexer.summary import IndexSummary, skipped_counts


def test_skips_are_counted_by_their_reason_class_not_the_first_word() -> None:
    """A folder with a bad pixdim printed "skipped 1 pixdim"."""
    pixdim = "pixdim: pixel spacing 1562.5 x 1562.5 mm is not within 0.1 to 10 mm: {}"
    skipped = [{"path": f"/a/p{k}", "study": f"acdc-p{k}",
                "reason": pixdim.format(f"p{k}_frame01.nii.gz")} for k in range(2)]
    skipped.append({"path": "/a/x.gz", "reason": "not DICOM (.gz file)"})
    summary = IndexSummary(skipped=skipped)
    assert summary.as_dict()["skipped_by_reason"] == {"pixel spacing out of range": 2,
                                                      "not DICOM (.gz file)": 1}
    assert skipped_counts(skipped) == ("skipped 3: 2 pixel spacing out of range, "
                                       "1 not DICOM (.gz file)")


def test_a_pacs_failure_is_counted_failed_and_never_skipped() -> None:
    """The PACS went down midway: its 3 studies read "failed": 3, "skipped": 3 and every
    reason under skipped_by_reason; only what holds nothing to index is skipped."""
    down = [{"path": f"pacs/studies/1.{k}", "study": f"1.{k}",
             "reason": f"{what}: connection refused at pacs:8042 (after 5 tries)"}
            for k, what in enumerate(("WADO-RS series", "WADO-RS series", "WADO-RS metadata"))]
    brain = {"path": "pacs/studies/2.1", "study": "2.1", "outcome": "skipped",
             "reason": "study has no cine series"}
    counts = IndexSummary(skipped=[*down, brain], source={"source": "pacs"}).as_dict()
    assert (counts["failed"], counts["skipped"]) == (3, 1)
    assert counts["failed_by_reason"] == {"WADO-RS series": 2, "WADO-RS metadata": 1}
    assert counts["skipped_by_reason"] == {"study has no cine series": 1}
    assert [i.get("outcome") for i in counts["skipped_items"]] == ["failed"] * 3 + ["skipped"]
    # a folder's unreadable files are skipped, as before: a folder has no failures
    folder = IndexSummary(skipped=[{"path": "/a/x.gz", "reason": "not DICOM (.gz file)"}])
    assert (folder.as_dict()["failed"], folder.as_dict()["skipped"]) == (0, 1)
    assert folder.as_dict()["skipped_items"] == [{"path": "/a/x.gz",
                                                   "reason": "not DICOM (.gz file)"}]
