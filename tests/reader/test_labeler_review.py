"""A review's leftovers: an infarct denied is no LGE denied, a bound on an ejection fraction
grades it, and an atrium's hypertrophy is no LV's."""

from __future__ import annotations

import pytest

from cmr_search.vocab import Diagnosis, Finding, Severity
from reader.labeler import Mention, label_diagnoses, label_findings

_LVSD, _RVSD = Finding.LV_SYSTOLIC_DYSFUNCTION, Finding.RV_SYSTOLIC_DYSFUNCTION
_LVH, _LGE = Finding.LV_HYPERTROPHY, Finding.LGE
_P, _N, _NM = Mention.POSITIVE, Mention.NEGATIVE, Mention.NOT_MENTIONED


@pytest.mark.parametrize(("impression", "findings", "mention"), [
    # "no infarct" says no ischaemic scar, not no LGE (each ruled LGE out)
    ("No infarct.", "", _NM),
    ("No evidence of infarction.", "", _NM),
    ("No myocardial infarction.", "", _NM),
    ("No infarct scar.", "", _NM),
    ("No ischaemic LGE.", "", _NM),
    # the report's own LGE statement decides (it was read as none)
    ("No infarct.", "Mid-wall LGE in the septum.", _P),
    ("No evidence of infarction.", "No LGE.", _N),
    ("No infarct. Mid-wall LGE in the septum.", "", _P),
    # a denial that names the LGE, the scar or the fibrosis itself still denies it
    ("No infarction or fibrosis on LGE imaging.", "", _N),
    ("No LGE.", "", _N),
    ("No scar.", "", _N),
    # an infarct found is a scar, as before
    ("Inferior infarct.", "", _P),
])
def test_an_infarct_denied_is_no_lge_denied(impression: str, findings: str,
                                            mention: Mention) -> None:
    assert label_findings(impression, findings)[_LGE].mention is mention


def test_an_infarct_denied_still_rules_out_an_ischaemic_cause() -> None:
    assert label_diagnoses("No infarct.")[Diagnosis.ISCHEMIC].mention is _N


@pytest.mark.parametrize(("sentence", "finding", "severity"), [
    # the grade from the number where no word grades it (each was ungraded)
    ("LVEF reduced (< 35 %).", _LVSD, Severity.MODERATE),
    ("LVEF reduced (<35%)", _LVSD, Severity.MODERATE),
    ("LVEF reduced (< 30 %).", _LVSD, Severity.SEVERE),
    ("LVEF reduced (\u2264 30 %).", _LVSD, Severity.MODERATE),
    ("LVEF of 30 % is low.", _LVSD, Severity.MODERATE),
    ("LVEF reduced (< 50 %).", _LVSD, Severity.MILD),
    ("LVEF 28 % (reduced).", _LVSD, Severity.SEVERE),
    ("Reduced LVEF (45 %).", _LVSD, Severity.MILD),
    ("RVEF reduced (< 30 %).", _RVSD, Severity.SEVERE),
    # a word's grade stands
    ("LVEF mildly reduced (38 %).", _LVSD, Severity.MILD),
])
def test_an_ejection_fractions_number_grades_it(sentence: str, finding: Finding,
                                                severity: Severity) -> None:
    label = label_findings(sentence)[finding]
    assert (label.mention, label.severity) == (_P, severity)


@pytest.mark.parametrize(("sentence", "finding"), [
    # a number no worse than its side's normal limit, or a lower bound, grades nothing
    ("LVEF reduced (> 20 %).", _LVSD),
    ("LVEF 60 % (reduced).", _LVSD),
    # another ejection fraction's number is not this one's
    ("LVEF reduced, RVEF 25 %.", _LVSD),
    # an earlier study's number is not today's (the previous 25 % graded it severe)
    ("LVEF reduced (previously 25 %).", _LVSD),
    ("LVEF reduced (25 % prior to therapy was 60 %).", _LVSD),
    ("LVEF reduced (< 25 % previously).", _LVSD),
    ("LVEF reduced from 28 % at baseline.", _LVSD),
    ("LVEF reduced (was 25 % in 2019).", _LVSD),
])
def test_a_number_that_is_not_the_ejection_fractions_grades_nothing(
        sentence: str, finding: Finding) -> None:
    label = label_findings(sentence)[finding]
    assert (label.mention, label.severity) == (_P, None)


@pytest.mark.parametrize(("sentence", "mention"), [
    # the atria, a papillary muscle, the RV and its moderator band are no LV wall (the first
    # was LV hypertrophy)
    ("Hypertrophied and dilated atria.", _NM),
    ("Thickened and dilated left atrium.", _NM),
    ("Dilated and hypertrophied atria.", _NM),
    ("Hypertrophied papillary muscles.", _NM),
    ("RV hypertrophy.", _NM),
    ("Hypertrophied moderator band.", _NM),
    ("Asymmetric septal hypertrophy.", _P),
    ("Hypertrophied and dilated LV.", _P),
    ("Hypertrophied and dilated LV and atria.", _P),
])
def test_hypertrophy_of_what_is_no_lv_wall_is_no_lvh(sentence: str, mention: Mention) -> None:
    assert label_findings(sentence)[_LVH].mention is mention


def test_a_thickening_said_with_the_aortas_dilation_is_the_aortas() -> None:
    # split at its "and", the lone "thickened" was LV hypertrophy
    labels = label_findings("Thickened and dilated aorta.")
    assert labels[_LVH].mention is _NM
    assert labels[Finding.AORTIC_DILATION].mention is _P
    assert label_findings("Thickened and dilated LV.")[_LVH].mention is _P


@pytest.mark.parametrize(("text", "mention"), [
    ("LGE: none.", Mention.NEGATIVE),
    ("LGE negative.", Mention.NEGATIVE),
    ("LGE negative, LV severely dilated.", Mention.NEGATIVE),
    ("None of the segments shows LGE.", Mention.NEGATIVE),
    ("LGE: present in 3 segments, none transmural.", Mention.POSITIVE),
    ("Negative T waves. LGE present.", Mention.POSITIVE),
])
def test_a_tabulated_none_or_negative_denies_lge(text: str, mention: Mention) -> None:
    """"LGE: none." and "LGE negative." read LGE present."""
    assert label_findings(text)[Finding.LGE].mention is mention
