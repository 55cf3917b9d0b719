"""The site's icon, drawn here from one outline: a white heart on the accent blue, as SVG (the
pages link it) and as ICO at /favicon.ico, which every browser asks for by itself (a 404 in
each console before). Drawn in code: no binary file to keep in step with the SVG.

The pages link it under /static/, whose answers the security middleware leaves cacheable (it
sends `no-store` with everything else, which carries patient data): served at /favicon.svg,
its "cache a day" was replaced by `no-store`, and every page fetched it again. Anyone may ask
for it, and nothing of who asks is read (no session, no account): it is the same for all.
"""

from __future__ import annotations

import io
import math
from functools import cache

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from PIL import Image, ImageDraw

ACCENT = "#0b5cad"  # the light theme's accent (app.css): a tab strip is light or dark
_BOX = 32  # the outline's units: one per pixel of a 32 px icon
_CORNER = 6  # the background square's corner radius, in those units
_POINTS = 48  # around the outline: smooth at 32 px and no longer than it needs to be


def heart_outline() -> list[tuple[float, float]]:
    """The heart as a closed outline in a 32 x 32 box (the classic parametric heart curve,
    x = 16 sin^3 t, y = 13 cos t - 5 cos 2t - 2 cos 3t - cos 4t, scaled and centred)."""
    out = []
    for i in range(_POINTS):
        t = 2 * math.pi * i / _POINTS
        x = 16 * math.sin(t) ** 3
        y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
        out.append((round(16 + 0.72 * x, 2), round(16.3 - 0.72 * (y + 2.5), 2)))
    return out


def favicon_svg() -> str:
    points = " ".join(f"{x:g},{y:g}" for x, y in heart_outline())
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_BOX} {_BOX}">'
            f'<rect width="{_BOX}" height="{_BOX}" rx="{_CORNER}" fill="{ACCENT}"/>'
            f'<polygon points="{points}" fill="#fff"/></svg>')


@cache
def favicon_ico() -> bytes:
    """The icon as ICO, 16 and 32 px, drawn at 8 times the size and scaled down (smooth
    edges without an anti-aliasing renderer)."""
    scale = 8
    image = Image.new("RGBA", (_BOX * scale, _BOX * scale), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, _BOX * scale - 1, _BOX * scale - 1), _CORNER * scale,
                           fill=ACCENT)
    draw.polygon([(x * scale, y * scale) for x, y in heart_outline()], fill="#ffffff")
    small = image.resize((_BOX, _BOX), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, format="ICO", sizes=[(16, 16), (32, 32)])
    return out.getvalue()


router = APIRouter(include_in_schema=False)
_CACHED = {"Cache-Control": "public, max-age=86400"}  # a day: it changes with a release


async def _anyone() -> None:
    """A route anyone may ask, who asks left unread: the session is not opened (its `Vary:
    Cookie`), no account looked up (a query for each icon)."""


_anyone.__dict__["required_role"] = None  # read by the test that walks the routes
_PUBLIC = [Depends(_anyone)]


@router.get("/static/favicon.svg", dependencies=_PUBLIC)
def favicon_vector() -> Response:
    """The icon the pages link: sharp at any size."""
    return Response(favicon_svg(), media_type="image/svg+xml", headers=_CACHED)


@router.get("/static/favicon.ico", dependencies=_PUBLIC)
@router.get("/favicon.ico", dependencies=_PUBLIC)
def favicon() -> Response:
    """The icon every browser asks for by itself at /favicon.ico, on every page where none is
    linked (a 404 in its console), and the pages link beside the SVG."""
    return Response(favicon_ico(), media_type="image/x-icon", headers=_CACHED)
