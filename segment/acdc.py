"""ACDC-style NIfTI patient folders read for segmentation, as `cmr-search index` reads them.

A folder with a 4D cine (patientNNN_4d.nii.gz) is read from it, every phase, as the indexer
reads it (`reader.nifti.load_acdc_stack`): segment read the ED and ES frame files instead, so
the two commands could measure one folder differently (the indexer's QC sees the whole volume
curve), and a folder holding only the 4D cine was refused ("missing frame volume"). Its mask
is one 4D file named after it. A folder without a 4D cine is read from the ED and ES frame
files Info.cfg names, as the indexer reads it too. Every other file in the folder is left out
and named with the reason (a label map such as patient001_frame01_gt.nii.gz is never read
as an image).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np

from reader.nifti import AcdcStudy, NiftiError, frame_volumes, load_acdc_stack, read_info
from segment.io import SaxStudy, StudyReadError, body_size, geometry_problem, sax_from_stack

_LABEL_SUFFIX = "_gt.nii.gz"  # ACDC's ground truth beside each frame volume


def read_acdc(folder: Path) -> SaxStudy:
    """The short-axis cine of an ACDC-style patient folder: every phase of its 4D cine where it
    has one, else the ED and ES frame volumes; the other files named in `SaxStudy.skipped`."""
    try:
        info = read_info(folder)
        four_d = info.volume("4d")
        sax = _read_cine(info, four_d) if four_d.is_file() else _read_pair(info)
    except NiftiError as error:
        raise StudyReadError(str(error)) from error
    sax.skipped = _left_out(info, four_d if four_d.is_file() else None)
    return sax


def _read_pair(info: AcdcStudy) -> SaxStudy:
    """The ED and ES volumes (as (slices, x, y) arrays); one when ED is ES."""
    numbers = list(dict.fromkeys((info.ed_frame, info.es_frame)))
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


def _read_cine(info: AcdcStudy, four_d: Path) -> SaxStudy:
    """Every phase of the 4D cine, built as `indexer.measure` builds it (the same stack, the
    same body size and ED/ES hints), with the file's affine and header for its mask."""
    stack = load_acdc_stack(info)
    sax = sax_from_stack(info.patient_id, stack, None, str(four_d))
    sax.height_cm, sax.weight_kg = body_size(info.height_cm or None, info.weight_kg or None)
    sax.geometry_known = False  # ACDC volumes carry no patient orientation
    sax.ed_hint, sax.es_hint = info.ed_frame, info.es_frame
    image: Any = nib.load(four_d)  # the header and affine only: the pixels are read
    n = len(sax.phases)
    sax.affines = [np.asarray(image.affine)] * n
    sax.headers = [image.header] * n
    sax.names = [four_d.name.removesuffix(".nii.gz")] * n
    sax.one_file = True
    return sax


def _left_out(info: AcdcStudy, four_d: Path | None) -> list[tuple[str, str]]:
    """(file, why) for every file of the folder not read, but Info.cfg."""
    read = {four_d} if four_d is not None else {
        info.volume(f"frame{n:02d}") for n in (info.ed_frame, info.es_frame)}
    named = {info.volume(f"frame{n:02d}"): n for n in (info.ed_frame, info.es_frame)}
    skipped = []
    for path in sorted(p for p in info.folder.iterdir() if p.is_file()):
        if path in read or path.name == "Info.cfg":
            continue
        skipped.append((str(path), _why_left_out(path, named, four_d)))
    return skipped


def _why_left_out(path: Path, named: dict[Path, int], four_d: Path | None) -> str:
    name = path.name
    if name.endswith(_LABEL_SUFFIX):
        return "a label map (ground truth), not an image: not segmented"
    if path in named and four_d is not None:
        return (f"frame {named[path]} is read from {four_d.name}, as index reads it (its mask "
                f"is that file's, frame {named[path]})")
    if name.endswith(".nii.gz") and "_frame" in name:
        return "not the ED or ES frame Info.cfg names"
    return "not a volume of this patient (<patient>_frameNN.nii.gz or <patient>_4d.nii.gz)"
