"""What a patient is given, which a role's label may head as it heads a name ("Nurse:
Midazolam", "Radiographer: Buscopan (20 mg)", "Physician: Regadenoson"): a medicine, a
contrast agent, a device or kit is no one's name. A word is one where it is on the curated list
(`wordlists.MEDICINES`: brands, kit and agents no stem finds), where it ends as the WHO's
international nonproprietary names do (`wordlists.MEDICINE_STEMS`: "-olol", "-xaban"),
or where a dose, a unit or a route follows it after a blank ("Stemetil 12.50 mg", "Cannula
20G"). faker's given and family names hold none of the stems with three letters before them.
"""

from __future__ import annotations

import re

from indexer.names import wordlists

# letters a stem follows at least: "April" is no "-pril" ACE inhibitor, nor "Rosine" "-osine"
_ROOT = 3
# a dose, a size or a route right after a word and a blank ("2 mg", "0.1 mmol/kg", "20G", "14
# Fr", "12.50 mg", "IV", "p.o."): what a medicine or kit is written with, never a name. Not in
# brackets nor after a comma, a dash or a line's end: there a list or a note goes on ("Nurse:
# Volkov (2 mg midazolam)", "Nurse: Volkov\n2 mg given")
_UNIT = r"(?:mcg|µg|μg|ug|mg|g|mmol|mls?|mL|l|L|units?|iu|IU|U|G|Fr|gauge|%)"
_ROUTE = r"(?:IV|PO|IM|SC|SL|i\.v\.|p\.o\.|i\.m\.|s\.c\.)"
_DOSE = re.compile(rf"[^\S\n]++(?:\d+(?:[.,]\d+)?[^\S\n]*+{_UNIT}|{_ROUTE})(?![\w])")


def is_medicine(word: str) -> bool:
    """Whether `word`, in any case, is a medicine's, an agent's or kit's by the curated list or
    by its stem ("Midazolam", "BISOPROLOL", "Gadobutrol", "Venflon", "MITRACLIP"; not "April",
    "Gesine", "Volkov")."""
    low = word.lower()
    if low in wordlists.MEDICINES:
        return True
    return any(low.endswith(stem) and len(low) - len(stem) >= _ROOT
               for stem in wordlists.MEDICINE_STEMS)


def dosed(text: str, pos: int) -> bool:
    """Whether a dose, a size or a route follows `pos` after a blank ("Buscopan 20 mg",
    "Stemetil 12.50 mg", "Cannula 20G", "Heparin IV"; not "Volkov, 2 mg", "Volkov (2 mg)")."""
    return bool(_DOSE.match(text, pos))
