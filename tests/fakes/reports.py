"""Reports the phantom writes, drawn at random: no real name is in them, and every house style,
diagnosis, finding, severity, scar pattern, territory and scanner is, so the scrubber's tests
read them as clinical text that must come out as it went in."""

from __future__ import annotations

import numpy as np

from cmr_search.vocab import Diagnosis, Finding, Severity
from phantom.measure import Measurements
from phantom.phrases import LGE_PATTERNS
from phantom.reports import Report, ReportFacts, write_report
from phantom.vendors import VENDORS


def phantom_report(rng: np.random.Generator) -> Report:
    """One report, its scanner, contrast, diagnosis, grades, measurements (5 to 300, in the
    units of each), scar patterns and territory drawn from `rng`."""
    models = [(v.manufacturer.split()[0].title(), m) for v in VENDORS.values() for m in v.models]
    maker, model = models[int(rng.integers(len(models)))]
    contrast = bool(rng.random() < 0.9)
    technique = (f"CMR on a {model.field_strength_t:.1f} T {maker} {model.name}. Cine SSFP "
                 "imaging in short-axis and long-axis planes."
                 + " Late gadolinium enhancement imaging after gadobutrol." * contrast)
    patterns = rng.choice(list(LGE_PATTERNS), size=int(rng.integers(3)), replace=False)
    facts = ReportFacts(
        list(Diagnosis)[int(rng.integers(len(Diagnosis)))],
        {f: list(Severity)[int(rng.integers(4))] for f in Finding},
        Measurements(*(float(x) for x in rng.uniform(5, 300, 11)), end_systolic_frame=9),
        tuple(str(p) for p in patterns), (None, "lad", "rca", "lcx")[int(rng.integers(4))],
        contrast, technique)
    return write_report(rng, facts)
