"""The pixels of the views a study has, decoded once, with the heart located in each.

What the model's preprocessing (`cmrclip.preprocess`) and the previews (`indexer.previews`)
both start from, so a study's pixels are decoded a single time.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from cmr_search.vocab import LAX_VIEWS, LGE_VIEWS, View
from reader.locate import heart_center, lax_center
from reader.series import Series
from reader.stack import PixelError, Stack, load_stack

if TYPE_CHECKING:  # scan reads research folders, whose stacks are built here too
    from reader.scan import Study


@dataclass
class ViewStacks:
    """One view: its decoded series, where the heart is (mm), and the UIDs that name it."""

    stacks: list[Stack]
    center: np.ndarray
    source_uids: list[str]  # what a preview of this view is keyed by


@dataclass
class StudyStacks:
    """The short-axis cine (base to apex), the long-axis cines and the LGE series of a study.

    `views` holds the long-axis cines (first series only) and the LGE stacks (every series),
    with the centre each is cropped around; `notes` says what could not be read. `sax` is
    None for a study with long-axis cines only (or a short-axis cine that cannot be read):
    `sax_center` is then the heart in the first long-axis view.
    """

    study_instance_uid: str
    sax: Stack | None
    sax_center: np.ndarray
    sax_source_uids: list[str]
    views: dict[View, ViewStacks] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _timed_load(series: Series, timings: dict[str, float]) -> Stack:
    started = time.perf_counter()
    try:
        return load_stack(series)
    finally:
        timings["pixel_decode"] = timings.get("pixel_decode", 0.0) + \
            time.perf_counter() - started


_UID_IN_PATH = re.compile(r"\b\d+(?:\.\d+){3,}\b")
_VIEW_NAMES = frozenset(v.value for v in View)


def _inside(error: Exception, study: Study) -> str:
    """A reader's message with its files named inside the study ("LVOT/IM4.dcm: ..."): the
    study page shows it, and the archive's folders often carry the patient's ID. A file a
    PACS sent is named by its UIDs, which a de-identified index must not show: "[uid]"."""
    return _UID_IN_PATH.sub("[uid]", str(error).replace(f"{study.folder}{os.sep}", ""))


def split_note(note: str) -> tuple[str, str]:
    """A reading note as (the view it left out, why), or ("", the note) when it names no view
    (an assumption: "ACDC NIfTI: no orientation"). Notes read "<view>: <why>"."""
    view, sep, why = note.partition(": ")
    return (view, why) if sep and view in _VIEW_NAMES else ("", note)


def load_study_stacks(study: Study, timings: dict[str, float] | None = None) -> StudyStacks:
    """Decode every view a study has; raises PixelError when it has no cine that can be read.

    A broken series is left out with a note; without a short-axis cine the long-axis cines
    locate the heart (a study of the aorta or the valves is still searched by its report and
    images). `timings` gains pixel_decode (s).
    """
    timings = timings if timings is not None else {}
    notes: list[str] = []
    sax, center, sax_uids = None, None, []
    sax_series = study.series_for(View.SAX_CINE)
    if sax_series:
        chosen = max(sax_series, key=lambda s: (s.n_slices, s.n_images))
        try:
            sax = _timed_load(chosen, timings).base_to_apex()
        except PixelError as error:
            notes.append(f"{View.SAX_CINE.value}: {_inside(error, study)}")
        else:
            center = heart_center(sax, sax.images.shape[0] // 2)
            sax_uids = [f.sop_instance_uid for f in chosen.slices[0].frames]
    views: dict[View, ViewStacks] = {}
    for view in (*LAX_VIEWS, *LGE_VIEWS):
        series = study.series_for(view)
        if not series or (center is None and view in LGE_VIEWS):
            continue  # LGE is cropped where a cine found the heart (it does not move)
        try:
            stacks = [_timed_load(s, timings) for s in (series if view in LGE_VIEWS
                                                         else series[:1])]
        except PixelError as error:  # the study page says which view, and why
            notes.append(f"{view.value}: {_inside(error, study)}")
            continue
        if center is None:
            center = heart_center(stacks[0], 0)
        where = center if view in LGE_VIEWS else lax_center(stacks[0], center)
        views[view] = ViewStacks(stacks, where, [series[0].series_instance_uid])
    if center is None:
        # what each view lost after a colon, not in brackets: an index run counts its
        # skipped studies by what comes before the first one
        raise PixelError(f"{study.folder}: no short-axis or long-axis cine that can be read"
                         + (f": {'; '.join(notes)}" if notes else ""))
    return StudyStacks(study.study_instance_uid, sax, center, sax_uids, views, notes)
