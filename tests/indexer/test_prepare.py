"""The stages a worker runs for one study: what a study that cannot be read is skipped as."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fakes.encoder import FakeEncoder
from fakes.segment import acdc_folder

from cmr_search.layout import DataLayout
from indexer.prepare import Job, prepare_study
from indexer.summary import IndexSummary
from reader.nifti import read_info


def test_a_cut_nifti_is_skipped_by_what_is_wrong_not_by_the_errors_class(
        tmp_path: Path) -> None:
    """The run's counts said "NiftiError 1": each skip is counted by what comes before the
    first colon of its reason."""
    folder = acdc_folder(tmp_path / "archive")
    cut = folder / "patient901_frame05.nii.gz"
    cut.write_bytes(cut.read_bytes()[:len(cut.read_bytes()) // 2])
    prepared = prepare_study(Job(read_info(folder), "f" * 32), FakeEncoder().preprocess,
                             DataLayout(tmp_path / "data"))
    assert prepared.error == "truncated NIfTI (the file ends early): patient901_frame05.nii.gz"
    summary = IndexSummary(skipped=[{"path": str(folder), "reason": prepared.error}])
    assert summary.as_dict()["skipped_by_reason"] == {"truncated NIfTI (the file ends early)": 1}


def test_a_readers_error_leads_with_why_and_names_the_file_inside_the_study(
        tmp_path: Path) -> None:
    from types import SimpleNamespace

    from indexer.prepare import failure_reason
    from reader.stack import PixelError

    study: Any = SimpleNamespace(folder=tmp_path / "PAT0042")
    no_cine = PixelError(f"{study.folder}: no short-axis or long-axis cine that can be read: "
                         "sax_cine: SAX/1.dcm: truncated pixel data")
    assert failure_reason(study, no_cine) == (
        "no short-axis or long-axis cine that can be read: sax_cine: SAX/1.dcm: truncated "
        "pixel data")
    elsewhere = PixelError("/elsewhere/1.dcm: truncated pixel data")
    assert failure_reason(study, elsewhere) == "/elsewhere/1.dcm: truncated pixel data"
    assert failure_reason(study, KeyError("x")) == "KeyError: 'x'"  # not the reader's own
