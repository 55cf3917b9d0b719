"""Impression extraction from every report source, and the negation-aware labeler."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from cmr_search.vocab import Diagnosis, Finding
from reader.labeler import Mention, label_diagnoses, label_findings
from reader.reports import ReportIndex, extract_impression, report_from_sr, text_report_near


@pytest.mark.parametrize("text", [
    "FINDINGS:\nStuff.\n\nIMPRESSION:\nDilated LV.\n",
    "Findings: stuff\nImpression: Dilated LV.",
    "4. CONCLUSION\nDilated LV.\n\nElectronically signed by Dr X",
    "summary - Dilated LV.",
    "History: x\n\nConclusions:\n1. Dilated LV.\nRecommendation: follow-up",
])
def test_impression_headings_in_any_style(text: str) -> None:
    impression = extract_impression(text)
    assert "Dilated LV." in impression
    assert "signed" not in impression and "follow-up" not in impression


def test_index_files_match_by_accession_or_study_uid(tmp_path: Path) -> None:
    csv_file = tmp_path / "reports.csv"
    csv_file.write_text("StudyInstanceUID,report_text\n1.2.3,\"IMPRESSION: Normal study.\"\n")
    jsonl = tmp_path / "reports.jsonl"
    jsonl.write_text('{"accession_number": "A1", "report": "CONCLUSION: Amyloid."}\nnot json\n')
    index = ReportIndex()
    assert index.add_file(csv_file) == 1 and index.add_file(jsonl) == 1
    found = index.find("", "1.2.3")
    assert found is not None and found.impression == "Normal study."
    found = index.find("A1", "9.9")
    assert found is not None and found.impression == "Amyloid."
    assert index.find("nope", "nope") is None


def test_a_line_that_is_not_json_is_logged_without_the_files_path(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A report file in the archive lies in a patient's folder, often named by the patient's
    ID: its path was logged with each line that was not JSON."""
    (tmp_path / "SMITH_JOHN").mkdir()
    (tmp_path / "SMITH_JOHN" / "r.jsonl").write_text('{"accession": "A1", "report": "N."}\nx\n')
    with caplog.at_level("WARNING", logger="reader.reports"):
        assert ReportIndex().add_file(tmp_path / "SMITH_JOHN" / "r.jsonl") == 1
    assert "line 2: not JSON, skipped" in caplog.text and "SMITH" not in caplog.text


def test_text_report_beside_the_study(tmp_path: Path) -> None:
    study = tmp_path / "P1" / "S1"
    study.mkdir(parents=True)
    (tmp_path / "P1" / "ACC9.txt").write_text("IMPRESSION: Small effusion.")
    report = text_report_near(study, "ACC9")
    assert report is not None and report.impression == "Small effusion."


def test_sr_text_items_become_the_report() -> None:
    def item(meaning: str, text: str) -> Dataset:
        code = Dataset()
        code.CodeMeaning = meaning
        ds = Dataset()
        ds.ValueType = "TEXT"
        ds.ConceptNameCodeSequence = Sequence([code])
        ds.TextValue = text
        return ds
    sr = Dataset()
    sr.ContentSequence = Sequence([item("Findings", "LVEF 30%."),
                                   item("Impressions", "Severe LV dysfunction.")])
    report = report_from_sr(sr, "x.dcm")
    assert report is not None and report.impression == "Severe LV dysfunction."
    assert "LVEF 30%" in report.text


_RWMA = Finding.REGIONAL_WALL_MOTION_ABNORMALITY


@pytest.mark.parametrize(("impression", "finding", "mention"), [
    ("Moderately dilated left ventricle.", Finding.LV_DILATION, Mention.POSITIVE),
    ("Non-dilated left ventricle.", Finding.LV_DILATION, Mention.NEGATIVE),
    ("Normal LV and RV volumes and systolic function.", Finding.RV_DILATION, Mention.NEGATIVE),
    ("No late gadolinium enhancement.", Finding.LGE, Mention.NEGATIVE),
    ("Subendocardial LGE in the LAD territory.", Finding.LGE, Mention.POSITIVE),
    ("Possible small pericardial effusion.", Finding.PERICARDIAL_EFFUSION, Mention.UNCERTAIN),
    ("No pericardial effusion.", Finding.PERICARDIAL_EFFUSION, Mention.NEGATIVE),
    ("Severe LV systolic dysfunction.", Finding.LV_SYSTOLIC_DYSFUNCTION, Mention.POSITIVE),
    ("Preserved right ventricular function.", Finding.RV_SYSTOLIC_DYSFUNCTION, Mention.NEGATIVE),
    ("Aortic root dilatation; suggest surveillance.", Finding.AORTIC_DILATION, Mention.POSITIVE),
    ("LV nl size. No LGE.", Finding.LV_DILATION, Mention.NEGATIVE),
    ("Asymmetric septal hypertrophy.", Finding.LV_HYPERTROPHY, Mention.POSITIVE),
    # a report's pericardium or valve thickened is not LV hypertrophy (it was read as one)
    ("Pericardial effusion and thickening.", Finding.LV_HYPERTROPHY, Mention.NOT_MENTIONED),
    ("Thickened pericardium.", Finding.LV_HYPERTROPHY, Mention.NOT_MENTIONED),
    # from a review: ruled out LV hypertrophy (a study's report then excluded it from "LVH")
    ("The pericardium is not thickened.", Finding.LV_HYPERTROPHY, Mention.NOT_MENTIONED),
    ("Thickened, calcified pericardium.", Finding.LV_HYPERTROPHY, Mention.NOT_MENTIONED),
    ("The septum is not thickened.", Finding.LV_HYPERTROPHY, Mention.NEGATIVE),
    ("Thickened mitral valve leaflets.", Finding.LV_HYPERTROPHY, Mention.NOT_MENTIONED),
    ("Reduced systolic wall thickening of the inferior wall.", Finding.LV_HYPERTROPHY,
     Mention.NOT_MENTIONED),
    ("Thickened interventricular septum.", Finding.LV_HYPERTROPHY, Mention.POSITIVE),
    ("Concentric LV wall thickening.", Finding.LV_HYPERTROPHY, Mention.POSITIVE),
    ("Structurally normal heart.", Finding.AORTIC_DILATION, Mention.NOT_MENTIONED),
    ("Inferior wall hypokinesis.", Finding.REGIONAL_WALL_MOTION_ABNORMALITY, Mention.POSITIVE),
    ("Hypokinetic anterior wall.", Finding.REGIONAL_WALL_MOTION_ABNORMALITY, Mention.POSITIVE),
    ("Regional hypokinesis of the lateral wall.", Finding.REGIONAL_WALL_MOTION_ABNORMALITY,
     Mention.POSITIVE),
    ("Akinetic apical segments.", Finding.REGIONAL_WALL_MOTION_ABNORMALITY, Mention.POSITIVE),
    ("Severe global LV hypokinesis.", Finding.REGIONAL_WALL_MOTION_ABNORMALITY,
     Mention.NOT_MENTIONED),
    ("No regional wall motion abnormality.", Finding.REGIONAL_WALL_MOTION_ABNORMALITY,
     Mention.NEGATIVE),
    ("Septal hypokinesis.", Finding.REGIONAL_WALL_MOTION_ABNORMALITY, Mention.POSITIVE),
    ("Hypokinesis of the inferior wall.", Finding.REGIONAL_WALL_MOTION_ABNORMALITY,
     Mention.POSITIVE),
    ("Segmental wall motion abnormality.", Finding.REGIONAL_WALL_MOTION_ABNORMALITY,
     Mention.POSITIVE),
    ("Normal LV size and wall motion.", Finding.REGIONAL_WALL_MOTION_ABNORMALITY,
     Mention.NEGATIVE),
    ("Normal LV function with LGE in the LAD territory.",
     Finding.REGIONAL_WALL_MOTION_ABNORMALITY, Mention.NOT_MENTIONED),
    ("RV free wall hypokinesis.", _RWMA, Mention.NOT_MENTIONED),
    ("Dyskinetic RV free wall.", _RWMA, Mention.NOT_MENTIONED),
    ("LV wall hypokinesis.", _RWMA, Mention.NOT_MENTIONED),
    ("LV wall hypokinesis.", Finding.LV_SYSTOLIC_DYSFUNCTION, Mention.POSITIVE),
    ("Diffusely hypokinetic LV walls.", _RWMA, Mention.NOT_MENTIONED),
    ("Diffusely hypokinetic LV walls.", Finding.LV_SYSTOLIC_DYSFUNCTION, Mention.POSITIVE),
    ("LV inferior wall hypokinesis.", _RWMA, Mention.POSITIVE),
    ("LV inferior wall hypokinesis.", Finding.LV_SYSTOLIC_DYSFUNCTION, Mention.NOT_MENTIONED),
    ("Impaired LV systolic function and inferior akinesis.", Finding.LV_SYSTOLIC_DYSFUNCTION,
     Mention.POSITIVE),
    ("Hypokinetic basal inferior wall.", _RWMA, Mention.POSITIVE),
    ("The inferior wall is mildly hypokinetic.", _RWMA, Mention.POSITIVE),
    ("No LGE and inferior wall hypokinesis.", _RWMA, Mention.NEGATIVE),
    ("No LGE and there is inferior wall hypokinesis.", _RWMA, Mention.POSITIVE),
    ("Normal LV function and inferior wall hypokinesis.", Finding.LV_SYSTOLIC_DYSFUNCTION,
     Mention.NEGATIVE),
    ("Normal LV function and inferior wall hypokinesis.", _RWMA, Mention.POSITIVE),
    ("Absence of LGE and pericardial effusion.", Finding.PERICARDIAL_EFFUSION, Mention.NEGATIVE),
    ("No LGE and mild LV dilation.", Finding.LV_DILATION, Mention.POSITIVE),
    ("Possible LGE and inferior hypokinesis.", _RWMA, Mention.UNCERTAIN),
    ("No global or regional wall motion abnormality.", _RWMA, Mention.NEGATIVE),
    ("Normal RV and LV wall motion.", _RWMA, Mention.NEGATIVE),
    ("Severe LV hypokinesis and apical thrombus.", Finding.LV_SYSTOLIC_DYSFUNCTION,
     Mention.POSITIVE),
    ("LV hypokinesis in septic shock.", Finding.LV_SYSTOLIC_DYSFUNCTION, Mention.POSITIVE),
    ("Hypokinetic LV in apical 4-chamber view.", _RWMA, Mention.NOT_MENTIONED),
    ("Apical akinesis despite globally preserved systolic function.", _RWMA, Mention.POSITIVE),
    ("The interventricular septum is hypokinetic.", _RWMA, Mention.POSITIVE),
    ("Hypokinetic basal to mid inferior wall.", _RWMA, Mention.POSITIVE),
    ("RV free wall akinesis.", Finding.RV_SYSTOLIC_DYSFUNCTION, Mention.POSITIVE),
    ("RVOT dyskinesis.", Finding.RV_SYSTOLIC_DYSFUNCTION, Mention.POSITIVE),
    ("RVOT dyskinesis.", _RWMA, Mention.NOT_MENTIONED),
    ("Regional LV akinesis.", Finding.LV_SYSTOLIC_DYSFUNCTION, Mention.NOT_MENTIONED),
    ("No LGE and inferior wall hypokinesis.", Finding.LGE, Mention.NEGATIVE),
    ("No LV dilatation and hypertrophy.", Finding.LV_HYPERTROPHY, Mention.NEGATIVE),
    ("No regional wall motion abnormality and no LGE.", _RWMA, Mention.NEGATIVE),
    ("Severely reduced LVEF.", Finding.LV_SYSTOLIC_DYSFUNCTION, Mention.POSITIVE),
    # the worse word beside the LVEF is what names the LV: these say nothing bad of it
    ("Severely impaired RV function and LVEF of 60 %.", Finding.LV_SYSTOLIC_DYSFUNCTION,
     Mention.NOT_MENTIONED),
    ("RVEF reduced at 35 % and LVEF normal at 60 %.", Finding.LV_SYSTOLIC_DYSFUNCTION,
     Mention.NEGATIVE),  # "LVEF normal" says it is normal
    ("Reduced RVEF (30 %) and LVEF 58 %.", Finding.LV_SYSTOLIC_DYSFUNCTION,
     Mention.NOT_MENTIONED),
    ("LVEF is severely impaired.", Finding.LV_SYSTOLIC_DYSFUNCTION, Mention.POSITIVE),
    ("Impaired RVEF.", Finding.RV_SYSTOLIC_DYSFUNCTION, Mention.POSITIVE),
    ("LVEDV 150 ml, LVESV 60 ml, LVEF 60%.", Finding.LV_SYSTOLIC_DYSFUNCTION,
     Mention.NOT_MENTIONED),
    # the size denied inside the word: "undilated" was read as dilated
    ("The LV is undilated with normal function.", Finding.LV_DILATION, Mention.NEGATIVE),
    ("Nondilated RV.", Finding.RV_DILATION, Mention.NEGATIVE),
    ("The aortic root is undilated.", Finding.AORTIC_DILATION, Mention.NEGATIVE),
    ("Mildly dilated LV.", Finding.LV_DILATION, Mention.POSITIVE),
    # one side dilated "and" the other said normal: read whole, both sides were dilated
    ("LV dilated and RV undilated.", Finding.RV_DILATION, Mention.NEGATIVE),
    ("LV dilated and RV undilated.", Finding.LV_DILATION, Mention.POSITIVE),
    ("LV dilated and RV normal in size.", Finding.RV_DILATION, Mention.NEGATIVE),
    ("Severely dilated LV and normal RV.", Finding.RV_DILATION, Mention.NEGATIVE),
    ("Normal RV.", Finding.RV_SYSTOLIC_DYSFUNCTION, Mention.NEGATIVE),
    ("The RV is normal.", Finding.RV_DILATION, Mention.NEGATIVE),
    ("Normal LV and RV.", Finding.LV_DILATION, Mention.NEGATIVE),
    ("Normal LV size and wall thickness.", Finding.LV_SYSTOLIC_DYSFUNCTION,
     Mention.NOT_MENTIONED),
    ("LV EF reduced and RV normal.", Finding.RV_SYSTOLIC_DYSFUNCTION, Mention.NEGATIVE),
    ("Dilated aorta and normal LV size.", Finding.LV_DILATION, Mention.NEGATIVE),
    ("Dilated LV and RV.", Finding.RV_DILATION, Mention.POSITIVE),
    ("LV and RV normal in size.", Finding.LV_DILATION, Mention.NEGATIVE),
    # an ejection fraction no side names is the LV's; one an RV stands before is not
    ("Reduced EF.", Finding.LV_SYSTOLIC_DYSFUNCTION, Mention.POSITIVE),
    ("RV EF reduced.", Finding.LV_SYSTOLIC_DYSFUNCTION, Mention.NOT_MENTIONED),
    ("RV EF reduced.", Finding.RV_SYSTOLIC_DYSFUNCTION, Mention.POSITIVE),
    ("Right ventricle EF reduced.", Finding.LV_SYSTOLIC_DYSFUNCTION, Mention.NOT_MENTIONED),
    ("RV: EF reduced.", Finding.LV_SYSTOLIC_DYSFUNCTION, Mention.NOT_MENTIONED),
    # a side is carried to a clause cut from it, not into a diagnosis
    ("Normal RV, in keeping with dilated cardiomyopathy.", Finding.RV_DILATION, Mention.NEGATIVE),
    ("Normal LV size, dilated left atrium.", Finding.LV_DILATION, Mention.NEGATIVE),
    ("Normal RV, reduced flow in the pulmonary artery.", Finding.RV_SYSTOLIC_DYSFUNCTION,
     Mention.NEGATIVE),
])
def test_labeler_reads_negation_and_hedging(impression: str, finding: Finding,
                                            mention: Mention) -> None:
    label = label_findings(impression)[finding]
    assert label.mention is mention
    if mention is not Mention.NOT_MENTIONED:
        assert label.sentence


_LVSD, _RVSD = Finding.LV_SYSTOLIC_DYSFUNCTION, Finding.RV_SYSTOLIC_DYSFUNCTION
_LVD, _RVD, _LVH = Finding.LV_DILATION, Finding.RV_DILATION, Finding.LV_HYPERTROPHY
_AO, _PE = Finding.AORTIC_DILATION, Finding.PERICARDIAL_EFFUSION
_P, _N, _NM = Mention.POSITIVE, Mention.NEGATIVE, Mention.NOT_MENTIONED


# an audit of 220 report sentences as CMR reports phrase them: each of these was misread
@pytest.mark.parametrize(("impression", "expected"), [
    # diastolic function says nothing of the systolic (it was ruled out, or found)
    ("Normal LV diastolic function.", {_LVSD: _NM}),
    ("Impaired LV diastolic function.", {_LVSD: _NM}),
    ("LV diastolic dysfunction.", {_LVSD: _NM}),
    ("Normal LV systolic and diastolic function.", {_LVSD: _N, _LVD: _NM}),
    # "dimensions" is a size; "left and right ventricular" names the LV too
    ("RV normal dimensions.", {_RVD: _N, _LVD: _NM}),
    ("Normal RV dimensions.", {_RVD: _N}),
    ("Normal left ventricular dimensions.", {_LVD: _N}),
    ("Normal LV dimensions and systolic function.", {_LVD: _N, _LVSD: _N}),
    ("Normal left and right ventricular volumes.", {_LVD: _N, _RVD: _N}),
    # "normal in size, wall thickness and function": the commas cut the aspects from "normal"
    ("The LV is normal in size, wall thickness and function.", {_LVSD: _N, _LVH: _N}),
    ("Normal RV size, function and wall motion.", {_RVD: _N, _RVSD: _N}),
    # a better word before the LVEF or RVEF names the function
    ("Preserved LVEF.", {_LVSD: _N}),
    ("Severely impaired RV function and preserved LVEF.", {_RVSD: _P, _LVSD: _N}),
    # borderline is not ruled out
    ("LV end-diastolic volume at the upper limit of normal.", {_LVD: _NM}),
    ("LV size upper limit of normal.", {_LVD: _NM}),
    # "impaired" names a function
    ("Severely dilated and impaired RV.", {_RVD: _P, _RVSD: _P}),
    # from a review: "without evidence of" kept its side, diastolic or strain wording is no
    # systolic function, a denied infarction no denied LGE
    ("RV without evidence of systolic dysfunction.", {_RVSD: _N}),
    ("LV without evidence of dilatation or dysfunction.", {_LVD: _N, _LVSD: _N}),
    ("Normal LV size without evidence of systolic impairment.", {_LVD: _N, _LVSD: _N}),
    ("LV diastolic function is impaired.", {_LVSD: _NM}),
    ("Diastolic function of the LV is impaired.", {_LVSD: _NM}),
    ("LV diastolic function impaired, systolic function normal.", {_LVSD: _N}),
    ("Impaired global longitudinal strain with preserved LVEF.", {_LVSD: _N}),
    ("Myocarditis rather than infarction.", {Finding.LGE: _NM}),
    ("Features of myocarditis rather than an infarct.", {Finding.LGE: _NM}),
    # a second review: systolic dysfunction beside diastolic wording or strain is still read
    ("Impaired LV function and diastolic dysfunction.", {_LVSD: _P}),
    ("Severely dilated and impaired LV and grade III diastolic dysfunction.", {_LVSD: _P}),
    ("Moderately impaired LV function and restrictive diastolic filling.", {_LVSD: _P}),
    ("Impaired LV function and reduced global strain.", {_LVSD: _P}),
    ("Impaired global longitudinal strain despite preserved LVEF.", {_LVSD: _N}),
    ("LV diastolic function appears mildly impaired.", {_LVSD: _NM}),
    ("LGE of myocarditis rather than infarction.", {Finding.LGE: _P}),
    ("LV normal; RV severely dilated and impaired.", {_LVD: _N, _RVSD: _P}),
    ("Biventricular dilatation and impairment.", {_LVSD: _P, _RVSD: _P}),
    # a pleural effusion is not the pericardium's
    ("Small pleural effusions.", {_PE: _NM}),
    ("Bilateral pleural effusions, no pericardial effusion.", {_PE: _N}),
    # what follows "without" or "rather than" is denied, not what stands before it
    ("Dilated LV without late gadolinium enhancement.", {_LVD: _P, Finding.LGE: _N}),
    ("Hypertrophied LV without dilatation.", {_LVH: _P, _LVD: _N}),
    ("Dilated LV with reduced ejection fraction without LGE.", {_LVSD: _P}),
    ("LV dilated rather than hypertrophied.", {_LVD: _P, _LVH: _N}),
    ("LV dilatation rather than hypertrophy.", {_LVH: _N}),
    # the side a comma, "with" or "but" cut from its function or size
    ("Moderate LV dilatation with severely impaired systolic function (LVEF 25%).", {_LVSD: _P}),
    ("The LV is mildly dilated, with mildly impaired systolic function.", {_LVSD: _P}),
    ("Normal LV size but impaired systolic function.", {_LVD: _N, _LVSD: _P}),
    ("LV is not dilated but systolic function is mildly impaired.", {_LVD: _N, _LVSD: _P}),
    ("The LV is dilated but systolic function is preserved.", {_LVD: _P, _LVSD: _N}),
    ("Dilated LV with preserved EF.", {_LVSD: _N}),
    ("Dilated LV, no LGE, with impaired systolic function.", {_LVSD: _P}),
    ("Normal sized left ventricle with preserved systolic function.", {_LVSD: _N}),
    ("Mildly dilated RV with preserved systolic function.", {_RVSD: _N, _LVSD: _NM}),
    ("RV is mildly dilated (RVEDVi 120 ml/m2) with preserved function.", {_RVSD: _N}),
    ("The right ventricle is not dilated, with normal systolic function.", {_RVSD: _N}),
    ("Right ventricular dilatation with reduced systolic function.", {_RVSD: _P}),
    ("RV dilated, function preserved.", {_RVSD: _N}),
    ("RV mildly dilated, with normal function, no LGE.", {_RVSD: _N}),
    ("LV and RV dilated, with impaired function.", {_LVSD: _P, _RVSD: _P}),
    ("Biventricular dilatation with impaired systolic function.", {_LVSD: _P, _RVSD: _P}),
    ("RVEF 40%, mildly reduced.", {_RVSD: _P}),
    ("Aortic root 42 mm, mildly dilated.", {_AO: _P}),
    ("Ascending aorta measures 45 mm, moderately dilated.", {_AO: _P}),
    ("Ascending aorta 38 mm, normal.", {_AO: _N}),
    ("Maximal wall thickness 13 mm, within normal limits.", {_LVH: _N}),
    # the side named before a semicolon goes on to what only says how it is
    ("Normal LV diastolic function; mildly impaired systolic function.", {_LVSD: _P}),
    ("Dilated RV; mildly impaired systolic function.", {_RVSD: _P, _LVSD: _NM}),
    # not past a full stop, nor to an EF no side names (it is the LV's)
    ("Dilated LV. Normal RV. Impaired systolic function.", {_RVSD: _N}),
    ("Normal RV size and function; reduced EF (35%).", {_LVSD: _P, _RVSD: _N}),
    # nor a side said wholly normal, nor the aorta or a wall to a function
    ("Dilated LV; normal RV; impaired systolic function.", {_RVSD: _N}),
    ("Aortic root 45 mm; normal function.", {_AO: _NM}),
    ("Max wall thickness 18 mm; normal function.", {_LVH: _NM}),
    # the judgement after the ejection fraction's value; a reference range is none
    ("LVEF 55% (normal).", {_LVSD: _N}),
    ("LVEF 35% (reduced).", {_LVSD: _P}),
    ("EF 30%, severely reduced.", {_LVSD: _P}),
    ("Ejection fraction 62%, normal.", {_LVSD: _N}),
    ("RVEF 38% (reduced), LVEF 60% (normal).", {_RVSD: _P, _LVSD: _N}),
    ("LVEF 55 % (normal range 57-77 %).", {_LVSD: _NM}),
    ("LVEF 48% (normal reference range 55-75%).", {_LVSD: _NM}),
    ("LVEF 48% (normal limits 55-75%).", {_LVSD: _NM}),
    ("LVEF 48% (normal, 55-75%).", {_LVSD: _NM}), ("LVEF 48% (normal is > 55%).", {_LVSD: _NM}),
    ("LVEF 48 % (normal for age and sex: 55-73 %).", {_LVSD: _NM}),
    ("LVEF 55% (recently reduced).", {_LVSD: _NM}),
    ("LVEF 55% (previously reduced).", {_LVSD: _NM}),
    ("LVEF 45% (mildly reduced).", {_LVSD: _P}),
    ("LVEF 35%.", {_LVSD: _NM}),  # a bare value is the measurements' to grade
])
def test_report_phrasings_an_audit_found_misread(impression: str,
                                                 expected: dict[Finding, Mention]) -> None:
    labels = label_findings(impression)
    assert {f: labels[f].mention for f in expected} == expected


def test_a_diagnosis_before_without_or_rather_than_is_not_denied() -> None:
    labels = label_diagnoses("DCM without LGE. Athletic remodelling rather than HCM.")
    assert labels[Diagnosis.DCM].mention is Mention.POSITIVE  # it was negative
    assert labels[Diagnosis.HCM].mention is Mention.NEGATIVE  # it was positive


def test_labeler_grades_severity_and_falls_back_to_the_findings_section() -> None:
    labels = label_findings("Severe LV dilatation.", "Findings: mild RV dilatation.")
    assert labels[Finding.LV_DILATION].severity is not None
    assert labels[Finding.LV_DILATION].severity.value == "severe"
    assert labels[Finding.RV_DILATION].mention is Mention.POSITIVE


def test_diagnoses_from_the_impression() -> None:
    labels = label_diagnoses("Appearances consistent with dilated cardiomyopathy. "
                             "No evidence of amyloid.")
    assert labels[Diagnosis.DCM].mention is Mention.POSITIVE
    assert labels[Diagnosis.AMYLOIDOSIS].mention is Mention.NEGATIVE
    assert labels[Diagnosis.HCM].mention is Mention.NOT_MENTIONED


_RV_OWN = ["Inferior RV wall hypokinesis.", "Akinetic RV apex.", "RV inferior wall akinesis.",
           "RV anterior and inferior wall dyskinesis.", "Inferior and anterior RV wall akinesis.",
           "RV free wall and apex akinesis.", "Regional RV akinesia of the inferior wall.",
           "RV free wall akinesis and septal flattening.",
           "Septal dyskinesis due to RV pressure overload."]
_LV_TOO = ["Inferior and RV free wall akinesis.", "Akinetic inferior wall and RV free wall.",
           "RV free wall and inferior hypokinesis.", "Akinesis of the RV free wall and LV apex.",
           "Inferoseptal hypokinesis extending to the RV."]


@pytest.mark.parametrize("impression", _RV_OWN + _LV_TOO)
def test_rv_walls_are_the_rvs_and_an_lv_region_beside_them_is_regional(impression: str) -> None:
    # the RV's walls, named after it or joined to it by "and", are its function; an LV region
    # moving abnormally beside them (the septum aside) is also the regional finding
    labels = label_findings(impression)
    regional = labels[Finding.REGIONAL_WALL_MOTION_ABNORMALITY].mention
    assert regional is (Mention.POSITIVE if impression in _LV_TOO else Mention.NOT_MENTIONED)
    if "septal" not in impression.lower():
        assert labels[Finding.RV_SYSTOLIC_DYSFUNCTION].mention is Mention.POSITIVE


def test_a_clause_of_endless_ands_is_split_a_bounded_number_of_times(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from reader import labeler

    calls = []
    subjects = labeler._subjects
    monkeypatch.setattr(labeler, "_subjects", lambda text: calls.append(1) or subjects(text))
    labels = label_findings("RV and " * 70 + "akinesis.")  # a 500-character query
    # split once for all nine rules: 630 reads of a growing clause before
    assert len(calls) <= labeler._MAX_AND_SPLITS
    assert labels[Finding.RV_SYSTOLIC_DYSFUNCTION].mention is Mention.POSITIVE


def test_non_ischaemic_is_not_ischaemic() -> None:
    """"Non-ischaemic dilated cardiomyopathy" was labelled DCM and ischaemic at once."""
    from cmr_search.vocab import Diagnosis
    from reader.labeler import Mention, label_diagnoses

    for text in ("Non-ischaemic dilated cardiomyopathy.", "Nonischemic cardiomyopathy.",
                 "Non ischemic LGE pattern."):
        assert label_diagnoses(text)[Diagnosis.ISCHEMIC].mention is Mention.NOT_MENTIONED, text
    assert label_diagnoses("Ischaemic cardiomyopathy.")[Diagnosis.ISCHEMIC].mention is \
        Mention.POSITIVE


def test_a_side_said_normal_in_one_aspect_is_not_read_whole() -> None:
    """"LV normal size" and "normal LV diastolic function" were read as the whole LV normal."""
    labels = label_findings("LV normal size. Severely impaired LV function.")
    assert labels[Finding.LV_DILATION].mention is Mention.NEGATIVE
    assert labels[Finding.LV_SYSTOLIC_DYSFUNCTION].mention is Mention.POSITIVE
    assert label_findings("Normal LV cavity.")[Finding.LV_SYSTOLIC_DYSFUNCTION].mention \
        is Mention.NOT_MENTIONED
