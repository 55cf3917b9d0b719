"""One study's model clips and previews, from its pixels decoded once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cmr_search.vocab import PreviewKind
from cmrclip.clips import StudyClips
from cmrclip.preprocess import Preprocess
from indexer.previews import Preview, render_previews
from reader.nifti import AcdcStudy, acdc_stacks
from reader.scan import Study
from reader.views import StudyStacks, load_study_stacks


@dataclass
class Assembly:
    clips: StudyClips
    previews: dict[PreviewKind, Preview] = field(default_factory=dict)


def study_stacks(study: Study | AcdcStudy,
                 timings: dict[str, float] | None = None) -> StudyStacks:
    """The decoded views of a DICOM study, or the short-axis cine of a research (ACDC-style
    NIfTI) study; raises PixelError or NiftiError when the short-axis cine is unusable."""
    if isinstance(study, AcdcStudy):
        return acdc_stacks(study)
    return load_study_stacks(study, timings)


def assemble_stacks(stacks: StudyStacks, preprocess: Preprocess,
                    timings: dict[str, float] | None = None,
                    preview_root: Path | None = None) -> Assembly:
    """The model's input for every view of decoded stacks, and their previews under
    `preview_root` when given."""
    clips = preprocess(stacks, timings)
    previews = render_previews(stacks, preview_root) if preview_root is not None else {}
    return Assembly(clips, previews)


def assemble_study(study: Study | AcdcStudy, preprocess: Preprocess,
                   timings: dict[str, float] | None = None,
                   preview_root: Path | None = None) -> Assembly:
    """The model's input for every view a study has (and its previews under `preview_root`,
    when given); raises PixelError if its short-axis cine is unusable. `timings` gains seconds
    per stage."""
    return assemble_stacks(study_stacks(study, timings), preprocess, timings, preview_root)
