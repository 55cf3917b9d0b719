"""The clinical vocabulary shared by the generator, the reader, the model and search.

Values are the strings written to ground truth, JSON output and the index payload, so they are
part of the public surface: change them only with a new index version.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum, StrEnum


class View(StrEnum):
    """What a series shows, as the product names it."""

    SAX_CINE = "sax_cine"
    CH2_CINE = "2ch_cine"
    CH3_CINE = "3ch_cine"
    CH4_CINE = "4ch_cine"
    LVOT_CINE = "lvot_cine"
    LGE_SAX = "lge_sax"
    LGE_LAX = "lge_lax"
    OTHER = "other"


class ClipSlot(StrEnum):
    """A slot of the model's input: one short-axis level or long-axis cine, or an LGE still set.

    Each slot has its own per-view vector in the index (`view_<slot>`).
    """

    SAX_BASAL = "sax_basal"
    SAX_MID = "sax_mid"
    SAX_APICAL = "sax_apical"
    CH2 = "2ch"
    CH3 = "3ch"
    CH4 = "4ch"
    LVOT = "lvot"
    LGE_SAX = "lge_sax"
    LGE_LAX = "lge_lax"


CINE_SLOTS: tuple[ClipSlot, ...] = (
    ClipSlot.SAX_BASAL, ClipSlot.SAX_MID, ClipSlot.SAX_APICAL, ClipSlot.CH2, ClipSlot.CH3,
    ClipSlot.CH4, ClipSlot.LVOT)
STILL_SLOTS: tuple[ClipSlot, ...] = (ClipSlot.LGE_SAX, ClipSlot.LGE_LAX)
SAX_SLOTS: tuple[ClipSlot, ...] = CINE_SLOTS[:3]


class PreviewKind(StrEnum):
    """A preview a result card or the study page plays: one per view the study has."""

    SAX = "sax"
    CH2 = "2ch"
    CH3 = "3ch"
    CH4 = "4ch"
    LVOT = "lvot"
    LGE_SAX = "lge_sax"
    LGE_LAX = "lge_lax"


# Which long-axis cine view fills which clip slot and which preview.
LAX_VIEWS: dict[View, tuple[ClipSlot, PreviewKind]] = {
    View.CH2_CINE: (ClipSlot.CH2, PreviewKind.CH2),
    View.CH3_CINE: (ClipSlot.CH3, PreviewKind.CH3),
    View.CH4_CINE: (ClipSlot.CH4, PreviewKind.CH4),
    View.LVOT_CINE: (ClipSlot.LVOT, PreviewKind.LVOT),
}
# Which LGE view fills which still slot and which preview.
LGE_VIEWS: dict[View, tuple[ClipSlot, PreviewKind]] = {
    View.LGE_SAX: (ClipSlot.LGE_SAX, PreviewKind.LGE_SAX),
    View.LGE_LAX: (ClipSlot.LGE_LAX, PreviewKind.LGE_LAX),
}


class Finding(StrEnum):
    """Findings with a severity; the first seven are the ones CMR-CLIP evaluates."""

    LV_SYSTOLIC_DYSFUNCTION = "lv_systolic_dysfunction"
    RV_SYSTOLIC_DYSFUNCTION = "rv_systolic_dysfunction"
    LV_DILATION = "lv_dilation"
    RV_DILATION = "rv_dilation"
    LV_HYPERTROPHY = "lv_hypertrophy"
    LGE = "lge"
    AORTIC_DILATION = "aortic_dilation"
    PERICARDIAL_EFFUSION = "pericardial_effusion"
    REGIONAL_WALL_MOTION_ABNORMALITY = "regional_wall_motion_abnormality"


CMR_CLIP_FINDINGS: tuple[Finding, ...] = (
    Finding.LV_SYSTOLIC_DYSFUNCTION,
    Finding.RV_SYSTOLIC_DYSFUNCTION,
    Finding.LV_DILATION,
    Finding.RV_DILATION,
    Finding.LV_HYPERTROPHY,
    Finding.LGE,
    Finding.AORTIC_DILATION,
)

# The views a finding is seen on, where not every study has one: enhancement on LGE images,
# the aortic root and ascending aorta on the 3-chamber or LVOT cine (a short-axis stack and
# the 2- and 4-chamber views do not show it), and the ventricles' size, wall and function as
# the model reads them, from the short-axis cine (a study with long-axis cines only, its
# short-axis slots empty, scored a normal heart 1.00 for RV dilation). Without them a
# zero-shot score is noise.
_VENTRICLES = frozenset({View.SAX_CINE})
SEEN_ON: dict[Finding, frozenset[View]] = {
    Finding.LGE: frozenset({View.LGE_SAX, View.LGE_LAX}),
    Finding.AORTIC_DILATION: frozenset({View.CH3_CINE, View.LVOT_CINE}),
    Finding.LV_SYSTOLIC_DYSFUNCTION: _VENTRICLES, Finding.RV_SYSTOLIC_DYSFUNCTION: _VENTRICLES,
    Finding.LV_DILATION: _VENTRICLES, Finding.RV_DILATION: _VENTRICLES,
    Finding.LV_HYPERTROPHY: _VENTRICLES,
}


def unseen_by(finding: Finding, views: Iterable[str]) -> frozenset[View] | None:
    """The views (one of them) a study lacks for the model to score `finding`; None when it
    has what the finding needs. The model reads every study around its mid short-axis slice,
    so none of its findings is scored without a short-axis cine."""
    present = set(views)
    if finding in CMR_CLIP_FINDINGS and View.SAX_CINE not in present:
        return frozenset({View.SAX_CINE})
    needed = SEEN_ON.get(finding)
    return needed if needed and not needed & present else None


class Severity(StrEnum):
    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)


_SEVERITY_ORDER = (Severity.NONE, Severity.MILD, Severity.MODERATE, Severity.SEVERE)


class Diagnosis(StrEnum):
    NORMAL = "normal"
    DCM = "dcm"
    HCM = "hcm"
    ISCHEMIC = "ischemic"
    MYOCARDITIS = "myocarditis"
    AMYLOIDOSIS = "amyloidosis"
    ARVC = "arvc"
    HYPERTENSIVE = "hypertensive"
    PULMONARY_HYPERTENSION = "pulmonary_hypertension"
    AORTOPATHY = "aortopathy"
    PERICARDITIS = "pericarditis"


class Sex(StrEnum):
    """DICOM PatientSex (0010,0040) enumerated values."""

    FEMALE = "F"
    MALE = "M"


class Structure(IntEnum):
    """Label codes of segmentation masks (NIfTI masks, their JSON sidecars, the index).

    Clinical contouring conventions: papillary muscles and trabeculation count as cavity; scar
    counts as myocardium; RV myocardium is not contoured.
    """

    BACKGROUND = 0
    LV_CAVITY = 1
    LV_MYOCARDIUM = 2
    RV_CAVITY = 3


# the LV as a whole, cavity and wall
LV_STRUCTURES: tuple[Structure, ...] = (Structure.LV_CAVITY, Structure.LV_MYOCARDIUM)


class AnatomyLabel(IntEnum):
    """Codes of the fine label maps that synthetic training images are drawn from.

    Every tissue a short-axis plane can cut gets its own code, so an image generator can give
    each its own intensity and a network never learns that the heart is all there is.
    """

    AIR = 0
    LV_BLOOD = 1
    LV_MYOCARDIUM = 2
    RV_BLOOD = 3
    RV_MYOCARDIUM = 4
    LA_BLOOD = 5
    RA_BLOOD = 6
    AORTA = 7
    PAPILLARY = 8
    LV_TRABECULAE = 9
    RV_TRABECULAE = 10
    SCAR = 11
    EPICARDIAL_FAT = 12
    PERICARDIUM = 13
    EFFUSION = 14
    VESSEL_WALL = 15
    LUNG = 16
    FAT = 17
    MUSCLE = 18
    SOFT_TISSUE = 19
    LIVER = 20
    ABDOMEN = 21
    BONE = 22
    CSF = 23
    DESCENDING_AORTA = 24
    LUNG_VESSEL = 25


# What each anatomy label is in a clinical contour (anything not listed is background).
STRUCTURE_OF: dict[AnatomyLabel, Structure] = {
    AnatomyLabel.LV_BLOOD: Structure.LV_CAVITY,
    AnatomyLabel.PAPILLARY: Structure.LV_CAVITY,
    AnatomyLabel.LV_TRABECULAE: Structure.LV_CAVITY,
    AnatomyLabel.LV_MYOCARDIUM: Structure.LV_MYOCARDIUM,
    AnatomyLabel.SCAR: Structure.LV_MYOCARDIUM,
    AnatomyLabel.RV_BLOOD: Structure.RV_CAVITY,
    AnatomyLabel.RV_TRABECULAE: Structure.RV_CAVITY,
}


class Measure(StrEnum):
    """Measurements of a study from its segmented short-axis cine (and LGE), as the index and
    the JSON output name them: the unit is the last part of the name (ml, %, g, mm, m2, and
    indexed to body surface area: ml/m2, g/m2)."""

    LVEDV = "lvedv_ml"
    LVESV = "lvesv_ml"
    LVSV = "lvsv_ml"
    LVEF = "lvef_pct"
    LVEDVI = "lvedvi_ml_per_m2"
    LVESVI = "lvesvi_ml_per_m2"
    RVEDV = "rvedv_ml"
    RVESV = "rvesv_ml"
    RVSV = "rvsv_ml"
    RVEF = "rvef_pct"
    RVEDVI = "rvedvi_ml_per_m2"
    RVESVI = "rvesvi_ml_per_m2"
    LV_MASS = "lv_mass_g"
    LV_MASSI = "lv_massi_g_per_m2"
    MAX_WALL_THICKNESS = "max_wall_thickness_mm"
    SCAR = "scar_pct"  # enhanced share of the LV myocardium on LGE (scar burden)
    # share of the LV wall barely moving while the rest contracts (segment.motion)
    HYPOKINETIC_WALL = "lv_hypokinetic_wall_pct"
    BSA = "bsa_m2"

    @property
    def unit(self) -> str:
        for suffix, unit in _MEASURE_UNITS:
            if self.value.endswith(suffix):
                return unit
        raise AssertionError(self.value)


_MEASURE_UNITS = (("_ml_per_m2", "ml/m²"), ("_g_per_m2", "g/m²"), ("_ml", "ml"),
                  ("_pct", "%"), ("_g", "g"), ("_mm", "mm"), ("_m2", "m²"))
