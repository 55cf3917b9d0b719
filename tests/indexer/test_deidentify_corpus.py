"""A regression corpus for the report scrubber: every line the phantom's reports are written
with and some 300 clinical CMR sentences, alone, at a line's start, after a bullet and after the
words that name a person ("Reported by:", "cc:", "Present:", "Mother:", "GP:"). None of it may
change: each rule that finds a name is weighed against it ("Smith MR" is a name after a cue,
"Severe MR", "Long QT", "Kerley B" and the eponyms never are)."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

import numpy as np
import pytest
from fakes.reports import phantom_report

from indexer.deidentify import scrub_free_text

CUES = ("Reported by: ", "cc: ", "Present: ", "Mother: ", "GP: ")
# where a clinical sentence stands: alone, at a line's start, after a bullet, after each cue,
# and after a name in a list, where a name faker lacks is read ("(Neubauer S, Myerson S)")
PLACES = ("", "Report:\n", "Findings:\n- ", *CUES, "Discussed with Dr Smith, ", "(Jones S, ",
          "Discussed with Drs Smith and\n")
EPONYMS = (
    "Fontan", "Ebstein", "Takotsubo", "Fabry", "Anderson-Fabry", "Brugada",
    "Wolff-Parkinson-White", "Marfan", "Loeys-Dietz", "Duchenne", "Becker", "Friedreich",
    "Danon", "Pompe", "Kawasaki", "Chagas", "Lev-Lenegre", "Dressler", "Tetralogy of Fallot",
    "Mustard", "Senning", "Rastelli", "Ross", "Bentall", "Glenn", "Norwood", "Blalock-Taussig")
# how a report names an eponym: alone, before its noun, in capitals, before an abbreviation
EPONYM_FORMS = ("{e}.", "{e} disease.", "Known {e}.", "{E}", "Post {e}.", "({e})", "{e}, 2019.",
                "{e} LV", "{e} RV", "{e} MR", "{e} TR", "{e} AR", "{e} PR", "{e} QT", "{e} I",
                "{e} II", "{E} MR")
# one sentence per "|": clinical text written with the words and letters a name rule reads
SENTENCES = """
Normal LV size and systolic function. | Mildly dilated LV with LVEF 45%. | Severe LV dilatation.
| LVEF 35%, RVEF 42%. | Moderate LV systolic dysfunction. | Normal RV size and function. |
Mild RV dilatation. | RV dysfunction. | LV mass 210 g. | Max wall thickness 18 mm. |
Mild MR. | Moderate MR. | Severe MR. | Trace MR. | Trivial MR. | Functional MR. |
Secondary MR. | Primary MR. | Eccentric MR jet. | Mild TR. | Moderate TR. | Severe TR. |
Torrential TR. | Trivial TR. | Mild AR. | Moderate AR. | Severe AR. | Mild AS. | Moderate AS.
| Severe AS. | Mild PR. | Free PR. | Severe PR. | Mild PS. | Residual PS. | Trace PR. |
MR regurgitant fraction 35%. | AR regurgitant volume 40 ml. | Moderate MR, mild TR. |
MR: moderate. | TR: mild. | AR: none. | Bicuspid AV. | Tricuspid AV. | Prior AVR. |
Post MVR. | Mitral valve prolapse, Barlow type. | Barlow disease. | Flail P2 segment. |
Subendocardial LGE. | Transmural LGE. | Mid-wall LGE. | Patchy LGE. | Diffuse LGE. | No LGE.
| LGE at the RV insertion points. | Inferolateral subepicardial LGE. | Septal mid-wall LGE.
| LGE: none. | LGE present. | Extensive LGE. | Focal LGE. | Known HCM. | Apical HCM. |
Septal HCM. | HCM phenotype. | Obstructive HCM. | LVOT obstruction. | Known DCM. |
Familial DCM. | Idiopathic DCM. | Known ARVC. | Definite ARVC. | ARVC: major criterion. |
LVNC: not met. | Known LVNC. | Cardiac amyloid. | AL amyloidosis. | ATTR amyloidosis. |
Cardiac sarcoid. | Myocarditis. | Acute myocarditis. | Pericarditis. | Constrictive
pericarditis. | LBBB. | Known LBBB. | New LBBB. | RBBB. | Complete RBBB. | Long QT. |
Short QT. | Long QT syndrome. | Long QT syndrome type 2. | Long QT 1. | Long QT 2. |
Long QT 3. | QT prolongation. | QTc 480 ms. | Prolonged QT. | Borderline QT. | Long PR. |
Short PR. | Long RP tachycardia. | Kerley B lines. | Kerley B. | Kerley A lines. |
Kerley B lines on chest radiograph. | NYHA II. | NYHA III. | NYHA IV. | NYHA class II. |
NYHA I. | CCS II angina. | Killip II. | Paroxysmal AF. | Persistent AF. | Permanent AF. |
Sustained VT. | Non-sustained VT. | Monomorphic VT. | Polymorphic VT. | VF arrest. |
Out of hospital VF arrest. | Prior MI. | Inferior MI. | Anterior STEMI. | NSTEMI. |
Known CAD. | Prior PCI to LAD. | Prior CABG. | LAD territory. | RCA territory. |
LCx territory. | Mid LAD. | Proximal RCA. | Distal LAD. | Stenosis: mid LAD. |
Fontan circulation. | Fontan. | Extracardiac Fontan. | Fenestrated Fontan. | Post Fontan.
| Fontan completion. | Ebstein anomaly. | Ebstein. | Takotsubo. | Takotsubo cardiomyopathy.
| Fabry disease. | Anderson-Fabry disease. | Fabry. | Brugada syndrome. | Brugada pattern.
| Brugada. | Wolff-Parkinson-White. | Wolff-Parkinson-White pattern. | WPW. | Marfan.
| Marfan syndrome. | Loeys-Dietz. | Loeys-Dietz syndrome. | Duchenne. | Duchenne
muscular dystrophy. | Duchenne MD. | Becker. | Becker muscular dystrophy. | Becker MD.
| Becker carrier. | Friedreich ataxia. | Friedreich. | Danon disease. | Danon. |
Pompe disease. | Pompe. | Kawasaki disease. | Kawasaki. | Chagas disease. | Chagas. |
Lev-Lenegre disease. | Lev-Lenegre. | Dressler syndrome. | Dressler. | Tetralogy of
Fallot. | Repaired tetralogy of Fallot. | TOF repair. | Mustard. | Mustard procedure. |
Mustard baffle. | Senning. | Senning procedure. | Rastelli. | Rastelli conduit. | Ross.
| Ross procedure. | Post Ross. | Ross autograft. | Bentall. | Bentall procedure. |
Prior Bentall. | Glenn. | Glenn shunt. | Bidirectional Glenn. | Norwood. | Norwood stage
I. | Blalock-Taussig shunt. | Modified Blalock-Taussig shunt. | BT shunt. | Fontan, Glenn.
| Mustard, Senning. | Ross, Bentall. | Turner syndrome. | Williams syndrome. | Noonan
syndrome. | Wilson disease. | Holt-Oram. | Kearns-Sayre. | Carney complex. | Potts shunt.
| Wilkins II. | Wilkins score 8. | David V. | David procedure. | Crawford II. | Crawford
IV. | DeBakey I. | DeBakey II. | Stanford A. | Stanford B. | Stanford A dissection. |
Mobitz I. | Mobitz II. | Mobitz II block. | Wenckebach. | Lown V. | Killip IV. |
Sellers grade 2. | Fontaine II. | Rutherford III. | Siewert II. | Dixon W. | Dixon F. |
Dixon W and Dixon F images. | Duke A. | Ross II. | Factor V Leiden. | Factor V. |
Protein C deficiency. | Protein C. | Protein S. | Troponin T. | Troponin I. | Troponin T
raised. | Vitamin D. | Hepatitis B. | Hepatitis C. | Lipoprotein A. | Lead V. | Lead II.
| Type A. | Type B. | Grade II. | Class III. | Stage B. | Zone A. | Phase II. |
Cine SSFP. | Cine TFE. | Cine FLASH. | Native T1 1050 ms. | T2 mapping. | ECV 32%. |
Flow PC. | Phase PC. | Stress CMR. | Rest CMR. | Adenosine stress. | Regadenoson stress.
| Stress perfusion: normal. | Perfusion defect: inferior. | Short AX. | Long AX. |
Short axis cines. | Long axis cines. | Small PDA. | Large PDA. | Small PFO. | Large ASD.
| Secundum ASD. | Restrictive VSD. | Perimembranous VSD. | Persistent LSVC. | Left SVC.
| Dilated IVC. | Dilated RA. | Dilated LA. | LA volume 45 ml/m2. | Severe LAE. |
Basal LV. | Mid LV. | Apical LV. | Basal RV. | Native AV. | Native MV. | Prosthetic MV. |
Sinus rhythm. | Sinus R. | SR. | Atrial flutter. | Complete heart block. | CHB. |
ICD in situ. | CRT-D in situ. | Pacemaker in situ. | MR conditional pacemaker. |
MR conditional ICD. | MR safe. | MR unsafe. | MR angiography. | MRA of the aorta. |
Aortic root 42 mm. | Ascending aorta 45 mm. | Coarctation. | Repaired coarctation. |
Bicuspid aortopathy. | Aortic root dilatation. | Pericardial effusion. | Small effusion.
| Large effusion. | No effusion. | Pleural effusion. | Pulmonary hypertension. | PH. |
Severe PH. | PA pressure raised. | Septal flattening. | D-shaped LV. | Severe AS, moderate
MR. | Mild AR, trivial MR, trivial TR. | Known HCM, LVOT gradient 60 mmHg. | Known DCM,
EF 30%. | LVEF: 55%. | RVEF: 50%. | Qp:Qs 1.8. | Mass: 120 g. | ECG: LBBB. | ECG: RBBB.
| ECG: Long QT. | ECG: Short PR, delta wave. | CXR: Kerley B lines. | Echo: Severe MR. |
History: Long QT. | History: Fontan. | History: Mustard. | Family history: Long QT. |
Family history: HCM. | Family history: SCD. | Indication: ?ARVC. | Indication: ?HCM. |
Query ARVC. | Query HCM. | Query LVNC. | ?Myocarditis. | ?Amyloid. | Impression: Normal.
| Conclusion: Severe MR. | Comparison: Prior CMR. | Compared with prior CMR. | No change.
| Stable appearances. | Repeat CMR in 12 months. | Genetic testing advised. | Refer to
ICC clinic. | Consider ICD. | Consider CRT. | Discuss at MDT. | For MDT. | MDT review.
| Strand LGE. | Native T1 raised. | T2 raised. | Oedema present. | No oedema. |
Thrombus: none. | LV thrombus. | LA appendage thrombus. | RV apex thrombus. |
"""
SENTENCE_LIST = [" ".join(s.split()) for s in SENTENCES.split("|") if s.strip()]


@cache
def phantom_lines() -> tuple[str, ...]:
    """Each distinct line of the reports and impressions the phantom writes (no real name in
    them): 200 reports from each of three seeds, every house style, diagnosis, finding,
    severity, scar pattern, territory and scanner."""
    lines: set[str] = set()
    for seed in (3, 17, 2024):
        rng = np.random.default_rng(seed)
        for _ in range(200):
            report = phantom_report(rng)
            lines.update(line for text in (report.text, report.impression)
                         for line in text.splitlines() if line.strip())
    return tuple(sorted(lines))


# the labels a report is signed with, after which a name is a name, and the clinical lines
# that are one there: "Reported by: Becker MD" is Dr Becker, MD (elsewhere Becker muscular
# dystrophy)
SIGNATURES = ("Reported by: ", "Verified: ", "Signed by ")
SIGNED_LINES = {"Becker MD.": "[name] MD."}


def placed(sentences: list[str] | tuple[str, ...],
           places: tuple[str, ...] = PLACES) -> list[tuple[str, str]]:
    """Each sentence after each of `places`, and what the scrubber must make of it: the place
    scrubbed ("Discussed with [name], "), the sentence as it is (after a signature's label, a
    name it names as [name]: `SIGNED_LINES`)."""
    return [(f"{place}{sentence}", f"{scrub_free_text(place)}"
             f"{SIGNED_LINES.get(sentence, sentence) if place in SIGNATURES else sentence}")
            for sentence in sentences for place in places]


def bad_changes(texts: list[tuple[str, str]]) -> Counter[str]:
    """The words the scrubber changed in each text that should have come out as expected,
    counted: a [name] for a clinical word."""
    lost: Counter[str] = Counter()
    for text, expected in texts:
        out = scrub_free_text(text)
        if out != expected:
            lost.update(Counter(re.findall(r"\S+", expected)) - Counter(re.findall(r"\S+", out)))
    return lost


def _eponym_lines() -> list[str]:
    return [f.format(e=e, E=e.upper()) for e in EPONYMS for f in EPONYM_FORMS]


def test_the_corpus_covers_the_abbreviations_the_eponyms_and_the_phantoms_lines() -> None:
    words = {w.strip(".,:?") for s in SENTENCE_LIST for w in s.split()}
    assert len(SENTENCE_LIST) >= 300 and len(phantom_lines()) > 1000
    assert {"LV", "RV", "MR", "TR", "AR", "LGE", "HCM", "DCM", "ARVC", "LBBB", "QT", "NYHA",
            "Kerley"} <= words
    assert [e for e in EPONYMS if e.split()[-1] not in words] == []
    # and no clinical line changed where it stood: "Becker MD." (Becker muscular dystrophy)
    # was "[name]." at a line's start, "Reported by: Post MVR." "Reported by: [name]."; after
    # a signature's label it is Dr Becker, MD
    assert bad_changes(placed(["Becker MD.", "Post MVR."])) == Counter()
    assert scrub_free_text("Reported by: Becker MD.") == "Reported by: [name] MD."


@pytest.mark.parametrize("place", PLACES)
def test_no_clinical_line_changes_wherever_it_stands(place: str) -> None:
    """Each line the phantom writes, each clinical sentence and each eponym's form, after
    `place`: a name rule that reads a clinical word as a name fails here."""
    lines = [*phantom_lines(), *SENTENCE_LIST, *_eponym_lines()]
    assert bad_changes(placed(lines, (place,))) == Counter()


# a patient's name in a report's header: surname first with its given names, "Name:" at a
# line's start, and the header's next label after the name
HEADERS = [
    ("Patient: GARCÍA LÓPEZ, José", "[name]"), ("Patient: VAN DER BERG, Anna", "[name]"),
    ("Patient name: Volkov, Dmitri", "[name]"), ("Patient: DOE, JANE E", "[name]"),
    ("Name: Nguyen Van An", "Name: [name]"), ("Name: Dmitri Volkov\nMRN: 1234567",
                                               "Name: [name]\n[id]"),
    ("Patient: Jane Doe\nIndication: chest pain", "[name]\nIndication: chest pain"),
    ("Patient John Smith\nLeft Ventricle: normal", "[name]\nLeft Ventricle: normal"),
    ("Patient: Jane DOE  Sex: F  Age: 54", "[name]  Sex: F  Age: 54"),
]


@pytest.mark.parametrize(("text", "expected"), HEADERS)
def test_a_patients_name_in_a_header_goes_whole_and_alone(text: str, expected: str) -> None:
    """"Patient: GARCÍA LÓPEZ, José" kept "José" and "Patient name: Volkov, Dmitri" all of
    it; "Patient: Jane Doe\nIndication:" lost "Indication", the next line's word."""
    assert scrub_free_text(text) == expected
    assert scrub_free_text(expected) == expected


@pytest.mark.parametrize("place", ["Name: ", "Verified: ", "Signed by "])
def test_no_clinical_line_changes_after_a_header_or_a_signature(place: str) -> None:
    """The clinical sentences and the eponyms after the header's "Name:" and a signature's
    words, which a name rule reads as a person's."""
    assert bad_changes(placed([*SENTENCE_LIST, *_eponym_lines()], (place,))) == Counter()


# the eponyms a clinician writes, and every place a name rule reads a word faker lacks as a name
# (after a signature's label, on a doctors list's next line, in a list of names with initials)
CLINICAL_EPONYMS = ("Becker muscular dystrophy.", "Fontan circulation.", "Ebstein anomaly.",
                    "Takotsubo.", "Fabry disease.", "Duchenne.", "Marfan syndrome.",
                    "Turner syndrome.", "Noonan syndrome.", "Danon disease.", "Brugada.")
EPONYM_PLACES = tuple(dict.fromkeys((*PLACES, *SIGNATURES, "Name: ", "Dictated by: ",
                                     "Signed electronically by ", "Radiographer: ",
                                     "Technologist: ", "Verified by: ", "(Neubauer S, ")))


@pytest.mark.parametrize("place", EPONYM_PLACES)
def test_the_eponyms_a_clinician_writes_stay_wherever_they_stand(place: str) -> None:
    """A name faker lacks became one after a signature's label, on a doctors list's next line
    and before a list's known name: the eponyms used clinically stay ("Becker muscular
    dystrophy", "Fontan circulation"), alone, in capitals and before a letter."""
    forms = ("{e}", "{E}", "{e} LV", "Known {e}")
    lines = [f.format(e=e, E=e.upper()) for e in CLINICAL_EPONYMS for f in forms]
    assert bad_changes(placed(lines, (place,))) == Counter()
