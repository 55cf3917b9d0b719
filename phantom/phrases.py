"""Phrase banks for synthetic CMR reports: how radiologists say each finding, or its absence."""

from __future__ import annotations

from cmr_search.vocab import Diagnosis, Finding, Severity

# Severity words; "mild" is often hedged as borderline in real reports.
SEVERITY_WORDS: dict[Severity, tuple[str, ...]] = {
    Severity.MILD: ("mild", "mildly", "borderline", "slight"),
    Severity.MODERATE: ("moderate", "moderately"),
    Severity.SEVERE: ("severe", "severely", "markedly"),
}

# Positive statements, with {sev} for an adjective and {adv} for an adverb.
POSITIVE: dict[Finding, tuple[str, ...]] = {
    Finding.LV_SYSTOLIC_DYSFUNCTION: (
        "{adv} impaired left ventricular systolic function",
        "{sev} LV systolic dysfunction",
        "{adv} reduced LV ejection fraction",
        "{sev} global LV hypokinesis",
    ),
    Finding.RV_SYSTOLIC_DYSFUNCTION: (
        "{adv} impaired right ventricular systolic function",
        "{sev} RV systolic dysfunction",
        "{adv} reduced RV ejection fraction",
    ),
    Finding.LV_DILATION: (
        "{adv} dilated left ventricle",
        "{sev} LV dilatation",
        "{sev} left ventricular dilation",
        "{adv} enlarged LV cavity",
    ),
    Finding.RV_DILATION: (
        "{adv} dilated right ventricle",
        "{sev} RV dilatation",
        "{sev} right ventricular enlargement",
    ),
    Finding.LV_HYPERTROPHY: (
        "{sev} left ventricular hypertrophy",
        "{sev} LVH",
        "{adv} increased LV wall thickness",
    ),
    Finding.AORTIC_DILATION: (
        "{adv} dilated aortic root",
        "{sev} aortic root dilatation",
        "{sev} dilation of the aortic root",
    ),
    Finding.PERICARDIAL_EFFUSION: (
        "{sev} pericardial effusion",
        "{sev} pericardial fluid collection",
    ),
    Finding.REGIONAL_WALL_MOTION_ABNORMALITY: (
        "regional wall motion abnormality in the {territory} territory",
        "{territory} territory {motion}",
    ),
}

NEGATIVE: dict[Finding, tuple[str, ...]] = {
    Finding.LV_SYSTOLIC_DYSFUNCTION: (
        "normal LV systolic function", "preserved left ventricular systolic function",
        "no LV systolic dysfunction",
    ),
    Finding.RV_SYSTOLIC_DYSFUNCTION: (
        "normal RV systolic function", "preserved right ventricular function",
        "no RV dysfunction",
    ),
    Finding.LV_DILATION: ("normal LV size", "no LV dilatation", "non-dilated left ventricle"),
    Finding.RV_DILATION: ("normal RV size", "no RV dilatation", "non-dilated right ventricle"),
    Finding.LV_HYPERTROPHY: ("normal LV wall thickness", "no left ventricular hypertrophy",
                             "no LVH"),
    Finding.LGE: (
        "no late gadolinium enhancement", "no LGE", "no myocardial scar or fibrosis",
        "no evidence of late enhancement",
    ),
    Finding.AORTIC_DILATION: ("normal aortic root dimensions", "no aortic root dilatation"),
    Finding.PERICARDIAL_EFFUSION: ("no pericardial effusion", "no pericardial fluid"),
    Finding.REGIONAL_WALL_MOTION_ABNORMALITY: ("no regional wall motion abnormality",
                                               "no RWMA"),
}

LGE_PATTERNS: dict[str, tuple[str, ...]] = {
    "subendocardial": ("subendocardial LGE in the {territory} territory",
                       "{extent} subendocardial late enhancement ({territory} territory)",
                       "subendocardial infarct scar in the {territory} territory"),
    "transmural": ("transmural LGE in the {territory} territory",
                   "transmural infarction of the {territory} territory",
                   "full-thickness late enhancement in the {territory} territory, non-viable"),
    "midwall": ("mid-wall LGE in the septum", "linear mid-wall septal fibrosis",
                "mid-myocardial late enhancement of the interventricular septum"),
    "subepicardial": ("subepicardial LGE of the inferolateral wall",
                      "patchy subepicardial late enhancement, lateral wall",
                      "subepicardial and mid-wall LGE in a non-ischaemic pattern"),
    "diffuse_subendocardial": ("diffuse global subendocardial LGE",
                               "diffuse subendocardial enhancement with abnormal gadolinium "
                               "kinetics", "global subendocardial late enhancement"),
    "insertion_point": ("patchy LGE at the RV insertion points",
                        "patchy mid-wall LGE in the hypertrophied segments",
                        "RV insertion point fibrosis"),
}

DIAGNOSIS_STATEMENTS: dict[Diagnosis, tuple[str, ...]] = {
    Diagnosis.NORMAL: ("Normal cardiac MRI.", "No structural heart disease.",
                       "Normal study.", "Structurally normal heart."),
    Diagnosis.DCM: ("Appearances consistent with dilated cardiomyopathy.",
                    "Findings in keeping with DCM.", "Non-ischaemic dilated cardiomyopathy."),
    Diagnosis.HCM: ("Appearances consistent with hypertrophic cardiomyopathy.",
                    "Asymmetric septal hypertrophy in keeping with HCM.",
                    "Hypertrophic cardiomyopathy phenotype."),
    Diagnosis.ISCHEMIC: ("Ischaemic cardiomyopathy with prior infarction.",
                         "Findings consistent with previous myocardial infarction.",
                         "Old infarct."),
    Diagnosis.MYOCARDITIS: ("Appearances consistent with myocarditis.",
                            "Non-ischaemic LGE pattern, suggestive of myocarditis.",
                            "Findings in keeping with recent or prior myocarditis."),
    Diagnosis.AMYLOIDOSIS: ("Appearances highly suggestive of cardiac amyloidosis.",
                            "Features consistent with cardiac amyloid.",
                            "Infiltrative cardiomyopathy, likely amyloidosis."),
    Diagnosis.ARVC: ("Findings suspicious for arrhythmogenic right ventricular cardiomyopathy.",
                     "Appearances meet imaging criteria for ARVC.",
                     "RV abnormalities consistent with ARVC."),
    Diagnosis.HYPERTENSIVE: ("Concentric remodelling in keeping with hypertensive heart disease.",
                             "Findings consistent with hypertensive heart disease."),
    Diagnosis.PULMONARY_HYPERTENSION: ("RV pressure overload, consistent with pulmonary "
                                       "hypertension.", "Findings in keeping with pulmonary "
                                       "hypertension with septal flattening."),
    Diagnosis.AORTOPATHY: ("Aortic root dilatation; suggest surveillance imaging.",
                           "Aortopathy with dilated root."),
    Diagnosis.PERICARDITIS: ("Pericardial effusion, consider pericarditis in the clinical "
                             "context.", "Findings compatible with pericarditis."),
}

INDICATIONS: dict[Diagnosis, tuple[str, ...]] = {
    Diagnosis.NORMAL: ("Palpitations, exclude structural heart disease.",
                       "Chest pain, ?myocarditis.", "Family history of cardiomyopathy.",
                       "Abnormal ECG.", "Syncope."),
    Diagnosis.DCM: ("Breathlessness, reduced EF on echo.", "Heart failure, ?aetiology.",
                    "New LV dysfunction."),
    Diagnosis.HCM: ("LVH on echo, ?HCM.", "Abnormal ECG with deep T wave inversion.",
                    "Family screening for HCM."),
    Diagnosis.ISCHEMIC: ("Known CAD, viability assessment.", "Previous MI, assess scar.",
                         "Ischaemic heart disease, LV function."),
    Diagnosis.MYOCARDITIS: ("Chest pain, troponin rise, unobstructed coronaries.",
                            "?Myocarditis.", "MINOCA."),
    Diagnosis.AMYLOIDOSIS: ("HFpEF, low voltage ECG, ?infiltration.", "?Cardiac amyloid."),
    Diagnosis.ARVC: ("Ventricular ectopy of LBBB morphology, ?ARVC.", "Family history of ARVC."),
    Diagnosis.HYPERTENSIVE: ("Hypertension with LVH on ECG.", "Hypertension, assess LV mass."),
    Diagnosis.PULMONARY_HYPERTENSION: ("Pulmonary hypertension, RV assessment.",
                                       "Breathlessness, raised PA pressure on echo."),
    Diagnosis.AORTOPATHY: ("Dilated aortic root on echo.", "Aortic root surveillance."),
    Diagnosis.PERICARDITIS: ("Pleuritic chest pain, ?pericardial effusion.",
                             "Pericarditis, assess effusion."),
}

TERRITORY_NAMES = {"lad": ("LAD", "anterior", "left anterior descending"),
                   "rca": ("RCA", "inferior", "right coronary"),
                   "lcx": ("circumflex", "LCx", "lateral")}

ABBREVIATIONS = {
    "left ventricular": "LV", "right ventricular": "RV", "left ventricle": "LV",
    "right ventricle": "RV", "late gadolinium enhancement": "LGE", "normal": "nl",
    "moderate": "mod", "severe": "sev", "with": "w/", "without": "w/o",
    "dilatation": "dil", "ejection fraction": "EF",
}
