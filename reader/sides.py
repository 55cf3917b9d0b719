"""A side of the heart said normal with no aspect, as reports write it ("Normal RV.", "The RV
is normal.", "Normal LV and RV."), given the aspects it means for the labeler's rules."""

from __future__ import annotations

import re

# a side named normal means its size and function, which the rules read by their aspect words
_SIDE_WORD = r"(?:lv|rv|left\s+ventricle|right\s+ventricle)"
_ASPECT_WORD = (r"(?:size|volumes?|dimensions?|(?:systolic\s+|diastolic\s+)?function|wall"
                r"|thickness|ejection|ef|mass|motion|cavity|diastolic|filling|strain)")
_BARE_NORMAL_SIDE = re.compile(
    rf"\b(normal\s+{_SIDE_WORD}(?:\s+and\s+{_SIDE_WORD})?)\b(?!\s*{_ASPECT_WORD}\b)"
    rf"(?!\s+and\s+{_SIDE_WORD}\s+{_ASPECT_WORD}\b)", re.IGNORECASE)
_SIDE_IS_NORMAL = re.compile(rf"\b({_SIDE_WORD}(?:\s+and\s+{_SIDE_WORD})?)\s+((?:is|are|was|were)"
                             rf"\s+)?normal\b(?!\s+(?:in\b|{_ASPECT_WORD}\b))", re.IGNORECASE)


def aspects_named(sentence: str) -> str:
    """A side said normal with no aspect, with the aspects it means ("Normal RV." is "normal
    RV size/function", no "and" for `_split_and` to cut at): the rules read a finding by its
    aspect word."""
    sentence = _BARE_NORMAL_SIDE.sub(r"\1 size/function", sentence)
    return _SIDE_IS_NORMAL.sub(r"\1 size/function \2normal", sentence)
