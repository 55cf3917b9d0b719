"""The cine player's media: which short-axis levels it offers, and the rate it plays at."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
from fakes.web import Secured
from fastapi.testclient import TestClient
from PIL import Image

from accounts import Role
from cmr_search.vocab import CINE_SLOTS, SAX_SLOTS
from cmrclip.clips import ClipSpec, StudyClips, empty_clips
from web.media import sax_slices


class _Cache:
    def __init__(self, clips: StudyClips) -> None:
        self.clips = clips

    def get(self, uid: str) -> StudyClips:
        return self.clips


def test_a_level_drawn_from_the_slice_before_it_is_not_offered_again() -> None:
    """A one-slice stack fills basal, mid and apical with one slice: three identical tabs."""
    clips = empty_clips("1.1", ClipSpec())
    rows = [CINE_SLOTS.index(s) for s in SAX_SLOTS]
    clips.cine_present[rows] = True
    clips.cine[rows] = 0.5
    assert sax_slices(_Cache(clips), "1.1") == [SAX_SLOTS[0].value]  # type: ignore[arg-type]
    clips.cine[rows[0], 0, 0, 0] = 0.25  # two slices: the basal its own, mid and apex alike
    assert sax_slices(_Cache(clips), "1.1") == [  # type: ignore[arg-type]
        SAX_SLOTS[0].value, SAX_SLOTS[1].value]


def test_a_preview_plays_at_the_rate_it_was_acquired(client: TestClient,
                                                     tmp_path: Path) -> None:
    """Long-axis cines of 22 phases 48 ms apart played at the model clip's 68.5 ms."""
    folder = tmp_path / "previews"
    folder.mkdir(parents=True, exist_ok=True)
    frames = [Image.fromarray(np.full((8, 8), 40 * k, np.uint8)) for k in range(3)]
    frames[0].save(folder / "1.1.webp", save_all=True, append_images=frames[1:],
                   duration=48, loop=0)
    page = client.get("/study/1.1").text
    assert 'data-interval="48.0"' in page and "21 frames/s" in page


def test_reading_notes_name_the_view_and_no_file() -> None:
    from web.media import reading_notes

    clips = empty_clips("1.1", ClipSpec())
    clips.notes = ["lvot_cine: /archive/PAT0042/1.dcm: pixel data cannot be decoded",
                   "ACDC NIfTI: no orientation"]
    assert reading_notes(_Cache(clips), "1.1") == [  # type: ignore[arg-type]
        ("lvot_cine", "pixel data cannot be decoded"), ("", "ACDC NIfTI: no orientation")]


def test_a_uid_the_index_takes_is_a_name_the_media_routes_take() -> None:
    """A UID ending in '.' was indexed, and its cines were 404: a blank player."""
    from web.media import SAFE_NAME

    assert SAFE_NAME.match("1.2.826.0.1.3680043.8.498.999.")
    assert not any(SAFE_NAME.match(x) for x in (".", "..", "../x", "a/b", ".1", ""))


def test_the_study_page_says_which_view_could_not_be_read(client: TestClient,
                                                          tmp_path: Path) -> None:
    from cmr_search.layout import DataLayout
    from cmrclip.clips import ClipCache

    spec = client.app.state.models.encoder().spec  # type: ignore[attr-defined]
    clips = empty_clips("1.1", spec)
    clips.notes = ["lvot_cine: LVOT/IM4.dcm: pixel data cannot be decoded (AttributeError)"]
    ClipCache(DataLayout(tmp_path).clips, spec).put(clips)
    page = client.get("/study/1.1").text
    assert ("Reading the images: LVOT: LVOT/IM4.dcm: pixel data cannot be decoded "
            "(AttributeError)") in page


def test_a_preview_fetched_by_url_is_in_the_trail_once(secured: Secured,
                                                        tmp_path: Path) -> None:
    """Previews are named by content, not study: a script could pull every result's cine and
    leave no trace but its searches."""
    folder = tmp_path / "previews"
    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(folder / "1.1.webp")
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(folder / "stray.webp")
    headers = secured.auth(Role.CLINICIAN)
    for _ in range(2):
        assert secured.client.get("/media/previews/1.1.webp", headers=headers).status_code == 200
    assert secured.client.get("/media/previews/stray.webp", headers=headers).status_code == 200
    accessed = secured.app.state.audit.entries(event_id="110103", user_name="clinician")
    token_id = secured.tokens[Role.CLINICIAN].split("_")[1]  # the token that fetched it
    assert [(e.study_uids, e.detail) for e in accessed] == [
        (["1.1"], {"media": "preview", "token_id": token_id})]


def test_a_store_that_fails_never_fails_a_preview() -> None:
    """Qdrant down (or its collection being rebuilt) turned static previews into 500s."""
    from web.owners import PreviewOwners

    class _Down:
        def scroll(self, *args: object, **kwargs: object) -> object:
            raise ConnectionError("qdrant is down")

    owners = PreviewOwners()
    assert owners.owner(_Down(), "previews/ab/abc.webp") is None  # type: ignore[arg-type]
    assert owners.owner(_Down(), "previews/ab/abc.webp") is None  # type: ignore[arg-type]


def _sax_clips(client: TestClient, data: Path, uid: str, level: float) -> Path:
    """A study's clip cache entry with a mid short-axis cine of one grey `level`."""
    from cmr_search.layout import DataLayout
    from cmrclip.clips import ClipCache

    spec = client.app.state.models.encoder().spec  # type: ignore[attr-defined]
    clips = empty_clips(uid, spec)
    row = CINE_SLOTS.index(SAX_SLOTS[1])
    clips.cine_present[row] = True
    clips.cine[row] = level
    cache = ClipCache(DataLayout(data).clips, spec)
    cache.put(clips)
    return cache.path(uid)


def _new_fingerprint(client: TestClient, uid: str, fingerprint: str) -> None:
    """The study re-indexed: its point in the index has another fingerprint."""
    from catalog import point_id
    from vectorstore.types import StorePoint

    store = client.app.state.store  # type: ignore[attr-defined]
    point = store._points[point_id(uid)]
    store.upsert([StorePoint(point.id, point.dense, point.sparse,
                             {**point.payload, "fingerprint": fingerprint})])


def test_a_cine_strip_is_drawn_again_for_a_re_indexed_study(client: TestClient,
                                                            tmp_path: Path) -> None:
    """The first strip drawn was served for good: a re-indexed study showed its old cine
    under its new contours."""
    _sax_clips(client, tmp_path, "1.1", 0.25)
    first = client.get("/media/sprite/1.1/sax_mid.png")
    assert first.status_code == 200
    (drawn,) = (tmp_path / "sprites" / "1.1").iterdir()
    os.utime(drawn, (time.time() - 3600, time.time() - 3600))  # no longer being sent
    _sax_clips(client, tmp_path, "1.1", 0.75)
    _new_fingerprint(client, "1.1", "f" * 32)
    second = client.get("/media/sprite/1.1/sax_mid.png")
    assert second.status_code == 200 and second.content != first.content
    assert [p.name for p in (tmp_path / "sprites" / "1.1").iterdir()] == \
        [f"sax_mid-{'f' * 16}.png"]  # the old version is gone


def test_no_cine_strip_for_a_study_not_in_the_index(client: TestClient,
                                                    tmp_path: Path) -> None:
    """Clips of a study removed from the index (or never in it) were served."""
    _sax_clips(client, tmp_path, "9.9", 0.5)
    answer = client.get("/media/sprite/9.9/sax_mid.png")
    assert answer.status_code == 404 and "not in the index" in answer.text


def test_first_views_of_a_cine_at_once_each_get_the_whole_strip(client: TestClient,
                                                                 tmp_path: Path) -> None:
    """Two first requests wrote one partial file together: 500s, and strips cut short."""
    from concurrent.futures import ThreadPoolExecutor

    _sax_clips(client, tmp_path, "1.1", 0.5)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: client.get("/media/sprite/1.1/sax_mid.png"),
                                range(16)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1 and answers[0].content
    assert not list((tmp_path / "sprites").rglob("*.partial.png"))


def test_a_damaged_clip_cache_entry_is_no_500(client: TestClient, tmp_path: Path) -> None:
    """A truncated .npz (a crash while writing) raised BadZipFile: the study page, the
    compare page and the cine were 500s."""
    path = _sax_clips(client, tmp_path, "1.1", 0.5)
    path.write_bytes(path.read_bytes()[:len(path.read_bytes()) // 2])
    assert client.get("/study/1.1").status_code == 200
    assert client.get("/compare", params={"a": "1.1", "b": "2.1"}).status_code == 200
    assert client.get("/media/sprite/1.1/sax_mid.png").status_code == 404
    path.write_bytes(b"")
    assert client.get("/study/1.1").status_code == 200
