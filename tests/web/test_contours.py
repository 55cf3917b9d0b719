"""Segmentation contours over the cine player: the outline strip, the route, the toggle."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from fakes.index import CASES, SEGMENTATION_MODEL, fingerprint
from fastapi.testclient import TestClient
from PIL import Image

from cmr_search.layout import DataLayout
from cmr_search.vocab import Structure
from indexer.records import MeasurementRecord, MeasurementStore
from web.contours import COLOURS, outline_strip


def _labels(frames: int = 3, size: int = 16) -> np.ndarray:
    labels = np.zeros((frames, size, size), dtype=np.uint8)
    labels[:, 3:13, 3:13] = Structure.LV_MYOCARDIUM
    for k in range(frames):  # a cavity that shrinks over the frames
        r = 4 - k
        labels[k, 8 - r:8 + r, 8 - r:8 + r] = Structure.LV_CAVITY
    labels[:, 3:13, 13:16] = Structure.RV_CAVITY
    return labels


def test_outlines_are_drawn_per_frame_at_twice_the_size_and_transparent_inside() -> None:
    strip = np.asarray(outline_strip(_labels()))
    assert strip.shape == (32, 3 * 32, 4)
    first = strip[:, :32]
    assert tuple(first[2 * 4, 2 * 8][:3]) == COLOURS[Structure.LV_CAVITY]  # cavity border
    assert tuple(first[2 * 3, 2 * 5][:3]) == COLOURS[Structure.LV_MYOCARDIUM]
    assert first[16, 16, 3] == 0  # inside the cavity: the cine shows through
    assert first[0, 0, 3] == 0  # background
    last = strip[:, 64:]
    assert last[2 * 4, 2 * 8, 3] == 0 and tuple(last[2 * 6, 2 * 8][:3]) == \
        COLOURS[Structure.LV_CAVITY]  # the cavity moved inward: its own outline


def _record(data: Path, uid: str) -> None:
    case = next(c for c in CASES if c.uid == uid)
    store = MeasurementStore(DataLayout(data).measurements, SEGMENTATION_MODEL)
    store.put(MeasurementRecord(uid, fingerprint(case), SEGMENTATION_MODEL,
                                overlays={"sax_mid": _labels(), "sax": _labels(5)}))


def test_the_route_serves_a_measured_studys_outlines(client: TestClient,
                                                      tmp_path: Path) -> None:
    _record(tmp_path, "5.1")
    answer = client.get("/media/contours/5.1/sax_mid.png")
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(answer.content))
    assert image.mode == "RGBA" and image.size == (3 * 32, 32)
    assert client.get("/media/contours/5.1/sax_base.png").status_code == 404
    assert client.get("/media/contours/7.1/sax_mid.png").status_code == 404  # not measured
    assert client.get("/media/contours/nope/sax_mid.png").status_code == 404
    assert client.get("/media/contours/5.1/..%2f..%2fx.png").status_code == 404


def test_the_study_page_offers_the_toggle_only_with_contours(client: TestClient,
                                                             tmp_path: Path) -> None:
    _record(tmp_path, "5.1")
    page = client.get("/study/5.1").text
    assert 'data-contours="/media/contours/5.1/sax.png"' in page
    assert 'class="show-contours"' in page
    assert "show-contours" not in client.get("/study/6.1").text  # measured, no record on disk


def test_images_fetched_on_their_own_are_in_the_trail_once(client: TestClient,
                                                            tmp_path: Path) -> None:
    """A script pulling a study's images by URL left no trace; one entry per person and
    study in a quarter of an hour, none beside a page view of it."""
    _record(tmp_path, "5.1")
    trail = client.app.state.audit  # type: ignore[attr-defined]
    for slot in ("sax_mid", "sax", "sax_mid"):
        assert client.get(f"/media/contours/5.1/{slot}.png").status_code == 200
    assert client.get("/media/contours/7.1/sax_mid.png").status_code == 404  # nothing shown
    (entry,) = trail.entries(event_id="110103")
    assert entry.study_uids == ["5.1"] and entry.detail == {"media": "contours sax_mid"}
    client.get("/study/6.1")
    _record(tmp_path, "6.1")
    client.get("/media/contours/6.1/sax.png")  # the page's own images: its entry says it
    assert [e.study_uids for e in trail.entries(event_id="110103")] == [["5.1"], ["6.1"]]


def test_a_damaged_measurement_record_is_no_500(client: TestClient, tmp_path: Path) -> None:
    """A truncated record raised BadZipFile: the study page and its contours were 500s."""
    _record(tmp_path, "5.1")
    (path,) = (tmp_path / "measurements").rglob("5.1__*.npz")
    path.write_bytes(path.read_bytes()[:len(path.read_bytes()) // 2])
    assert client.get("/media/contours/5.1/sax_mid.png").status_code == 404
    assert client.get("/study/5.1").status_code == 200
