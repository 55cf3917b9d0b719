"""Pixels of a series as a stack: what an odd export holds is read as the scanner meant it,
or refused in one line naming the file and the reason."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
from fakes.dicom import make_bare, mr_image
from pydicom.uid import DeflatedExplicitVRLittleEndian

from reader.headers import HeaderRead, ignore_pydicom_warnings, read_headers
from reader.series import assemble_series
from reader.stack import PixelError, Stack, load_stack

_PLACED = {"ImageOrientationPatient": [1, 0, 0, 0, 1, 0], "PixelSpacing": [1.5, 1.5]}


def _disc() -> np.ndarray:
    yy, xx = np.mgrid[:8, :8]
    return np.where((yy - 4) ** 2 + (xx - 4) ** 2 < 6, 900, 100).astype(np.uint16)


def _series_of(tmp_path: Path, slices: tuple[int, ...] = (2, 2),
               **overrides: Any) -> list[Path]:
    """Slices 8 mm apart, each with its number of frames 100 ms apart."""
    paths = []
    tmp_path.mkdir(parents=True, exist_ok=True)
    for z, n_frames in enumerate(slices):
        for k in range(n_frames):
            fields = {**_PLACED, "ImagePositionPatient": [0, 0, 8.0 * z],
                      "TriggerTime": 100.0 * k, "InstanceNumber": 1 + 100 * z + k,
                      "PixelData": (_disc() + 10 * k).tobytes(), **overrides}
            paths.append(mr_image(tmp_path / f"im_{z}_{k}.dcm", **fields))
    return paths


def _load(paths: list[Path]) -> Stack:
    frames = []
    for path in paths:
        read = read_headers(path)
        assert isinstance(read, HeaderRead), read
        frames += read.frames
    return load_stack(assemble_series(frames))


def test_a_middle_slice_short_of_frames_is_padded_and_timed_by_a_full_one(
        tmp_path: Path) -> None:
    """The middle slice gave the frame times: one short of frames was a traceback."""
    stack = _load(_series_of(tmp_path, (4, 2, 4)))
    assert stack.images.shape == (3, 4, 8, 8)
    assert stack.times_ms.tolist() == [0.0, 100.0, 200.0, 300.0]


def test_a_frame_lost_mid_cycle_is_filled_in_time_not_by_shifting_the_rest(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A missing or duplicated instance dropped one frame and every later one moved up a
    phase, the last repeated: LVEF 55.9 % where the whole study measured 56.7."""
    paths = _series_of(tmp_path, (4, 4, 4))
    (tmp_path / "im_1_1.dcm").unlink()
    with caplog.at_level(logging.WARNING):
        stack = _load([p for p in paths if p.exists()])
    frame_at = [int(stack.images[1, k, 0, 0]) for k in range(4)]
    assert frame_at == [100, 100, 120, 130]  # t=100 ms from its neighbour; 200 and 300 kept
    assert "slice 2 of 3 has 3 frames where the series has 4" in caplog.text
    assert "im_1" not in caplog.text  # a file's name can be the patient's ID


def test_a_frame_too_many_or_frames_without_distinct_times_keep_the_phases_in_order(
        tmp_path: Path) -> None:
    """An extra instance mid-cycle (a duplicate under another UID) was cut at the end, the
    later frames shifted; repeated trigger times pointed every phase at the first frame."""
    from reader.stack import _phase_frames

    paths = _series_of(tmp_path, (4, 4, 4))
    extra = mr_image(tmp_path / "im_1_extra.dcm", **_PLACED, ImagePositionPatient=[0, 0, 8.0],
                     TriggerTime=150.0, InstanceNumber=150, PixelData=(_disc() + 5).tobytes())
    stack = _load([*paths, extra])
    assert [int(stack.images[1, k, 0, 0]) for k in range(4)] == [100, 110, 120, 130]
    assert _phase_frames([0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]) == [0, 1, 2, 2]
    assert _phase_frames([None, 40.0], [0.0, 40.0, 80.0]) == [0, 1, 1]


def test_monochrome1_is_flipped_so_blood_stays_bright(tmp_path: Path) -> None:
    """It was measured as stored: dark blood, LVEDV 123 ml where the same study read 133."""
    unsigned = _load(_series_of(tmp_path / "u", PhotometricInterpretation="MONOCHROME1",
                                PixelData=(4095 - _disc()).astype(np.uint16).tobytes()))
    signed = _load(_series_of(tmp_path / "s", PhotometricInterpretation="MONOCHROME1",
                              PixelRepresentation=1,
                              PixelData=(-_disc().astype(np.int16)).tobytes()))
    for stack in (unsigned, signed):  # flipped, then from zero: the signal's own contrast
        assert np.array_equal(stack.images[0, 0], _disc() - 100)


def test_deflated_and_bare_files_are_read(tmp_path: Path) -> None:
    """A deflated file is smaller than its pixels and was skipped as truncated; a bare dataset
    (no preamble, no file meta) as having no transfer syntax."""
    deflated = _series_of(tmp_path / "deflated")
    for path in deflated:
        ds = pydicom.dcmread(path)
        ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
        ds.save_as(path, enforce_file_format=True)
    bare = _series_of(tmp_path / "bare")
    for path in bare:
        assert make_bare(path).read_bytes()[128:132] != b"DICM"
    reference = _load(_series_of(tmp_path / "plain")).images
    assert np.array_equal(_load(deflated).images, reference)
    assert np.array_equal(_load(bare).images, reference)


@pytest.mark.parametrize(("overrides", "reason"), [
    ({"PixelData": np.full((8, 8), 7, np.uint16).tobytes()},
     "every pixel of the series is 7; there is no image to measure"),
    ({"ImageOrientationPatient": [1, 0, 0, 0.7071, 0.7071, 0]},
     "ImageOrientationPatient is not two perpendicular unit vectors"),
    ({"SamplesPerPixel": 3, "PhotometricInterpretation": "RGB", "PlanarConfiguration": 0,
      "BitsAllocated": 8, "BitsStored": 8, "HighBit": 7,
      "PixelData": np.zeros((8, 8, 3), np.uint8).tobytes()},
     r"a colour image \(3 samples per pixel, RGB\), not an MR magnitude image"),
])
def test_a_series_with_no_usable_image_is_one_line_naming_the_file(
        tmp_path: Path, overrides: dict[str, Any], reason: str) -> None:
    """A blank series was "segmented" to LVEDV 0 ml; a skewed orientation was trusted; a colour
    image was said to differ in size from the series."""
    paths = _series_of(tmp_path, **overrides)
    with pytest.raises(PixelError, match=rf"^{re.escape(str(tmp_path))}/im_0_0\.dcm: {reason}"):
        _load(paths)


def test_pydicoms_log_lines_about_odd_files_are_kept_quiet(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """An unknown character set printed a warning per file: 1851 lines for one study."""
    monkeypatch.setattr(logging.getLogger("pydicom"), "level", logging.NOTSET)
    ignore_pydicom_warnings()
    paths = _series_of(tmp_path, SpecificCharacterSet="ISO_IR 999", PatientName="Ødegård")
    with caplog.at_level(logging.WARNING):
        _load(paths)
        for path in paths:
            str(pydicom.dcmread(path).PatientName)
    assert not [r for r in caplog.records if r.name.startswith("pydicom")]


def test_jpeg_ls_as_a_pacs_stores_it_is_read_as_the_uncompressed_series(
        tmp_path: Path) -> None:
    """DICOMweb fetches series in the syntax the PACS holds, and JPEG-LS lossless is a common
    one; it was never read here. pyjpegls (a test dependency) encodes; the product decodes
    with pylibjpeg-libjpeg, checked apart, as pyjpegls is not installed beside it."""
    from pydicom.uid import JPEGLSLossless

    plain = _series_of(tmp_path / "plain", (3, 3))
    packed = _series_of(tmp_path / "packed", (3, 3))
    for path in packed:
        ds = pydicom.dcmread(path)
        ds.compress(JPEGLSLossless, encoding_plugin="pyjpegls", generate_instance_uid=False)
        ds.save_as(path, enforce_file_format=True)
        ds = pydicom.dcmread(path)
        assert ds.file_meta.TransferSyntaxUID == JPEGLSLossless
        ds.pixel_array_options(decoding_plugin="pylibjpeg")
        assert np.array_equal(ds.pixel_array, pydicom.dcmread(
            tmp_path / "plain" / path.name).pixel_array)
    assert np.array_equal(_load(packed).images, _load(plain).images)


def test_an_instance_without_pixel_data_says_so(tmp_path: Path) -> None:
    """It read "pixel data cannot be decoded (AttributeError)"."""
    paths = _series_of(tmp_path)
    ds = pydicom.dcmread(paths[0])
    del ds.PixelData
    ds.save_as(paths[0])
    found = read_headers(paths[0])
    assert not isinstance(found, HeaderRead)
    assert found.reason == "no pixel data (a header-only instance)"


def _rle_cut(paths: list[Path], *cut: str) -> list[Path]:
    """`paths` rewritten RLE-compressed, the files named `cut` ended inside their pixel data
    (the scan's size check passes compressed files: it cannot tell how big they should be)."""
    from pydicom.uid import RLELossless

    for path in paths:
        ds = pydicom.dcmread(path)
        ds.compress(RLELossless, generate_instance_uid=False)
        ds.save_as(path, enforce_file_format=True)
        if path.name in cut:
            path.write_bytes(path.read_bytes()[:-40])
            assert isinstance(read_headers(path), HeaderRead)  # the scan lets it through
    return paths


def test_a_cut_compressed_frame_is_left_out_as_a_missing_frame(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """One cut RLE file lost its whole series ("no pixel data (a header-only instance)") and
    the study its short-axis measurements; a cut plain file is left out by the scan and its
    slice filled in time. Both now give the same stack, the file named without its folder."""
    paths = _rle_cut(_series_of(tmp_path / "rle", (4, 4, 4)), "im_1_1.dcm")
    plain = _series_of(tmp_path / "plain", (4, 4, 4))
    (tmp_path / "plain" / "im_1_1.dcm").write_bytes(
        (tmp_path / "plain" / "im_1_1.dcm").read_bytes()[:-40])
    with caplog.at_level(logging.WARNING, logger="reader.stack"):
        stack = _load(paths)
    assert [int(stack.images[1, k, 0, 0]) for k in range(4)] == [100, 100, 120, 130]
    readable = [p for p in plain if isinstance(read_headers(p), HeaderRead)]
    assert len(readable) == 11 and np.array_equal(stack.images, _load(readable).images)
    said = "\n".join(r.getMessage() for r in caplog.records if r.name == "reader.stack")
    assert "slice 2 of 3: a file does not decode (truncated pixel data); left out as a " \
        "missing frame" in said
    assert "slice 2 of 3 has 3 frames where the series has 4" in said
    # neither folder nor file named: either can be the patient's ID
    assert str(tmp_path) not in said and "im_1" not in said


@pytest.mark.parametrize(("cut", "untimed", "reason"), [
    (("im_1_0.dcm", "im_1_1.dcm", "im_1_2.dcm"), False,
     r"slice 2 of 3: 3 of 3 frames cannot be decoded \(too many to fill in\)$"),
    (("im_0_0.dcm", "im_0_1.dcm", "im_1_0.dcm", "im_1_1.dcm", "im_2_2.dcm"), False,
     r"slice 1 of 3: 2 of 3 frames cannot be decoded \(too many to fill in\)$"),
    # from a review: counted over the series (4 of 9), slice 1 kept one frame for every phase
    (("im_0_0.dcm", "im_0_1.dcm"), False,
     r"slice 1 of 3: 2 of 3 frames cannot be decoded \(too many to fill in\)$"),
    # without distinct trigger times every later phase of the slice moved up one
    (("im_1_1.dcm",), True, r"slice 2 of 3: 1 of 3 frames cannot be decoded \(no distinct "
                            r"trigger times to fill it from\)$"),
    (tuple(f"im_{z}_{k}.dcm" for z in range(3) for k in range(3)), False, r"$"),  # its own
])
def test_a_series_with_too_many_frames_that_cannot_be_decoded_is_refused(
        tmp_path: Path, cut: tuple[str, ...], untimed: bool, reason: str) -> None:
    """Filling in a frame or two is no licence to make up a slice, or most of a cycle."""
    series = _series_of(tmp_path, (3, 3, 3), **({"TriggerTime": 0.0} if untimed else {}))
    paths = _rle_cut(series, *cut)
    with pytest.raises(PixelError, match=rf"^{re.escape(str(tmp_path / cut[0]))}: "
                                         rf"truncated pixel data(; )?{reason}"):
        _load(paths)


def _enhanced_cine(path: Path, n_slices: int = 3, n_phases: int = 4, first: int = 0) -> Path:
    """One Enhanced MR file holding a whole short-axis cine, RLE-compressed, as a scanner
    exports one (or one slice's, from slice `first`): each frame placed and timed by its
    functional groups."""
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence
    from pydicom.uid import RLELossless

    def item(**values: Any) -> Dataset:
        ds = Dataset()
        for keyword, value in values.items():
            setattr(ds, keyword, value)
        return ds

    frames = [item(FrameContentSequence=Sequence([item(
                       StackID="1", InStackPositionNumber=s + 1, TemporalPositionIndex=k + 1)]),
                   PlanePositionSequence=Sequence([item(
                       ImagePositionPatient=[0, 0, 8.0 * (first + s)])]),
                   CardiacSynchronizationSequence=Sequence([item(
                       NominalCardiacTriggerDelayTime=100.0 * k)]))
              for s in range(n_slices) for k in range(n_phases)]
    shared = item(PixelMeasuresSequence=Sequence([item(PixelSpacing=[1.5, 1.5])]),
                  PlaneOrientationSequence=Sequence([item(
                      ImageOrientationPatient=[1, 0, 0, 0, 1, 0])]))
    pixels = np.stack([_disc() + 10 * k for _ in range(n_slices) for k in range(n_phases)])
    mr_image(path, SOPClassUID="1.2.840.10008.5.1.4.1.1.4.1", NumberOfFrames=len(frames),
             PixelData=pixels.tobytes(), SharedFunctionalGroupsSequence=Sequence([shared]),
             PerFrameFunctionalGroupsSequence=Sequence(frames))
    ds = pydicom.dcmread(path)
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.compress(RLELossless, generate_instance_uid=False)
    ds.save_as(path, enforce_file_format=True)
    return path


def test_a_cut_file_holding_the_whole_cine_says_so_once_naming_the_file(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A cut Enhanced MR file logged "slice 1 of 3: IM_0001: truncated pixel data; left out
    as a missing frame", and then the whole cine was dropped: its file is cut, every frame of
    the cine unreadable, and that is why the cine is left out."""
    path = _enhanced_cine(tmp_path / "IM_0001")
    assert _load([path]).images.shape == (3, 4, 8, 8)  # whole, it reads
    path.write_bytes(path.read_bytes()[:-40])
    with caplog.at_level(logging.WARNING, logger="reader.stack"), \
            pytest.raises(PixelError) as refused:
        _load([path])
    assert str(refused.value) == (
        f"{path}: truncated pixel data; the file holds the whole cine, and all 12 of its "
        "frames are unreadable, so the cine is left out")
    assert not [r for r in caplog.records if r.name == "reader.stack"]  # said once: raised


def test_a_cut_file_holding_one_slice_says_how_many_frames_it_took(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A multi-frame file a slice: its frames are lost together, not "a missing frame"."""
    paths = [_enhanced_cine(tmp_path / f"IM_{z}", 1, 4, z) for z in range(3)]
    paths[1].write_bytes(paths[1].read_bytes()[:-40])
    with caplog.at_level(logging.WARNING, logger="reader.stack"), \
            pytest.raises(PixelError, match=r"slice 2 of 3: 4 of 4 frames cannot be decoded"):
        _load(paths)
    said = [r.getMessage() for r in caplog.records if r.name == "reader.stack"]
    assert said == ["slice 2 of 3: a file does not decode (truncated pixel data); the 4 frames "
                    "it holds are left out as missing frames"]


def test_a_cut_file_holding_a_whole_stack_names_it_as_it_is(tmp_path: Path) -> None:
    """An LGE stack's cut file (one phase) was "the whole cine", and a cine read capped to
    fewer phases counted only those read as the file's frames ("all 6", of 12)."""
    lge = _enhanced_cine(tmp_path / "LGE", n_phases=1)
    lge.write_bytes(lge.read_bytes()[:-40])
    with pytest.raises(PixelError) as refused:
        _load([lge])
    assert str(refused.value) == (
        f"{lge}: truncated pixel data; the file holds the whole series, and all 3 of its "
        "frames are unreadable, so the series is left out")
    cine = _enhanced_cine(tmp_path / "CINE")
    cine.write_bytes(cine.read_bytes()[:-40])
    read = read_headers(cine)
    assert isinstance(read, HeaderRead)
    with pytest.raises(PixelError, match="the file holds the whole cine, and all 12 of its "):
        load_stack(assemble_series(read.frames), max_frames=2)


def test_the_slice_thickness_is_kept_with_the_stack(tmp_path: Path) -> None:
    """SliceThickness against the slice positions tells a stack with slices missing (the QC
    flag gaps_between_slices); it survives turning the stack base to apex."""
    stack = _load(_series_of(tmp_path, (1, 1, 1), SliceThickness="8.0"))
    assert stack.slice_thickness_mm == 8.0
    assert stack.base_to_apex().slice_thickness_mm == 8.0
    assert _load(_series_of(tmp_path / "none", (1, 1))).slice_thickness_mm is None
