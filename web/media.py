"""Preview media: the WebP previews as files, and frame strips ("sprites") for the cine player.

A sprite is every frame of a cine side by side in one PNG, so the player can step, pause and
change speed without decoding video in the browser. Short-axis slices other than the preview's
come from the clip cache the indexer wrote (the model's 96 px crops).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response
from PIL import Image, ImageSequence
from starlette.staticfiles import StaticFiles

from accounts import Role
from catalog import PayloadField, point_id, without_paths
from cmr_search.vocab import CINE_SLOTS, SAX_SLOTS, ClipSlot, PreviewKind
from cmrclip.clips import ClipCache
from reader.views import split_note
from vectorstore import StoreError
from web.auth import require, viewed
from web.deps import layout_of, store_of, study_encoder
from web.owners import PreviewOwners

logger = logging.getLogger(__name__)
# previews and cines are patient images: a viewer's at least
router = APIRouter(include_in_schema=False, dependencies=[Depends(require(Role.VIEWER))])

PREVIEW_SLOTS = tuple(k.value for k in PreviewKind)
SAX_SLICES = tuple(s.value for s in SAX_SLOTS)
# a DICOM UID (digits and dots; a trailing or doubled dot as some exports write them, which
# the index takes), or a test's name: never '.', '..' or a path
_SETTLED_S = 600  # a strip's other version goes once not served this long: none is in flight
SAFE_NAME = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]*(\.[0-9A-Za-z_-]*)*$")


def _strip(frames: list[np.ndarray]) -> Image.Image:
    return Image.fromarray(np.concatenate(frames, axis=1))


def preview_frames(path: Path) -> list[np.ndarray]:
    with Image.open(path) as image:
        return [np.asarray(frame.convert("L")) for frame in ImageSequence.Iterator(image)]


def clip_frames(cache: ClipCache, uid: str, slot: str) -> list[np.ndarray]:
    clips = cache.get(uid)
    if clips is None:
        return []
    index = CINE_SLOTS.index(ClipSlot(slot))
    if not bool(clips.cine_present[index]):
        return []
    cine = np.clip(clips.cine[index].astype(np.float32), 0, 1)
    return [(frame * 255).astype(np.uint8) for frame in cine]


def clip_interval_ms(cache: ClipCache, uid: str) -> float | None:
    """Frame interval of the short-axis clips (one cardiac cycle resampled), if cached."""
    clips = cache.get(uid)
    return float(clips.frame_interval_ms) if clips is not None and clips.frame_interval_ms \
        else None


def sax_slices(cache: ClipCache, uid: str) -> list[str]:
    """The short-axis levels a study's player offers: a level drawn from the same slice as
    the one before it (a stack of one or two slices fills all three) is not offered again."""
    clips = cache.get(uid)
    if clips is None:
        return []
    kept: list[str] = []
    for slot in SAX_SLOTS:
        index = CINE_SLOTS.index(slot)
        if not bool(clips.cine_present[index]):
            continue
        if kept and np.array_equal(clips.cine[index],
                                   clips.cine[CINE_SLOTS.index(ClipSlot(kept[-1]))]):
            continue
        kept.append(slot.value)
    return kept


def reading_notes(cache: ClipCache, uid: str) -> list[tuple[str, str]]:
    """What reading the study's images left out or assumed, as (view or "", why) without its
    files' paths ("lvot_cine", "pixel data cannot be decoded"): a view the header lists but no
    player shows."""
    clips = cache.get(uid)
    out = []
    for note in clips.notes if clips is not None else []:
        view, why = split_note(note)
        out.append((view, without_paths(why)))
    return out


def preview_interval_ms(request: Request, path: str | None, fallback: float) -> float:
    """The frame duration a preview was written with: its acquisition's own rate (a long-axis
    cine of 22 phases played at the rate of the model's 16-frame clip, 40 % slow)."""
    if path:
        try:
            with Image.open(layout_of(request).root / path) as image:
                image.load()  # the first frame's duration is read with the frame
                duration = image.info.get("duration")
        except (OSError, ValueError):
            duration = None
        if isinstance(duration, int | float) and duration > 0:
            return float(duration)
    return fallback


@router.get("/media/sprite/{uid}/{slot}.png")
def sprite(request: Request, uid: str, slot: str) -> FileResponse:
    """A cine's frames side by side, drawn once per version of the indexed study: a study
    re-indexed with other images gets its new cine, and one no longer indexed none."""
    if len(uid) > 80 or not SAFE_NAME.match(uid) or slot not in (*PREVIEW_SLOTS, *SAX_SLICES):
        raise HTTPException(404, "no such cine")
    layout = layout_of(request)
    payload = _indexed(request, uid)
    version = str(payload.get(PayloadField.FINGERPRINT) or "")[:16]
    target = layout.sprites / uid / f"{slot}-{version}.png"
    try:
        os.utime(target)  # served now: no cleanup removes it while it is being sent
    except FileNotFoundError:
        frames = _frames(request, layout.root, payload, uid, slot)
        if not frames:
            raise HTTPException(404, f"study {uid} has no {slot} cine") from None
        _write_once(target, _strip(frames), slot)
    except OSError:  # a read-only data folder: served as it is
        pass
    viewed(request, [uid], media=f"cine {slot}")
    return FileResponse(target, media_type="image/png")


def _indexed(request: Request, uid: str) -> dict[str, Any]:
    """The indexed study's payload; 404 when the index does not hold it."""
    try:
        hits = store_of(request).retrieve([point_id(uid)])
    except StoreError as error:  # no index yet: it was a 500
        raise HTTPException(503, f"{error}".splitlines()[0]) from None
    if not hits:
        raise HTTPException(404, f"study {uid} is not in the index")
    return dict(hits[0].payload)


def _write_once(target: Path, image: Image.Image, slot: str) -> None:
    """Write `target` whole under a name of this request's own (two first views of a study
    wrote one partial file together: 500s, and images cut short), then remove the slot's
    other versions (and the one unversioned name an earlier release wrote)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".partial.png")
    try:
        with os.fdopen(handle, "wb") as out:
            image.save(out, format="PNG", optimize=True)
        os.replace(name, target)
    finally:
        Path(name).unlink(missing_ok=True)
    # a version served in the last minutes stays (a response may still be sending it); a
    # partial a killed process left behind goes too
    settled = time.time() - _SETTLED_S
    for old in [*target.parent.glob(f"{slot}-*.png"), target.parent / f"{slot}.png",
                *target.parent.glob(".*.partial.png")]:
        with contextlib.suppress(OSError):
            if old != target and old.stat().st_mtime < settled:
                old.unlink()


def _files(request: Request, name: str) -> StaticFiles:
    """A StaticFiles per preview folder (its lookup refuses paths that leave the folder)."""
    cache: dict[str, StaticFiles] = request.app.state.media_files
    if name not in cache:
        layout = layout_of(request)
        folder = layout.previews if name == "previews" else layout.upload_previews
        folder.mkdir(parents=True, exist_ok=True)
        cache[name] = StaticFiles(directory=folder)
    return cache[name]


@router.get("/media/previews/{path:path}")
async def preview(request: Request, path: str) -> Response:
    """An indexed study's animated preview or poster (Instances Accessed, once per person and
    study in a while, as a cine strip is)."""
    relative = _relative(path)
    response = await _files(request, "previews").get_response(relative, request.scope)
    if response.status_code == 200:
        owners: PreviewOwners = request.app.state.preview_owners
        uid = await run_in_threadpool(owners.owner, store_of(request), f"previews/{relative}")
        if uid is not None:
            await run_in_threadpool(viewed, request, [uid], media="preview")
    return response


@router.get("/media/uploads/previews/{path:path}")
async def upload_preview(request: Request, path: str) -> Response:
    """An uploaded study's preview."""
    return await _files(request, "uploads").get_response(_relative(path), request.scope)


def _relative(path: str) -> str:
    """As StaticFiles itself normalises a mounted path (its lookup then keeps it inside)."""
    return os.path.normpath(os.path.join(".", *path.split("/")))


def _frames(request: Request, data_dir: Path, payload: dict[str, Any], uid: str,
            slot: str) -> list[np.ndarray]:
    if slot in SAX_SLICES:
        spec = study_encoder(request).spec
        return clip_frames(ClipCache(layout_of(request).clips, spec), uid, slot)
    path = (payload.get(PayloadField.PREVIEWS) or {}).get(slot)
    if not path or not (data_dir / path).is_file():
        return []
    return preview_frames(data_dir / path)
