"""A function said low and a wall said thick, as reports word them (a QA pass found "Low LVEF."
and "The septum is thick (17 mm)." read as nothing), and their look-alikes, which stay as
they were: "low-normal LVEF" is normal, "low signal", "thick slices", a thick pericardium or
RV free wall say nothing of the LV."""

from __future__ import annotations

import pytest

from cmr_search.vocab import Finding, Severity
from reader.labeler import Mention, label_findings

_LVSD, _RVSD = Finding.LV_SYSTOLIC_DYSFUNCTION, Finding.RV_SYSTOLIC_DYSFUNCTION
_LVD, _LVH = Finding.LV_DILATION, Finding.LV_HYPERTROPHY
_P, _N, _U, _NM = Mention.POSITIVE, Mention.NEGATIVE, Mention.UNCERTAIN, Mention.NOT_MENTIONED


@pytest.mark.parametrize(("sentence", "expected"), [
    # a low ejection fraction or function is a reduced one, either side
    ("Low LVEF.", {_LVSD: _P, _RVSD: _NM}),
    ("Low EF.", {_LVSD: _P}),
    ("Low ejection fraction.", {_LVSD: _P}),
    ("LVEF is low.", {_LVSD: _P}),
    ("Low LV ejection fraction (32 %).", {_LVSD: _P}),
    ("LVEF 32 % (low).", {_LVSD: _P}),
    ("LVEF of 30 % is low.", {_LVSD: _P}),
    ("Low LV systolic function.", {_LVSD: _P}),
    ("The LV is dilated, with low systolic function.", {_LVD: _P, _LVSD: _P}),
    ("Low RVEF.", {_RVSD: _P, _LVSD: _NM}),
    ("RV function is low.", {_RVSD: _P, _LVSD: _NM}),
    ("Low RV ejection fraction.", {_RVSD: _P, _LVSD: _NM}),
    ("Low LVEF, normal RVEF.", {_LVSD: _P, _RVSD: _N}),
    ("Low RV function and normal LVEF.", {_RVSD: _P, _LVSD: _N}),
    # a thick LV wall or septum is hypertrophy
    ("Thick LV wall.", {_LVH: _P}),
    ("Thick LV walls.", {_LVH: _P}),
    ("Thick septum.", {_LVH: _P}),
    ("The septum is thick (17 mm).", {_LVH: _P}),
    ("Thick basal septum.", {_LVH: _P}),
    ("Thick-walled LV.", {_LVH: _P}),
    ("The LV walls are thick.", {_LVH: _P}),
    # denied
    ("No low LVEF.", {_LVSD: _N}),
    ("LVEF is not low.", {_LVSD: _N}),
    ("LVEF is not reduced.", {_LVSD: _N}),
    ("RVEF is not low.", {_RVSD: _N}),
    ("The septum is not thick.", {_LVH: _N}),
    ("No thick LV walls.", {_LVH: _N}),
    # hedged
    ("Possibly low LVEF.", {_LVSD: _U}),
    ("LVEF may be low.", {_LVSD: _U}),
    ("Possible thick septum.", {_LVH: _U}),
    ("The septum may be thick.", {_LVH: _U}),
    # look-alikes: as they were read before
    ("Low-normal LVEF.", {_LVSD: _N}),
    ("Low normal EF.", {_LVSD: _N}),
    ("LVEF at the lower limit of normal.", {_LVSD: _NM}),
    ("Low signal in the septum.", {_LVSD: _NM, _LVH: _NM}),
    ("Low-grade inflammation.", {_LVSD: _NM}),
    ("Low likelihood of myocarditis.", {_LVSD: _NM}),
    ("Low-voltage ECG, ?infiltration.", {_LVSD: _NM}),
    ("Normal LV function and low T1 values.", {_LVSD: _N}),
    ("Thick slices were acquired.", {_LVH: _NM}),
    ("Thick slices through the LV wall.", {_LVH: _NM}),
    ("Slice thickness 8 mm.", {_LVH: _NM}),
    ("Thin-walled LV.", {_LVH: _NM}),
    ("Wall thickness normal.", {_LVH: _N}),
    ("Septal thickness 9 mm.", {_LVH: _NM}),  # a value is the measurements' to grade
    ("Thick pericardium.", {_LVH: _NM}),
    ("The pericardium is thick.", {_LVH: _NM}),
    ("Thickened LV wall.", {_LVH: _P}),
    ("Reduced ejection fraction.", {_LVSD: _P}),
    ("Biventricular hypertrophy.", {_LVH: _P}),
    # the RV's wall is not the LV's (a thickened or hypertrophied one was LV hypertrophy, and
    # one said not thickened ruled it out)
    ("RV free wall thick.", {_LVH: _NM}),
    ("Thick RV free wall.", {_LVH: _NM}),
    ("RV hypertrophy.", {_LVH: _NM}),
    ("The RV free wall is not thickened.", {_LVH: _NM}),
    ("RV wall thickness normal.", {_LVH: _NM}),
    ("Thickened septum and RV free wall.", {_LVH: _P}),
    # "low-to-normal" and "low/normal" are low-normal, not low: normal, as a query reads them
    ("LV function low-to-normal.", {_LVSD: _N}),
    ("LVEF low to normal.", {_LVSD: _N}),
    ("LVEF low/normal.", {_LVSD: _N}),
    # a table's colon between the ejection fraction and its judgement
    ("LVEF: low.", {_LVSD: _P}),
    ("LVEF: 30 % (reduced).", {_LVSD: _P}),
    ("RVEF: low.", {_RVSD: _P, _LVSD: _NM}),
    ("LV function: low.", {_LVSD: _P}),
    ("LVEF: normal.", {_LVSD: _N}),
    # a thick wall or septum that is no LV's: the aorta's, an artery's, an atrium's, a cyst's
    ("The aortic wall is thick.", {_LVH: _NM}),
    ("Pulmonary artery wall thick.", {_LVH: _NM}),
    ("LA wall thick.", {_LVH: _NM}),
    ("The left atrial wall is thick.", {_LVH: _NM}),
    ("Interatrial septum is thick.", {_LVH: _NM}),
    ("Atrial septum thick.", {_LVH: _NM}),
    ("Thick-walled aorta.", {_LVH: _NM}),
    ("Thick-walled pulmonary arteries.", {_LVH: _NM}),
    ("Thick-walled cyst.", {_LVH: _NM}),
    ("Thick-walled, non-dilated LV.", {_LVH: _P, _LVD: _N}),
    # both ventricles said low at once, as "reduced LV and RV function" is read
    ("Low LV and RV function.", {_LVSD: _P, _RVSD: _P}),
    ("Low RV and LV ejection fractions.", {_LVSD: _P, _RVSD: _P}),
    ("Low RV/LV function.", {_LVSD: _P, _RVSD: _P}),
])
def test_low_function_and_thick_walls_and_their_look_alikes(
        sentence: str, expected: dict[Finding, Mention]) -> None:
    labels = label_findings(sentence)
    assert {f: labels[f].mention for f in expected} == expected
    assert all(labels[f].sentence == sentence for f, m in expected.items() if m is not _NM)


@pytest.mark.parametrize(("sentence", "finding", "severity"), [
    ("Severely low LVEF.", _LVSD, Severity.SEVERE),
    ("Mildly low RVEF.", _RVSD, Severity.MILD),
    ("Markedly thick septum.", _LVH, Severity.SEVERE),
])
def test_a_low_function_or_thick_wall_keeps_its_grade(sentence: str, finding: Finding,
                                                      severity: Severity) -> None:
    label = label_findings(sentence)[finding]
    assert label.mention is Mention.POSITIVE and label.severity is severity


def test_a_low_lvef_in_the_findings_section_is_found_when_the_impression_is_silent() -> None:
    labels = label_findings("No LGE.", "Findings: LVEF is low (32 %). The septum is thick.")
    assert labels[_LVSD].mention is Mention.POSITIVE
    assert labels[_LVH].mention is Mention.POSITIVE


@pytest.mark.parametrize("sentence", [
    # another structure's thickening or hypertrophy: the interatrial septum, the aorta, a
    # papillary muscle, an atrium (each was read as LV hypertrophy)
    "Thickened interatrial septum.",
    "Lipomatous hypertrophy of the interatrial septum.",
    "Aortic wall thickening.",
    "Hypertrophied papillary muscles.",
    "The interatrial septum appears thickened.",
    "Interatrial septal thickening.",
    "Papillary muscle hypertrophy.",
    "Hypertrophied anterolateral papillary muscle.",
    "Thickening of the ascending aortic wall.",
    "LA wall thickening.",
    "Pleural thickening.",
    "Oesophageal wall thickening.",
    # and denied, it rules no LV hypertrophy out (it did)
    "No aortic wall thickening.",
    "No hypertrophied papillary muscles.",
    "Aortic wall thickness normal.",
])
def test_another_structures_thickening_is_no_lv_hypertrophy(sentence: str) -> None:
    assert label_findings(sentence)[_LVH].mention is _NM


@pytest.mark.parametrize(("sentence", "mention"), [
    ("Asymmetric septal hypertrophy", _P),
    ("Concentric LV hypertrophy", _P),
    ("LVH", _P),
    ("Thickened interventricular septum (18 mm)", _P),
    ("Hypertrophied septum", _P),
    ("left ventricular wall thickening", _P),
    ("basal septal hypertrophy", _P),
    ("apical hypertrophy", _P),
    # beside another structure's, the LV's own is still read
    ("Aortic wall thickening and LV hypertrophy.", _P),
    ("Lipomatous hypertrophy of the interatrial septum and concentric LVH.", _P),
    ("Concentric LV hypertrophy with hypertrophied papillary muscles.", _P),
    ("Thickened atrial and ventricular walls.", _P),
    ("Hypertrophied papillary muscles and LV walls.", _P),
    ("Hypertrophy secondary to aortic stenosis.", _P),
    ("Thickened interatrial septum (lipomatous hypertrophy); no LVH.", _N),
])
def test_the_lv_walls_own_hypertrophy_is_still_read(sentence: str, mention: Mention) -> None:
    label = label_findings(sentence)[_LVH]
    assert (label.mention, label.sentence) == (mention, sentence.rsplit("; ", maxsplit=1)[-1])


@pytest.mark.parametrize("sentence", [
    # an LV wall listed with the papillary muscles or the aortic wall: the blanked structure
    # took the LV's hypertrophy with it (each was not mentioned)
    "Asymmetric septal and papillary muscle hypertrophy",
    "Left ventricular and papillary muscle hypertrophy",
    "Septal and papillary muscle hypertrophy",
    "Concentric LV and papillary muscle hypertrophy",
    "LV and aortic wall thickening",
    "Hypertrophied papillary muscles and apical segments",
    "Hypertrophied papillary muscles and apex",
    "Hypertrophied papillary muscles and apical walls",
    "Hypertrophy of the papillary muscles and the anterolateral wall",
    "Hypertrophy of the papillary muscles, septum and lateral wall",
    "Thickened papillary muscles, septum and anterior wall",
])
def test_an_lv_wall_listed_with_another_structure_is_hypertrophied(sentence: str) -> None:
    assert label_findings(sentence)[_LVH].mention is _P


def test_a_denied_thickening_of_the_aorta_denies_no_dilation() -> None:
    assert label_findings("No aortic wall thickening")[Finding.AORTIC_DILATION].mention is _NM
    assert label_findings("No aortic dilation")[Finding.AORTIC_DILATION].mention is _N


@pytest.mark.parametrize(("sentence", "expected"), [
    # "excluded" was a negation cue before the hedge was read
    ("LV dysfunction cannot be excluded", {_LVSD: _U}),
    ("LV dysfunction can't be excluded", {_LVSD: _U}),
    # hedges deny, as the query reader reads them (each was positive)
    ("LV dysfunction unlikely", {_LVSD: _N}),
    ("Low likelihood of LV dysfunction", {_LVSD: _N}),
    ("Low probability of LV dilatation", {_LVD: _N}),
    # T1, T2 and ECV are no function (positive)
    ("Normal LV function and reduced T1 values", {_LVSD: _N}),
    # a wall named before them, "septal" ending inside its word (was positive)
    ("Normal LV function and inferoseptal native T1 reduced", {_LVSD: _N}),
    ("Normal RV function and anteroseptal T1 low", {_RVSD: _N}),
    # one judgement reaches both ejection fractions (the RV's or the LV's was left unread)
    ("Low LVEF and RVEF", {_LVSD: _P, _RVSD: _P}),
    ("LVEF and RVEF are reduced", {_LVSD: _P, _RVSD: _P}),
    ("Preserved LVEF and RVEF", {_LVSD: _N, _RVSD: _N}),
    ("LVEF and RVEF are normal", {_LVSD: _N, _RVSD: _N}),
    ("LVEF and RVEF both reduced", {_LVSD: _P, _RVSD: _P}),
])
def test_a_report_reads_as_a_query_does(sentence: str, expected: dict[Finding, Mention]) -> None:
    labels = label_findings(sentence)
    assert {f: labels[f].mention for f in expected} == expected
    assert all(labels[f].sentence == sentence for f in expected)  # the evidence as written
    # a second ejection fraction with its own judgement keeps it
    labels = label_findings("normal LVEF, RVEF reduced")
    assert (labels[_LVSD].mention, labels[_RVSD].mention) == (_N, _P)
