"""The heart model: its cycle, volumes measured from its masks, and findings that change pixels."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from cmr_search.vocab import Diagnosis, Finding, Severity, Sex
from phantom.anatomy import HeartAnatomy, LgePattern, ScarRegion, Territory
from phantom.body import sample_habitus
from phantom.cycle import contraction
from phantom.geometry import long_axis_plane, long_axis_views, sample_pose, short_axis_stack
from phantom.grading import grade
from phantom.measure import lv_volumes_ml, measure
from phantom.population import sample_anatomy
from phantom.protocol import plan_protocol
from phantom.render import PlaneRenderer, Scene
from phantom.tissue import Contrast, Label
from phantom.vendors import SeriesKind


def test_cycle_contracts_in_systole_and_refills_mostly_early() -> None:
    a = HeartAnatomy(end_systole_fraction=0.35, early_filling_fraction=0.7)
    phases = np.linspace(0.0, 1.0, 201)
    f = contraction(a, phases)
    assert f[0] == pytest.approx(0.0) and f[-1] == pytest.approx(0.0, abs=1e-9)
    assert phases[np.argmax(f)] == pytest.approx(0.35, abs=0.01)
    systole = f[phases <= 0.35]
    assert np.all(np.diff(systole) >= 0)
    assert float(contraction(a, 0.55)) < 0.4  # most filling is done early in diastole


def test_lv_volume_follows_the_cycle() -> None:
    a = HeartAnatomy()
    edv = lv_volumes_ml(a, 0.0)[0]
    esv = lv_volumes_ml(a, 1.0)[0]
    assert 100 < edv < 200 and 0.3 < esv / edv < 0.5


def _scene(diagnosis: Diagnosis, seed: int) -> Scene:
    rng = np.random.default_rng(seed)
    anatomy = sample_anatomy(rng, diagnosis, Sex.MALE, 55, 1.9)
    return Scene(anatomy, sample_pose(rng), sample_habitus(rng, 26.0))


def _stack_volume_ml(scene: Scene, planes: list, phase: float, label: Label,
                     spacing: float) -> float:
    total = 0
    for plane in planes:
        labels = PlaneRenderer(scene, plane, Contrast.CINE).frame(phase)[1]
        total += np.count_nonzero(labels == label) * plane.spacing**2
    return total * spacing / 1000.0


@pytest.mark.parametrize("diagnosis", [Diagnosis.NORMAL, Diagnosis.DCM, Diagnosis.HCM,
                                       Diagnosis.ISCHEMIC])
def test_volumes_from_masks_match_ground_truth(diagnosis: Diagnosis) -> None:
    scene = _scene(diagnosis, seed=3)
    rng = np.random.default_rng(3)
    protocol = plan_protocol(rng, scene, with_contrast=False)
    sax = next(s for s in protocol.series if s.kind is SeriesKind.SAX_CINE)
    truth = measure(scene.anatomy, np.asarray(sax.phases))
    es_phase = sax.phases[truth.end_systolic_frame]
    first = sax.planes[0]
    # a dense stack (2 mm) along the acquired axis: Simpson's rule is then exact to the model
    dense = short_axis_stack(scene.pose, scene.anatomy, 60, 2.0, 4.0, 0.0, 96, 96, 1.5)
    assert np.allclose(np.abs(dense[0].normal @ first.normal), 1.0, atol=1e-6)
    for phase, lv, rv in ((0.0, truth.lvedv_ml, truth.rvedv_ml),
                          (es_phase, truth.lvesv_ml, truth.rvesv_ml)):
        assert _stack_volume_ml(scene, dense, phase, Label.LV_BLOOD, 2.0) == pytest.approx(
            lv, rel=0.05)
        assert _stack_volume_ml(scene, dense, phase, Label.RV_BLOOD, 2.0) == pytest.approx(
            rv, rel=0.05)
    # the acquired stack, as a reader would contour it (thick basal slices cost some accuracy)
    step = float(np.linalg.norm(sax.planes[1].position - first.position))
    planes = list(sax.planes)
    assert _stack_volume_ml(scene, planes, 0.0, Label.LV_BLOOD, step) == pytest.approx(
        truth.lvedv_ml, rel=0.05)
    assert _stack_volume_ml(scene, planes, es_phase, Label.LV_BLOOD, step) == pytest.approx(
        truth.lvesv_ml, rel=0.12)


_BSA = 1.85
_CHANGES: dict[Finding, tuple[dict[str, object], str, float]] = {
    # finding: (anatomy change, view, RR phase to look at)
    Finding.LV_DILATION: ({"lv_radius_mm": 34.0, "lv_length_mm": 100.0}, "sax", 0.0),
    Finding.LV_SYSTOLIC_DYSFUNCTION: ({"lv_radial_shortening": 0.1}, "sax", 0.36),
    Finding.LV_HYPERTROPHY: ({"lv_wall_mm": 13.0, "septal_wall_mm": 19.0}, "sax", 0.0),
    Finding.RV_DILATION: ({"rv_width_mm": 50.0, "rv_span_deg": 112.0}, "4ch", 0.0),
    Finding.RV_SYSTOLIC_DYSFUNCTION: ({"rv_shortening": 0.08}, "4ch", 0.36),
    Finding.LGE: ({"scars": (ScarRegion(LgePattern.SUBENDOCARDIAL, 40, 190, 0.2, 1.0, 0.0, 0.5),)},
                  "lge", 0.72),
    Finding.AORTIC_DILATION: ({"aortic_root_mm": 50.0}, "3ch", 0.0),
    Finding.PERICARDIAL_EFFUSION: ({"effusion_mm": 14.0}, "sax", 0.0),
    Finding.REGIONAL_WALL_MOTION_ABNORMALITY: (
        {"territory": Territory.LAD, "hypokinesis": 1.0}, "sax", 0.36),
}


def _image(scene: Scene, view: str, phase: float) -> np.ndarray:
    a, pose = scene.anatomy, scene.pose
    if view in ("sax", "lge"):
        plane = short_axis_stack(pose, a, 10, 10.0, 0.0, 0.0, 144, 144, 2.0)[5]
    else:
        plane = long_axis_plane(long_axis_views(pose, a)[view], 0.0, 144, 144, 2.0)
    contrast = Contrast.LGE if view == "lge" else Contrast.CINE
    return PlaneRenderer(scene, plane, contrast).frame(phase)[0]


@pytest.mark.parametrize("finding", list(_CHANGES))
def test_every_finding_changes_the_pixels_and_the_grade(finding: Finding) -> None:
    rng = np.random.default_rng(1)
    base = HeartAnatomy(lv_radius_mm=26.0, lv_length_mm=84.0)
    pose, habitus = sample_pose(rng), sample_habitus(rng, 25.0)
    change, view, phase = _CHANGES[finding]
    sick = replace(base, **change)  # type: ignore[arg-type]
    phases = np.linspace(0, 1, 25, endpoint=False)
    assert grade(measure(base, phases), base, Sex.MALE, _BSA)[finding] is Severity.NONE
    assert grade(measure(sick, phases), sick, Sex.MALE, _BSA)[finding] is not Severity.NONE
    before = _image(Scene(base, pose, habitus), view, phase)
    after = _image(Scene(sick, pose, habitus), view, phase)
    changed = np.abs(after - before) > 0.1
    assert changed.sum() > 40, f"{finding} barely changes the {view} image"
