"""Who is scanned: diagnoses with a realistic mix, and the heart each diagnosis produces."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from cmr_search.vocab import Diagnosis, Sex
from phantom.anatomy import TERRITORY_SPAN, HeartAnatomy, LgePattern, ScarRegion, Territory
from phantom.measure import lv_volumes_ml

# Share of an outpatient CMR archive: mostly normal, rare diagnoses rare.
PREVALENCE: dict[Diagnosis, float] = {
    Diagnosis.NORMAL: 0.42,
    Diagnosis.ISCHEMIC: 0.15,
    Diagnosis.DCM: 0.10,
    Diagnosis.HCM: 0.07,
    Diagnosis.HYPERTENSIVE: 0.06,
    Diagnosis.MYOCARDITIS: 0.06,
    Diagnosis.AORTOPATHY: 0.04,
    Diagnosis.PULMONARY_HYPERTENSION: 0.03,
    Diagnosis.PERICARDITIS: 0.03,
    Diagnosis.AMYLOIDOSIS: 0.02,
    Diagnosis.ARVC: 0.02,
}

# Age range (years) and share of men for each diagnosis.
DEMOGRAPHY: dict[Diagnosis, tuple[int, int, float]] = {
    Diagnosis.NORMAL: (18, 78, 0.5),
    Diagnosis.ISCHEMIC: (42, 86, 0.75),
    Diagnosis.DCM: (25, 78, 0.62),
    Diagnosis.HCM: (16, 75, 0.6),
    Diagnosis.HYPERTENSIVE: (40, 85, 0.55),
    Diagnosis.MYOCARDITIS: (16, 55, 0.7),
    Diagnosis.AORTOPATHY: (20, 78, 0.7),
    Diagnosis.PULMONARY_HYPERTENSION: (30, 80, 0.35),
    Diagnosis.PERICARDITIS: (18, 72, 0.6),
    Diagnosis.AMYLOIDOSIS: (58, 90, 0.8),
    Diagnosis.ARVC: (16, 58, 0.6),
}


def sample_diagnosis(rng: np.random.Generator) -> Diagnosis:
    names = list(PREVALENCE)
    p = np.array([PREVALENCE[d] for d in names])
    return names[int(rng.choice(len(names), p=p / p.sum()))]


def body_surface_area(height_cm: float, weight_kg: float) -> float:
    """Mosteller body surface area in m2."""
    return math.sqrt(height_cm * weight_kg / 3600.0)


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def _lv_size(anatomy: HeartAnatomy, edv_ml: float, aspect: float) -> HeartAnatomy:
    """Scale the LV cavity so its end-diastolic volume is `edv_ml` with length/radius `aspect`."""
    probe = replace(anatomy, lv_radius_mm=27.0, lv_length_mm=27.0 * aspect)
    k = (edv_ml / lv_volumes_ml(probe, 0.0)[0]) ** (1.0 / 3.0)
    return replace(probe, lv_radius_mm=27.0 * k, lv_length_mm=27.0 * aspect * k)


def _shortening_for_ef(anatomy: HeartAnatomy, ef: float) -> float:
    """Radial shortening giving ejection fraction `ef` (0..1) with the anatomy's base descent."""
    length = anatomy.lv_length_mm
    ratio = (1.0 - ef) * length / (length - anatomy.base_descent_mm)
    return float(np.clip(1.0 - math.sqrt(max(ratio, 0.01)), 0.02, 0.7))


def _scar(rng: np.random.Generator, pattern: LgePattern, theta: tuple[float, float],
          level: tuple[float, float], tau: tuple[float, float], patchiness: float) -> ScarRegion:
    return ScarRegion(pattern, theta[0], theta[1], level[0], level[1], tau[0], tau[1],
                      patchiness, seed=int(rng.integers(2**31)))


def _ischemic(rng: np.random.Generator, a: HeartAnatomy) -> tuple[HeartAnatomy, float]:
    territory = [Territory.LAD, Territory.RCA, Territory.LCX][
        int(rng.choice(3, p=[0.5, 0.3, 0.2]))]
    t0, t1, l0, l1 = TERRITORY_SPAN[territory]
    transmural = rng.random() < 0.5
    width = _u(rng, 0.55, 0.95) * (t1 - t0)
    start = t0 + _u(rng, 0.0, (t1 - t0) - width)
    scar = _scar(rng, LgePattern.TRANSMURAL if transmural else LgePattern.SUBENDOCARDIAL,
                 (start, start + width), (max(l0, _u(rng, 0.0, 0.4)), l1),
                 (0.0, 1.0 if transmural else _u(rng, 0.3, 0.55)), 0.0)
    a = replace(a, territory=territory, scars=(scar,),
                hypokinesis=_u(rng, 0.75, 1.0) if transmural else _u(rng, 0.4, 0.75),
                infarct_thinning_mm=_u(rng, 2.5, 4.5) if transmural else _u(rng, 0.0, 1.5))
    return a, _u(rng, 0.32, 0.55)


def _apply_diagnosis(rng: np.random.Generator, d: Diagnosis, a: HeartAnatomy,
                     bsa: float) -> tuple[HeartAnatomy, float, float, float]:
    """Diagnosis-specific anatomy; returns it with LV EDV index (ml/m2), EF and aspect ratio."""
    edvi, ef, aspect = rng.normal(72.0, 8.0), rng.normal(0.62, 0.04), _u(rng, 1.85, 2.25)
    if d is Diagnosis.DCM:
        edvi, ef, aspect = _u(rng, 108, 175), _u(rng, 0.15, 0.4), _u(rng, 1.45, 1.75)
        a = replace(a, lv_wall_mm=_u(rng, 5.5, 8.0), la_radius_mm=a.la_radius_mm * 1.25,
                    early_filling_fraction=_u(rng, 0.7, 0.85))
        a = replace(a, septal_wall_mm=a.lv_wall_mm + _u(rng, 0, 0.8))
        if rng.random() < 0.35:
            a = replace(a, rv_width_mm=a.rv_width_mm * _u(rng, 1.15, 1.45),
                        rv_shortening=_u(rng, 0.08, 0.17))
        if rng.random() < 0.3:
            a = replace(a, scars=(_scar(rng, LgePattern.MIDWALL, (140, 230), (0.1, 0.7),
                                        (0.35, 0.65), 0.2),))
    elif d is Diagnosis.HCM:
        edvi, ef = _u(rng, 55, 78), _u(rng, 0.66, 0.8)
        a = replace(a, septal_wall_mm=_u(rng, 15.0, 28.0), lv_wall_mm=_u(rng, 8.5, 12.0),
                    la_radius_mm=a.la_radius_mm * 1.2, early_filling_fraction=_u(rng, 0.35, 0.5))
        if rng.random() < 0.6:
            a = replace(a, scars=(
                _scar(rng, LgePattern.INSERTION_POINT, (90, 130), (0.05, 0.6), (0.2, 0.8), 0.35),
                _scar(rng, LgePattern.MIDWALL, (150, 230), (0.1, 0.55), (0.3, 0.7), 0.45)))
    elif d is Diagnosis.ISCHEMIC:
        a, ef = _ischemic(rng, a)
        edvi = _u(rng, 72, 125)
        if a.territory is Territory.RCA and rng.random() < 0.3:
            a = replace(a, rv_shortening=_u(rng, 0.1, 0.18))
    elif d is Diagnosis.MYOCARDITIS:
        edvi, ef = _u(rng, 65, 98), _u(rng, 0.44, 0.62)
        a = replace(a, scars=(_scar(rng, LgePattern.SUBEPICARDIAL, (280, 380), (0.0, 0.8),
                                    (_u(rng, 0.45, 0.65), 1.0), 0.35),),
                    effusion_mm=_u(rng, 2.0, 7.0) if rng.random() < 0.4 else 0.0)
    elif d is Diagnosis.AMYLOIDOSIS:
        edvi, ef = _u(rng, 48, 70), _u(rng, 0.4, 0.6)
        wall = _u(rng, 14.0, 20.0)
        a = replace(a, lv_wall_mm=wall, septal_wall_mm=wall + _u(rng, 0, 1.5),
                    apical_wall_mm=wall * 0.8, rv_wall_mm=_u(rng, 5.5, 7.0),
                    atrial_wall_mm=3.5, la_radius_mm=a.la_radius_mm * 1.25,
                    ra_radius_mm=a.ra_radius_mm * 1.2, effusion_mm=_u(rng, 3.0, 9.0),
                    diffuse_myocardial_enhancement=_u(rng, 0.5, 1.0),
                    early_filling_fraction=_u(rng, 0.75, 0.9), base_descent_mm=_u(rng, 5, 8),
                    scars=(_scar(rng, LgePattern.DIFFUSE_SUBENDOCARDIAL, (0, 360), (0.0, 1.0),
                                 (0.0, _u(rng, 0.35, 0.6)), 0.0),))
    elif d is Diagnosis.ARVC:
        a = replace(a, rv_width_mm=a.rv_width_mm * _u(rng, 1.45, 1.9),
                    rv_shortening=_u(rng, 0.06, 0.15), rv_span_deg=_u(rng, 105, 115),
                    rv_aneurysm_mm=_u(rng, 7.0, 13.0) if rng.random() < 0.6 else 0.0)
    elif d is Diagnosis.HYPERTENSIVE:
        edvi, ef = _u(rng, 60, 88), _u(rng, 0.56, 0.7)
        wall = _u(rng, 11.5, 15.5)
        a = replace(a, lv_wall_mm=wall, septal_wall_mm=wall + _u(rng, 0.5, 2.0),
                    aortic_root_mm=_u(rng, 32, 39), early_filling_fraction=_u(rng, 0.4, 0.55))
    elif d is Diagnosis.PULMONARY_HYPERTENSION:
        edvi = _u(rng, 52, 70)
        a = replace(a, rv_width_mm=a.rv_width_mm * _u(rng, 1.4, 1.8), rv_span_deg=112.0,
                    rv_shortening=_u(rng, 0.07, 0.17), rv_wall_mm=_u(rng, 5.5, 8.0),
                    septal_flattening=_u(rng, 0.12, 0.28), ra_radius_mm=a.ra_radius_mm * 1.35,
                    effusion_mm=_u(rng, 2.0, 6.0) if rng.random() < 0.3 else 0.0)
    elif d is Diagnosis.AORTOPATHY:
        a = replace(a, aortic_root_mm=_u(rng, 40.0, 54.0))
    elif d is Diagnosis.PERICARDITIS:
        a = replace(a, effusion_mm=_u(rng, 5.0, 26.0))
    return a, float(edvi), float(ef), aspect


def sample_anatomy(rng: np.random.Generator, diagnosis: Diagnosis, sex: Sex, age: int,
                   bsa: float) -> HeartAnatomy:
    """A heart for this patient: normal variation first, then what the diagnosis changes."""
    female = sex is Sex.FEMALE
    wall = _u(rng, 6.0, 9.0) if female else _u(rng, 7.0, 10.0)
    heart_rate = float(np.clip(rng.normal(68.0, 10.0), 48.0, 105.0))
    a = HeartAnatomy(
        lv_shape_exponent=_u(rng, 2.1, 2.8),
        lv_wall_mm=wall, septal_wall_mm=wall + _u(rng, 0.0, 1.2), apical_wall_mm=wall * 0.75,
        base_descent_mm=_u(rng, 11.0, 16.0),
        rv_width_mm=_u(rng, 29.0, 36.0) * (0.93 if female else 1.0) * math.sqrt(bsa / 1.9),
        rv_span_deg=_u(rng, 92.0, 106.0), rv_length_mm=_u(rng, 62.0, 76.0),
        rv_shortening=_u(rng, 0.26, 0.34),
        la_radius_mm=_u(rng, 17.0, 21.0), ra_radius_mm=_u(rng, 17.0, 21.0),
        aortic_root_mm=float(np.clip(rng.normal(30.0 if female else 33.0, 2.3), 24.0, 37.5)),
        heart_rate_bpm=heart_rate,
    )
    if age > 60 and diagnosis is not Diagnosis.AORTOPATHY and rng.random() < 0.07:
        a = replace(a, aortic_root_mm=_u(rng, 39.0, 44.0))
    a, edvi, ef, aspect = _apply_diagnosis(rng, diagnosis, a, bsa)
    if diagnosis in (Diagnosis.DCM, Diagnosis.AMYLOIDOSIS):
        a = replace(a, heart_rate_bpm=float(np.clip(a.heart_rate_bpm + 12.0, 60.0, 110.0)))
    a = _lv_size(a, edvi * bsa * (0.92 if female else 1.0), aspect)
    a = replace(a, lv_radial_shortening=_shortening_for_ef(a, float(np.clip(ef, 0.1, 0.82))),
                rv_length_mm=max(a.rv_length_mm, 0.78 * a.lv_length_mm))
    systole_ms = 330.0 - 1.4 * (a.heart_rate_bpm - 70.0)
    return replace(a, end_systole_fraction=float(np.clip(systole_ms / a.rr_interval_ms, 0.25, 0.5)))
