"""Segmentation contours for the cine player: a transparent frame strip ("sprite") laid over
the cine, so a clinician can see which pixels a measurement counted.

The labels are the ones the measure stage stored with the study's measurements, cropped and
timed exactly like the player's frames (`indexer.overlay`). Each structure's outline is drawn
in its colour at twice the label resolution (thinner lines on the 224 px screen); everything
else is transparent.
"""

from __future__ import annotations

import io

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from PIL import Image
from scipy import ndimage

from accounts import Role
from catalog import PayloadField, point_id
from cmr_search.vocab import Structure
from indexer.records import MeasurementStore
from web.auth import require, viewed
from web.deps import layout_of, store_of
from web.media import SAFE_NAME

router = APIRouter(include_in_schema=False, dependencies=[Depends(require(Role.VIEWER))])

# the colours of the montages and the page legend: red cavity, green myocardium, blue RV
COLOURS: dict[Structure, tuple[int, int, int]] = {
    Structure.LV_CAVITY: (255, 64, 64),
    Structure.LV_MYOCARDIUM: (64, 230, 90),
    Structure.RV_CAVITY: (64, 170, 255),
}
_SCALE = 2


def outline_strip(labels: np.ndarray, scale: int = _SCALE) -> Image.Image:
    """RGBA strip of (frames, rows, cols) `Structure` codes: each frame's outlines side by
    side, `scale` times the label size, transparent elsewhere."""
    big = labels.repeat(scale, axis=1).repeat(scale, axis=2)
    rgba = np.zeros((*big.shape, 4), dtype=np.uint8)
    for code, colour in COLOURS.items():
        inside = big == code
        # the structure's own border pixels, per frame (no outline across frames)
        edge = inside & ~ndimage.binary_erosion(inside, structure=_in_plane())
        rgba[edge] = (*colour, 255)
    return Image.fromarray(np.concatenate(list(rgba), axis=1), mode="RGBA")


def _in_plane() -> np.ndarray:
    structure = np.zeros((3, 3, 3), dtype=bool)
    structure[1] = ndimage.generate_binary_structure(2, 1)
    return structure


def study_overlays(request: Request, uid: str) -> dict[str, np.ndarray]:
    """Player slot -> label frames the measure stage stored for the indexed study (empty
    when it was not measured, or measured by a model whose records are gone)."""
    hits = store_of(request).retrieve([point_id(uid)])
    if not hits:
        return {}
    payload = hits[0].payload
    model = str(payload.get(PayloadField.SEGMENTATION_MODEL) or "")
    fingerprint = str(payload.get(PayloadField.FINGERPRINT) or "")
    if not SAFE_NAME.match(model) or not fingerprint.isalnum():
        return {}
    store = MeasurementStore(layout_of(request).measurements, model)
    record = store.find(uid, fingerprint)
    return {} if record is None or not record.measured else record.overlays


@router.get("/media/contours/{uid}/{slot}.png")
def contours(request: Request, uid: str, slot: str) -> Response:
    """The outlines of one player slot's frames as a transparent PNG strip."""
    if len(uid) > 80 or not SAFE_NAME.match(uid) or not SAFE_NAME.match(slot):
        raise HTTPException(404, "no such study")
    labels = study_overlays(request, uid).get(slot)
    if labels is None or labels.ndim != 3 or not labels.size:
        raise HTTPException(404, f"study {uid} has no contours for {slot}")
    viewed(request, [uid], media=f"contours {slot}")
    buffer = io.BytesIO()
    outline_strip(labels).save(buffer, format="PNG", optimize=True)
    return Response(buffer.getvalue(), media_type="image/png")
