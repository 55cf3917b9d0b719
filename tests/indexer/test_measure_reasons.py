"""Why a study was not measured, as the page shows it to every role: no folder or file name
(an export's folder names often carry the patient's ID or accession number)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from indexer import measure
from segment.io import StudyReadError


@pytest.mark.parametrize(("error", "kept"), [
    (StudyReadError("/archive/SYN000003/20130829_A070000003: the short-axis cine has a "
                    "single slice"), "the short-axis cine has a single slice"),
    (ValueError("cannot read /archive/SYN000003/1.dcm (truncated)"),
     "ValueError: cannot read a file (truncated)"),
    # indexed as `cmr-search index exports`: a relative folder, which no pattern finds
    (StudyReadError("exports/PAT0042 DOE: the short-axis cine has a single phase"),
     "the short-axis cine has a single phase"),
    (ValueError("exports/PAT0042 DOE/SAX/IM1.dcm: bad"), "ValueError: bad"),
])
def test_a_failure_is_kept_without_the_studys_folder(monkeypatch: pytest.MonkeyPatch,
                                                     error: Exception, kept: str) -> None:
    def fails(*args: Any) -> None:
        raise error

    monkeypatch.setattr(measure, "_sax_study", fails)
    study = SimpleNamespace(study_instance_uid="1.2", folder=Path("exports/PAT0042 DOE"))
    record = measure.measure_study(study,  # type: ignore[arg-type]
                                   SimpleNamespace(sax=object(), sax_center=None), "f",  # type: ignore[arg-type]
                                   SimpleNamespace(key="m"),  # type: ignore[arg-type]
                                   SimpleNamespace())  # type: ignore[arg-type]
    assert (record.status, record.error) == ("failed", kept)


def test_ed_and_es_named_as_one_frame_is_no_cycle(tmp_path: Any) -> None:
    """The one volume was read twice: a cycle of two equal phases and an LVEF of 0 %."""
    from fakes.segment import acdc_folder

    from reader.nifti import acdc_stacks, read_info

    folder = acdc_folder(tmp_path)
    info = folder / "Info.cfg"
    info.write_text(info.read_text().replace("ES: 5", "ES: 1"))
    study = read_info(folder)
    stacks = acdc_stacks(study)
    assert stacks.sax is not None
    with pytest.raises(StudyReadError, match="frame 1 as both ED and ES"):
        measure._sax_study(study, stacks, stacks.sax)
