"""Synthetic radiology reports in five house styles, written from what the images show."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from cmr_search.vocab import Diagnosis, Finding, Severity
from phantom.measure import Measurements
from phantom.phrases import (
    ABBREVIATIONS,
    DIAGNOSIS_STATEMENTS,
    INDICATIONS,
    LGE_PATTERNS,
    NEGATIVE,
    POSITIVE,
    SEVERITY_WORDS,
    TERRITORY_NAMES,
)


class ReportStyle(StrEnum):
    STRUCTURED = "structured"
    TERSE = "terse"
    NARRATIVE = "narrative"
    BRITISH = "british"
    TABULAR = "tabular"


@dataclass(frozen=True)
class ReportFacts:
    """What the reporting radiologist knows about one study."""

    diagnosis: Diagnosis
    findings: dict[Finding, Severity]
    measurements: Measurements
    lge_patterns: tuple[str, ...]
    territory: str | None
    contrast_given: bool
    technique: str


@dataclass(frozen=True)
class Report:
    style: ReportStyle
    sections: list[str]  # indication, technique, findings, impression (text of each)
    text: str
    impression: str
    omitted: list[Finding] = field(default_factory=list)


_ORDER = (
    Finding.LV_DILATION, Finding.LV_HYPERTROPHY, Finding.LV_SYSTOLIC_DYSFUNCTION,
    Finding.REGIONAL_WALL_MOTION_ABNORMALITY, Finding.RV_DILATION,
    Finding.RV_SYSTOLIC_DYSFUNCTION, Finding.LGE, Finding.AORTIC_DILATION,
    Finding.PERICARDIAL_EFFUSION,
)


class _Writer:
    def __init__(self, rng: np.random.Generator, facts: ReportFacts) -> None:
        self.rng, self.facts = rng, facts

    def pick(self, options: tuple[str, ...] | list[str]) -> str:
        return options[int(self.rng.integers(len(options)))]

    def territory(self) -> str:
        names = TERRITORY_NAMES.get(self.facts.territory or "", ("coronary",))
        return self.pick(names)

    def positive(self, finding: Finding, severity: Severity) -> str:
        if finding is Finding.LGE:
            return self.lge()
        word = self.pick(SEVERITY_WORDS[severity])
        adjective = {"mildly": "mild", "moderately": "moderate", "severely": "severe",
                     "markedly": "marked"}.get(word, word)
        adverb = {"mild": "mildly", "moderate": "moderately", "severe": "severely",
                  "slight": "slightly", "borderline": "borderline"}.get(word, word)
        motion = {Severity.MILD: "hypokinesis", Severity.MODERATE: "hypokinesis",
                  Severity.SEVERE: "akinesis"}[severity]
        return self.pick(POSITIVE[finding]).format(
            sev=adjective, adv=adverb, territory=self.territory(), motion=motion)

    def lge(self) -> str:
        phrases = [self.pick(LGE_PATTERNS[p]) for p in self.facts.lge_patterns]
        extent = self.pick(("small", "moderate", "extensive"))
        text = " and ".join(phrases) if phrases else "patchy LGE"
        return text.format(territory=self.territory(), extent=extent)

    def statements(self, omit: set[Finding]) -> list[str]:
        """Impression statements: each present finding, plus selected negatives."""
        f = self.facts.findings
        present = [x for x in _ORDER if f[x] is not Severity.NONE and x not in omit]
        out = [self.positive(x, f[x]) for x in present]
        negatives = [x for x in _ORDER if f[x] is Severity.NONE]
        if not self.facts.contrast_given:
            negatives = [x for x in negatives if x is not Finding.LGE]
        lv_normal = all(x in negatives for x in (Finding.LV_DILATION,
                                                 Finding.LV_SYSTOLIC_DYSFUNCTION))
        rv_normal = all(x in negatives for x in (Finding.RV_DILATION,
                                                 Finding.RV_SYSTOLIC_DYSFUNCTION))
        if lv_normal and rv_normal and self.rng.random() < 0.6:
            out.append(self.pick(("normal biventricular size and function",
                                  "normal LV and RV volumes and systolic function")))
            negatives = [x for x in negatives if x not in (
                Finding.LV_DILATION, Finding.LV_SYSTOLIC_DYSFUNCTION, Finding.RV_DILATION,
                Finding.RV_SYSTOLIC_DYSFUNCTION)]
        for x in negatives:
            if x is Finding.LGE or self.rng.random() < 0.45:
                out.append(self.pick(NEGATIVE[x]))
        if not self.facts.contrast_given:
            out.append("no contrast given, scar not assessed")
        return out


def _sentence(s: str) -> str:
    s = s.strip()
    return s[:1].upper() + s[1:] + ("" if s.endswith(".") else ".")


def _findings_text(w: _Writer, style: ReportStyle) -> str:
    m = w.facts.measurements
    lines = [
        f"LVEDV {m.lvedv_ml:.0f} ml, LVESV {m.lvesv_ml:.0f} ml, LVEF {m.lvef_pct:.0f}%, "
        f"LV mass {m.lv_mass_g:.0f} g. Maximal wall thickness {m.max_wall_thickness_mm:.0f} mm.",
        f"RVEDV {m.rvedv_ml:.0f} ml, RVEF {m.rvef_pct:.0f}%.",
        f"Aortic root {m.aortic_root_mm:.0f} mm at the sinuses.",
    ]
    if style is ReportStyle.TABULAR:
        return "\n".join([
            "MEASUREMENTS", f"LVEDV (ml): {m.lvedv_ml:.0f}", f"LVESV (ml): {m.lvesv_ml:.0f}",
            f"LVEF (%): {m.lvef_pct:.0f}", f"LV mass (g): {m.lv_mass_g:.0f}",
            f"RVEDV (ml): {m.rvedv_ml:.0f}", f"RVEF (%): {m.rvef_pct:.0f}",
            f"Max wall (mm): {m.max_wall_thickness_mm:.0f}",
            f"Ao root (mm): {m.aortic_root_mm:.0f}",
        ])
    prose = " ".join(_sentence(s) for s in w.statements(set()))
    return "\n".join(lines) + "\n" + prose


def _impression(w: _Writer, style: ReportStyle, omit: set[Finding]) -> str:
    statements = w.statements(omit)
    if w.rng.random() < 0.7:
        statements.append(w.pick(DIAGNOSIS_STATEMENTS[w.facts.diagnosis]))
    statements = [_sentence(s) for s in statements]
    if style is ReportStyle.STRUCTURED:
        return "\n".join(f"{i}. {s}" for i, s in enumerate(statements, 1))
    if style is ReportStyle.TERSE:
        return "\n".join(f"- {s}" for s in statements)
    if style is ReportStyle.TABULAR:
        return "\n".join(f"* {s}" for s in statements)
    return " ".join(statements)


_HEADINGS = {
    ReportStyle.STRUCTURED: ("CLINICAL INDICATION:", "TECHNIQUE:", "FINDINGS:", "IMPRESSION:"),
    ReportStyle.TERSE: ("Indication:", "Technique:", "Findings:", "CONCLUSION:"),
    ReportStyle.NARRATIVE: ("History:", "Procedure:", "Findings:", "SUMMARY:"),
    ReportStyle.BRITISH: ("Clinical details:", "Technique:", "Report:", "Conclusion:"),
    ReportStyle.TABULAR: ("Indication", "Protocol", "Results", "Impression:"),
}


def _abbreviate(text: str) -> str:
    for long, short in ABBREVIATIONS.items():
        text = re.sub(rf"\b{long}\b", short, text, flags=re.IGNORECASE)
    return text


def _typo(rng: np.random.Generator, text: str) -> str:
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) > 5 and w.isalpha()]
    if not candidates:
        return text
    i = candidates[int(rng.integers(len(candidates)))]
    w = words[i]
    j = int(rng.integers(1, len(w) - 2))
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


def write_report(rng: np.random.Generator, facts: ReportFacts) -> Report:
    """A full report; a few impressions leave out a finding the images show."""
    style = list(ReportStyle)[int(rng.integers(len(ReportStyle)))]
    w = _Writer(rng, facts)
    present = [f for f in _ORDER if facts.findings[f] in (Severity.MILD, Severity.MODERATE)]
    omit = {present[int(rng.integers(len(present)))]} if present and rng.random() < 0.08 else set()
    sections = [
        w.pick(INDICATIONS[facts.diagnosis]),
        facts.technique,
        _findings_text(w, style),
        _impression(w, style, omit),
    ]
    if style is ReportStyle.TERSE:
        sections = [_abbreviate(s) for s in sections]
    if rng.random() < 0.3:
        k = int(rng.integers(4))
        sections[k] = _typo(rng, sections[k])
    headings = _HEADINGS[style]
    text = "\n\n".join(f"{h}\n{s}" for h, s in zip(headings, sections, strict=True))
    header = "CARDIAC MRI REPORT" if style is not ReportStyle.TERSE else "CMR"
    return Report(style, sections, f"{header}\n\n{text}\n", sections[3], sorted(omit))
