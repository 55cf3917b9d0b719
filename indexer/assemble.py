"""One study's model clips and previews, from its pixels decoded once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cmr_search.vocab import PreviewKind
from cmrclip.clips import StudyClips
from cmrclip.preprocess import Preprocess
from indexer.previews import Preview, render_previews
from reader.scan import Study
from reader.views import load_study_stacks


@dataclass
class Assembly:
    clips: StudyClips
    previews: dict[PreviewKind, Preview] = field(default_factory=dict)


def assemble_study(study: Study, preprocess: Preprocess,
                   timings: dict[str, float] | None = None,
                   preview_root: Path | None = None) -> Assembly:
    """The model's input for every view a study has (and its previews under `preview_root`,
    when given); raises PixelError if its short-axis cine is unusable. `timings` gains seconds
    per stage."""
    stacks = load_study_stacks(study, timings)
    clips = preprocess(stacks, timings)
    previews = render_previews(stacks, preview_root) if preview_root is not None else {}
    return Assembly(clips, previews)
