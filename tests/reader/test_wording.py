"""How reports word a thick LV wall (`reader.wording.THICK`, and `reader.phrasing`'s list of
states): each state said of the LV in a list is its own."""

from __future__ import annotations

import pytest

from cmr_search.vocab import Finding, Severity
from reader.labeler import Mention, label_findings

_LVH, _LVD, _AO = Finding.LV_HYPERTROPHY, Finding.LV_DILATION, Finding.AORTIC_DILATION


@pytest.mark.parametrize("report", [
    # only the dilation was read
    "Thick and dilated LV.",
    "Thick, dilated LV.",
    "Dilated and thick LV.",
    "LV dilated and thick.",
    "Thick and dilated left ventricle.",
    "Thick LV.",
    "The LV is thick.",
])
def test_a_thick_lv_listed_with_another_state_is_hypertrophied(report: str) -> None:
    labels = label_findings(report)
    assert labels[_LVH].mention is Mention.POSITIVE
    assert labels[_LVD].mention is Mention.POSITIVE or "dilated" not in report


@pytest.mark.parametrize("report", [
    "Thick and severely dilated LV.",
    "Thickened and severely dilated LV.",
    "Thick, severely dilated LV.",
])
def test_the_dilations_grade_is_its_own(report: str) -> None:
    # cut at "and severely" the thickening had no LV (read whole, it was graded severe)
    labels = label_findings(report)
    assert (labels[_LVH].mention, labels[_LVH].severity) == (Mention.POSITIVE, None)
    assert (labels[_LVD].mention, labels[_LVD].severity) == (Mention.POSITIVE, Severity.SEVERE)


@pytest.mark.parametrize("report", [
    "Thick and dilated aorta.",
    "Thickened and mildly dilated aorta.",
    "Thickened, dilated aortic root.",
    "Thick pericardium and dilated LV.",
    "RV thickened, dilated LV.",
    "LV 8 mm thick slices.",
    "8 mm thick LV short axis slices.",
    # "thick" of another noun after it, or of the outflow tract (each read as hypertrophy)
    "LV dilated and thick trabeculations.",
    "Thick, dilated LV outflow tract.",
])
def test_another_structures_thickening_or_a_slice_is_no_lv_hypertrophy(report: str) -> None:
    assert label_findings(report)[_LVH].mention is Mention.NOT_MENTIONED
