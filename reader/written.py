"""A report's text written out before it is read (`reader.labeler`): a reference range set
aside, shorthand spelled out ("nl", "w/o", "dil"), and a list's commas or "and" that would cut
a state from its structure or aspect joined up."""

from __future__ import annotations

import re

from reader.wording import NOT_WALL

# a reference range in brackets says nothing of the value: "LVEF 48 % (normal, 55-75 %)"
_REFERENCE = re.compile(r"\(\s*(?:normal|ref\w*|nl)\b[^()\d]*+\d[^()]*\)", re.IGNORECASE)
_ABBREVIATIONS = ((r"\bnl\b", "normal"), (r"\bw/o\b", "without"), (r"\bw/\b", "with"),
                  (r"\bdil\b", "dilatation"), (r"\bmod\b", "moderate"), (r"\bsev\b", "severe"),
                  # each its own aspect ("normal LV systolic and diastolic function": the LV size)
                  (r"\bsystolic and (diastolic (dys)?function)", r"systolic \2function and \1"),
                  # "diastolic function (of the LV) is impaired" names no systolic function
                  (r"\bdiastolic function (?:of the (?:lv|left ventricle) )?(?:is |was |appears "
                   r"|remains )?(\w+ly )?(?:impaired|reduced|abnormal)\b",
                   r"\1diastolic dysfunction"))

# "pericardial effusion and thickening": the thickening is the pericardium's, also once the
# clause is split at its "and"
_PERICARDIAL_PAIR = re.compile(r"\b(pericardial\s+(?:effusion|fluid))\s+(and|or|with)\s+"
                               r"(thicken(?:ing|ed))\b", re.IGNORECASE)
# "thickened, calcified pericardium": the comma would cut the thickening from its subject
_THICKENED_LIST = re.compile(rf"\b(thickened),\s*+(?=\w+\s+{NOT_WALL})", re.IGNORECASE)
# "normal in size, wall thickness and function": the commas cut the later aspects from "normal"
_ASPECT = r"(?:size|volumes?|thickness|function|mass|dimensions?)"
_ASPECT_LIST = re.compile(
    rf"\b({_ASPECT}),\s*+(?=(?:wall |systolic )?(?:{_ASPECT}|wall motion)\b)", re.IGNORECASE)


def normalised(text: str) -> str:
    """`text` as the labeler reads it (positions move: the evidence shown is this text)."""
    text = _REFERENCE.sub(" ", text)
    for pattern, replacement in _ABBREVIATIONS:
        text = re.sub(pattern, replacement, text, flags=re.IGNORECASE)
    text = _ASPECT_LIST.sub(r"\1 and ", _THICKENED_LIST.sub(r"\1 ", text))
    return _PERICARDIAL_PAIR.sub(r"\1 \2 pericardial \3", text)
