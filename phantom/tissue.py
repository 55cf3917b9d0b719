"""Tissues, label codes and their signal in each MR contrast (relative units, blood cine = 1)."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Tissue(StrEnum):
    AIR = "air"
    LUNG = "lung"
    FAT = "fat"
    MUSCLE = "muscle"
    SOFT = "soft"
    LIVER = "liver"
    BONE = "bone"
    CSF = "csf"
    BLOOD = "blood"
    MYOCARDIUM = "myocardium"
    PERICARDIUM = "pericardium"
    FLUID = "fluid"
    SCAR = "scar"
    ABDOMEN = "abdomen"


class Contrast(StrEnum):
    """Pulse-sequence contrast of a series."""

    CINE = "cine"          # balanced SSFP: bright blood, darker myocardium, bright fat
    LGE = "lge"            # inversion recovery after gadolinium: normal myocardium nulled
    T1_MAP = "t1_map"      # modified Look-Locker source images
    LOCALIZER = "localizer"


class Label(IntEnum):
    """Codes of the ground-truth label masks returned with every rendered image."""

    BACKGROUND = 0
    LV_BLOOD = 1
    LV_MYOCARDIUM = 2
    RV_BLOOD = 3
    RV_MYOCARDIUM = 4
    LA_BLOOD = 5
    RA_BLOOD = 6
    AORTA = 7
    EFFUSION = 8
    SCAR = 9


SIGNAL: dict[Contrast, dict[Tissue, float]] = {
    Contrast.CINE: {
        Tissue.AIR: 0.0, Tissue.LUNG: 0.05, Tissue.FAT: 0.82, Tissue.MUSCLE: 0.2,
        Tissue.SOFT: 0.3, Tissue.LIVER: 0.3, Tissue.BONE: 0.42, Tissue.CSF: 0.85,
        Tissue.BLOOD: 1.0, Tissue.MYOCARDIUM: 0.27, Tissue.PERICARDIUM: 0.07,
        Tissue.FLUID: 0.92, Tissue.SCAR: 0.27, Tissue.ABDOMEN: 0.36,
    },
    Contrast.LGE: {
        Tissue.AIR: 0.0, Tissue.LUNG: 0.04, Tissue.FAT: 0.55, Tissue.MUSCLE: 0.14,
        Tissue.SOFT: 0.25, Tissue.LIVER: 0.33, Tissue.BONE: 0.3, Tissue.CSF: 0.08,
        Tissue.BLOOD: 0.45, Tissue.MYOCARDIUM: 0.03, Tissue.PERICARDIUM: 0.3,
        Tissue.FLUID: 0.12, Tissue.SCAR: 1.0, Tissue.ABDOMEN: 0.3,
    },
    Contrast.T1_MAP: {
        Tissue.AIR: 0.0, Tissue.LUNG: 0.05, Tissue.FAT: 0.9, Tissue.MUSCLE: 0.45,
        Tissue.SOFT: 0.5, Tissue.LIVER: 0.6, Tissue.BONE: 0.5, Tissue.CSF: 0.2,
        Tissue.BLOOD: 0.3, Tissue.MYOCARDIUM: 0.5, Tissue.PERICARDIUM: 0.3,
        Tissue.FLUID: 0.25, Tissue.SCAR: 0.35, Tissue.ABDOMEN: 0.45,
    },
}
SIGNAL[Contrast.LOCALIZER] = SIGNAL[Contrast.CINE]
