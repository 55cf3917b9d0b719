"""Training pairs from an archive: studies with an impression, clips from the shared cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmrclip.clips import ClipCache
from cmrclip.model import preprocess_for
from indexer.pairs import NoPairsError, load_pairs

pytestmark = pytest.mark.slow  # indexes or trains with a real archive


def test_pairs_have_clips_and_impressions_and_fill_the_cache(archive: Path,
                                                             tmp_path: Path) -> None:
    preprocess = preprocess_for("tiny")
    spec = preprocess.spec
    pairs = load_pairs(archive, preprocess, tmp_path, workers=1)
    assert len(pairs) == 5  # the study without a report is left out
    assert pairs.cine.shape[1:] == (7, 16, 64, 64)
    assert all(text for text in pairs.texts)
    assert all(ClipCache(tmp_path, spec).get(uid) is not None for uid in pairs.study_uids)
    everything = load_pairs(archive, preprocess, tmp_path, workers=2, require_report=False)
    assert len(everything) == 6 and set(pairs.study_uids) < set(everything.study_uids)


def test_an_archive_with_nothing_to_pair_says_so(tmp_path: Path) -> None:
    (tmp_path / "archive").mkdir()
    with pytest.raises(NoPairsError, match=r"archive: no study with a usable cine and a report"):
        load_pairs(tmp_path / "archive", preprocess_for("tiny"), tmp_path / "cache")
