"""QC flags in words, alike wherever they are said: the study page's measurements, the
finding evidence the indexer stores, and a search's explanation ("lv_not_closed" -> "LV not
closed"; the indexer wrote "lv not closed" while the pages said "LV not closed")."""

from __future__ import annotations

import re

# the abbreviations in the QC flags' names, as a report writes them ("lv_not_closed")
_ABBREVIATIONS = ("lv", "rv", "ed", "es", "ef", "lge")
_ABBREVIATED = re.compile(r"\b(" + "|".join(_ABBREVIATIONS) + r")\b")
# where finding evidence names QC flags: "RVEF not measurable (ef out of range)"
_NAMED_FLAGS = re.compile(r"(not measurable \()([^()]*)(\))")


def qc_words(flag: str) -> str:
    """A QC flag as words: "lv_not_closed" -> "LV not closed" (it read "lv not closed")."""
    return " ".join(w.upper() if w in _ABBREVIATIONS else w for w in flag.split("_"))


def evidence_words(text: str) -> str:
    """A finding's stored evidence with the QC flags it names in words (`qc_words`). An index
    built before the indexer used them holds them in lower case ("RVEF not measurable (ef out
    of range)"): it is said as a new index says it, and a new one's text is unchanged."""
    return _NAMED_FLAGS.sub(lambda m: m.group(1) + _ABBREVIATED.sub(
        lambda w: w.group(1).upper(), m.group(2)) + m.group(3), text)
