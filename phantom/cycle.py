"""The cardiac cycle: how far the heart has contracted at each moment of the RR interval."""

from __future__ import annotations

import numpy as np

from phantom.anatomy import HeartAnatomy

# Diastole in three parts: early (passive) filling, diastasis, then the atrial kick starting
# at this fraction of the RR interval.
_EARLY_FILLING_DURATION = 0.16
_ATRIAL_KICK_START = 0.84
_DIASTASIS_SHARE = 0.08


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return np.asarray(x * x * (3.0 - 2.0 * x))


def contraction(anatomy: HeartAnatomy, phase: float | np.ndarray) -> np.ndarray:
    """Contraction state in [0, 1] (0 at end-diastole, 1 at end-systole) at RR fractions `phase`.

    Systole is a half-cosine up to end-systole; diastole refills in an early wave, a slow
    diastasis and a late atrial kick, so the LV volume curve has its realistic shape.
    """
    phi = np.mod(np.asarray(phase, dtype=np.float64), 1.0)
    t_es = anatomy.end_systole_fraction
    early = anatomy.early_filling_fraction
    diastasis = _DIASTASIS_SHARE
    atrial = max(0.0, 1.0 - early - diastasis)
    early_end = min(t_es + _EARLY_FILLING_DURATION, _ATRIAL_KICK_START - 0.02)
    systolic = 0.5 * (1.0 - np.cos(np.pi * np.clip(phi / t_es, 0.0, 1.0)))
    diastolic = (
        1.0
        - early * _smoothstep((phi - t_es) / (early_end - t_es))
        - diastasis * _smoothstep((phi - early_end) / (_ATRIAL_KICK_START - early_end))
        - atrial * _smoothstep((phi - _ATRIAL_KICK_START) / (1.0 - _ATRIAL_KICK_START))
    )
    return np.where(phi <= t_es, systolic, diastolic)


def end_systolic_frame(anatomy: HeartAnatomy, phases: np.ndarray) -> int:
    """Index of the acquired phase closest to end-systole (largest contraction)."""
    return int(np.argmax(contraction(anatomy, phases)))
