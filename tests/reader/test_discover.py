"""Which files might be DICOM, and what a skip reason is counted as."""

from __future__ import annotations

import pytest

from reader.discover import reason_class


@pytest.mark.parametrize(("reason", "counted"), [
    ("pixdim: pixel spacing 1562.5 x 1562.5 mm is not within 0.1 to 10 mm: p_frame01.nii.gz",
     "pixel spacing out of range"),
    ("pixel spacing 0.01 x 0.01 mm is not within 0.1 to 10 mm", "pixel spacing out of range"),
    ("pixdim: slice spacing 500 mm is not within 0.5 to 50 mm", "slice spacing out of range"),
    ("3 of 1000 pixels are not finite numbers (NaN or infinity); the volume is damaged",
     "pixels not finite (NaN or infinity)"),
    ("looks like a label map (values 0, 1, 2, 3), not an image: p_frame01.nii.gz",
     "label map, not an image"),
    ("slices appear to lie on axis 1 (10 of 10 mm), not on axis 3 (256 of 1.5625 mm); an "
     "ACDC-style volume has its short-axis slices on the third axis",
     "slices not on the third axis"),
    # reasons without a value are counted by their words before the first colon, as before
    ("not DICOM (.gz file)", "not DICOM (.gz file)"),
    ("truncated NIfTI (the file ends early): p_frame01.nii.gz",
     "truncated NIfTI (the file ends early)"),
    ("ValueError: something deep", "ValueError"),
])
def test_a_skip_reason_is_counted_by_what_is_wrong_not_its_first_word(
        reason: str, counted: str) -> None:
    """A folder with a bad pixdim said "skipped 1 pixdim": the field, not what is wrong."""
    assert reason_class(reason) == counted
