"""Text prompts for zero-shot detection of the seven CMR-CLIP findings: positive and negative.

`PROMPTS` is the default set. A finding may have other wordings (`VARIANTS`); which one a
model scores with is chosen on a validation archive (`cmrclip.contrast`, `cmr-search
tune-prompts`) and recorded in its identity (`ModelIdentity.prompt_variants`), because the
zero-shot scores an index holds depend on it.
"""

from __future__ import annotations

from cmr_search.vocab import Finding

Prompts = tuple[tuple[str, ...], tuple[str, ...]]  # (positive, negative)
DEFAULT_VARIANT = "default"

PROMPTS: dict[Finding, Prompts] = {
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

# Other wordings a validation archive may choose. LGE: reports describe enhancement by its
# pattern ("subendocardial", "mid-wall", ...), while the bare words ("myocardial scar", "LGE
# present") lie, through a sentence model that reads negation poorly, next to the far more
# common "no myocardial scar or fibrosis" and "no LGE" of reports without it.
VARIANTS: dict[Finding, dict[str, Prompts]] = {
    finding: {DEFAULT_VARIANT: prompts} for finding, prompts in PROMPTS.items()}
VARIANTS[Finding.LGE]["patterns"] = (
    ("subendocardial late gadolinium enhancement", "transmural late gadolinium enhancement",
     "mid-wall late gadolinium enhancement", "subepicardial late gadolinium enhancement"),
    (*PROMPTS[Finding.LGE][1], "no evidence of late enhancement"))


def prompts_for(finding: Finding, variant: str = DEFAULT_VARIANT) -> Prompts:
    """The (positive, negative) prompts of one finding in one wording; KeyError if unknown."""
    return VARIANTS[finding][variant]
