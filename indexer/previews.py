"""Cine previews for result cards: animated WebP at the true frame rate, plus a poster PNG.

Files are content-addressed (a hash of the source images and the preview settings), so a re-run
finds them and does no work.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from scipy.ndimage import gaussian_filter

from cmr_search.vocab import LAX_VIEWS, LGE_VIEWS, PreviewKind
from cmrclip.clips import ClipSpec
from cmrclip.preprocess import normalise, resample_slice
from reader.stack import Stack
from reader.views import StudyStacks

PREVIEW_SPEC = ClipSpec(frames=2, size=112, pixel_mm=1.4, name="preview")
_WEBP_QUALITY = 50
_WEBP_METHOD = 2  # encoder effort: 2 keeps a 25-frame preview near 20 ms
_SMOOTHING_PX = 0.7


@dataclass(frozen=True)
class Preview:
    animation: Path  # animated WebP (or a still WebP for LGE)
    poster: Path  # PNG of the first frame


def preview_key(source_uids: list[str], extra: str = "") -> str:
    h = hashlib.sha256(PREVIEW_SPEC.version.encode())
    for uid in source_uids:
        h.update(uid.encode())
    h.update(extra.encode())
    return h.hexdigest()[:24]


def _paths(root: Path, key: str) -> Preview:
    folder = root / key[:2]
    return Preview(folder / f"{key}.webp", folder / f"{key}.png")


def render_preview(stack: Stack, slice_index: int, center: np.ndarray, root: Path,
                   key: str) -> Preview:
    """Write (or find) the preview of one slice of a stack, cropped around the heart."""
    paths = _paths(root, key)
    if paths.animation.exists() and paths.poster.exists():
        return paths
    crop = normalise(resample_slice(stack, slice_index, center, PREVIEW_SPEC), PREVIEW_SPEC)
    # a light in-plane smoothing: noise costs most of the bytes and nothing a card needs
    crop = gaussian_filter(crop, (0.0, _SMOOTHING_PX, _SMOOTHING_PX))
    frames = [Image.fromarray((f * 255).astype(np.uint8)) for f in crop]
    paths.animation.parent.mkdir(parents=True, exist_ok=True)
    times = np.sort(stack.times_ms)
    duration = (float(np.median(np.diff(times))) if len(times) > 1
                else stack.rr_ms / max(len(times), 1))
    tmp = paths.animation.with_suffix(".partial.webp")
    if len(frames) > 1:
        frames[0].save(tmp, format="WEBP", save_all=True, append_images=frames[1:],
                       duration=max(round(duration), 20), loop=0, quality=_WEBP_QUALITY,
                       method=_WEBP_METHOD)
    else:
        frames[0].save(tmp, format="WEBP", quality=_WEBP_QUALITY + 20)
    tmp.replace(paths.animation)
    poster_tmp = paths.poster.with_suffix(".partial.png")
    frames[0].save(poster_tmp, format="PNG")
    poster_tmp.replace(paths.poster)
    return paths


def render_previews(stacks: StudyStacks, root: Path) -> dict[PreviewKind, Preview]:
    """A preview per view: the mid short-axis slice, each long-axis cine, and the middle image
    of the first LGE series (a still). Keyed by the study too: a study that reused another's
    SOP Instance UIDs showed that patient's images on its card."""
    sax, out = stacks.sax, {}
    study = stacks.study_instance_uid
    if sax is not None:
        out[PreviewKind.SAX] = render_preview(
            sax, sax.images.shape[0] // 2, stacks.sax_center, root,
            preview_key([study, *stacks.sax_source_uids], PreviewKind.SAX))
    for view, (_, kind) in LAX_VIEWS.items():
        if view in stacks.views:
            lax = stacks.views[view]
            out[kind] = render_preview(lax.stacks[0], 0, lax.center, root,
                                       preview_key([study, *lax.source_uids], kind))
    for view, (_, kind) in LGE_VIEWS.items():
        if view in stacks.views:
            lge = stacks.views[view]
            first = lge.stacks[0]
            out[kind] = render_preview(first, first.images.shape[0] // 2, stacks.sax_center,
                                       root, preview_key([study, *lge.source_uids], kind))
    return out
