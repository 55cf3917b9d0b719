"""Which view each series shows: from vendors' description habits, checked against structure
(slices, phases, inversion times) and, for unnamed series, from geometry alone.
"""

from __future__ import annotations

import re

import numpy as np

from cmr_search.vocab import View
from reader.series import Series

_OTHER = re.compile(
    r"loc|scout|survey|aahscout|haste|t1|t2|map|molli|smart1|look.?locker|\bll_|"
    r"cine.?ir|perf|flow|phase.?contrast|\bpc\b|vel|mag|stir|tse|dwi|angio|mra|"
    # a console's screenshots and protocol dumps: a PACS refused to send one by C-GET (a
    # secondary capture), which failed the whole study on every run
    r"screen.?save|secondary.?capture|phoenix|zip.?report|dose.?report", re.I)
_LGE = re.compile(r"lge|psir|\bmde\b|\bde[_ ]|delayed|late|ir.?tfe|\bpsir|viab", re.I)
_CINE = re.compile(r"cine|trufi|fiesta|b.?tfe|btfe|ssfp|fisp", re.I)
_VIEW_TOKENS = (
    (re.compile(r"lvot", re.I), "lvot"),
    (re.compile(r"4.?ch|hla|horizontal|four", re.I), "4ch"),
    (re.compile(r"3.?ch|three", re.I), "3ch"),
    (re.compile(r"2.?ch|vla|vertical|two", re.I), "2ch"),
    (re.compile(r"\bsax?\b|sax|short|sa_|_sa\b|\bsa\b|stack", re.I), "sax"),
    (re.compile(r"\blax\b|long", re.I), "lax"),
)
_CINE_VIEWS = {"sax": View.SAX_CINE, "2ch": View.CH2_CINE, "3ch": View.CH3_CINE,
               "4ch": View.CH4_CINE, "lvot": View.LVOT_CINE}
# Angle (deg, modulo 180) of a long-axis plane's normal around the LV axis, measured from the
# patient's anterior direction projected into the short-axis plane.
_LAX_PROTOTYPES = {"4ch": 0.0, "3ch": 55.0, "2ch": 90.0}
_MIN_CINE_PHASES = 8


def _view_token(description: str) -> str | None:
    for pattern, token in _VIEW_TOKENS:
        if pattern.search(description):
            return token
    return None


def _is_time_series(s: Series) -> bool:
    return s.n_phases >= _MIN_CINE_PHASES and not s.inversion_varies


def _structural_other(s: Series) -> bool:
    localizer = any("LOCALIZER" in t.upper() for t in s.image_type)
    return localizer or not s.single_orientation or s.inversion_varies or s.normal is None


def named_other(description: str) -> bool:
    """Whether a series description alone names something no view is made of (localizer,
    scout, maps, flow, ...): how a series is judged before any of its headers are read."""
    return bool(_OTHER.search(description)) and not _LGE.search(description)


def reference_axis(series: list[Series]) -> np.ndarray | None:
    """The LV long axis: the normal of the short-axis cine stack (most slices with time)."""
    stacks = [s for s in series if _is_time_series(s) and s.n_slices >= 4 and s.normal is not None]
    if not stacks:
        return None
    best = max(stacks, key=lambda s: (s.n_slices, s.n_images))
    return best.normal


def _lax_kind(normal: np.ndarray, axis: np.ndarray) -> str:
    anterior = np.array([0.0, -1.0, 0.0])
    a = anterior - (anterior @ axis) * axis
    if np.linalg.norm(a) < 1e-3:
        a = np.array([1.0, 0.0, 0.0]) - axis[0] * axis
    a /= np.linalg.norm(a)
    b = np.cross(axis, a)
    angle = float(np.degrees(np.arctan2(normal @ b, normal @ a))) % 180.0

    def distance(prototype: float) -> float:
        d = abs(angle - prototype) % 180.0
        return min(d, 180.0 - d)

    return min(_LAX_PROTOTYPES, key=lambda k: distance(_LAX_PROTOTYPES[k]))


def _from_geometry(s: Series, axis: np.ndarray | None, lge: bool) -> View:
    assert s.normal is not None
    cos = 1.0 if axis is None else abs(float(s.normal @ axis))
    if lge:
        return View.LGE_SAX if (s.n_slices >= 3 or cos >= 0.8) else View.LGE_LAX
    if s.n_slices >= 4 or cos >= 0.8:
        return View.SAX_CINE
    if axis is None:
        return View.OTHER
    if cos >= 0.2:
        return View.LVOT_CINE
    return _CINE_VIEWS[_lax_kind(s.normal, axis)]


def classify(s: Series, axis: np.ndarray | None) -> View:
    """View of one series, given the study's LV long axis (None if it has no SAX stack)."""
    description = s.series_description
    if _structural_other(s) or named_other(description):
        return View.OTHER
    single_phase = s.n_phases <= 2
    if _LGE.search(description) or (single_phase and not _CINE.search(description)):
        if not single_phase:
            return View.OTHER  # an inversion-recovery series with time: a TI scout
        token = _view_token(description)
        if token == "sax":
            return View.LGE_SAX
        if token in ("2ch", "3ch", "4ch", "lax", "lvot"):
            return View.LGE_LAX
        return _from_geometry(s, axis, lge=True)
    if not _is_time_series(s):
        return View.OTHER
    token = _view_token(description)
    if _CINE.search(description) and token in _CINE_VIEWS:
        return _CINE_VIEWS[token]
    return _from_geometry(s, axis, lge=False)


def classify_study(series: list[Series]) -> dict[str, View]:
    """View of every series of one study (SeriesInstanceUID -> View)."""
    axis = reference_axis(series)
    return {s.series_instance_uid: classify(s, axis) for s in series}
