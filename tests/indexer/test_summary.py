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
