"""ACDC-style NIfTI patient folders read for segmentation.

A folder holding the ED and ES frame files Info.cfg names (ACDC's own layout, with or without
a 4D cine beside them) is read from them: two phases, within the 2 s per study asked of
`segment`, each mask named after its frame (patient001_frame01_seg.nii.gz, beside the
experts' patient001_frame01_gt.nii.gz). Reading a 4D cine beside them instead (7083a07) took
every phase (30 for patient001: about 25 times the time) and wrote one 4D mask, so no frame's
mask could be compared with its ground truth. A folder whose named frames are missing is read
from its 4D cine, every phase, exactly as `index` reads it (`sax_from_acdc`, which the
indexer calls too); its mask is one 4D file named after it. Every other file in the folder is
left out and named with the reason (a label map such as patient001_frame01_gt.nii.gz is
never read as an image).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np

from reader.nifti import AcdcStudy, NiftiError, frame_volumes, load_acdc_stack, read_info
from reader.stack import Stack
from segment.io import SaxStudy, StudyReadError, body_size, geometry_problem, sax_from_stack

_LABEL_SUFFIX = "_gt.nii.gz"  # ACDC's ground truth beside each frame volume


def read_acdc(folder: Path) -> SaxStudy:
    """The short-axis cine of an ACDC-style patient folder: the ED and ES frame volumes
    Info.cfg names where both are there, else every phase of its 4D cine; the other files
    named in `SaxStudy.skipped`."""
    try:
        info = read_info(folder)
        four_d = info.volume("4d")
        # one frame named as both ED and ES: the 4D cine (every phase) as `index` reads it
        pair = info.ed_frame != info.es_frame and all(p.is_file() for p in _named_frames(info))
        cine = four_d.is_file() and not pair
        if not cine:  # as `index` refuses it (`sax_from_acdc`): one rule, not two copies
            check_ed_es_pair(info)
        sax = _read_cine(info, four_d) if cine else _read_pair(info)
    except NiftiError as error:
        raise StudyReadError(str(error)) from error
    sax.skipped = _left_out(info, four_d if cine else None)
    return sax


def _named_frames(info: AcdcStudy) -> list[Path]:
    return [info.volume(f"frame{n:02d}") for n in (info.ed_frame, info.es_frame)]


def _read_pair(info: AcdcStudy) -> SaxStudy:
    """The ED and ES volumes (as (slices, x, y) arrays), two frames (`check_ed_es_pair`)."""
    numbers = [info.ed_frame, info.es_frame]
    volumes = frame_volumes(info, numbers)
    zooms = volumes[0].voxel_mm
    phases = [np.transpose(v.data, (2, 0, 1)) for v in volumes]
    problem = geometry_problem(phases, (zooms[0], zooms[1]), zooms[2])
    if problem:
        raise StudyReadError(f"{volumes[0].path}: {problem}")
    return SaxStudy(info.patient_id, phases, numbers,
                    (zooms[0], zooms[1]), zooms[2], [np.asarray(v.image.affine) for v in volumes],
                    [v.path.name.removesuffix(".nii.gz") for v in volumes],
                    info.height_cm or None, info.weight_kg or None, info.ed_frame,
                    info.es_frame, headers=[v.image.header for v in volumes])


def sax_from_acdc(study: AcdcStudy, stack: Stack, source: str = "") -> SaxStudy:
    """The short-axis phases of an ACDC-style study's stack (`reader.nifti.load_acdc_stack`)
    as segmentation reads them: body size and ED/ES hints from Info.cfg, no patient geometry.
    `index` (`indexer.measure`) and `segment` both call it, so the two cannot read one folder
    differently (each had its own copy). `source` names the study in errors (its folder)."""
    sax = sax_from_stack(study.study_instance_uid, stack, None, source or str(study.folder))
    sax.height_cm, sax.weight_kg = body_size(study.height_cm or None, study.weight_kg or None)
    sax.geometry_known = False  # ACDC volumes carry no patient orientation
    if len(sax.phases) == 2:  # the ED and ES volumes only
        check_ed_es_pair(study)
        sax.frame_numbers = [study.ed_frame, study.es_frame]
    sax.ed_hint, sax.es_hint = study.ed_frame, study.es_frame
    return sax


def check_ed_es_pair(study: AcdcStudy) -> None:
    """Refuse a study read as its ED and ES volumes alone whose Info.cfg names one frame as
    both: the one volume read twice is no cycle (it measured an LVEF of 0 %, flagged). `index`
    (through `sax_from_acdc`) and `segment` (`read_acdc`) refuse it with this one rule; a 4D
    cine beside it still has a cycle, read by both as every phase."""
    if study.ed_frame == study.es_frame:
        raise StudyReadError(f"{study.folder}: Info.cfg names frame {study.ed_frame} as both "
                             "ED and ES, so there is no cycle to measure")


def _read_cine(info: AcdcStudy, four_d: Path) -> SaxStudy:
    """Every phase of the 4D cine, read as `index` reads it (`sax_from_acdc`), with the
    file's affine and header for its mask."""
    sax = sax_from_acdc(info, load_acdc_stack(info), str(four_d))
    sax.study_id = info.patient_id  # as the frame pair names it (the benches key on it)
    image: Any = nib.load(four_d)  # the header and affine only: the pixels are read
    n = len(sax.phases)
    sax.affines = [np.asarray(image.affine)] * n
    sax.headers = [image.header] * n
    sax.names = [four_d.name.removesuffix(".nii.gz")] * n
    sax.one_file = True
    return sax


def _left_out(info: AcdcStudy, four_d: Path | None) -> list[tuple[str, str]]:
    """(file, why) for every file of the folder not read, but Info.cfg; `four_d` is the 4D
    cine when it was read."""
    read = {four_d} if four_d is not None else set(_named_frames(info))
    named = {info.volume(f"frame{n:02d}"): n for n in (info.ed_frame, info.es_frame)}
    skipped = []
    for path in sorted(p for p in info.folder.iterdir() if p.is_file()):
        if path in read or path.name == "Info.cfg":
            continue
        skipped.append((str(path), _why_left_out(path, info, named, four_d)))
    return skipped


def _why_left_out(path: Path, info: AcdcStudy, named: dict[Path, int],
                  four_d: Path | None) -> str:
    name = path.name
    if name.endswith(_LABEL_SUFFIX):
        return "a label map (ground truth), not an image: not segmented"
    if path in named and four_d is not None:
        return (f"frame {named[path]} is read from {four_d.name}, as index reads it (its mask "
                f"is that file's, frame {named[path]})")
    if four_d is None and path == info.volume("4d"):
        # `index` reads it: the same ED and ES, and a volume curve for its QC
        return (f"the 4D cine: frames {info.ed_frame} and {info.es_frame} are read from their "
                "own files (index reads every phase of it)")
    if name.endswith(".nii.gz") and "_frame" in name:
        return "not the ED or ES frame Info.cfg names"
    return "not a volume of this patient (<patient>_frameNN.nii.gz or <patient>_4d.nii.gz)"
