"""Text prompts for zero-shot detection of the seven CMR-CLIP findings: positive and negative."""

from __future__ import annotations

from cmr_search.vocab import Finding

PROMPTS: dict[Finding, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Finding.LV_SYSTOLIC_DYSFUNCTION: (
        ("impaired left ventricular systolic function", "reduced LV ejection fraction",
         "LV systolic dysfunction"),
        ("normal left ventricular systolic function", "preserved LV ejection fraction",
         "no LV systolic dysfunction")),
    Finding.RV_SYSTOLIC_DYSFUNCTION: (
        ("impaired right ventricular systolic function", "reduced RV ejection fraction",
         "RV systolic dysfunction"),
        ("normal right ventricular systolic function", "preserved RV function",
         "no RV dysfunction")),
    Finding.LV_DILATION: (
        ("dilated left ventricle", "LV dilatation", "enlarged left ventricular cavity"),
        ("normal left ventricular size", "non-dilated left ventricle", "no LV dilatation")),
    Finding.RV_DILATION: (
        ("dilated right ventricle", "RV dilatation", "right ventricular enlargement"),
        ("normal right ventricular size", "non-dilated right ventricle", "no RV dilatation")),
    Finding.LV_HYPERTROPHY: (
        ("left ventricular hypertrophy", "increased LV wall thickness",
         "hypertrophied myocardium"),
        ("normal LV wall thickness", "no left ventricular hypertrophy", "no LVH")),
    Finding.LGE: (
        ("late gadolinium enhancement", "myocardial scar", "LGE present"),
        ("no late gadolinium enhancement", "no myocardial scar or fibrosis", "no LGE")),
    Finding.AORTIC_DILATION: (
        ("dilated aortic root", "aortic root dilatation", "enlarged aortic root"),
        ("normal aortic root dimensions", "no aortic root dilatation",
         "non-dilated aortic root")),
}
