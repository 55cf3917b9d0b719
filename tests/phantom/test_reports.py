"""Reports: house styles, negation, hedging, measurements that match, and omissions."""

from __future__ import annotations

from collections import Counter

import numpy as np

from cmr_search.vocab import Diagnosis, Finding, Severity
from phantom.measure import Measurements
from phantom.reports import ReportFacts, ReportStyle, write_report

_MEASURED = Measurements(
    lvedv_ml=265.0, lvesv_ml=190.0, lvef_pct=28.3, lv_mass_g=150.0, rvedv_ml=160.0,
    rvesv_ml=70.0, rvef_pct=56.0, max_wall_thickness_mm=7.0, aortic_root_mm=32.0,
    effusion_mm=0.0, lge_fraction_pct=4.0, end_systolic_frame=9)


def _facts(contrast: bool = True) -> ReportFacts:
    findings = {f: Severity.NONE for f in Finding}
    findings[Finding.LV_DILATION] = Severity.SEVERE
    findings[Finding.LV_SYSTOLIC_DYSFUNCTION] = Severity.SEVERE
    findings[Finding.LGE] = Severity.MILD
    return ReportFacts(Diagnosis.DCM, findings, _MEASURED, ("midwall",), None, contrast,
                       "CMR on a 1.5 T Siemens Aera.")


def test_all_five_styles_appear_with_their_impression_headings() -> None:
    rng = np.random.default_rng(0)
    reports = [write_report(rng, _facts()) for _ in range(200)]
    assert {r.style for r in reports} == set(ReportStyle)
    headings = ("IMPRESSION:", "CONCLUSION:", "SUMMARY:", "Conclusion:", "Impression:")
    for report in reports:
        assert any(h in report.text for h in headings)
        assert report.text.index(report.impression.splitlines()[0][:20]) > 0


def test_reports_state_the_measurements_and_the_findings() -> None:
    rng = np.random.default_rng(1)
    for _ in range(50):
        report = write_report(rng, _facts())
        assert "265" in report.text and "28" in report.text  # LVEDV and LVEF
        impression = report.impression.lower()
        if Finding.LV_DILATION not in report.omitted:
            assert any(w in impression for w in ("dilat", "enlarged", "dil"))


def test_absent_findings_are_negated_and_uncontrasted_studies_say_so() -> None:
    rng = np.random.default_rng(2)
    texts = " ".join(write_report(rng, _facts()).impression.lower() for _ in range(100))
    assert "no pericardial" in texts or "no rwma" in texts or "no regional" in texts
    plain = write_report(rng, _facts(contrast=False))
    assert "no contrast" in plain.impression.lower()
    assert "no lge" not in plain.impression.lower()


def test_some_impressions_omit_a_finding_the_images_show() -> None:
    rng = np.random.default_rng(3)
    omitted = Counter(bool(write_report(rng, _facts()).omitted) for _ in range(600))
    assert 0.02 < omitted[True] / 600 < 0.15


def test_terse_style_abbreviates() -> None:
    rng = np.random.default_rng(4)
    terse = [r for r in (write_report(rng, _facts()) for _ in range(200))
             if r.style is ReportStyle.TERSE]
    assert terse and all("left ventricular" not in r.text.lower() for r in terse)
